// rv9p probes: a codex (upstreamStreamsOnly) pass-through Responses request from a client that asked
// for no stream is collected from the upstream's SSE (collect.ts). A hostile or stuck upstream must
// not hold the client, or the proxy's upstream request, longer than the answer needs.
import assert from 'node:assert/strict';
import type {ServerResponse} from 'node:http';
import {after, describe, it} from 'node:test';
import type {RecordedRequest} from '../helpers/fake-upstreams.js';
import {API_KEY, oauthToken, proxyFixture} from './fixture.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const event = (data: Record<string, unknown>) => `event: ${String(data.type)}\ndata: ${JSON.stringify(data)}\n\n`;
const base = {id: 'resp_x1', object: 'response', created_at: 1_700_000_000, model: 'gpt-5.2-codex', status: 'in_progress', output: []};
const messageItem = (text: string) => ({id: 'msg_1', type: 'message', role: 'assistant', status: 'completed', content: [{type: 'output_text', text, annotations: []}]});

describe('rv9p: codex collected answers against a stuck or hostile upstream', async () => {
  const f = await proxyFixture({provider: 'codex', apiPath: '/backend-api/codex', tokens: [{file: 'codex-a.json', token: oauthToken('codex', 'x@example.com', {account_id: 'acct-1'})}]});
  after(() => f.close());
  const ask = (body: Record<string, unknown>, signal?: AbortSignal) =>
    fetch(`${f.url}/api/provider/codex/v1/responses`, {method: 'POST', headers: {authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json'}, body: JSON.stringify(body), signal});

  it('the terminal response.completed came, the upstream keeps the stream open: the client gets its Response at once', async () => {
    let upstreamClosed = false;
    f.upstream.handler = async (_req: RecordedRequest, res: ServerResponse) => {
      res.on('close', () => (upstreamClosed = true));
      res.writeHead(200, {'content-type': 'text/event-stream'});
      res.write(event({type: 'response.created', response: base}));
      res.write(event({type: 'response.output_item.done', output_index: 0, item: messageItem('done here')}));
      res.write(event({type: 'response.completed', response: {...base, status: 'completed'}}));
      // Then nothing more, and no end (a proxy or load balancer that holds the stream).
      for (let i = 0; i < 40 && !upstreamClosed; i++) await sleep(100);
      res.end();
    };
    const started = Date.now();
    const response = await ask({model: 'gpt-5.2-codex', input: 'hi'}, AbortSignal.timeout(3000)).catch((error: Error) => error);
    const waited = Date.now() - started;
    assert.ok(!(response instanceof Error), `the client got no answer within 3 s of a completed Response (${String(response)})`);
    const body = (await response.json()) as {status?: string; output?: {content?: {text?: string}[]}[]};
    assert.equal(body.status, 'completed');
    assert.equal(body.output?.[0]?.content?.[0]?.text, 'done here');
    assert.ok(waited < 1500, `answered ${waited} ms after the completed event was sent`);
  });

  it('the same through a translation (a Chat Completions client that asked for no stream): answered at once', async () => {
    let upstreamClosed = false;
    f.upstream.handler = async (_req: RecordedRequest, res: ServerResponse) => {
      res.on('close', () => (upstreamClosed = true));
      res.writeHead(200, {'content-type': 'text/event-stream'});
      res.write(event({type: 'response.created', response: base}));
      res.write(event({type: 'response.output_item.done', output_index: 0, item: messageItem('done here')}));
      res.write(event({type: 'response.completed', response: {...base, status: 'completed', output: [messageItem('done here')]}}));
      for (let i = 0; i < 40 && !upstreamClosed; i++) await sleep(100);
      res.end();
    };
    const started = Date.now();
    const response = await fetch(`${f.url}/api/provider/codex/v1/chat/completions`, {
      method: 'POST',
      headers: {authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json'},
      body: JSON.stringify({model: 'gpt-5.2-codex', messages: [{role: 'user', content: 'hi'}]}),
      signal: AbortSignal.timeout(3000),
    }).catch((error: Error) => error);
    assert.ok(!(response instanceof Error), `the client got no answer within 3 s of a completed Response (${String(response)})`);
    const body = (await response.json()) as {choices?: {message?: {content?: string}}[]};
    assert.equal(body.choices?.[0]?.message?.content, 'done here');
    assert.ok(Date.now() - started < 1500);
  });

  it('no response.completed, the upstream sends pings for ever: once the client leaves, the upstream request is closed', async () => {
    let upstreamClosed = false;
    let pings = 0;
    f.upstream.handler = async (_req: RecordedRequest, res: ServerResponse) => {
      res.on('close', () => (upstreamClosed = true));
      res.writeHead(200, {'content-type': 'text/event-stream'});
      res.write(event({type: 'response.created', response: base}));
      while (!upstreamClosed && pings < 100) {
        res.write(': ping\n\n');
        pings++;
        await sleep(50);
      }
      res.end();
    };
    const controller = new AbortController();
    const answer = ask({model: 'gpt-5.2-codex', input: 'hi'}, controller.signal).catch((error: Error) => error);
    await sleep(400);
    controller.abort();
    await answer;
    for (let i = 0; i < 40 && !upstreamClosed; i++) await sleep(50);
    assert.ok(upstreamClosed, `the upstream request still open 2 s after the client left (${pings} pings read meanwhile)`);
  });

  it('garbage from the upstream (odd output_index values, non-JSON data, a terminal event without a response): a clear answer, no crash', async () => {
    f.upstream.handler = async (_req: RecordedRequest, res: ServerResponse) => {
      res.writeHead(200, {'content-type': 'text/event-stream'});
      res.write('data: {not json\n\n');
      res.write(event({type: 'response.output_text.delta', output_index: 1e308, delta: 'a'}));
      res.write(event({type: 'response.output_text.delta', output_index: -5, delta: 'b'}));
      res.write(event({type: 'response.output_text.delta', output_index: '__proto__', delta: 'c'}));
      res.write(event({type: 'response.output_item.done', output_index: 0, item: null}));
      res.write(event({type: 'response.completed', response: 'x'}));
      res.write(event({type: 'response.completed', response: {...base, status: 'completed', output: 'not an array'}}));
      res.end();
    };
    const response = await ask({model: 'gpt-5.2-codex', input: 'hi'});
    assert.equal(response.status, 200);
    const body = (await response.json()) as {output?: unknown[]};
    assert.ok(Array.isArray(body.output), JSON.stringify(body));
  });
});
