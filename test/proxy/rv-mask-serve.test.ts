// Review attack, real `proxy start` child: upstream answers that echo credentials; what reaches the client, proxy.log and `proxy status`.
import assert from 'node:assert/strict';
import {readFileSync} from 'node:fs';
import {describe, it} from 'node:test';
import {makeTempCcs} from '../helpers/ccs.js';
import {runBin} from '../helpers/cli.js';
import {startFakeUpstream} from '../helpers/fake-upstreams.js';
import {proxyLogPath} from '../../source/services/proxy/pid-file.js';
import {API_KEY, oauthToken} from './fixture.js';
import {startClaudeProxyChild} from './proxy-child.js';
import {leaks} from './rv-harness.js';

const u = (text: string, levels = 1) => [...text].map((ch) => '\\'.repeat(levels) + 'u' + ch.charCodeAt(0).toString(16).padStart(4, '0')).join('');

describe('rv-mask serve: echoes in errors, logs and status', async () => {
  const ccs = makeTempCcs();
  const access = 'sk-ant-oat01-SERVE_' + Math.random().toString(36).slice(2, 12) + '-x9';
  const refresh = 'sk-ant-ort01-SERVE_' + Math.random().toString(36).slice(2, 12) + '-y8';
  let status = 400;
  let form = (t: string) => t;
  let broken = false;
  const upstream = await startFakeUpstream((req, res) => {
    const echo = `${form(access)} ${form(refresh)} ${form(API_KEY)}`;
    if (broken) {
      res.writeHead(200, {'content-type': 'text/event-stream'});
      res.write(`event: error\ndata: {"type":"error","error":{"type":"x","message":"${echo}"}}\n\n`);
      setTimeout(() => res.socket?.destroy(new Error(`reset ${access}`)), 20);
      return;
    }
    res.writeHead(status, {'content-type': 'application/json', 'x-echo': `${access} ${API_KEY}`, 'retry-after': '1'});
    res.end(`{"type":"error","error":{"type":"invalid_request_error","message":"bad key ${echo}"}}`);
  });
  ccs.writeToken('claude-a@example.com.json', oauthToken('claude', 'a@example.com', {access_token: access, refresh_token: refresh}));
  const port = await startClaudeProxyChild(ccs, upstream);
  const ask = async (stream = false) => {
    const response = await fetch(`http://127.0.0.1:${port}/v1/messages`, {
      method: 'POST',
      headers: {'x-api-key': API_KEY, 'content-type': 'application/json', 'anthropic-version': '2023-06-01'},
      body: JSON.stringify({model: 'claude-opus-4-6', max_tokens: 8, stream, messages: [{role: 'user', content: `my key ${API_KEY}`}]}),
    });
    return {status: response.status, headers: JSON.stringify([...response.headers]), text: await response.text()};
  };
  const forms: Record<string, (t: string) => string> = {plain: (t) => t, u1: (t) => u(t), u2: (t) => u(t, 2), b64: (t) => Buffer.from(t).toString('base64'), pct: (t) => encodeURIComponent(t)};
  const seen: string[] = [];
  for (const s of [400, 403, 404, 413, 500, 502, 503, 529, 429, 401])
    for (const [name, f] of Object.entries(forms))
      it(`status ${s} echo ${name}`, async () => {
        status = s;
        form = f;
        const r = await ask();
        seen.push(r.text + r.headers);
        for (const secret of [access, refresh]) assert.ok(!leaks(r.text + '\n' + r.headers, secret), `${r.status} ${r.text} ${r.headers}`);
      });
  it('broken stream echoing in an error event and a reset', async () => {
    broken = true;
    form = (t) => t;
    const r = await ask(true);
    for (const secret of [access, refresh]) assert.ok(!leaks(r.text, secret), r.text);
    broken = false;
  });
  const logAndStatus = async () => {
    await new Promise((resolve) => setTimeout(resolve, 600));
    const log = readFileSync(proxyLogPath(ccs.paths), 'utf8');
    const st = await runBin(['proxy', 'status'], ccs.env);
    const stj = await runBin(['proxy', 'status', '--json'], ccs.env);
    return {log, status: st.stdout + st.stderr + stj.stdout + stj.stderr};
  };
  it('proxy.log and proxy status hold no account credential', async () => {
    const {log, status} = await logAndStatus();
    for (const secret of [access, refresh]) {
      assert.ok(!leaks(log, secret), `proxy.log: ${log}`);
      assert.ok(!leaks(status, secret), status);
    }
  });
  it('proxy.log and proxy status hold no proxy api-key (any form)', async () => {
    const {log, status} = await logAndStatus();
    const lines = log.split('\n').filter((line) => leaks(line, API_KEY));
    assert.deepEqual(lines, []);
    assert.ok(!leaks(status, API_KEY), status);
  });
  it('the proxy key echoed to the client', () => {
    assert.ok(!seen.some((t) => leaks(t, API_KEY)), seen.find((t) => leaks(t, API_KEY)));
  });
});
