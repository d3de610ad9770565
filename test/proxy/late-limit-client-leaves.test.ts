// Codex CLI → Codex, passed through: codex's usage limit comes as a whole `error` event and the
// upstream holds the stream open a moment; the client reads it and leaves (an agent that stops on
// an error event, a person pressing Esc). The limit came whole: the account cools all the same.
import assert from 'node:assert/strict';
import {after, describe, it} from 'node:test';
import {startFakeInference} from '../helpers/fake-inference/server.js';
import {API_KEY, oauthToken, proxyFixture} from './fixture.js';

const codexBegun =
  `event: response.created\ndata: ${JSON.stringify({type: 'response.created', response: {id: 'r1', status: 'in_progress', output: []}})}\n\n` +
  `event: response.output_text.delta\ndata: ${JSON.stringify({type: 'response.output_text.delta', item_id: 'msg_1', output_index: 0, content_index: 0, delta: 'Half an answer'})}\n\n`;
const usageLimit = {type: 'usage_limit_reached', code: 'usage_limit_reached', message: 'The usage limit has been reached', resets_in_seconds: 7200};
const errorEvent = `event: error\ndata: ${JSON.stringify({type: 'error', error: usageLimit})}\n\n`;

describe('Codex CLI → Codex, passed through: the client leaves once it has the whole usage-limit `error` event', async () => {
  const upstream = await startFakeInference({script: () => ({text: 'served by the next account'}), project: 'p1'});
  const f = await proxyFixture({
    provider: 'codex',
    apiPath: '/backend-api/codex',
    tokens: [
      {file: 'codex-a.json', token: oauthToken('codex', 'a@example.com', {account_id: 'acct-a'})},
      {file: 'codex-b.json', token: oauthToken('codex', 'b@example.com', {account_id: 'acct-b'})},
    ],
    upstream,
  });
  after(() => f.close());
  const inner = upstream.handler;
  const tried: string[] = [];
  upstream.handler = (req, res, incoming) => {
    const account = /at-(\w)@example\.com/.exec(String(req.headers.authorization ?? ''))?.[1] ?? '?';
    tried.push(account);
    if (account !== 'a') return inner(req, res, incoming);
    res.writeHead(200, {'content-type': 'text/event-stream'});
    res.write(codexBegun);
    setTimeout(() => res.write(errorEvent), 100);
    // codex ends the stream a little later
    setTimeout(() => res.end(`event: response.failed\ndata: ${JSON.stringify({type: 'response.failed', response: {id: 'r1', status: 'failed', error: null}})}\n\n`), 1500);
  };

  it('cools the account all the same', async () => {
    const controller = new AbortController();
    const response = await fetch(`${f.url}/api/provider/codex/v1/responses`, {method: 'POST', signal: controller.signal, headers: {authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json'}, body: JSON.stringify({model: 'gpt-5-codex', input: 'hi', stream: true})});
    const reader = response.body!.getReader();
    let text = '';
    while (!/event: error\ndata: .*\n\n/.test(text)) {
      const {value, done} = await reader.read();
      if (done) break;
      text += Buffer.from(value).toString('utf8');
    }
    assert.match(text, /usage limit has been reached/);
    controller.abort();
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const failovers = f.events.filter((e) => e.type === 'failover') as Array<{from: string; reason: string}>;
    assert.deepEqual(failovers.map((e) => [e.from, e.reason]), [['a@example.com', 'usage limit reached']], JSON.stringify(f.events));
    const next = await fetch(`${f.url}/api/provider/codex/v1/responses`, {method: 'POST', headers: {authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json'}, body: JSON.stringify({model: 'gpt-5-codex', input: 'hi', stream: true})});
    await next.text();
    assert.deepEqual(tried, ['a', 'b']);
  });
});
