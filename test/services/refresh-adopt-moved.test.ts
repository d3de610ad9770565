// ATTACK (s16atk): a refresh's token write waits for CCS's registry lock (store/file-lock.ts peerLock),
// and CCS, holding it, may be pausing that very account: the write is then made again in auth-paused/,
// and a process killed meanwhile leaves its answer (the only copy of the new grant) beside the file's
// old place in auth/. The next refresh finds it there and takes it, as it would beside the file.
import assert from 'node:assert/strict';
import {mkdirSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {test} from 'node:test';
import {tokenFingerprint} from '../../source/core/fingerprint.js';
import {attemptFile} from '../../source/services/refresh-attempt.js';
import {writeJsonAtomic} from '../../source/store/files.js';
import {makeTempCcs} from '../helpers/ccs.js';
import lockfile from 'proper-lockfile';
import {ensureFreshToken} from '../../source/services/refresh.js';
import {AccountStore} from '../../source/store/accounts.js';
import {loadSettings} from '../../source/store/settings.js';
import {runBin} from '../helpers/cli.js';
import {startTokenServer} from '../helpers/token-server.js';

const RT1 = 'sk-ant-ort01-RT1-0123456789';
const RT2 = 'sk-ant-ort01-RT2-0123456789';
const FILE = 'claude-a@x.com.json';
/** A pid no process has (above the default pid_max of 32-bit systems, below 64-bit's). */
const DEAD_PID = 3_999_999;

for (const [where, there] of [
  ['paused', 'auth'],
  ['resumed', 'auth-paused'],
] as const) {
  test(`a killed refresh's answer left in ${there}/, the account ${where} meanwhile: taken, nothing sent`, async () => {
    const server = await startTokenServer();
    const ccs = makeTempCcs();
    try {
      ccs.writeRaw('tui.json', JSON.stringify({endpoints: {claude: {token: `${server.url}/token`, usage: `${server.url}/usage`}}}));
      const paused = where === 'paused';
      const here = paused ? 'auth-paused' : 'auth';
      ccs.writeToken(FILE, {type: 'claude', email: 'a@x.com', access_token: 'sk-ant-oat01-AT1-0123456789', refresh_token: RT1, expired: new Date(Date.now() - 3600_000).toISOString()}, here);
      ccs.writeRegistry({version: 1, providers: {claude: {accounts: {'a@x.com': {email: 'a@x.com', tokenFile: FILE, ...(paused ? {paused: true} : {})}}}}});
      await writeJsonAtomic(attemptFile(ccs.paths.state, 'claude', RT1), {fingerprint: tokenFingerprint(RT1), outcome: 'sent', at: new Date().toISOString(), host: os.hostname(), pid: DEAD_PID});
      mkdirSync(path.join(ccs.paths.cliproxy, there), {recursive: true, mode: 0o700});
      const temp = path.join(ccs.paths.cliproxy, there, `.${FILE}.${DEAD_PID}.0123abcd.tmp`);
      writeFileSync(temp, `${JSON.stringify({type: 'claude', email: 'a@x.com', access_token: 'sk-ant-oat01-AT2-0123456789', refresh_token: RT2, expired: new Date(Date.now() + 3600_000).toISOString()})}\n`, {mode: 0o600});

      await runBin(['quota'], ccs.env);
      const onDisk = JSON.parse(readFileSync(path.join(ccs.paths.cliproxy, here, FILE), 'utf8')) as {refresh_token: string};
      assert.equal(onDisk.refresh_token, RT2, 'the grant the killed refresh got was not taken');
      assert.deepEqual(server.presented, [], 'nothing sent');
      for (const dir of ['auth', 'auth-paused']) assert.deepEqual(readdirSync(path.join(ccs.paths.cliproxy, dir)).filter((name) => name.endsWith('.tmp') || (dir === there && name === FILE)), [], `${dir}/`);
    } finally {
      ccs.cleanup();
      await server.close();
    }
  });
}

/** An expired claude account whose refresh's token write CCS's lock refuses at once: a file where its lock dir goes, left old. */
async function withRefusedWrite(body: (ccs: ReturnType<typeof makeTempCcs>, server: Awaited<ReturnType<typeof startTokenServer>>) => Promise<void>): Promise<void> {
  const server = await startTokenServer();
  const ccs = makeTempCcs();
  try {
    ccs.writeRaw('tui.json', JSON.stringify({endpoints: {claude: {token: `${server.url}/token`, usage: `${server.url}/usage`}}}));
    ccs.writeToken(FILE, {type: 'claude', email: 'a@x.com', access_token: 'sk-ant-oat01-AT1-0123456789', refresh_token: RT1, expired: new Date(Date.now() - 3600_000).toISOString()});
    const lock = `${ccs.paths.cliproxy}.lock`;
    writeFileSync(lock, '');
    utimesSync(lock, new Date(Date.now() - 60_000), new Date(Date.now() - 60_000));
    await body(ccs, server);
  } finally {
    ccs.cleanup();
    await server.close();
  }
}

const tokenOnDisk = (ccs: ReturnType<typeof makeTempCcs>) => (JSON.parse(readFileSync(path.join(ccs.paths.authDir, FILE), 'utf8')) as {refresh_token: string}).refresh_token;
const tempsIn = (dir: string) => readdirSync(dir).filter((name) => name.endsWith('.tmp'));

test('a refreshed grant whose token write CCS\'s lock refuses is kept beside, its temp file gone once it is', async () => {
  await withRefusedWrite(async (ccs, server) => {
    await runBin(['quota'], ccs.env);
    assert.equal(server.presented.length, 1);
    const kept = readdirSync(ccs.paths.refreshKept);
    assert.equal(kept.length, 1);
    assert.equal((JSON.parse(readFileSync(path.join(ccs.paths.refreshKept, kept[0]!), 'utf8')) as {refresh_token: string}).refresh_token, 'sk-ant-ort01-new-1-0123456789abcdef');
    assert.deepEqual(tempsIn(ccs.paths.authDir), []);
  });
});

test('a refreshed grant kept in refresh-kept/ goes back into its token file at the next refresh once the file can be written, sending nothing', async () => {
  await withRefusedWrite(async (ccs, server) => {
    const file = path.join(ccs.paths.authDir, FILE);
    writeFileSync(file, JSON.stringify({...JSON.parse(readFileSync(file, 'utf8')), disabled: false, prefix: 'old'}), {mode: 0o600});
    const first = await runBin(['quota', '--json'], ccs.env);
    assert.equal(server.presented.length, 1);
    const [kept] = readdirSync(ccs.paths.refreshKept);
    assert.ok(kept, first.stdout + first.stderr);
    assert.match(first.stdout + first.stderr, /the next refresh of the account puts it back once the file can be written/);
    // Listed with where the grant is, never told to remove the file the grant goes back into.
    const listed = await runBin(['accounts', '--json'], ccs.env);
    const [account] = JSON.parse(listed.stdout) as Array<{health: string; healthDetail?: string}>;
    assert.equal(account!.health, 'refresh-unknown');
    assert.match(account!.healthDetail ?? '', new RegExp(`kept in tui/refresh-kept/${kept!.replace(/\./g, '\\.')}, and the next refresh of the account puts it back here`));
    assert.doesNotMatch(account!.healthDetail ?? '', /remove this one/);
    // Still not writable: the grant stays kept, nothing is sent.
    rmSync(path.join(ccs.paths.state, 'quota-cache.json'), {force: true});
    const again = await runBin(['quota', '--json'], ccs.env);
    assert.equal(server.presented.length, 1, 'sent again');
    assert.deepEqual(readdirSync(ccs.paths.refreshKept), [kept], again.stdout);
    assert.equal(tokenOnDisk(ccs), RT1);
    // Meanwhile another tool changed the file's other fields (CLIProxyAPI's management: disabled, a
    // prefix): they stay; only the grant comes back (REVIEW s39: the whole kept copy was written over them).
    writeFileSync(file, JSON.stringify({...JSON.parse(readFileSync(file, 'utf8')), disabled: true, prefix: 'new'}), {mode: 0o600});
    // Writable again: taken back at the next refresh.
    rmSync(`${ccs.paths.cliproxy}.lock`);
    rmSync(path.join(ccs.paths.state, 'quota-cache.json'), {force: true});
    const back = await runBin(['quota', '--json'], ccs.env);
    assert.equal(tokenOnDisk(ccs), 'sk-ant-ort01-new-1-0123456789abcdef', `the kept grant was not put back: ${back.stdout}${back.stderr}`);
    const after = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    assert.deepEqual([after.disabled, after.prefix], [true, 'new'], 'fields changed meanwhile were written over');
    assert.notEqual(after.access_token, 'sk-ant-oat01-AT1-0123456789');
    assert.deepEqual(server.presented, [RT1], 'sent again');
    assert.deepEqual(readdirSync(ccs.paths.refreshKept), [], 'the kept copy stays beside the file that holds it now');
    const listedAfter = JSON.parse((await runBin(['accounts', '--json'], ccs.env)).stdout) as Array<{health: string}>;
    assert.equal(listedAfter[0]!.health, 'ok');
  });
});

test('a refreshed grant neither its token file nor refresh-kept/ could take: its temp file stays, and the next run takes it, sending nothing', async () => {
  await withRefusedWrite(async (ccs, server) => {
    // refresh-kept/ cannot be made: a file in its place.
    ccs.writeRaw('tui/refresh-kept', '');
    await runBin(['quota'], ccs.env);
    assert.equal(server.presented.length, 1);
    assert.equal(tempsIn(ccs.paths.authDir).length, 1, 'the only copy of the grant on disk was removed');
    rmSync(`${ccs.paths.cliproxy}.lock`);
    rmSync(ccs.paths.refreshKept);
    // The numbers the first run cached would be shown without a refresh.
    rmSync(path.join(ccs.paths.state, 'quota-cache.json'), {force: true});
    await runBin(['quota'], ccs.env);
    assert.equal(tokenOnDisk(ccs), 'sk-ant-ort01-new-1-0123456789abcdef', 'the refreshed grant was lost');
    assert.deepEqual(server.presented, [RT1], 'sent again');
    assert.deepEqual(tempsIn(ccs.paths.authDir), []);
  });
});

test("a killed refresh's answer is taken under CCS's lock: not while CCS holds it, at once after", async () => {
  const server = await startTokenServer();
  const ccs = makeTempCcs();
  try {
    ccs.writeRaw('tui.json', JSON.stringify({endpoints: {claude: {token: `${server.url}/token`, usage: `${server.url}/usage`}}}));
    ccs.writeToken(FILE, {type: 'claude', email: 'a@x.com', access_token: 'sk-ant-oat01-AT1-0123456789', refresh_token: RT1, expired: new Date(Date.now() - 3600_000).toISOString()});
    await writeJsonAtomic(attemptFile(ccs.paths.state, 'claude', RT1), {fingerprint: tokenFingerprint(RT1), outcome: 'sent', at: new Date().toISOString(), host: os.hostname(), pid: DEAD_PID});
    const temp = path.join(ccs.paths.authDir, `.${FILE}.${DEAD_PID}.0123abcd.tmp`);
    writeFileSync(temp, `${JSON.stringify({type: 'claude', email: 'a@x.com', access_token: 'sk-ant-oat01-AT2-0123456789', refresh_token: RT2, expired: new Date(Date.now() + 3600_000).toISOString()})}\n`, {mode: 0o600});
    // CCS, mid-change (pausing or removing this very file, say).
    const release = await lockfile.lock(ccs.paths.cliproxy, {stale: 10_000});
    const quota = runBin(['quota'], ccs.env);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    assert.equal(tokenOnDisk(ccs), RT1, 'written while CCS held its lock');
    await release();
    await quota;
    assert.equal(tokenOnDisk(ccs), RT2);
    assert.deepEqual(server.presented, [], 'nothing sent');
    assert.deepEqual(tempsIn(ccs.paths.authDir), []);
  } finally {
    ccs.cleanup();
    await server.close();
  }
});

test('a refreshed grant neither its token file nor refresh-kept/ could take: the error says where it stays', async () => {
  await withRefusedWrite(async (ccs, server) => {
    ccs.writeRaw('tui/refresh-kept', '');
    const store = new AccountStore(ccs.paths);
    const {settings} = await loadSettings(ccs.paths);
    await assert.rejects(ensureFreshToken({store, settings}, 'claude', 'a@x.com'), (error: Error) => {
      const temp = tempsIn(ccs.paths.authDir)[0];
      assert.ok(temp, 'the only copy of the grant on disk was removed');
      const [said, where] = error.message.split(' either ');
      assert.equal(said, `claude account a@x.com: ${FILE} could not be written (${ccs.paths.authDir}/${FILE}: not saved: ${ccs.paths.cliproxy}.lock is a file, where CCS keeps its registry lock (a directory) while it changes its accounts; remove it and try again), and the refreshed grant could not be kept in ${ccs.paths.refreshKept}`);
      assert.ok(where!.endsWith(`; it stays in ${ccs.paths.authDir}/${temp}, which the next refresh of the account takes once this process has ended`), where);
      return true;
    });
    assert.equal(server.presented.length, 1);
  });
});
