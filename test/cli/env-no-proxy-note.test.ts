// `env <provider>` with no proxy running: the exports are printed as ever (stdout unchanged, exit 0),
// and a note on stderr (and in --json's notes) says nothing answers on the port yet and how to start
// the proxy. With a proxy running, no such note.
import assert from 'node:assert/strict';
import {test} from 'node:test';
import {makeTempCcs} from '../helpers/ccs.js';
import {runBin} from '../helpers/cli.js';
import {freePort} from '../helpers/fake-upstreams.js';
import {API_KEY, oauthToken} from '../proxy/fixture.js';

test('env says the proxy is not running (stderr and --json notes) without changing the exports or the exit code', async () => {
  const ccs = makeTempCcs();
  try {
    const port = await freePort();
    ccs.writeRaw('cliproxy/config.yaml', `port: ${port}\napi-keys:\n  - "${API_KEY}"\n`);
    ccs.writeToken('claude-me@example.com.json', oauthToken('claude', 'me@example.com'));
    const stopped = await runBin(['env', 'claude'], ccs.env);
    assert.equal(stopped.code, 0, stopped.stderr);
    assert.equal(stopped.stdout, `export ANTHROPIC_BASE_URL='http://127.0.0.1:${port}'\nexport ANTHROPIC_AUTH_TOKEN='${API_KEY}'\n`);
    const note = `no proxy is running (start one: ccs-tui proxy start, or ccs-tui run claude to start it and the agent): nothing answers at http://127.0.0.1:${port} yet`;
    assert.ok(stopped.stderr.split('\n').includes(`# ${note}`), stopped.stderr);
    const json = await runBin(['env', 'claude', '--json'], ccs.env);
    assert.equal(json.code, 0, json.stderr);
    const answer = JSON.parse(json.stdout) as {env: Record<string, string>; notes: string[]};
    assert.equal(answer.env.ANTHROPIC_BASE_URL, `http://127.0.0.1:${port}`);
    assert.ok(answer.notes.includes(note), json.stdout);

    assert.equal((await runBin(['proxy', 'start'], ccs.env)).code, 0);
    const running = await runBin(['env', 'claude'], ccs.env);
    assert.equal(running.stdout, stopped.stdout);
    assert.doesNotMatch(running.stderr, /no proxy is running/);
  } finally {
    await runBin(['proxy', 'stop'], ccs.env);
    ccs.cleanup();
  }
});
