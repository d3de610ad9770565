// The proxy's per-request looks at the auth dir and the chosen token file (accounts.ts): each way
// of changing the files must reach the next request, also one handled in the same poll phase as the
// change (a watch of the dir was tried for speed and reported too late; see issue 14's notes).
import assert from 'node:assert/strict';
import {mkdirSync, readFileSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {test} from 'node:test';
import {AccountSource} from '../../source/proxy/accounts.js';
import {AccountStore} from '../../source/store/accounts.js';
import {makeTempCcs, tokenFixture} from '../helpers/ccs.js';

/** One turn of the event loop, as between two requests: the watch's reports are taken in. */
const turn = () => new Promise((resolve) => setImmediate(resolve));


async function setUp() {
  const ccs = makeTempCcs();
  ccs.writeToken('claude-a.json', tokenFixture('claude', 'a@example.com'));
  const store = new AccountStore(ccs.paths);
  const source = new AccountSource(store, Date.now, 60_000);
  /** What a request does: the usable list (without waiting when fresh), then the picked account's token. */
  const request = async (id = 'a@example.com') => {
    await turn();
    const usable = source.usableNow('claude') ?? (await source.usable('claude'));
    const account = usable.find((a) => a.id === id);
    return {ids: usable.map((a) => a.id).sort(), token: account ? source.read(account) : 'not listed'};
  };
  for (let i = 0; i < 3; i++) await request();
  return {ccs, source, request, done: () => ccs.cleanup()};
}

test('a token file added, paused or rewritten in place reaches the very next request', async () => {
  const {ccs, request, done} = await setUp();
  try {
    ccs.writeToken('claude-b.json', tokenFixture('claude', 'b@example.com'));
    assert.deepEqual((await request('b@example.com')).ids, ['a@example.com', 'b@example.com'], 'added by hand: listed');

    // Rewritten in place (same name, same size): the new token is the one read.
    const file = path.join(ccs.paths.authDir, 'claude-a.json');
    const text = readFileSync(file, 'utf8');
    writeFileSync(file, text.replace('at-claude-a@example.com-0123456789abcdef', 'at-claude-a@example.com-fedcba9876543210'));
    const rewritten = (await request()).token;
    assert.ok(typeof rewritten === 'object');
    assert.equal(rewritten.access_token, 'at-claude-a@example.com-fedcba9876543210');

    // Paused by hand (moved to auth-paused/): never used again.
    mkdirSync(ccs.paths.pausedDir, {recursive: true, mode: 0o700});
    renameSync(path.join(ccs.paths.authDir, 'claude-b.json'), path.join(ccs.paths.pausedDir, 'claude-b.json'));
    const after = await request('b@example.com');
    assert.deepEqual(after.ids, ['a@example.com']);
    assert.equal(after.token, 'not listed');
  } finally {
    done();
  }
});

test('an auth dir replaced by another is followed: its files reach the next request', async () => {
  const {ccs, request, done} = await setUp();
  try {
    const auth = ccs.paths.authDir;
    renameSync(auth, `${auth}.old`);
    mkdirSync(auth, {mode: 0o700});
    ccs.writeToken('claude-c.json', tokenFixture('claude', 'c@example.com'));
    assert.deepEqual((await request('c@example.com')).ids, ['c@example.com']);
    await request('c@example.com');
    ccs.writeToken('claude-d.json', tokenFixture('claude', 'd@example.com'));
    assert.deepEqual((await request('d@example.com')).ids, ['c@example.com', 'd@example.com'], 'the new dir is the one watched');
  } finally {
    done();
  }
});

test('an auth dir removed and made again (ext4 gives it the same inode) is watched again: a pause, an addition and a rewrite reach the next request', async (t) => {
  const {ccs, request, done} = await setUp();
  try {
    const auth = ccs.paths.authDir;
    const before = statSync(auth).ino;
    rmSync(auth, {recursive: true});
    mkdirSync(auth, {mode: 0o700});
    // On ext4 the new dir is the old inode number (on tmpfs it is not, and the watch restarts anyway).
    t.diagnostic(`same inode: ${statSync(auth).ino === before}`);
    ccs.writeToken('claude-a.json', tokenFixture('claude', 'a@example.com'));
    for (let i = 0; i < 3; i++) assert.deepEqual((await request()).ids, ['a@example.com']);

    ccs.writeToken('claude-b.json', tokenFixture('claude', 'b@example.com'));
    assert.deepEqual((await request('b@example.com')).ids, ['a@example.com', 'b@example.com'], 'added by hand: listed');
    const file = path.join(auth, 'claude-a.json');
    writeFileSync(file, readFileSync(file, 'utf8').replace('at-claude-a@example.com-0123456789abcdef', 'at-claude-a@example.com-fedcba9876543210'));
    const rewritten = (await request()).token;
    assert.ok(typeof rewritten === 'object');
    assert.equal(rewritten.access_token, 'at-claude-a@example.com-fedcba9876543210', 'rewritten: the new token');
    mkdirSync(ccs.paths.pausedDir, {recursive: true, mode: 0o700});
    renameSync(file, path.join(ccs.paths.pausedDir, 'claude-a.json'));
    const after = await request();
    assert.deepEqual(after.ids, ['b@example.com'], 'paused: not listed');
    assert.equal(after.token, 'not listed');
  } finally {
    done();
  }
});

test('a change reaches a request handled before the watch reports it (read in the same poll phase, ahead of the report)', async () => {
  const {ccs, source, request, done} = await setUp();
  try {
    ccs.writeToken('claude-b.json', tokenFixture('claude', 'b@example.com'));
    for (let i = 0; i < 3; i++) await request('b@example.com');
    // Past the clock tick of the last read (a dir's mtime is as coarse as that), as a user's change is.
    await new Promise((resolve) => setTimeout(resolve, 30));
    /** What a request does, without the turn of the event loop that would take in the watch's report first. */
    const requestNow = async (id: string) => {
      const now = source.usableNow('claude');
      const usable = now ?? (await source.usable('claude'));
      const account = usable.find((a) => a.id === id);
      return {ids: usable.map((a) => a.id).sort(), token: account ? source.read(account) : 'not listed'};
    };
    // Paused (moved to auth-paused/) and, at once, a request: a libuv poll phase may hand the
    // request's socket to the proxy before the watch's report (a level-triggered socket reported
    // in the phase before stays ahead in epoll's ready list).
    mkdirSync(ccs.paths.pausedDir, {recursive: true, mode: 0o700});
    renameSync(path.join(ccs.paths.authDir, 'claude-b.json'), path.join(ccs.paths.pausedDir, 'claude-b.json'));
    const paused = await requestNow('b@example.com');
    assert.deepEqual(paused.ids, ['a@example.com'], 'paused: not listed');
    assert.equal(paused.token, 'not listed');

    for (let i = 0; i < 3; i++) await request();
    await new Promise((resolve) => setTimeout(resolve, 30));
    // A refreshed token written as CCS writes it (a temp file renamed into place).
    const file = path.join(ccs.paths.authDir, 'claude-a.json');
    writeFileSync(`${file}.tmp`, readFileSync(file, 'utf8').replace('at-claude-a@example.com-0123456789abcdef', 'at-claude-a@example.com-fedcba9876543210'), {mode: 0o600});
    renameSync(`${file}.tmp`, file);
    const refreshed = (await requestNow('a@example.com')).token;
    assert.ok(typeof refreshed === 'object');
    assert.equal(refreshed.access_token, 'at-claude-a@example.com-fedcba9876543210', 'refreshed: the new token');

    for (let i = 0; i < 3; i++) await request();
    await new Promise((resolve) => setTimeout(resolve, 30));
    ccs.writeToken('claude-c.json', tokenFixture('claude', 'c@example.com'));
    assert.deepEqual((await requestNow('c@example.com')).ids, ['a@example.com', 'c@example.com'], 'added: listed');
  } finally {
    done();
  }
});

test('an auth dir that is a link, pointed at another dir (ln -sfn), is followed by the next request', async () => {
  const ccs = makeTempCcs();
  const auth = ccs.paths.authDir;
  const first = `${auth}-first`;
  const second = `${auth}-second`;
  mkdirSync(first, {mode: 0o700});
  mkdirSync(second, {mode: 0o700});
  writeFileSync(path.join(first, 'claude-a.json'), JSON.stringify(tokenFixture('claude', 'a@example.com')), {mode: 0o600});
  rmSync(auth, {recursive: true});
  symlinkSync(first, auth);
  const source = new AccountSource(new AccountStore(ccs.paths), Date.now, 60_000);
  try {
    const ids = async () => {
      await turn();
      return (source.usableNow('claude') ?? (await source.usable('claude'))).map((a) => a.id);
    };
    for (let i = 0; i < 3; i++) assert.deepEqual(await ids(), ['a@example.com']);
    // Past the clock tick of the first dir's last change (a dir's mtime is as coarse as that).
    await new Promise((resolve) => setTimeout(resolve, 30));
    writeFileSync(path.join(second, 'claude-b.json'), JSON.stringify(tokenFixture('claude', 'b@example.com')), {mode: 0o600});
    // The link replaced by one to the other dir: nothing changes in the dir the watch follows.
    symlinkSync(second, `${auth}.new`);
    renameSync(`${auth}.new`, auth);
    assert.deepEqual(await ids(), ['b@example.com']);
  } finally {
    ccs.cleanup();
  }
});

test('a token file that is a link (within the token dirs) is looked at on every request (its target changes where the auth dir\'s watch does not see)', async () => {
  const ccs = makeTempCcs();
  // A link out of the token dirs is never read (tokens.ts tokenReadOptions): this one leads into a dir of auth/.
  mkdirSync(path.join(ccs.paths.authDir, 'store'), {mode: 0o700});
  const outside = path.join(ccs.paths.authDir, 'store', 'elsewhere.json');
  writeFileSync(outside, JSON.stringify(tokenFixture('claude', 'l@example.com')), {mode: 0o600});
  symlinkSync(outside, path.join(ccs.paths.authDir, 'claude-l.json'));
  const source = new AccountSource(new AccountStore(ccs.paths), Date.now, 60_000);
  try {
    const read = async () => {
      await turn();
      const account = (source.usableNow('claude') ?? (await source.usable('claude')))[0]!;
      return source.read(account);
    };
    for (let i = 0; i < 3; i++) await read();
    // Same size, new token: only the link's target changed, so the auth dir's watch saw nothing.
    writeFileSync(outside, JSON.stringify(tokenFixture('claude', 'l@example.com', {access_token: 'at-claude-l@example.com-fedcba9876543210'})));
    const token = await read();
    assert.ok(token && token !== 'missing');
    assert.equal(token.access_token, 'at-claude-l@example.com-fedcba9876543210');
  } finally {
    ccs.cleanup();
  }
});
