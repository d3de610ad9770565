// A refreshing process suspended (SIGSTOP) or killed (SIGKILL) at one exact step of its refresh, then
// another process refreshing the same account (session 13 attack): the refresh token is presented
// once, whatever the timing.
import assert from 'node:assert/strict';
import {spawn} from 'node:child_process';
import {existsSync, readdirSync, readFileSync} from 'node:fs';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {describe, it} from 'node:test';
import {makeTempCcs, type TempCcs} from '../helpers/ccs.js';
import {withFileLock} from '../../source/store/file-lock.js';
import {attemptFile, pruneAttemptRecords} from '../../source/services/refresh-attempt.js';
import {refreshLockBounds} from '../../source/services/refresh.js';
import {AccountStore} from '../../source/store/accounts.js';
import {runBin} from '../helpers/cli.js';
import {startTokenServer, type TokenServer} from '../helpers/token-server.js';

const here = fileURLToPath(import.meta.url);
const worker = path.join(path.dirname(here), 'oauth', `refresh-stopping-worker${path.extname(here)}`);

const RT1 = 'sk-ant-ort01-RT1-0123456789';
const FILE = 'claude-a@x.com.json';

/** A temp CCS dir with one expired claude account, its endpoints on `server`, the lock stale after 2 s. */
async function withAccount(body: (server: TokenServer, ccs: TempCcs) => Promise<void>): Promise<void> {
  const server = await startTokenServer();
  const ccs = makeTempCcs();
  ccs.writeRaw('tui.json', JSON.stringify({endpoints: {claude: {token: `${server.url}/token`, usage: `${server.url}/usage`}}, refresh: {timeoutSeconds: 5, lockStaleSeconds: 2}}));
  ccs.writeToken(FILE, {type: 'claude', email: 'a@x.com', access_token: 'sk-ant-oat01-AT1-0123456789', refresh_token: RT1, expired: new Date(Date.now() - 3600_000).toISOString()});
  try {
    await body(server, ccs);
  } finally {
    ccs.cleanup();
    await server.close();
  }
}

/**
 * A process refreshing the account (or running `cli`, ccs-tui's arguments) that stops itself (SIGSTOP)
 * or dies (SIGKILL) at the step `env` names.
 */
function refresher(ccs: TempCcs, env: NodeJS.ProcessEnv & {STOP_AT?: string; KILL_AT?: string}, cli?: string[]) {
  const args = cli ? ['--cli', ...cli] : [ccs.paths.root, 'claude', 'a@x.com'];
  const child = spawn(process.execPath, [...process.execArgv.filter((a) => !a.startsWith('--test')), worker, ...args], {
    env: {...ccs.env, ...env},
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  child.stdout.on('data', (d) => (stdout += d));
  const done = new Promise<{code: number | null; signal: NodeJS.Signals | null; out: Record<string, string>}>((resolve) =>
    child.on('close', (code, signal) => resolve({code, signal, out: cli ? {stdout} : (JSON.parse(stdout || '{}') as Record<string, string>)})),
  );
  return {child, done};
}

/** The process's state letter in /proc (T: stopped), or undefined once it is gone. */
function procState(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0];
  } catch {
    return undefined;
  }
}

