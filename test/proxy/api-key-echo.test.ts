// The proxy's own api-keys (config.yaml) echoed by an upstream, a key added while the proxy runs
// included: a real `proxy start` child; what reaches the client (bodies, headers, streams), proxy.log
// and `proxy status`, in every form a client could decode.
import assert from 'node:assert/strict';
import {readFileSync} from 'node:fs';
import {setTimeout as sleep} from 'node:timers/promises';
import {describe, it} from 'node:test';
import {makeTempCcs} from '../helpers/ccs.js';
import {runBin} from '../helpers/cli.js';
import {startFakeUpstream} from '../helpers/fake-upstreams.js';
import {proxyLogPath} from '../../source/services/proxy/pid-file.js';
import {API_KEY, oauthToken} from './fixture.js';
import {startClaudeProxyChild} from './proxy-child.js';
import {leaks, u} from './rv-harness.js';
import {waitFor} from '../helpers/wait.js';

describe('api-keys echoed by an upstream, one added while the proxy runs', async () => {
  const ccs = makeTempCcs();
  const added = 'added-proxy-key-' + Math.random().toString(36).slice(2, 12) + 'Zq';
  let form = (t: string) => t;
  let answer: 'error' | 'json' | 'sse' = 'error';
  const upstream = await startFakeUpstream((_req, res) => {
    const echo = form(added);
    if (answer === 'sse') {
      res.writeHead(200, {'content-type': 'text/event-stream', 'x-echo': added});
      res.write(`event: message_start\ndata: {"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","content":[],"model":"claude-opus-4-6","usage":{"input_tokens":1,"output_tokens":1}}}\n\n`);
      res.write(`event: content_block_start\ndata: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}\n\n`);
      res.write(`event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"you said ${echo}"}}\n\n`);
      res.end(`event: content_block_stop\ndata: {"type":"content_block_stop","index":0}\n\nevent: message_stop\ndata: {"type":"message_stop"}\n\n`);
      return;
    }
    const ok = answer === 'json';
    res.writeHead(ok ? 200 : 400, {'content-type': 'application/json', 'x-echo': `key ${added}`});
    res.end(
      ok
        ? `{"id":"msg_1","type":"message","role":"assistant","model":"claude-opus-4-6","content":[{"type":"text","text":"you said ${echo}"}],"stop_reason":"end_turn","usage":{"input_tokens":1,"output_tokens":1}}`
        : `{"type":"error","error":{"type":"invalid_request_error","message":"prompt was: ${echo}"}}`,
    );
  });
  ccs.writeToken('claude-a@example.com.json', oauthToken('claude', 'a@example.com'));
  const port = await startClaudeProxyChild(ccs, upstream);
  const ask = async (key: string, stream = false) => {
    const response = await fetch(`http://127.0.0.1:${port}/v1/messages`, {
      method: 'POST',
      headers: {'x-api-key': key, 'content-type': 'application/json', 'anthropic-version': '2023-06-01'},
      body: JSON.stringify({model: 'claude-opus-4-6', max_tokens: 8, stream, messages: [{role: 'user', content: `my key ${key}`}]}),
    });
    return {status: response.status, text: `${await response.text()}\n${JSON.stringify([...response.headers])}`};
  };

  it('a key added to config.yaml is accepted, then masked in every answer', async () => {
    ccs.writeRaw('cliproxy/config.yaml', `port: 8317\napi-keys:\n  - "${API_KEY}"\n  - "${added}"\n`);
    let status = 401;
    for (let i = 0; i < 50 && status === 401; i++) {
      await sleep(100);
      status = (await ask(added)).status;
    }
    assert.notEqual(status, 401, 'the proxy never took the added key');
    const forms: Record<string, (t: string) => string> = {plain: (t) => t, u1: (t) => u(t), b64: (t) => Buffer.from(t).toString('base64'), pct: (t) => encodeURIComponent(t)};
    for (const kind of ['error', 'json', 'sse'] as const)
      for (const [name, f] of Object.entries(forms)) {
        answer = kind;
        form = f;
        const r = await ask(added, kind === 'sse');
        assert.equal(r.status, kind === 'error' ? 400 : 200, r.text);
        assert.ok(!leaks(r.text, added), `${kind} ${name}: ${r.text}`);
        // The key is masked, not the answer dropped: the client still reads what the upstream said.
        assert.match(r.text, kind === 'error' ? /prompt was: / : /you said /);
      }
  });

  it('proxy.log and proxy status hold no added key (any form)', async () => {
    // The request lines reach the log in batches (serve.ts REQUEST_BATCH_MS): a while for them all,
    // and on a loaded machine until the first at least is there.
    await sleep(600);
    await waitFor(() => /upstream 400/.test(readFileSync(proxyLogPath(ccs.paths), 'utf8')), 'the upstream 400 in proxy.log');
    const log = readFileSync(proxyLogPath(ccs.paths), 'utf8');
    assert.match(log, /upstream 400/);
    assert.deepEqual(
      log.split('\n').filter((line) => leaks(line, added)),
      [],
    );
    for (const args of [['proxy', 'status'], ['proxy', 'status', '--json']]) {
      const st = await runBin(args, ccs.env);
      assert.ok(!leaks(st.stdout + st.stderr, added), st.stdout + st.stderr);
    }
  });
});
