// Claude Code on a Claude pool, passed through: a limit after the stream began cools the account
// whatever the stream's encoding and framing (gzip, brotli across reads, UTF-16, the error in the
// content's write, one byte at a time, CRLF with a BOM, comments, `id:` lines, split data lines);
// an error of 60 KB is cut in the log line, the request event and `proxy status` as a translated
// stream's is (ERROR_MESSAGE_MAX).
import assert from 'node:assert/strict';
import {gzipSync, brotliCompressSync} from 'node:zlib';
import {describe, it} from 'node:test';
import type {ServerResponse} from 'node:http';
import {API_KEY, type ProxyFixture} from './fixture.js';
import {twoAccountPool} from './two-account-pool.js';

/** Two Claude accounts; account a answers with the script `set` gives it, b with the fake's answer. */
async function pool() {
  const {f, answerA} = await twoAccountPool('claude');
  return {f, set: answerA};
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
const cases: Array<[string, (res: ServerResponse) => void]> = [
  ['gzip whole', (res) => { const body = gzipSync(begun + limit); res.writeHead(200, {'content-type': 'text/event-stream', 'content-encoding': 'gzip', 'content-length': body.length}); res.end(body); }],
  ['br streamed', (res) => { res.writeHead(200, {'content-type': 'text/event-stream', 'content-encoding': 'br'}); const body = brotliCompressSync(begun + limit); res.write(body.subarray(0, 20)); setTimeout(() => res.end(body.subarray(20)), 100); }],
  ['utf-16le', (res) => { res.writeHead(200, {'content-type': 'text/event-stream; charset=utf-16le'}); res.write(Buffer.from(begun, 'utf16le')); setTimeout(() => res.end(Buffer.from(limit, 'utf16le')), 100); }],
  ['same write as content', (res) => { res.writeHead(200, {'content-type': 'text/event-stream'}); setTimeout(() => res.end(begun + limit), 10); }],
  ['one byte writes', (res) => { res.writeHead(200, {'content-type': 'text/event-stream'}); const all = Buffer.from(begun + limit); let i = 0; const next = () => { if (i >= all.length) return res.end(); res.write(all.subarray(i, i + 1)); i++; setImmediate(next); }; next(); }],
  ['CRLF + BOM + comments', (res) => { res.writeHead(200, {'content-type': 'text/event-stream'}); res.write(('\uFEFF' + begun).replace(/\n/g, '\r\n')); setTimeout(() => res.end(': ping\r\nevent: error  \r\nid: 7\r\ndata: {"type":"error",\r\ndata: "error":{"type":"rate_limit_error","message":"Limited"}}\r\n\r\n'), 100); }],
];
for (const [name, script] of cases) describe(`Claude pass-through, ${name}`, async () => {
  const {f, set} = await pool();
  it('cools', async () => {
    set(script);
    const text = await streamed(f);
    assert.match(text, /Limited/);
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(failovers(f).length, 1, JSON.stringify(f.events.filter((e) => e.type === 'request')));
  });
});

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
    assert.ok(status.length < 5_000, `proxy status: ${status.length} chars`);
  });
});