async function until(what: string, ok: () => boolean, ms = 15_000): Promise<void> {
  for (const deadline = Date.now() + ms; !ok(); await new Promise((r) => setTimeout(r, 20))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting: ${what}`);
  }
}

const onDisk = (ccs: TempCcs) => JSON.parse(readFileSync(path.join(ccs.paths.authDir, FILE), 'utf8')) as Record<string, string>;
/** The first file written under tui/refresh/ (a temp file, store/files.ts writeTempBeside): the attempt record was read, nothing sent. */
const ATTEMPT_RECORD_WRITE = String.raw`^open:.*/tui/refresh/\.rt-.*\.tmp$`;

describe('a refresher suspended past the lock bound, then resumed', { skip: process.platform !== 'linux' && 'needs /proc' }, () => {
  it('between reading the attempt record and writing "sent": another process refreshes meanwhile; the resumed one never presents the spent token', async () => {
    await withAccount(async (server, ccs) => {
      const a = refresher(ccs, {STOP_AT: ATTEMPT_RECORD_WRITE});
      try {
        await until('the refresher stops at its attempt record', () => procState(a.child.pid!) === 'T');
        // Past the 2 s bound the lock is taken over: `quota` refreshes the account (and spends RT1).
        await new Promise((r) => setTimeout(r, 2500));
        const quota = await runBin(['quota'], ccs.env);
        assert.equal(quota.code, 0, quota.stderr);
        assert.deepEqual(server.presented, [RT1]);
        assert.equal(onDisk(ccs).refresh_token, 'sk-ant-ort01-new-1-0123456789abcdef');
      } finally {
        process.kill(a.child.pid!, 'SIGCONT');
      }
      const resumed = await a.done;
      assert.deepEqual(server.presented, [RT1], 'the resumed process did not present the refresh token another process spent');
      assert.equal(resumed.code, 1, JSON.stringify(resumed.out));
      assert.match(resumed.out.error!, /claude account a@x\.com: refresh outcome unknown \(another process took this refresh over while this one was held up \(suspended\?\) and sent this refresh token by process \d+ on .*; it is never sent twice\)/);
      assert.equal(onDisk(ccs).refresh_token, 'sk-ant-ort01-new-1-0123456789abcdef', 'the newer grant stays in the token file');
      const listed = await runBin(['accounts'], ccs.env);
      assert.match(listed.stdout, /a@x\.com +a@x\.com +ok/, 'the account holding the newer grant is not marked');
      assert.doesNotMatch(JSON.stringify(resumed.out) + listed.stdout + listed.stderr, /sk-ant-ort01/, 'no token shown');
    });
  });

  it('between reading the attempt record and claiming the send, while the spent token\'s record is cleaned away: the resumed one never presents the spent token', async () => {
    await withAccount(async (server, ccs) => {
      const a = refresher(ccs, {STOP_AT: ATTEMPT_RECORD_WRITE});
      const record = attemptFile(ccs.paths.state, 'claude', RT1);
      try {
        await until('the refresher stops at its attempt record', () => procState(a.child.pid!) === 'T');
        await new Promise((r) => setTimeout(r, 2500));
        const quota = await runBin(['quota'], ccs.env);
        assert.equal(quota.code, 0, quota.stderr);
        assert.deepEqual(server.presented, [RT1]);
        // Past the lock's bound no file holds RT1 and no refresh of it can be in flight: its record goes.
        await new Promise((r) => setTimeout(r, 2500));
        const bounds = refreshLockBounds({refresh: {timeoutSeconds: 5, lockStaleSeconds: 2}});
        const store = new AccountStore(ccs.paths);
        // Kept only as long as the lock's bound here (a month by default), to meet the case in seconds.
        await pruneAttemptRecords(ccs.paths, () => store.refreshTokensHeld(), bounds.staleMs, bounds, bounds.staleMs);
        assert.equal(existsSync(record), false, 'the spent token\'s record was cleaned away');
      } finally {
        process.kill(a.child.pid!, 'SIGCONT');
      }
      const resumed = await a.done;
      assert.deepEqual(server.presented, [RT1], 'the resumed process did not present the refresh token another process spent');
      assert.equal(resumed.code, 1, JSON.stringify(resumed.out));
      assert.match(resumed.out.error!, /claude account a@x\.com: not refreshed: its token file changed while this refresh was held up \(suspended\?\); try again/);
      assert.equal(onDisk(ccs).refresh_token, 'sk-ant-ort01-new-1-0123456789abcdef', 'the newer grant stays in the token file');
      const listed = await runBin(['accounts'], ccs.env);
      assert.match(listed.stdout, /a@x\.com +a@x\.com +ok/, 'the account holding the newer grant is not marked');
    });
  });

  it('`use --native` between reading the token and writing the agent file: another process refreshes meanwhile; the agent gets the new grant, not the spent one', async () => {
    await withAccount(async (server, ccs) => {
      const agentDir = path.join(ccs.env.HOME!, '.claude');
      // Stopped at its first write of tui/native.json: the mark, written before the agent's file.
      const a = refresher(ccs, {CLAUDE_CONFIG_DIR: agentDir, STOP_AT: String.raw`^open:.*/tui/\.native\.json\..*\.tmp$`}, ['use', '--native', 'claude', 'a@x.com']);
      try {
        await until('the switch stops at its mark', () => procState(a.child.pid!) === 'T');
        await new Promise((r) => setTimeout(r, 2500));
        const quota = await runBin(['quota'], ccs.env);
        assert.equal(quota.code, 0, quota.stderr);
        assert.deepEqual(server.presented, [RT1]);
      } finally {
        process.kill(a.child.pid!, 'SIGCONT');
      }
      const switched = await a.done;
      assert.equal(switched.code, 0, switched.out.stdout);
      const agent = JSON.parse(readFileSync(path.join(agentDir, '.credentials.json'), 'utf8')) as {claudeAiOauth: {refreshToken: string}};
      assert.equal(agent.claudeAiOauth.refreshToken, 'sk-ant-ort01-new-1-0123456789abcdef', 'the agent holds the live grant, not the refresh token quota spent');
      assert.equal(onDisk(ccs).refresh_token, 'sk-ant-ort01-new-1-0123456789abcdef');
      assert.deepEqual(server.presented, [RT1]);
    });
  });
});

describe('a refresher killed while it saves its answer', { skip: process.platform !== 'linux' && 'needs /proc' }, () => {
  it('between writing the new token beside the file and renaming it into place: the next process takes that grant, sends nothing', async () => {
    await withAccount(async (server, ccs) => {
      const a = refresher(ccs, {KILL_AT: String.raw`^rename:.*/cliproxy/auth/\.claude-a@x\.com\.json\.\d+\.[0-9a-f]+\.tmp$`});
      const killed = await a.done;
      assert.equal(killed.signal, 'SIGKILL');
      assert.deepEqual(server.presented, [RT1]);
      assert.equal(onDisk(ccs).refresh_token, RT1, 'killed before the rename');
      const quota = await runBin(['quota'], ccs.env);
      assert.equal(quota.code, 0, quota.stderr);
      assert.deepEqual(server.presented, [RT1], 'the spent refresh token was not sent again');
      assert.equal(onDisk(ccs).refresh_token, 'sk-ant-ort01-new-1-0123456789abcdef', 'the answer the killed process got is the grant now');
      assert.deepEqual(readdirSync(ccs.paths.authDir).filter((name) => name.endsWith('.tmp')), []);
      const listed = await runBin(['accounts'], ccs.env);
      assert.match(listed.stdout, /a@x\.com +a@x\.com +ok/);
      assert.doesNotMatch(quota.stdout + quota.stderr + listed.stdout + listed.stderr, /sk-ant-ort01/, 'no token shown');
    });
  });

  it('after its write was refused (the store lock taken over while it was held up), while it waits for the lock again: the next process takes that grant, sends nothing', async () => {
    await withAccount(async (server, ccs) => {
      // Stopped as it starts writing the answer beside the token file, holding the store's lock.
      const a = refresher(ccs, {STOP_AT: String.raw`^open:.*/cliproxy/auth/\.claude-a@x\.com\.json\.\d+\.[0-9a-f]+\.tmp$`});
      const answers = () => readdirSync(ccs.paths.authDir).filter((name) => name.startsWith(`.${FILE}.${a.child.pid}.`) && name.endsWith('.tmp'));
      await until('the refresher stops as it saves its answer', () => procState(a.child.pid!) === 'T');
      assert.deepEqual(server.presented, [RT1]);
      // Another process takes the store's lock over (past its 5 s bound) and holds it: the resumed
      // refresher's write is refused, and it waits to take the lock again; it is killed meanwhile.
      await withFileLock(ccs.paths.registry, async () => {
        process.kill(a.child.pid!, 'SIGCONT');
        await until('the refresher writes its answer (refused)', () => answers().length > 0, 10_000).catch(() => undefined);
        await new Promise((r) => setTimeout(r, 300));
        assert.notEqual(procState(a.child.pid!), undefined, 'still waiting for the lock');
        process.kill(a.child.pid!, 'SIGKILL');
      });
      assert.equal((await a.done).signal, 'SIGKILL');
      assert.equal(onDisk(ccs).refresh_token, RT1, 'its write was refused');
      const quota = await runBin(['quota'], ccs.env);
      assert.equal(quota.code, 0, quota.stderr);
      assert.deepEqual(server.presented, [RT1], 'the spent refresh token was not sent again');
      assert.equal(onDisk(ccs).refresh_token, 'sk-ant-ort01-new-1-0123456789abcdef', 'the answer the killed process got is the grant now');
      const listed = await runBin(['accounts'], ccs.env);
      assert.match(listed.stdout, /a@x\.com +a@x\.com +ok/);
    });
  });
});
