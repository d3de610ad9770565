// `ccs-tui env <provider>` against what the running proxy serves: Claude when that proxy's root
// serves another provider (started with --provider, or moved there by `run`) is at its own path,
// not the root (whose requests went to the other provider, with its token); a proxy serving the
// provider with one account that cannot serve is a refusal (exit 1), not exports that end in 503s;
// and another program on the port is said, not "nothing answers".
import assert from 'node:assert/strict';
import {createServer} from 'node:net';
import {test} from 'node:test';
import {makeTempCcs} from '../helpers/ccs.js';
import {runBin} from '../helpers/cli.js';
import {freePort} from '../helpers/fake-upstreams.js';
import {API_KEY, oauthToken} from '../proxy/fixture.js';

/** A CCS dir whose config.yaml names a free port and the test's key, with an OAuth token file per `type:email`. */
async function ccsWith(...accounts: string[]) {
  const ccs = makeTempCcs();
  const port = await freePort();
  ccs.writeRaw('cliproxy/config.yaml', `port: ${port}\napi-keys:\n  - "${API_KEY}"\n`);
  for (const account of accounts) {
    const [type, email] = account.split(':') as [string, string];
    ccs.writeToken(`${type}-${email}.json`, oauthToken(type, email));
  }
  return {ccs, port};
}

test('env claude while the running proxy serves codex on its root: /api/provider/claude, said', async () => {
  const {ccs, port} = await ccsWith('claude:me@example.com', 'codex:dave@example.com');
  try {
    assert.equal((await runBin(['proxy', 'start', '--provider', 'codex'], ccs.env)).code, 0);
    for (const args of [['env', 'claude'], ['env']]) {
      const result = await runBin(args, ccs.env);
      assert.equal(result.code, 0, result.stderr);
      assert.ok(result.stdout.startsWith(`export ANTHROPIC_BASE_URL='http://127.0.0.1:${port}/api/provider/claude'\n`), result.stdout);
      assert.match(result.stderr, /# the running proxy serves codex on its root URL: Claude is served at http:\/\/127\.0\.0\.1:\d+\/api\/provider\/claude/);
    }
    // The proxy that serves Claude on its root: the root, no note.
    assert.equal((await runBin(['proxy', 'stop'], ccs.env)).code, 0);
    assert.equal((await runBin(['proxy', 'start', '--provider', 'claude'], ccs.env)).code, 0);
    const root = await runBin(['env', 'claude'], ccs.env);
    assert.ok(root.stdout.startsWith(`export ANTHROPIC_BASE_URL='http://127.0.0.1:${port}'\n`), root.stdout);
    assert.doesNotMatch(root.stderr, /root URL/);
  } finally {
    await runBin(['proxy', 'stop'], ccs.env);
    ccs.cleanup();
  }
});

test('env claude while the running proxy serves one claude account that has been paused since: refused (exit 1), with the ways out', async () => {
  const {ccs} = await ccsWith('claude:a@example.com', 'claude:b@example.com');
  try {
    assert.equal((await runBin(['proxy', 'start', '--account', 'b@example.com'], ccs.env)).code, 0);
    assert.equal((await runBin(['env', 'claude'], ccs.env)).code, 0);
    assert.equal((await runBin(['pause', 'claude', 'b@example.com'], ccs.env)).code, 0);
    const refused = await runBin(['env', 'claude'], ccs.env);
    assert.equal(refused.code, 1, refused.stdout + refused.stderr);
    assert.equal(refused.stdout, '');
    assert.match(
      refused.stderr,
      /Claude Code cannot use Claude: the running proxy serves it with one account alone: claude account b@example\.com is paused; resume it: ccs-tui resume claude b@example\.com, or serve the claude pool: ccs-tui proxy switch --provider claude/,
    );
    // Another provider's exports are not this proxy's one account's business.
    ccs.writeToken('codex-dave@example.com.json', oauthToken('codex', 'dave@example.com'));
    assert.doesNotMatch((await runBin(['env', 'codex'], ccs.env)).stderr, /one account alone/);
  } finally {
    await runBin(['proxy', 'stop'], ccs.env);
    ccs.cleanup();
  }
});

test('env with no proxy of ours running and another program on the port: said so, not "nothing answers"', async () => {
  const ccs = makeTempCcs();
  const squatter = createServer((socket) => socket.end());
  try {
    await new Promise<void>((resolve) => squatter.listen(0, '127.0.0.1', resolve));
    const port = (squatter.address() as {port: number}).port;
    ccs.writeRaw('cliproxy/config.yaml', `port: ${port}\napi-keys:\n  - "${API_KEY}"\n`);
    ccs.writeToken('claude-me@example.com.json', oauthToken('claude', 'me@example.com'));
    const result = await runBin(['env', 'claude'], ccs.env);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, new RegExp(`# no proxy of ours is running, and port ${port} is in use by another process: .*set another \`port\` in \\S+config\\.yaml, or stop that process, then: ccs-tui proxy start`));
    assert.doesNotMatch(result.stderr, /nothing answers/);
  } finally {
    squatter.close();
    ccs.cleanup();
  }
});

