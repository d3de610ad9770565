// A nickname that is another account's email (as CCS may write it) never names the wrong account:
// the proxy pinned to bob's token file serves bob, and its status (text and --json) and its log say
// bob's id, not the email of alice that bob's nickname reads as.
import assert from 'node:assert/strict';
import {readFileSync, writeFileSync} from 'node:fs';
import {test} from 'node:test';
import {proxyLogPath} from '../../source/services/proxy/pid-file.js';
import {makeTempCcs} from '../helpers/ccs.js';
import {runBin} from '../helpers/cli.js';
import {answerByProtocol, freePort, startFakeUpstream} from '../helpers/fake-upstreams.js';
import {API_KEY, oauthToken} from '../proxy/fixture.js';

test('the proxy names the account it serves unambiguously when its nickname is another account\'s email', async () => {
  const ccs = makeTempCcs();
  const seen: string[] = [];
  const upstream = await startFakeUpstream((req, res) => {
    seen.push(String(req.headers.authorization ?? ''));
    answerByProtocol(req, res);
  });
  try {
    ccs.writeToken('claude-alice@example.com.json', oauthToken('claude', 'alice@example.com'));
    ccs.writeToken('claude-bob@example.com.json', oauthToken('claude', 'bob@example.com'));
    ccs.writeRegistry({
      version: 1,
      providers: {
        claude: {
          default: 'alice@example.com',
          accounts: {
            'alice@example.com': {email: 'alice@example.com', tokenFile: 'claude-alice@example.com.json'},
            'bob@example.com': {email: 'bob@example.com', nickname: 'alice@example.com', tokenFile: 'claude-bob@example.com.json'},
          },
        },
      },
    });
    ccs.writeRaw('cliproxy/config.yaml', `api-keys:\n  - "${API_KEY}"\n`);
    writeFileSync(ccs.paths.settings, JSON.stringify({endpoints: {claude: {api: upstream.url}}}));
    const port = await freePort();
    const started = await runBin(['proxy', 'start', '--port', String(port), '--provider', 'claude', '--account', 'claude-bob@example.com.json'], ccs.env);
    assert.equal(started.code, 0, started.stderr);
    const response = await fetch(`http://127.0.0.1:${port}/v1/messages`, {
      method: 'POST',
      headers: {'x-api-key': API_KEY, 'content-type': 'application/json', 'anthropic-version': '2023-06-01'},
      body: JSON.stringify({model: 'claude-opus-4-6', max_tokens: 8, messages: [{role: 'user', content: 'hi'}]}),
    });
    assert.equal(response.status, 200, await response.text());
    assert.match(seen.at(-1)!, /at-bob@example\.com-/, 'the upstream gets bob\'s token');
    const human = await runBin(['proxy', 'status'], ccs.env);
    assert.match(human.stdout, /^serving: claude \/ bob@example\.com$/m, human.stdout);
    const json = JSON.parse((await runBin(['proxy', 'status', '--json'], ccs.env)).stdout) as {account?: string};
    assert.equal(json.account, 'bob@example.com');
    const log = readFileSync(proxyLogPath(ccs.paths), 'utf8');
    assert.match(log, /claude\/bob@example\.com/, log);
    assert.doesNotMatch(log, /claude\/alice@example\.com/, log);
  } finally {
    await runBin(['proxy', 'stop'], ccs.env);
    await upstream.close();
    ccs.cleanup();
  }
});
