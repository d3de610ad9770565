// A busy port says the way out the starter has: a TUI's proxy child (no flag a person could pass)
// names config.yaml's `port` alone; `proxy serve` by hand names --port too.
import assert from 'node:assert/strict';
import {createServer} from 'node:net';
import {test} from 'node:test';
import {makeTempCcs} from '../helpers/ccs.js';
import {runBin} from '../helpers/cli.js';
import {API_KEY, oauthToken} from '../proxy/fixture.js';

test('config.yaml\'s port in use: the TUI\'s child names config.yaml alone, a hand-run serve --port too', async () => {
  const ccs = makeTempCcs();
  const squatter = createServer();
  try {
    await new Promise<void>((resolve) => squatter.listen(0, '127.0.0.1', resolve));
    const port = (squatter.address() as {port: number}).port;
    ccs.writeRaw('cliproxy/config.yaml', `port: ${port}\napi-keys:\n  - "${API_KEY}"\n`);
    ccs.writeToken('claude-me@example.com.json', oauthToken('claude', 'me@example.com'));
    const tui = await runBin(['proxy', 'serve'], {...ccs.env, CCS_TUI_PROXY_OWNER: 'tui'});
    assert.equal(tui.code, 1, tui.stderr);
    assert.match(tui.stderr, new RegExp(`port ${port} \\(\`port\` in \\S+config\\.yaml\\) is in use by another process; set another \`port\` there\\n`));
    assert.doesNotMatch(tui.stderr, /--port/);
    const hand = await runBin(['proxy', 'serve'], ccs.env);
    assert.equal(hand.code, 1, hand.stderr);
    assert.match(hand.stderr, /is in use by another process; set another `port` there, or pass --port N \(0: any free port\)/);
  } finally {
    squatter.close();
    ccs.cleanup();
  }
});
