// A proxy pinned to an account that cannot serve (paused, its token file unreadable) would answer
// every request 503: `proxy start --account` and a hand-run `proxy serve --account` refuse it, as
// `ccs-tui run` does, naming the account, why, and the ways out. One cooling down still starts.
import assert from 'node:assert/strict';
import {test} from 'node:test';
import {makeTempCcs} from '../helpers/ccs.js';
import {runBin} from '../helpers/cli.js';
import {freePort} from '../helpers/fake-upstreams.js';
import {API_KEY, oauthToken} from '../proxy/fixture.js';

test('proxy start/serve --account on an account that cannot serve: refused (exit 1), nothing started', async () => {
  const ccs = makeTempCcs();
  try {
    ccs.writeToken('claude-a@example.com.json', oauthToken('claude', 'a@example.com'));
    ccs.writeToken('claude-b@example.com.json', oauthToken('claude', 'b@example.com'));
    ccs.writeRaw('cliproxy/config.yaml', `port: ${await freePort()}\napi-keys:\n  - "${API_KEY}"\n`);
    assert.equal((await runBin(['pause', 'claude', 'a@example.com'], ccs.env)).code, 0);

    for (const [args, command] of [
      [['proxy', 'start', '--account', 'a@example.com'], 'proxy start'],
      [['proxy', 'start', '--provider', 'claude', '--account', 'a@example.com', '--json'], 'proxy start'],
      [['proxy', 'serve', '--account', 'a@example.com', '--port', '0'], 'proxy serve'],
    ] as const) {
      const result = await runBin([...args], ccs.env);
      assert.equal(result.code, 1, `${args.join(' ')}: ${result.stderr}`);
      assert.ok(
        result.stderr.includes(`--account: claude account a@example.com is paused; resume it: ccs-tui resume claude a@example.com, or serve the claude pool: ccs-tui ${command} --provider claude`),
        `${args.join(' ')}: ${result.stderr}`,
      );
      const status = await runBin(['proxy', 'status'], ccs.env);
      assert.match(status.stdout + status.stderr, /^no proxy is running/, `${args.join(' ')} started a proxy`);
    }

    // Its file broken: the file is named, and no pool is offered when no other account can serve.
    ccs.writeRaw('cliproxy/auth/claude-b@example.com.json', '{"type": "claude", ');
    const broken = await runBin(['proxy', 'start', '--account', 'b@example.com'], ccs.env);
    assert.equal(broken.code, 1, broken.stderr);
    assert.match(broken.stderr, /--account: claude account b@example\.com cannot serve \(.*claude-b@example\.com\.json.*\); mend that file, or log in again: ccs-tui login claude\n/);
    assert.doesNotMatch(broken.stderr, /pool/);

    // Resumed: it starts as before.
    assert.equal((await runBin(['resume', 'claude', 'a@example.com'], ccs.env)).code, 0);
    const started = await runBin(['proxy', 'start', '--account', 'a@example.com'], ccs.env);
    assert.equal(started.code, 0, started.stderr);
    assert.match(started.stdout, /^proxy started: pid \d+, http:\/\/127\.0\.0\.1:\d+, claude \/ a@example\.com\n/);
  } finally {
    await runBin(['proxy', 'stop'], ccs.env);
    ccs.cleanup();
  }
});
