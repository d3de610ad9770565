// A process holding the store's lock (cliproxy/accounts.json.lock, config.yaml.lock) suspended
// (SIGSTOP: Ctrl-Z, a debugger, a sleeping laptop) past the lock's stale bound, after it read and
// before it wrote: another process takes the lock over as stale and writes. The first one, resumed,
// must not write its result over that (a nickname, a rule, a refreshed grant lost): it finds the lock
// is no longer its own, or the file another version, and does its change again on what is there now.
import assert from 'node:assert/strict';
import {execFileSync, spawn} from 'node:child_process';
import {closeSync, openSync, readFileSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {describe, it} from 'node:test';
import lockfile from 'proper-lockfile';
import {makeTempCcs, tokenFixture, type TempCcs} from '../helpers/ccs.js';
import {runBin} from '../helpers/cli.js';
import {startTokenServer} from '../helpers/token-server.js';

const here = fileURLToPath(import.meta.url);
// Runs the built binary and stops it (SIGSTOP) at the first file operation matching STOP_AT.
const worker = path.join(path.dirname(here), '..', 'services', 'oauth', `refresh-stopping-worker${path.extname(here)}`);

function stoppingCli(ccs: TempCcs, stopAt: string, args: string[], env: NodeJS.ProcessEnv = {STOP_AT: stopAt}) {
  const child = spawn(process.execPath, [...process.execArgv.filter((a) => !a.startsWith('--test')), worker, '--cli', ...args], {
    env: {...ccs.env, ...env},
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const done = new Promise<{code: number | null; stdout: string; stderr: string}>((resolve) => child.on('close', (code) => resolve({code, stdout, stderr})));
  return {child, done, stderr: () => stderr};
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

/**
 * Runs `first` (a ccs-tui command) until it stops at `stopAt`, then `second` (it takes the lock over
 * once stale, about 5 s on), then resumes the first and waits for it.
 */
async function suspendedPast(ccs: TempCcs, stopAt: string, first: string[], second: () => Promise<void>) {
  const a = stoppingCli(ccs, stopAt, first);
  try {
    await until(`${first.join(' ')} stops at ${stopAt}`, () => procState(a.child.pid!) === 'T');
    await second();
  } finally {
    process.kill(a.child.pid!, 'SIGCONT');
  }
  return a.done;
}

const withCcs = async (body: (ccs: TempCcs) => Promise<void>) => {
  const ccs = makeTempCcs();
  try {
    await body(ccs);
  } finally {
    ccs.cleanup();
  }
};

describe('a store writer suspended past the lock bound, then resumed', {skip: process.platform !== 'linux' && 'needs /proc', timeout: 60_000}, () => {
  it('rename: a nickname another process set meanwhile is kept', async () => {
    await withCcs(async (ccs) => {
      ccs.writeToken('claude-a@x.com.json', tokenFixture('claude', 'a@x.com'));
      ccs.writeToken('claude-b@x.com.json', tokenFixture('claude', 'b@x.com'));
      const first = await suspendedPast(ccs, String.raw`^open:.*/cliproxy/\.accounts\.json\.\d+\.[0-9a-f]+\.tmp$`, ['rename', 'claude', 'a@x.com', 'nick-a'], async () => {
        const b = await runBin(['rename', 'claude', 'b@x.com', 'nick-b'], ccs.env);
        assert.equal(b.code, 0, b.stderr);
      });
      assert.equal(first.code, 0, first.stderr);
      const registry = JSON.parse(readFileSync(ccs.paths.registry, 'utf8')) as {providers: {claude: {accounts: Record<string, {nickname?: string}>}}};
      assert.equal(registry.providers.claude.accounts['b@x.com']?.nickname, 'nick-b', 'the nickname set while the first was suspended is kept');
      assert.equal(registry.providers.claude.accounts['a@x.com']?.nickname, 'nick-a');
      const listed = await runBin(['accounts'], ccs.env);
      assert.match(listed.stdout, /nick-a/);
      assert.match(listed.stdout, /nick-b/);
    });
  });

  it('an account rule edit: the grant a refresh saved meanwhile stays in the token file', async () => {
    await withCcs(async (ccs) => {
      const server = await startTokenServer();
      try {
        const RT1 = 'sk-ant-ort01-RT1-0123456789';
        ccs.writeRaw('tui.json', JSON.stringify({endpoints: {claude: {token: `${server.url}/token`, usage: `${server.url}/usage`}}}));
        ccs.writeToken('claude-a@x.com.json', {type: 'claude', email: 'a@x.com', access_token: 'sk-ant-oat01-AT1-0123456789', refresh_token: RT1, expired: new Date(Date.now() - 3600_000).toISOString()});
        const first = await suspendedPast(ccs, String.raw`^open:.*/cliproxy/auth/\.claude-a@x\.com\.json\.\d+\.[0-9a-f]+\.tmp$`, ['exclude', 'add', 'claude', 'claude-3-*', '--account', 'a@x.com'], async () => {
          // The token is expired: quota refreshes it (RT1 is spent) and saves the new grant.
          const quota = await runBin(['quota'], ccs.env);
          assert.equal(quota.code, 0, quota.stderr);
          assert.deepEqual(server.presented, [RT1]);
        });
        assert.equal(first.code, 0, first.stderr);
        const token = JSON.parse(readFileSync(path.join(ccs.paths.authDir, 'claude-a@x.com.json'), 'utf8')) as {refresh_token: string; excluded_models?: string[]};
        assert.equal(token.refresh_token, 'sk-ant-ort01-new-1-0123456789abcdef', 'the refreshed grant is not replaced by the spent one');
        assert.deepEqual(token.excluded_models, ['claude-3-*'], 'and the rule is there');
      } finally {
        await server.close();
      }
    });
  });

  it('a global rule edit (config.yaml): a rule another process added meanwhile is kept', async () => {
    await withCcs(async (ccs) => {
      ccs.writeRaw('cliproxy/config.yaml', 'port: 8317\n');
      const first = await suspendedPast(ccs, String.raw`^open:.*/cliproxy/\.config\.yaml\.\d+\.[0-9a-f]+\.tmp$`, ['exclude', 'add', 'claude', 'claude-3-*'], async () => {
        const b = await runBin(['exclude', 'add', 'claude', 'claude-2-*'], ccs.env);
        assert.equal(b.code, 0, b.stderr);
      });
      assert.equal(first.code, 0, first.stderr);
      const config = readFileSync(ccs.paths.config, 'utf8');
      assert.match(config, /claude-2-\*/, 'the rule added while the first was suspended is kept');
      assert.match(config, /claude-3-\*/);
    });
  });

  it("held up between making its lock dir and reading its mtime back: it never takes the lock of the holder (CCS's) that took the dir over meanwhile", async () => {
    await withCcs(async (ccs) => {
      ccs.writeToken('claude-a@x.com.json', tokenFixture('claude', 'a@x.com'));
      ccs.writeToken('claude-b@x.com.json', tokenFixture('claude', 'b@x.com'));
      ccs.writeRegistry({version: 1, providers: {claude: {default: 'a@x.com', accounts: {'a@x.com': {email: 'a@x.com', tokenFile: 'claude-a@x.com.json'}, 'b@x.com': {email: 'b@x.com', tokenFile: 'claude-b@x.com.json'}}}}});
      // Stopped once its lock dir is made, before proper-lockfile's probe sets its mtime and reads it back as its own.
      const a = stoppingCli(ccs, String.raw`^made:.*/cliproxy/accounts\.json\.lock$`, ['rename', 'claude', 'a@x.com', 'nick-a']);
      let compromised: Error | undefined;
      try {
        await until('rename stops in its lock probe', () => procState(a.child.pid!) === 'T');
        // Its dir goes stale; CCS (proper-lockfile, no check of its own) takes it over and reads.
        await new Promise((resolve) => setTimeout(resolve, 5_500));
        // (CCS's default onCompromised throws from a timer: CCS would crash.)
        const release = await lockfile.lock(ccs.paths.registry, {realpath: false, stale: 5000, update: 1000, onCompromised: (error) => (compromised = error)});
        const registry = JSON.parse(readFileSync(ccs.paths.registry, 'utf8')) as {providers: {claude: {accounts: Record<string, {nickname?: string}>}}};
        process.kill(a.child.pid!, 'SIGCONT');
        // The resumed rename waits for CCS's lock: it neither writes nor removes it meanwhile.
        await new Promise((resolve) => setTimeout(resolve, 1_500));
        registry.providers.claude.accounts['b@x.com']!.nickname = 'nick-b';
        writeFileSync(ccs.paths.registry, JSON.stringify(registry, null, 2));
        assert.equal(compromised, undefined, "CCS's lock stayed its own");
        await release();
      } finally {
        if (a.child.exitCode === null) process.kill(a.child.pid!, 'SIGCONT');
      }
      const first = await a.done;
      assert.equal(first.code, 0, first.stderr);
      const listed = await runBin(['accounts'], ccs.env);
      assert.match(listed.stdout, /nick-b/, "CCS's change is kept");
      assert.match(listed.stdout, /nick-a/, 'and the rename is made on it');
    });
  });

  it('a write whose rename would wait in a busy thread pool (lookups of a dead DNS server) past the lock bound: a change made meanwhile is kept', async () => {
    await withCcs(async (ccs) => {
      ccs.writeToken('claude-a@x.com.json', tokenFixture('claude', 'a@x.com'));
      ccs.writeToken('claude-b@x.com.json', tokenFixture('claude', 'b@x.com'));
      const fifo = path.join(ccs.paths.root, 'busy.fifo');
      execFileSync('mkfifo', [fifo]);
      const a = stoppingCli(ccs, '', ['rename', 'claude', 'a@x.com', 'nick-a'], {
        BUSY_POOL_AT: String.raw`/cliproxy/\.accounts\.json\.\d+\.[0-9a-f]+\.tmp$`,
        BUSY_FIFO: fifo,
        UV_THREADPOOL_SIZE: '1',
      });
      try {
        await until('rename writes its temp file', () => a.stderr().includes('pool busy'));
        // The second takes the lock (over, once stale: the first's heartbeat waits in the pool too).
        const b = await runBin(['rename', 'claude', 'b@x.com', 'nick-b'], ccs.env);
        assert.equal(b.code, 0, b.stderr);
      } finally {
        // The pool's thread is let go.
        closeSync(openSync(fifo, 'w'));
      }
      const first = await a.done;
      assert.equal(first.code, 0, first.stderr);
      const listed = await runBin(['accounts'], ccs.env);
      assert.match(listed.stdout, /nick-b/, 'the nickname set while the first waited is kept');
      assert.match(listed.stdout, /nick-a/);
    });
  });

  it('held up between making its lock dir and its probe, while another took the dir over and let it go: the change is made, no raw ENOENT', async () => {
    await withCcs(async (ccs) => {
      ccs.writeToken('claude-a@x.com.json', tokenFixture('claude', 'a@x.com'));
      ccs.writeToken('claude-b@x.com.json', tokenFixture('claude', 'b@x.com'));
      const first = await suspendedPast(ccs, String.raw`^made:.*/cliproxy/accounts\.json\.lock$`, ['rename', 'claude', 'a@x.com', 'nick-a'], async () => {
        const b = await runBin(['rename', 'claude', 'b@x.com', 'nick-b'], ccs.env);
        assert.equal(b.code, 0, b.stderr);
      });
      assert.equal(first.code, 0, first.stderr);
      const listed = await runBin(['accounts'], ccs.env);
      assert.match(listed.stdout, /nick-a/);
      assert.match(listed.stdout, /nick-b/);
    });
  });
});
