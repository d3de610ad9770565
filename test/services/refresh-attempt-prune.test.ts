// Refresh attempt records (tui/refresh/) are cleaned away once they can stop no send, and only then:
// one record was left per rotated token, one claim per refresh of a token that does not rotate, for ever.
import assert from 'node:assert/strict';
import {mkdirSync, readdirSync, statSync, symlinkSync, utimesSync, writeFileSync} from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import {test} from 'node:test';
import {tokenFingerprint} from '../../source/core/fingerprint.js';
import {attemptFile, legacyAttemptFile, pruneAttemptRecords, sendOnce} from '../../source/services/refresh-attempt.js';
import {withGrantLock} from '../../source/store/grant-lock.js';
import {ensureFresh, refreshLockBounds, settleAttemptPrunes} from '../../source/services/refresh.js';
import {AccountStore} from '../../source/store/accounts.js';
import {loadSettings} from '../../source/store/settings.js';
import {makeTempCcs, type TempCcs} from '../helpers/ccs.js';
import {startTokenServer} from '../helpers/token-server.js';

const DAY = 24 * 3600_000;
const PAST = () => new Date(Date.now() - 3600_000).toISOString();
const claudeToken = (email: string, refreshToken: string) => ({type: 'claude', email, access_token: `sk-ant-oat01-${refreshToken}-at`, refresh_token: refreshToken, expired: PAST()});

/** Writes `file` as a record of `refreshToken` (and `extra`), dated `agoMs` back, file time too. */
function oldRecord(file: string, refreshToken: string, outcome: string, agoMs: number, extra: Record<string, unknown> = {}): void {
  const at = new Date(Date.now() - agoMs);
  mkdirSync(path.dirname(file), {recursive: true, mode: 0o700});
  writeFileSync(file, JSON.stringify({fingerprint: tokenFingerprint(refreshToken), outcome, at: at.toISOString(), pid: 1, host: 'elsewhere', ...extra}), {mode: 0o600});
  utimesSync(file, at, at);
}

/** A claim file (sendClaimFile) of send `n` of the record `file`, dated `agoMs` back. */
function oldClaim(file: string, n: number, agoMs: number): string {
  const claim = file.replace(/\.json$/, `.send-${n}`);
  writeFileSync(claim, '{}', {mode: 0o600});
  utimesSync(claim, new Date(Date.now() - agoMs), new Date(Date.now() - agoMs));
  return claim;
}

/**
 * Holds the first call of fs/promises' `method` whose paths `when` matches until `release()`, as a
 * process suspended right there: `reached` settles once it is held; `restore()` puts the method back.
 */
function holdFirst(method: 'link' | 'rename', when: (from: string, to: string) => boolean): {reached: Promise<void>; release: () => void; restore: () => void} {
  const real = fs[method];
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  let reachedNow: (() => void) | undefined;
  const reached = new Promise<void>((resolve) => (reachedNow = resolve));
  fs[method] = (async (from: string, to: string) => {
    if (reachedNow && when(String(from), String(to))) {
      const go = reachedNow;
      reachedNow = undefined;
      go();
      await held;
    }
    return real(from, to);
  }) as typeof real;
  return {reached, release, restore: () => void (fs[method] = real)};
}

const refreshDir = (ccs: TempCcs) => path.join(ccs.paths.state, 'refresh');
const listed = (ccs: TempCcs) => readdirSync(refreshDir(ccs)).sort();