test('env claude: the account the proxy serves alone is followed by its id (renamed, then paused; or removed)', async () => {
  const {ccs} = await ccsWith('claude:a@example.com', 'claude:b@example.com');
  try {
    assert.equal((await runBin(['rename', 'claude', 'b@example.com', 'work'], ccs.env)).code, 0);
    assert.equal((await runBin(['proxy', 'start', '--account', 'work'], ccs.env)).code, 0);
    assert.equal((await runBin(['rename', 'claude', 'b@example.com', 'job'], ccs.env)).code, 0);
    assert.equal((await runBin(['pause', 'claude', 'b@example.com'], ccs.env)).code, 0);
    const paused = await runBin(['env', 'claude'], ccs.env);
    assert.equal(paused.code, 1, paused.stdout + paused.stderr);
    assert.match(paused.stderr, /one account alone: claude account job is paused; resume it: ccs-tui resume claude job/);
    assert.equal((await runBin(['remove', 'claude', 'b@example.com', '--yes'], ccs.env)).code, 0);
    const gone = await runBin(['env', 'claude'], ccs.env);
    assert.equal(gone.code, 1, gone.stdout + gone.stderr);
    assert.match(gone.stderr, /one account alone: claude account work is gone \(removed, or its token file moved\); serve the claude pool: ccs-tui proxy switch --provider claude/);
  } finally {
    await runBin(['proxy', 'stop'], ccs.env);
    ccs.cleanup();
  }
});

test("a rotation moves the pin of a proxy serving one account alone: its record follows, so env goes by the account it serves now", async () => {
  const {ccs, port} = await ccsWith('claude:a@example.com', 'claude:b@example.com');
  try {
    assert.equal((await runBin(['proxy', 'start', '--account', 'a@example.com'], ccs.env)).code, 0);
    const {rotateRunningProxy} = await import('../../source/services/proxy/control.js');
    const {readRunningProxy} = await import('../../source/services/proxy/pid-file.js');
    assert.equal(await rotateRunningProxy(ccs.paths, port, 'claude'), 'b@example.com');
    const deadline = Date.now() + 5000;
    while (readRunningProxy(ccs.paths)?.accountId !== 'b@example.com') {
      assert.ok(Date.now() < deadline, JSON.stringify(readRunningProxy(ccs.paths)));
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    // a, served alone no more, is paused: the exports are b's, no refusal.
    assert.equal((await runBin(['pause', 'claude', 'a@example.com'], ccs.env)).code, 0);
    const exported = await runBin(['env', 'claude'], ccs.env);
    assert.equal(exported.code, 0, exported.stderr);
    const status = await runBin(['proxy', 'status'], ccs.env);
    assert.match(status.stdout, /^serving: claude \/ b@example\.com$/m, status.stdout);
  } finally {
    await runBin(['proxy', 'stop'], ccs.env);
    ccs.cleanup();
  }
});

test("a switch to another provider's account (run, the TUI's e) leaves the record as the switch wrote it: never the pin of a rotation", async () => {
  const {ccs, port} = await ccsWith('claude:a@example.com', 'claude:b@example.com', 'codex:d@example.com');
  try {
    assert.equal((await runBin(['proxy', 'start', '--account', 'a@example.com'], ccs.env)).code, 0);
    const {serveOnRunningProxy} = await import('../../source/services/proxy/control.js');
    const {readRunningProxy} = await import('../../source/services/proxy/pid-file.js');
    for (let i = 0; i < 4; i++) {
      for (const [provider, account] of [['codex', 'd@example.com'], ['claude', 'a@example.com']] as const) {
        await serveOnRunningProxy(ccs.paths, port, provider, account);
        await new Promise((resolve) => setTimeout(resolve, 150));
        const entry = readRunningProxy(ccs.paths);
        assert.deepEqual([entry?.provider, entry?.account, entry?.accountId], [provider, account, account], `round ${i}`);
      }
    }
  } finally {
    await runBin(['proxy', 'stop'], ccs.env);
    ccs.cleanup();
  }
});
