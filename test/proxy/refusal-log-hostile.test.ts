// A client that puts a key where the proxy logs what it was asked (the path, the provider's name in
// a route, the model name): proxy.log and `proxy status` never carry it, as the key header is never.
import assert from 'node:assert/strict';
import {readFileSync} from 'node:fs';
import path from 'node:path';
import {describe, it} from 'node:test';
import {makeTempCcs} from '../helpers/ccs.js';
import {runBin} from '../helpers/cli.js';
import {answerByProtocol, startFakeUpstream} from '../helpers/fake-upstreams.js';
import {API_KEY, oauthToken} from './fixture.js';
import {startClaudeProxyChild} from './proxy-child.js';

const WRONG_KEY = 'sk-ant-api03-guessed-not-a-real-key-0123456789';

describe('keys a client puts in the path or the model name', async () => {
  const ccs = makeTempCcs();
  ccs.writeToken('claude-me@example.com.json', oauthToken('claude', 'me@example.com'));
  const upstream = await startFakeUpstream((req, res) => answerByProtocol(req, res));
  const port = await startClaudeProxyChild(ccs, upstream);
  const ask = (route: string, key: string | undefined, model = 'claude-opus-4-6') =>
    fetch(`http://127.0.0.1:${port}${route}`, {
      method: 'POST',
      headers: {...(key ? {'x-api-key': key} : {}), 'content-type': 'application/json', 'anthropic-version': '2023-06-01'},
      body: JSON.stringify({model, max_tokens: 8, messages: [{role: 'user', content: 'hi'}]}),
    }).then(async (r) => ({status: r.status, text: await r.text()}));

  it('neither the wrong key nor the proxy key reaches proxy.log or status', async () => {
    const answers = [
      await ask(`/${WRONG_KEY}/v1/messages`, undefined),
      await ask(`/v1/messages/${WRONG_KEY}`, WRONG_KEY),
      await ask(`/${API_KEY}/v1/messages`, API_KEY),
      await ask(`/api/provider/${WRONG_KEY}/v1/messages`, API_KEY),
      await ask('/v1/messages', API_KEY, API_KEY),
      await ask('/v1/messages', API_KEY, WRONG_KEY),
    ];
    assert.deepEqual(answers.map((a) => a.status).slice(0, 4), [401, 401, 404, 404]);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const log = readFileSync(path.join(ccs.paths.logs, 'proxy.log'), 'utf8');
    const status = (await runBin(['proxy', 'status', '--json'], ccs.env)).stdout;
    for (const [name, text] of [['proxy.log', log], ['proxy status', status]]) {
      assert.ok(!text.includes('guessed-not-a-real'), `${name} holds the wrong key:\n${text}`);
      assert.ok(!text.includes(API_KEY), `${name} holds the proxy's key:\n${text}`);
    }
  });
});