test('a refresh cleans away the records no token file can present again; the ones that still guard a token stay, and still stop its refresh', async () => {
  const server = await startTokenServer();
  const ccs = makeTempCcs();
  try {
    ccs.writeRaw('tui.json', JSON.stringify({endpoints: {claude: {token: `${server.url}/token`, usage: `${server.url}/usage`}}}));
    const state = ccs.paths.state;
    // Refreshed 30 times without rotating (each send a claim), then refreshed now: its token rotates.
    ccs.writeToken('claude-a@x.com.json', claudeToken('a@x.com', 'sk-ant-ort01-RTA-0123456789'));
    const a = attemptFile(state, 'claude', 'sk-ant-ort01-RTA-0123456789');
    oldRecord(a, 'sk-ant-ort01-RTA-0123456789', 'ok', 2 * DAY, {sends: 30});
    for (let n = 1; n < 30; n++) oldClaim(a, n, 2 * DAY);
    // Held, refreshed 10 times without rotating, not refreshed now: its last claim stays.
    ccs.writeToken('claude-b@x.com.json', claudeToken('b@x.com', 'sk-ant-ort01-RTB-0123456789'));
    const b = attemptFile(state, 'claude', 'sk-ant-ort01-RTB-0123456789');
    oldRecord(b, 'sk-ant-ort01-RTB-0123456789', 'ok', 2 * DAY, {sends: 10});
    for (let n = 1; n < 10; n++) oldClaim(b, n, 2 * DAY);
    // Held by a copy whose account's own mark went with a removed file: the record is all that stops
    // its refresh token, sent two days ago with no answer.
    ccs.writeToken('claude-copy.json', claudeToken('c@x.com', 'sk-ant-ort01-RTC-0123456789'));
    const c = attemptFile(state, 'claude', 'sk-ant-ort01-RTC-0123456789');
    oldRecord(c, 'sk-ant-ort01-RTC-0123456789', 'unknown', 2 * DAY, {detail: 'the connection was reset'});
    // 300 tokens rotated or refused long ago, accounts since removed, a login since: no file holds them.
    for (let i = 0; i < 300; i++) {
      const token = `sk-ant-ort01-gone-${i}-0123456789`;
      oldRecord(attemptFile(state, 'claude', token), token, ['ok', 'refused', 'unknown', 'sent'][i % 4]!, 40 * DAY, i % 4 === 0 ? {rotated: true} : {});
    }
    // Rotated two days ago and held by no file: kept for a month, for a backup of its token file put back.
    const restored = 'sk-ant-ort01-restored-0123456789';
    oldRecord(attemptFile(state, 'claude', restored), restored, 'ok', 2 * DAY, {rotated: true});
    // Rotated a minute ago: a refresh of it could still be in flight (the lock's bound is 20 minutes).
    oldRecord(attemptFile(state, 'claude', 'sk-ant-ort01-recent-0123456789'), 'sk-ant-ort01-recent-0123456789', 'ok', 60_000, {rotated: true});
    // Cannot be read: it may name any token. An earlier version's record is never written again.
    const unreadable = attemptFile(state, 'claude', 'sk-ant-ort01-unknown-0123456789');
    writeFileSync(unreadable, '{"fingerprint": "ab', {mode: 0o600});
    utimesSync(unreadable, new Date(Date.now() - 2 * DAY), new Date(Date.now() - 2 * DAY));
    const legacy = legacyAttemptFile(state, 'claude', 'old@x.com');
    oldRecord(legacy, 'sk-ant-ort01-legacy-0123456789', 'ok', 2 * DAY, {rotated: true});
    assert.equal(listed(ccs).length, 3 + 29 + 9 + 300 + 1 + 3);

    const store = new AccountStore(ccs.paths);
    const {settings} = await loadSettings(ccs.paths, {report: false});
    const fresh = await ensureFresh({store, settings}, 'claude', 'a@x.com', {force: true});
    assert.equal(fresh.outcome.kind, 'refreshed');
    await settleAttemptPrunes(store);

    const base = (file: string) => path.basename(file);
    assert.deepEqual(
      listed(ccs),
      [
        base(a), // sent just now (young), claim 30 with it
        base(a).replace('.json', '.send-30'),
        base(b), // held: the record and the claim of its last send
        base(b).replace('.json', '.send-9'),
        base(c),
        base(attemptFile(state, 'claude', 'sk-ant-ort01-recent-0123456789')),
        base(attemptFile(state, 'claude', restored)),
        base(unreadable),
        base(legacy),
      ].sort(),
    );
    assert.equal(statSync(refreshDir(ccs)).mode & 0o777, 0o700);
    for (const name of listed(ccs)) assert.equal(statSync(path.join(refreshDir(ccs), name)).mode & 0o777, 0o600, name);
    assert.deepEqual(readdirSync(ccs.paths.locks).filter((name) => name.endsWith('.lock')), [], 'no lock left behind');

    // The record that stayed still stops the copy's refresh: its token is never sent twice.
    const copy = (await store.load()).accounts.find((account) => account.tokenFile === 'claude-copy.json')!;
    await assert.rejects(ensureFresh({store, settings}, 'claude', copy.id, {force: true}), /refresh outcome unknown \(this refresh token was already sent by process 1 on elsewhere .*: the connection was reset\)/);
    // A backup of a token file holding the token spent two days ago, put back: its record refuses it.
    ccs.writeToken('claude-d@x.com.json', claudeToken('d@x.com', restored));
    await assert.rejects(ensureFresh({store, settings}, 'claude', 'd@x.com', {force: true}), /this refresh token was already refreshed/);
    assert.deepEqual(server.presented, ['sk-ant-ort01-RTA-0123456789']);
  } finally {
    ccs.cleanup();
    await server.close();
  }
});

