// A pass-through stream's late error of 60 KB: cut in the log line, the request event and `proxy
// status` as a translated stream's is (ERROR_MESSAGE_MAX).
import assert from 'node:assert/strict';
import {after, describe, it} from 'node:test';
import type {ServerResponse} from 'node:http';
import {startFakeInference} from '../helpers/fake-inference/server.js';
import {API_KEY, oauthToken, proxyFixture, type ProxyFixture} from './fixture.js';

async function pool() {
  const upstream = await startFakeInference({script: () => ({text: 'served by the next account'}), project: 'p1'});
  const f = await proxyFixture({
    provider: 'claude',
    tokens: [
      {file: 'claude-a.json', token: oauthToken('claude', 'a@example.com')},
      {file: 'claude-b.json', token: oauthToken('claude', 'b@example.com')},
    ],
    upstream,
  });
  after(() => f.close());
  const inner = upstream.handler;
  let script: ((res: ServerResponse) => void) | undefined;
  upstream.handler = (req, res, incoming) => {
    const account = /at-(\w)@example\.com/.exec(String(req.headers.authorization ?? req.headers['x-api-key'] ?? ''))?.[1] ?? '?';
    if (account !== 'a' || !script) return inner(req, res, incoming);
    script(res);
  };
  return {f, set: (s: (res: ServerResponse) => void) => (script = s)};
}
const begun =
  `event: message_start\ndata: ${JSON.stringify({type: 'message_start', message: {id: 'm1', type: 'message', role: 'assistant', model: 'claude-sonnet-4-5', content: [], stop_reason: null, usage: {input_tokens: 1, output_tokens: 0}}})}\n\n` +
  `event: content_block_start\ndata: ${JSON.stringify({type: 'content_block_start', index: 0, content_block: {type: 'text', text: ''}})}\n\n` +
  `event: content_block_delta\ndata: ${JSON.stringify({type: 'content_block_delta', index: 0, delta: {type: 'text_delta', text: 'Half an answer'}})}\n\n`;
const limit = `event: error\ndata: ${JSON.stringify({type: 'error', error: {type: 'rate_limit_error', message: 'Limited'}})}\n\n`;
async function streamed(f: ProxyFixture) {
  const response = await fetch(`${f.url}/v1/messages`, {method: 'POST', headers: {'x-api-key': API_KEY, 'content-type': 'application/json', 'anthropic-version': '2023-06-01'}, body: JSON.stringify({model: 'claude-sonnet-4-5', max_tokens: 64, stream: true, messages: [{role: 'user', content: 'hi'}]})});
  return response.text();
}
const failovers = (f: ProxyFixture) => f.events.filter((e) => e.type === 'failover');

describe('Claude pass-through: a long error message after the stream began', async () => {
  const {f, set} = await pool();
  it('is cut in the log line, the request event and proxy status, as the translated path cuts it (ERROR_MESSAGE_MAX, 1000)', async () => {
    const message = `Limited ${'x'.repeat(60_000)}`;
    set((res) => {
      res.writeHead(200, {'content-type': 'text/event-stream'});
      res.write(begun);
      setTimeout(() => res.end(`event: error\ndata: ${JSON.stringify({type: 'error', error: {type: 'rate_limit_error', message}})}\n\n`), 100);
    });
    await streamed(f);
    await new Promise((r) => setTimeout(r, 100));
    const broke = f.events.flatMap((e) => (e.type === 'request' && e.broke ? [e.broke] : []));
    const errors = f.events.flatMap((e) => (e.type === 'error' ? [e.message] : []));
    const status = JSON.stringify(f.proxy.status());
    assert.equal(broke.length, 1);
    assert.ok(broke[0]!.length < 1200, `request line's broke: ${broke[0]!.length} chars`);
    assert.ok(errors.every((m) => m.length < 1200), `error event: ${errors.map((m) => m.length)} chars`);
    assert.ok(status.length < 20_000, `proxy status: ${status.length} chars`);
  });
});