test('a process held up since it read a record whose older claims were cleaned away sends nothing, and leaves the record as it is', async () => {
  const ccs = makeTempCcs();
  // The first process stops right before it makes its claim (send 1), after reading the record.
  const atClaim = holdFirst('link', (_from, to) => to.endsWith('.send-1'));
  try {
    const token = 'sk-ant-ort01-RT1-0123456789';
    const file = attemptFile(ccs.paths.state, 'claude', token);
    oldRecord(file, token, 'ok', 2 * DAY, {sends: 1});
    const target = {file, provider: 'claude', accountId: 'a@x.com', spends: token};
    let firstSent = 0;
    const first = sendOnce(target, async () => ++firstSent);
    await atClaim.reached;
    // Meanwhile others send it twice more (claims 1 and 2); the second gets no answer.
    const second = await sendOnce(target, async () => 'granted');
    await second.settled(false);
    await assert.rejects(sendOnce(target, async () => Promise.reject(new Error('socket hang up'))), /refresh outcome unknown/);
    // Claim 1 is older than the token's last send (2): cleaned away.
    utimesSync(file.replace(/\.json$/, '.send-1'), new Date(Date.now() - 2 * DAY), new Date(Date.now() - 2 * DAY));
    const bounds = refreshLockBounds({});
    assert.equal(await pruneAttemptRecords(ccs.paths, async () => new Set([token]), 60_000, bounds), 1);
    atClaim.release();
    await assert.rejects(first, /not refreshed: another process refreshed with this refresh token while this one was held up/);
    assert.equal(firstSent, 0, 'the held-up process sent nothing');
    await assert.rejects(sendOnce(target, async () => 'sent'), /refresh outcome unknown \(this refresh token was already sent .*socket hang up/, 'the unanswered send still stops the token');
  } finally {
    atClaim.restore();
    ccs.cleanup();
  }
});

test('while a token file cannot be read (it may hold any token), no record is cleaned away for being unheld', async () => {
  const ccs = makeTempCcs();
  try {
    const gone = 'sk-ant-ort01-gone-0123456789';
    oldRecord(attemptFile(ccs.paths.state, 'claude', gone), gone, 'ok', 40 * DAY, {rotated: true});
    ccs.writeRaw('cliproxy/auth/claude-b@x.com.json', '{"type": "claude", "refresh_token": "sk-ant-ort01-gone-01');
    const store = new AccountStore(ccs.paths);
    const bounds = refreshLockBounds({});
    assert.equal(await pruneAttemptRecords(ccs.paths, () => store.refreshTokensHeld(), bounds.staleMs, bounds), 0);
    assert.deepEqual(listed(ccs), [path.basename(attemptFile(ccs.paths.state, 'claude', gone))]);
    // Fixed, and holding another token: the record goes.
    ccs.writeToken('claude-b@x.com.json', claudeToken('b@x.com', 'sk-ant-ort01-other-0123456789'));
    assert.equal(await pruneAttemptRecords(ccs.paths, () => store.refreshTokensHeld(), bounds.staleMs, bounds), 1);
    assert.deepEqual(listed(ccs), []);
  } finally {
    ccs.cleanup();
  }
});

test('a paused copy of a token file under the same name as one in auth/ still guards its spent token: its record stays, and stops its refresh once it is back', async () => {
  const server = await startTokenServer();
  const ccs = makeTempCcs();
  try {
    ccs.writeRaw('tui.json', JSON.stringify({endpoints: {claude: {token: `${server.url}/token`, usage: `${server.url}/usage`}}}));
    // A move cut short (or a copy) left the old file in auth-paused/; the one in auth/ was refreshed since.
    const spent = 'sk-ant-ort01-spent-0123456789';
    ccs.writeToken('claude-a@x.com.json', claudeToken('a@x.com', spent), 'auth-paused');
    ccs.writeToken('claude-a@x.com.json', claudeToken('a@x.com', 'sk-ant-ort01-now-0123456789'));
    oldRecord(attemptFile(ccs.paths.state, 'claude', spent), spent, 'ok', 40 * DAY, {rotated: true});
    const store = new AccountStore(ccs.paths);
    const bounds = refreshLockBounds({});
    assert.equal(await pruneAttemptRecords(ccs.paths, () => store.refreshTokensHeld(), bounds.staleMs, bounds), 0);
    assert.deepEqual(listed(ccs), [path.basename(attemptFile(ccs.paths.state, 'claude', spent))]);
    // The one in auth/ removed, the paused one resumed: its spent token is refused, never sent.
    await fs.rm(path.join(ccs.paths.authDir, 'claude-a@x.com.json'));
    await fs.rename(path.join(ccs.paths.pausedDir, 'claude-a@x.com.json'), path.join(ccs.paths.authDir, 'claude-a@x.com.json'));
    const {settings} = await loadSettings(ccs.paths, {report: false});
    await assert.rejects(ensureFresh({store, settings}, 'claude', 'a@x.com', {force: true}), /this refresh token was already refreshed/);
    assert.deepEqual(server.presented, []);
  } finally {
    ccs.cleanup();
    await server.close();
  }
});

test('a clean-up held up (suspended) past the lock\'s bound after it judged a record removes nothing: the record may guard a send made since', async () => {
  const ccs = makeTempCcs();
  // Not sent a month ago, its file since removed; a backup of it put back while the clean-up is held up.
  const token = 'sk-ant-ort01-back-0123456789';
  const file = attemptFile(ccs.paths.state, 'claude', token);
  // Held up right as it removes the record (the move aside that removing it starts with).
  const atRemove = holdFirst('rename', (from, to) => from === file && !path.basename(to).startsWith('rt-'));
  try {
    oldRecord(file, token, 'not-sent', 40 * DAY, {sends: 1});
    const bounds = {...refreshLockBounds({}), staleMs: 100};
    const pruning = pruneAttemptRecords(ccs.paths, async () => new Set<string>(), 60_000, bounds);
    await atRemove.reached;
    await new Promise((resolve) => setTimeout(resolve, 200));
    // Another process takes the lock over and sends the token; it is killed before the answer comes.
    const target = {file, provider: 'claude', accountId: 'a@x.com', spends: token};
    let sent = 0;
    void withGrantLock(ccs.paths, path.basename(file, '.json'), () => sendOnce(target, () => (sent++, new Promise<never>(() => undefined))), bounds);
    while (sent === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    atRemove.release();
    await pruning;
    await assert.rejects(sendOnce(target, async () => ++sent), /refresh outcome unknown \(this refresh token was already sent/);
    assert.equal(sent, 1, 'sent once');
    assert.deepEqual(listed(ccs), [path.basename(file), path.basename(file).replace('.json', '.send-1')]);
  } finally {
    atRemove.restore();
    ccs.cleanup();
  }
});

test('a token file that is a link to storage not there now (unmounted) may hold any token: no record is cleaned away for being unheld, and its spent token is refused once it is back', async () => {
  const server = await startTokenServer();
  const ccs = makeTempCcs();
  try {
    ccs.writeRaw('tui.json', JSON.stringify({endpoints: {claude: {token: `${server.url}/token`, usage: `${server.url}/usage`}}}));
    const spent = 'sk-ant-ort01-usb-0123456789';
    oldRecord(attemptFile(ccs.paths.state, 'claude', spent), spent, 'ok', 40 * DAY, {rotated: true});
    // Mounted inside the token dirs: a link out of them is never read (tokens.ts tokenReadOptions).
    const usb = path.join(ccs.paths.authDir, 'usb');
    symlinkSync(path.join(usb, 'claude-a@x.com.json'), path.join(ccs.paths.authDir, 'claude-a@x.com.json'));
    const store = new AccountStore(ccs.paths);
    const bounds = refreshLockBounds({});
    assert.equal(await pruneAttemptRecords(ccs.paths, () => store.refreshTokensHeld(), bounds.staleMs, bounds), 0);
    assert.deepEqual(listed(ccs), [path.basename(attemptFile(ccs.paths.state, 'claude', spent))]);
    // Mounted again: it holds the spent token (rotated through a copy since removed).
    mkdirSync(usb, {mode: 0o700});
    writeFileSync(path.join(usb, 'claude-a@x.com.json'), JSON.stringify(claudeToken('a@x.com', spent)), {mode: 0o600});
    const {settings} = await loadSettings(ccs.paths, {report: false});
    await assert.rejects(ensureFresh({store, settings}, 'claude', 'a@x.com', {force: true}), /this refresh token was already refreshed/);
    assert.deepEqual(server.presented, []);
  } finally {
    ccs.cleanup();
    await server.close();
  }
});

test('a process held up since it read a record cleaned away whole, then made again by a send of the same token, sends nothing', async () => {
  const ccs = makeTempCcs();
  const atClaim = holdFirst('link', (_from, to) => to.endsWith('.send-1'));
  try {
    const token = 'sk-ant-ort01-RT9-0123456789';
    const file = attemptFile(ccs.paths.state, 'claude', token);
    oldRecord(file, token, 'not-sent', 40 * DAY, {sends: 1});
    const target = {file, provider: 'claude', accountId: 'a@x.com', spends: token};
    let sent = 0;
    const first = sendOnce(target, async () => ++sent);
    await atClaim.reached;
    // Its file removed, the record cleaned away a month later; a backup put back, and its token sent (no answer yet).
    assert.equal(await pruneAttemptRecords(ccs.paths, async () => new Set<string>(), 60_000, refreshLockBounds({})), 1);
    void sendOnce(target, () => (sent++, new Promise<never>(() => undefined)));
    while (sent === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    atClaim.release();
    await assert.rejects(first, /not refreshed: another process refreshed with this refresh token while this one was held up/);
    assert.equal(sent, 1, 'sent once');
  } finally {
    atClaim.restore();
    ccs.cleanup();
  }
});
