// What unlucky upstreams send a translated client, end to end through the proxy: each case is a
// wire quirk seen from an OpenAI-compatible server or a hostile one, and what the client must get.
import assert from 'node:assert/strict';
import {after, describe, it} from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import {responsesStreamEvents} from '../helpers/fake-upstreams.js';
import {API_KEY, oauthToken, proxyFixture, type ProxyFixture} from './fixture.js';

const chunk = (delta: unknown, finish: string | null = null) => `data: ${JSON.stringify({id: 'c1', choices: [{index: 0, delta, finish_reason: finish}]})}\n\n`;

describe('a Chat upstream that numbers every parallel tool call 0 (each call whole, with its own id)', async () => {
  const f = await proxyFixture({provider: 'qwen', apiPath: '/v1', tokens: [{file: 'qwen-a.json', token: oauthToken('qwen', 'q@example.com')}]});
  after(() => f.close());
  f.upstream.handler = (_req, res) => {
    res.writeHead(200, {'content-type': 'text/event-stream'});
    res.end(
      chunk({role: 'assistant', tool_calls: [{index: 0, id: 'call_a', type: 'function', function: {name: 'Read', arguments: '{"path":"a.txt"}'}}]}) +
        chunk({tool_calls: [{index: 0, id: 'call_b', type: 'function', function: {name: 'Glob', arguments: '{"pattern":"*.md"}'}}]}) +
        chunk({tool_calls: [{index: 0, id: 'call_c', type: 'function', function: {name: 'Read', arguments: '{"path":"c.txt"}'}}]}) +
        chunk({}, 'tool_calls') +
        'data: [DONE]\n\n',
    );
  };
  const tools = [
    {name: 'Read', input_schema: {type: 'object' as const}},
    {name: 'Glob', input_schema: {type: 'object' as const}},
  ];

  it('Claude Code gets two tool_use blocks, each with its own id, name and input', async () => {
    const client = new Anthropic({apiKey: API_KEY, baseURL: f.url, maxRetries: 0});
    const message = await client.messages.stream({model: 'qwen3-coder-plus', max_tokens: 64, tools, messages: [{role: 'user', content: 'hi'}]}).finalMessage();
    const calls = message.content.filter((b) => b.type === 'tool_use').map((b) => ({id: b.id, name: b.name, input: b.input}));
    assert.deepEqual(calls, [
      {id: 'call_a', name: 'Read', input: {path: 'a.txt'}},
      {id: 'call_b', name: 'Glob', input: {pattern: '*.md'}},
      {id: 'call_c', name: 'Read', input: {path: 'c.txt'}},
    ]);
    assert.equal(message.stop_reason, 'tool_use');
  });

  it('Codex CLI (Responses) gets two function_call items', async () => {
    const client = new OpenAI({apiKey: API_KEY, baseURL: `${f.url}/v1`, maxRetries: 0});
    const stream = await client.responses.create({model: 'qwen3-coder-plus', input: 'hi', stream: true, tools: tools.map((t) => ({type: 'function' as const, name: t.name, parameters: {type: 'object'}, strict: false}))});
    let output: unknown[] = [];
    for await (const event of stream) if (event.type === 'response.completed') output = event.response.output;
    const calls = output.map((item) => {
      const call = item as {call_id: string; name: string; arguments: string};
      return {id: call.call_id, name: call.name, arguments: call.arguments};
    });
    assert.deepEqual(calls, [
      {id: 'call_a', name: 'Read', arguments: '{"path":"a.txt"}'},
      {id: 'call_b', name: 'Glob', arguments: '{"pattern":"*.md"}'},
      {id: 'call_c', name: 'Read', arguments: '{"path":"c.txt"}'},
    ]);
  });
});

describe('an upstream that holds its stream open after saying the answer is over', async () => {
  const f = await proxyFixture({provider: 'qwen', apiPath: '/v1', tokens: [{file: 'qwen-a.json', token: oauthToken('qwen', 'q@example.com')}]});
  after(() => f.close());
  f.upstream.handler = (_req, res) => {
    res.writeHead(200, {'content-type': 'text/event-stream'});
    // Everything of the answer, then the connection left open (never res.end()).
    res.write(chunk({role: 'assistant', content: 'hello'}) + chunk({}, 'stop') + `data: ${JSON.stringify({id: 'c1', choices: [], usage: {prompt_tokens: 7, completion_tokens: 2}})}\n\n` + 'data: [DONE]\n\n');
  };
  /** `promise`, or a failure naming what hung after `ms`. */
  const within = <T>(promise: Promise<T>, ms: number, what: string) =>
    Promise.race([promise, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`${what}: no end after ${ms} ms`)), ms).unref())]);

  it('Claude Code gets the whole message and its stream ends at [DONE]', async () => {
    const client = new Anthropic({apiKey: API_KEY, baseURL: f.url, maxRetries: 0});
    const message = await within(client.messages.stream({model: 'qwen3-coder-plus', max_tokens: 64, messages: [{role: 'user', content: 'hi'}]}).finalMessage(), 3000, 'the Anthropic stream');
    assert.equal(message.content.map((block) => (block.type === 'text' ? block.text : '')).join(''), 'hello');
    assert.equal(message.usage.output_tokens, 2);
    assert.equal(f.proxy.status().lastError, undefined, 'an answer that ended is no upstream break');
  });

  it('Codex CLI (Responses) gets response.completed and its stream ends', async () => {
    const client = new OpenAI({apiKey: API_KEY, baseURL: `${f.url}/v1`, maxRetries: 0});
    const read = async () => {
      const types: string[] = [];
      for await (const event of await client.responses.create({model: 'qwen3-coder-plus', input: 'hi', stream: true})) types.push(event.type);
      return types;
    };
    const types = await within(read(), 3000, 'the Responses stream');
    assert.equal(types.at(-1), 'response.completed');
  });
});

/**
 * An answer ended at its final event (a translated stream, a JSON answer read from a stream, a stream
 * collected for a client that asked for none) used to leave the reader's loop by destroying the
 * upstream answer, so each next request to a real upstream paid a new TLS handshake.
 */
for (const upstreamKind of ['chat', 'responses'] as const) {
  describe(`an answer from a ${upstreamKind === 'chat' ? 'Chat (qwen)' : 'Responses (codex, streams only)'} upstream that ends just after its final event keeps the upstream connection`, async () => {
    const f =
      upstreamKind === 'chat'
        ? await proxyFixture({provider: 'qwen', apiPath: '/v1', tokens: [{file: 'qwen-a.json', token: oauthToken('qwen', 'q@example.com')}]})
        : await proxyFixture({provider: 'codex', apiPath: '/backend-api/codex', tokens: [{file: 'codex-a.json', token: oauthToken('codex', 'x@example.com', {account_id: 'a1'})}]});
    after(() => f.close());
    const model = upstreamKind === 'chat' ? 'qwen3-coder-plus' : 'gpt-5-codex';
    const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
    const ports: number[] = [];
    /** ms after the answer's last byte that the upstream ends it: 0 in the same write, -1 never. */
    let endAfter = 0;
    /** The answer's text is this long (6 MB: written to the client slowly), its end 20 ms after the rest. */
    let bigText = 0;
    f.upstream.handler = (req, res, incoming) => {
      ports.push(incoming.socket.remotePort!);
      // A real upstream's hint (node:http keeps no connection whose server says `timeout=1`, the test server's own).
      const headers = {'keep-alive': 'timeout=30'};
      if (upstreamKind === 'chat' && req.body?.stream !== true) {
        res.writeHead(200, {...headers, 'content-type': 'application/json'});
        return void res.end(JSON.stringify({id: 'c1', object: 'chat.completion', choices: [{index: 0, message: {role: 'assistant', content: 'kept'}, finish_reason: 'stop'}], usage: {prompt_tokens: 3, completion_tokens: 1}}));
      }
      res.writeHead(200, {...headers, 'content-type': 'text/event-stream'});
      const all = upstreamKind === 'chat' ? chunk({role: 'assistant', content: 'kept'}) + chunk({}, 'stop') + 'data: [DONE]\n\n' : responsesStreamEvents(model, [bigText ? 'x'.repeat(bigText) : 'kept']).join('');
      if (bigText) return void res.write(all, () => setTimeout(() => res.end(), 20));
      if (endAfter === 0) return void res.end(all);
      res.write(all);
      if (endAfter > 0) setTimeout(() => res.end(), endAfter);
      // Breaks off after the final event (a reset while the rest is drained).
      if (endAfter === -2) setTimeout(() => res.destroy(), 50);
    };
    const within = <T>(promise: Promise<T>, ms: number, what: string) =>
      Promise.race([promise, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`${what}: no end after ${ms} ms`)), ms).unref())]);
    const anthropic = new Anthropic({apiKey: API_KEY, baseURL: f.url, maxRetries: 0});
    const openai = new OpenAI({apiKey: API_KEY, baseURL: `${f.url}/v1`, maxRetries: 0});
    const textOf = (message: Anthropic.Message) => message.content.map((block) => (block.type === 'text' ? block.text : '')).join('');
    const clients = {
      'Claude Code (a Messages stream)': async () => textOf(await anthropic.messages.stream({model, max_tokens: 64, messages: [{role: 'user', content: 'hi'}]}).finalMessage()),
      'a Messages client without a stream': async () => textOf(await anthropic.messages.create({model, max_tokens: 64, messages: [{role: 'user', content: 'hi'}]})),
      'Codex CLI (a Responses stream)': async () => {
        let text = '';
        for await (const event of await openai.responses.create({model, input: 'hi', stream: true})) if (event.type === 'response.output_text.delta') text += event.delta;
        return text;
      },
      'a Responses client without a stream': async () => (await openai.responses.create({model, input: 'hi'})).output_text,
    };
    // Pass-through streams are another test's (pass-through-final-event); a Chat upstream's JSON answer has a length and ends whole.
    const streamed = (client: string) => upstreamKind === 'responses' || client.includes('(a ');
    for (const [client, ask] of Object.entries(clients)) {
      if (upstreamKind === 'responses' && client === 'Codex CLI (a Responses stream)') continue;
      it(`${client}: one upstream connection for answers that end in the same write or 50 ms later${streamed(client) ? '; one held open is dropped after the grace' : ''}`, async () => {
        ports.length = 0;
        await sleep(1100); // the last test's held answer is dropped by now
        for (const after of [0, 0, 50, 50]) {
          endAfter = after;
          assert.equal(await within(ask(), 3000, client), 'kept');
          // The next request after the upstream's own end (a request meanwhile takes another connection).
          await sleep(150);
        }
        assert.equal(new Set(ports).size, 1, `one upstream connection for the four answers: ${ports.join(', ')}`);
        if (!streamed(client)) return;
        endAfter = -1;
        assert.equal(await within(ask(), 3000, client), 'kept');
        await sleep(1300);
        endAfter = 0;
        assert.equal(await within(ask(), 3000, client), 'kept');
        assert.equal(new Set(ports).size, 2, `a new connection after the held one was dropped: ${ports.join(', ')}`);
        assert.equal(f.proxy.status().lastError, undefined, 'an answer that ended is no upstream break');
      });
    }
    if (upstreamKind === 'responses') {
      it("a large answer whose end came while the client's answer was still being written keeps its connection too", async () => {
        ports.length = 0;
        await sleep(1100);
        bigText = 6_000_000;
        try {
          for (let i = 0; i < 3; i++) {
            assert.equal((await within(clients['a Messages client without a stream'](), 15_000, 'the large answer')).length, bigText);
            await sleep(200);
          }
        } finally {
          bigText = 0;
        }
        assert.equal(new Set(ports).size, 1, `one upstream connection for the three answers: ${ports.join(', ')}`);
      });
    }
    it('an upstream that breaks off after its final event, while the rest is drained: the client has its answer, the proxy serves on', async () => {
      endAfter = -2;
      assert.equal(await within(clients['Claude Code (a Messages stream)'](), 3000, 'the Anthropic stream'), 'kept');
      await sleep(200);
      endAfter = 0;
      assert.equal(await within(clients['Claude Code (a Messages stream)'](), 3000, 'the Anthropic stream'), 'kept');
      assert.equal(f.proxy.status().lastError, undefined, 'an answer that ended is no upstream break');
    });
  });
}

describe('an upstream that sends one endless SSE line', async () => {
  const f = await proxyFixture({provider: 'qwen', apiPath: '/v1', tokens: [{file: 'qwen-a.json', token: oauthToken('qwen', 'q@example.com')}]});
  after(() => f.close());
  let sent = 0;
  f.upstream.handler = (_req, res) => {
    res.writeHead(200, {'content-type': 'text/event-stream'});
    res.write(chunk({role: 'assistant', content: 'hi'}) + 'data: {"choices":[{"index":0,"delta":{"content":"');
    const mb = 'x'.repeat(1024 * 1024);
    // A line that never ends, 1 MB at a time, for as long as the proxy reads (at most 200 MB).
    const more = () => {
      while (sent < 200 && !res.destroyed) {
        sent++;
        if (!res.write(mb)) return void res.once('drain', more);
      }
      res.end();
    };
    res.on('close', () => res.destroy());
    more();
  };

  it('the translated client gets an error event naming the size, and the proxy stops reading', async () => {
    const response = await fetch(`${f.url}/v1/messages`, {
      method: 'POST',
      headers: {'x-api-key': API_KEY, 'content-type': 'application/json', 'anthropic-version': '2023-06-01'},
      body: JSON.stringify({model: 'qwen3-coder-plus', max_tokens: 8, stream: true, messages: [{role: 'user', content: 'hi'}]}),
    });
    const text = await response.text();
    assert.match(text, /event: error\ndata: \{"type":"error","error":\{"type":"api_error","message":"upstream stream broke: an upstream event is larger than 64 MB"\}\}\n\n$/);
    assert.ok(sent < 100, `the proxy read ${sent} MB of one line`);
  });
});

describe('a tool result with an image, from Codex CLI (Responses) to a Chat upstream', async () => {
  const f = await proxyFixture({provider: 'qwen', apiPath: '/v1', tokens: [{file: 'qwen-a.json', token: oauthToken('qwen', 'q@example.com')}]});
  after(() => f.close());
  f.upstream.handler = (req, res) => {
    // As OpenAI's Chat API checks it: a tool message's content is a string or text parts only.
    const messages = (req.body?.messages ?? []) as {role: string; content: unknown}[];
    const bad = messages.findIndex((m) => m.role === 'tool' && Array.isArray(m.content) && m.content.some((part: {type?: string}) => part.type !== 'text'));
    if (bad !== -1) {
      res.writeHead(400, {'content-type': 'application/json'});
      res.end(JSON.stringify({error: {message: `Invalid value for 'content': messages[${bad}] of role 'tool' takes text parts only.`, type: 'invalid_request_error'}}));
      return;
    }
    res.writeHead(200, {'content-type': 'application/json'});
    res.end(JSON.stringify({id: 'c1', object: 'chat.completion', choices: [{index: 0, message: {role: 'assistant', content: 'a red dot'}, finish_reason: 'stop'}], usage: {prompt_tokens: 9, completion_tokens: 3}}));
  };

  it('reaches the upstream as a text tool message and the image in a user message after it', async () => {
    const image = 'data:image/png;base64,iVBORw0KGgo=';
    const response = await fetch(`${f.url}/v1/responses`, {
      method: 'POST',
      headers: {authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json'},
      body: JSON.stringify({
        model: 'qwen3-coder-plus',
        input: [
          {type: 'message', role: 'user', content: [{type: 'input_text', text: 'look at dot.png'}]},
          {type: 'function_call', call_id: 'call_1', name: 'view_image', arguments: '{"path":"dot.png"}'},
          {type: 'function_call_output', call_id: 'call_1', output: [{type: 'input_text', text: 'dot.png'}, {type: 'input_image', image_url: image}]},
        ],
        tools: [{type: 'function', name: 'view_image', parameters: {type: 'object'}}],
      }),
    });
    const text = await response.text();
    assert.equal(response.status, 200, text);
    const sent = f.upstream.requests.at(-1)!.body!.messages as {role: string; content: unknown; tool_call_id?: string}[];
    assert.deepEqual(sent.slice(-2), [
      {role: 'tool', tool_call_id: 'call_1', content: 'dot.png'},
      {role: 'user', content: [{type: 'image_url', image_url: {url: image}}]},
    ]);
  });
});

describe('an upstream that breaks off mid-answer, to a translated client that asked for no stream', async () => {
  const f = await proxyFixture({provider: 'qwen', apiPath: '/v1', tokens: [{file: 'qwen-a.json', token: oauthToken('qwen', 'q@example.com')}]});
  after(() => f.close());
  f.upstream.handler = (_req, res) => {
    res.writeHead(200, {'content-type': 'text/event-stream'});
    res.write(chunk({role: 'assistant', content: 'hel'}));
    setTimeout(() => res.socket?.destroy(), 50);
  };

  for (const [route, body, shape] of [
    ['/v1/messages', {model: 'qwen3-coder-plus', max_tokens: 8, messages: [{role: 'user', content: 'hi'}]}, (json: {type?: string; error?: {type?: string; message?: string}}) => (json.type === 'error' ? json.error?.message : undefined)],
    ['/v1/responses', {model: 'qwen3-coder-plus', input: 'hi'}, (json: {error?: {message?: string}}) => json.error?.message],
  ] as const) {
    it(`${route}: a 502 in the client's shape saying the upstream broke, and the log blames the upstream, not the proxy`, async () => {
      const response = await fetch(`${f.url}${route}`, {
        method: 'POST',
        headers: {'x-api-key': API_KEY, authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json', 'anthropic-version': '2023-06-01'},
        body: JSON.stringify(body),
      });
      assert.equal(response.status, 502);
      assert.match(String(shape((await response.json()) as never)), /^upstream stream broke: connection reset$/);
      assert.doesNotMatch(f.proxy.status().lastError?.message ?? '', /proxy error/);
    });
  }
});

describe('an upstream that answers 200 with an empty body, to a translated client that asked for no stream', async () => {
  const f = await proxyFixture({provider: 'qwen', apiPath: '/v1', tokens: [{file: 'qwen-a.json', token: oauthToken('qwen', 'q@example.com')}]});
  after(() => f.close());
  f.upstream.handler = (_req, res) => {
    res.writeHead(200, {'content-type': 'application/json'});
    res.end();
  };

  it('Claude Code gets a 502 that says the body was empty (not "a body that is not JSON: ")', async () => {
    const client = new Anthropic({apiKey: API_KEY, baseURL: f.url, maxRetries: 0});
    const error = await client.messages.create({model: 'qwen3-coder-plus', max_tokens: 8, messages: [{role: 'user', content: 'hi'}]}).then(
      () => assert.fail('no error'),
      (e: unknown) => e as InstanceType<typeof Anthropic.APIError>,
    );
    assert.equal(error.status, 502);
    assert.match(error.message, /the upstream answered 200 with an empty body/);
  });
});

describe('a tool schema whose $ref is not a valid URI fragment, on a Gemini upstream', async () => {
  const f = await proxyFixture({provider: 'gemini', tokens: [{file: 'gemini-g.json', token: oauthToken('gemini', 'g@example.com', {project_id: 'p1'})}]});
  after(() => f.close());
  f.upstream.handler = (_req, res) => {
    res.writeHead(200, {'content-type': 'application/json'});
    res.end(JSON.stringify({response: {candidates: [{content: {role: 'model', parts: [{text: 'ok'}]}, finishReason: 'STOP'}]}}));
  };

  it('Claude Code is served (the reference stays unresolved), not answered 502 "proxy error: URI malformed"', async () => {
    const response = await fetch(`${f.url}/v1/messages`, {
      method: 'POST',
      headers: {'x-api-key': API_KEY, 'content-type': 'application/json', 'anthropic-version': '2023-06-01'},
      body: JSON.stringify({
        model: 'gemini-2.5-pro',
        max_tokens: 8,
        messages: [{role: 'user', content: 'hi'}],
        tools: [{name: 'Edit', input_schema: {type: 'object', properties: {edit: {$ref: '#/$defs/%E0%A4%A'}}, $defs: {}}}],
      }),
    });
    assert.equal(response.status, 200, await response.clone().text());
    const sent = f.upstream.requests.at(-1)!.body as {request: {tools: {functionDeclarations: {parameters: unknown}[]}[]}};
    assert.deepEqual(sent.request.tools[0]!.functionDeclarations[0]!.parameters, {type: 'object', properties: {edit: {type: 'object'}}});
  });
});

describe('a Chat client whose tool call id is not a string, on a Responses upstream', async () => {
  const f = await proxyFixture({provider: 'codex', apiPath: '/backend-api/codex', tokens: [{file: 'codex-a.json', token: oauthToken('codex', 'x@example.com', {account_id: 'a1'})}]});
  after(() => f.close());

  for (const id of [{toString: 1, valueOf: 1}, 7]) {
    it(`id ${JSON.stringify(id)}: a 400 naming the field, nothing sent upstream (not 502 "proxy error")`, async () => {
      const before = f.upstream.requests.length;
      const response = await fetch(`${f.url}/v1/chat/completions`, {
        method: 'POST',
        headers: {authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json'},
        body: JSON.stringify({
          model: 'gpt-5.5',
          messages: [
            {role: 'user', content: 'hi'},
            {role: 'assistant', content: null, tool_calls: [{id, type: 'function', function: {name: 'Read', arguments: '{}'}}]},
            {role: 'tool', tool_call_id: 'call_1', content: 'r'},
          ],
        }),
      });
      assert.equal(response.status, 400);
      assert.match(((await response.json()) as {error: {message: string}}).error.message, /messages\[1\]\.tool_calls\[0\]\.id: /);
      assert.equal(f.upstream.requests.length, before);
    });
  }
});

describe('a long answer from an upstream the proxy reads whole to look for a hidden error (iFlow, JSON)', async () => {
  const apiKey = 'iflow-api-key-0123456789abcdef';
  const f = await proxyFixture({provider: 'iflow', apiPath: '/v1', tokens: [{file: 'iflow-a@example.com-1.json', token: oauthToken('iflow', 'a@example.com', {api_key: apiKey})}]});
  after(() => f.close());
  // Past the 256 KB an error body is read to: a long code answer, escapes included.
  const content = 'const line = "x";\n'.repeat(20_000);
  f.upstream.handler = (_req, res) => {
    res.writeHead(200, {'content-type': 'application/json'});
    res.end(JSON.stringify({id: 'chatcmpl-1', object: 'chat.completion', created: 1, model: 'qwen3-coder-plus', choices: [{index: 0, message: {role: 'assistant', content}, finish_reason: 'stop'}], usage: {prompt_tokens: 5, completion_tokens: 90_000}}));
  };

  it('Claude Code (translated) gets the whole text', async () => {
    const client = new Anthropic({apiKey: API_KEY, baseURL: f.url, maxRetries: 0});
    const message = await client.messages.create({model: 'qwen3-coder-plus', max_tokens: 4096, messages: [{role: 'user', content: 'hi'}]});
    assert.equal(message.content.map((block) => (block.type === 'text' ? block.text : '')).join('').length, content.length);
  });

  it('a Chat client (passed through) gets the whole completion', async () => {
    const client = new OpenAI({apiKey: API_KEY, baseURL: `${f.url}/v1`, maxRetries: 0});
    const completion = await client.chat.completions.create({model: 'qwen3-coder-plus', messages: [{role: 'user', content: 'hi'}]});
    assert.equal(completion.choices[0]!.message.content?.length, content.length);
  });
});

describe('an answer past 64 MB from an upstream the proxy reads whole to look for a hidden error (iFlow), that then sends on', async () => {
  const apiKey = 'iflow-api-key-0123456789abcdef';
  const f = await proxyFixture({provider: 'iflow', apiPath: '/v1', tokens: [{file: 'iflow-a@example.com-1.json', token: oauthToken('iflow', 'a@example.com', {api_key: apiKey})}]});
  let upstreamClosed = false;
  after(() => f.close());
  f.upstream.handler = (_req, res) => {
    res.writeHead(200, {'content-type': 'application/json'});
    // 65 MB, then a trickle that never ends: only the proxy's giving up ends it.
    const piece = Buffer.alloc(1024 * 1024, 0x61);
    for (let i = 0; i < 65; i++) res.write(piece);
    const trickle = setInterval(() => res.write('a'), 200);
    res.on('close', () => {
      upstreamClosed = true;
      clearInterval(trickle);
    });
  };

  it('the client gets the 502 naming the size at once, and the upstream connection is dropped', {timeout: 30_000}, async () => {
    const started = Date.now();
    const response = await fetch(`${f.url}/v1/chat/completions`, {method: 'POST', headers: {authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json'}, body: JSON.stringify({model: 'qwen3-coder-plus', messages: [{role: 'user', content: 'hi'}]})});
    assert.equal(response.status, 502);
    assert.match(await response.text(), /upstream answer larger than 64 MB/);
    // Well before any idle limit: the trickle would otherwise keep the read going.
    assert.ok(Date.now() - started < 15_000, `${Date.now() - started} ms`);
    for (let i = 0; i < 50 && !upstreamClosed; i++) await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(upstreamClosed, true, 'the upstream response was dropped');
  });
});

describe('a Gemini stream whose usage (or last text) comes in a chunk after the one with the finishReason', async () => {
  const f = await proxyFixture({provider: 'gemini', tokens: [{file: 'gemini-a.json', token: oauthToken('gemini', 'g@example.com', {project_id: 'proj-1'})}]});
  after(() => f.close());
  const gemini = (response: Record<string, unknown>) => `data: ${JSON.stringify({response: {responseId: 'r1', modelVersion: 'gemini-2.5-pro', ...response}})}\n\n`;
  const text = (value: string) => ({candidates: [{content: {role: 'model', parts: [{text: value}]}}]});
  const finish = {candidates: [{content: {role: 'model', parts: []}, finishReason: 'STOP'}]};
  const usage = {usageMetadata: {promptTokenCount: 11, candidatesTokenCount: 5, totalTokenCount: 16}};
  /** The chunks with a pause before each after the first; then the connection held open, or ended (`end`). */
  const serve = (chunks: string[], end: boolean) => {
    f.upstream.handler = async (_req, res) => {
      res.writeHead(200, {'content-type': 'text/event-stream'});
      for (const [i, c] of chunks.entries()) {
        if (i > 0) await new Promise((resolve) => setTimeout(resolve, 100));
        res.write(c);
      }
      if (end) res.end();
    };
  };
  const within = <T>(promise: Promise<T>, ms: number, what: string) =>
    Promise.race([promise, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`${what}: no end after ${ms} ms`)), ms).unref())]);
  const ask = () => new Anthropic({apiKey: API_KEY, baseURL: f.url, maxRetries: 0}).messages.stream({model: 'gemini-2.5-pro', max_tokens: 64, messages: [{role: 'user', content: 'hi'}]}).finalMessage();
  const textOf = (message: Anthropic.Message) => message.content.map((block) => (block.type === 'text' ? block.text : '')).join('');

  it('Claude Code gets the usage of the usage-only chunk after the finishReason one, and its stream ends there', async () => {
    serve([gemini(text('hello')), gemini(finish), gemini(usage)], false);
    const message = await within(ask(), 3000, 'the Anthropic stream');
    assert.equal(textOf(message), 'hello');
    assert.equal(message.usage.input_tokens, 11);
    assert.equal(message.usage.output_tokens, 5);
    assert.equal(message.stop_reason, 'end_turn');
  });

  it('text in a chunk after the finishReason one (with the usage) reaches Claude Code', async () => {
    serve([gemini(text('hello')), gemini(finish), gemini({...text(' world'), ...usage})], true);
    const message = await within(ask(), 3000, 'the Anthropic stream');
    assert.equal(textOf(message), 'hello world');
    assert.equal(message.usage.output_tokens, 5);
  });

  it('a finishReason chunk that carries the usage still ends a stream held open', async () => {
    serve([gemini(text('hello')), gemini({...finish, ...usage})], false);
    const message = await within(ask(), 3000, 'the Anthropic stream');
    assert.equal(textOf(message), 'hello');
    assert.equal(message.usage.output_tokens, 5);
  });
});

describe("Moonshot's usage shapes on a Chat upstream: cached_tokens at the usage's top level, and a stream's usage inside its last choice", async () => {
  const kimi = await proxyFixture({provider: 'kimi', apiPath: '/coding/v1', tokens: [{file: 'kimi-a.json', token: oauthToken('kimi', 'k@example.com', {device_id: 'dev-1'})}]});
  const qwen = await proxyFixture({provider: 'qwen', apiPath: '/v1', tokens: [{file: 'qwen-a.json', token: oauthToken('qwen', 'q@example.com')}]});
  after(() => Promise.all([kimi.close(), qwen.close()]));
  const usage = {prompt_tokens: 120, completion_tokens: 7, total_tokens: 127, cached_tokens: 100};
  /** A stream whose usage rides in its finish chunk's choice (`inChoice`) or in a usage chunk of its own. */
  const serve = (f: ProxyFixture, inChoice: boolean | 'first of two') => {
    f.upstream.handler = (_req, res) => {
      res.writeHead(200, {'content-type': 'text/event-stream'});
      const last =
        inChoice === 'first of two'
          ? `data: ${JSON.stringify({id: 'c1', choices: [{index: 0, delta: {}, finish_reason: 'stop', usage}, {index: 1, delta: {}}]})}\n\n`
          : inChoice
            ? `data: ${JSON.stringify({id: 'c1', choices: [{index: 0, delta: {}, finish_reason: 'stop', usage}]})}\n\n`
            : chunk({}, 'stop') + `data: ${JSON.stringify({id: 'c1', choices: [], usage})}\n\n`;
      res.end(chunk({role: 'assistant', content: 'hello'}) + last + 'data: [DONE]\n\n');
    };
  };

  for (const inChoice of [true, false, 'first of two'] as const) {
    const where = inChoice === 'first of two' ? 'in the first of two choices' : inChoice ? 'in the last choice' : 'in a usage chunk';
    it(`Codex CLI on Kimi (usage ${where}): response.completed counts the cached input tokens`, async () => {
      serve(kimi, inChoice);
      const client = new OpenAI({apiKey: API_KEY, baseURL: `${kimi.url}/v1`, maxRetries: 0});
      let completed: OpenAI.Responses.Response | undefined;
      for await (const event of await client.responses.create({model: 'kimi-k2', input: 'hi', stream: true})) if (event.type === 'response.completed') completed = event.response;
      assert.equal(completed?.usage?.input_tokens, 120);
      assert.equal(completed?.usage?.output_tokens, 7);
      assert.equal(completed?.usage?.input_tokens_details.cached_tokens, 100);
    });

    it(`Claude Code on a Chat upstream (usage ${where}): cache_read_input_tokens, and input_tokens without them`, async () => {
      serve(qwen, inChoice);
      const client = new Anthropic({apiKey: API_KEY, baseURL: qwen.url, maxRetries: 0});
      const message = await client.messages.stream({model: 'qwen3-coder-plus', max_tokens: 64, messages: [{role: 'user', content: 'hi'}]}).finalMessage();
      assert.equal(message.usage.cache_read_input_tokens, 100);
      assert.equal(message.usage.input_tokens, 20);
      assert.equal(message.usage.output_tokens, 7);
    });
  }
});

describe('a Chat upstream that puts the text and each tool call in a choice of its own (Copilot with Claude models)', async () => {
  const f = await proxyFixture({provider: 'qwen', apiPath: '/v1', tokens: [{file: 'qwen-a.json', token: oauthToken('qwen', 'q@example.com')}]});
  after(() => f.close());
  const call = (id: string, name: string, args: string) => ({id, type: 'function', function: {name, arguments: args}});
  const tools = [
    {name: 'Read', input_schema: {type: 'object' as const}},
    {name: 'Glob', input_schema: {type: 'object' as const}},
  ];
  const expected = [
    {type: 'text', text: "I'll look."},
    {type: 'tool_use', id: 'toolu_a', name: 'Read', input: {path: 'a.txt'}},
    {type: 'tool_use', id: 'toolu_b', name: 'Glob', input: {pattern: '*.md'}},
  ];
  const blocks = (message: Anthropic.Message) => message.content.map((b) => (b.type === 'text' ? {type: b.type, text: b.text} : b.type === 'tool_use' ? {type: b.type, id: b.id, name: b.name, input: b.input} : {type: b.type}));

  it('Claude Code (no stream) gets the text and both tool calls', async () => {
    f.upstream.handler = (_req, res) => {
      res.writeHead(200, {'content-type': 'application/json'});
      res.end(
        JSON.stringify({
          id: 'c1',
          object: 'chat.completion',
          model: 'claude-sonnet-4.5',
          choices: [
            {index: 0, message: {role: 'assistant', content: "I'll look."}, finish_reason: 'tool_calls'},
            {index: 1, message: {role: 'assistant', tool_calls: [call('toolu_a', 'Read', '{"path":"a.txt"}')]}, finish_reason: 'tool_calls'},
            {index: 2, message: {role: 'assistant', tool_calls: [call('toolu_b', 'Glob', '{"pattern":"*.md"}')]}, finish_reason: 'tool_calls'},
          ],
          usage: {prompt_tokens: 10, completion_tokens: 5, total_tokens: 15},
        }),
      );
    };
    const client = new Anthropic({apiKey: API_KEY, baseURL: f.url, maxRetries: 0});
    const message = await client.messages.create({model: 'qwen3-coder-plus', max_tokens: 64, tools, messages: [{role: 'user', content: 'hi'}]});
    assert.deepEqual(blocks(message), expected);
    assert.equal(message.stop_reason, 'tool_use');
  });

  it('Claude Code (stream) gets the text and both tool calls from chunks of choices 1 and 2', async () => {
    const at = (index: number, delta: unknown, finish: string | null = null) => `data: ${JSON.stringify({id: 'c1', choices: [{index, delta, finish_reason: finish}]})}\n\n`;
    f.upstream.handler = (_req, res) => {
      res.writeHead(200, {'content-type': 'text/event-stream'});
      res.end(
        at(0, {role: 'assistant', content: "I'll "}) +
          at(0, {content: 'look.'}) +
          at(1, {tool_calls: [{index: 0, ...call('toolu_a', 'Read', '{"path":')}]}) +
          at(1, {tool_calls: [{index: 0, function: {arguments: '"a.txt"}'}}]}) +
          at(2, {tool_calls: [{index: 0, ...call('toolu_b', 'Glob', '{"pattern":"*.md"}')}]}) +
          at(0, {}, 'tool_calls') +
          'data: [DONE]\n\n',
      );
    };
    const client = new Anthropic({apiKey: API_KEY, baseURL: f.url, maxRetries: 0});
    const message = await client.messages.stream({model: 'qwen3-coder-plus', max_tokens: 64, tools, messages: [{role: 'user', content: 'hi'}]}).finalMessage();
    assert.deepEqual(blocks(message), expected);
    assert.equal(message.stop_reason, 'tool_use');
  });
});

describe('a Chat upstream whose tool arguments are not a JSON object', async () => {
  const f = await proxyFixture({provider: 'qwen', apiPath: '/v1', tokens: [{file: 'qwen-a.json', token: oauthToken('qwen', 'q@example.com')}]});
  after(() => f.close());
  /** What Claude Code gets for `args`, sent in pieces of `piece` characters. */
  const ask = async (args: string, piece: number) => {
    f.upstream.handler = (_req, res) => {
      res.writeHead(200, {'content-type': 'text/event-stream'});
      const fragments = [];
      for (let i = 0; i < args.length; i += piece) fragments.push(chunk({tool_calls: [{index: 0, ...(i === 0 ? {id: 'call_a', type: 'function'} : {}), function: {...(i === 0 ? {name: 'Read'} : {}), arguments: args.slice(i, i + piece)}}]}));
      res.end(chunk({role: 'assistant', content: 'Let me look.'}) + fragments.join('') + chunk({}, 'tool_calls') + 'data: [DONE]\n\n');
    };
    const client = new Anthropic({apiKey: API_KEY, baseURL: f.url, maxRetries: 0});
    const message = await client.messages.stream({model: 'qwen3-coder-plus', max_tokens: 64, tools: [{name: 'Read', input_schema: {type: 'object' as const}}], messages: [{role: 'user', content: 'hi'}]}).finalMessage();
    return message.content.map((b) => (b.type === 'text' ? b.text : b.type === 'tool_use' ? b.input : b.type));
  };

  // Streamed as they came, these made the Anthropic SDK throw ("… is not valid JSON"): Claude Code lost
  // the whole turn, its text too. Now the tool gets the input a non-stream answer gives (the tool's
  // check then tells the model what is wrong).
  for (const [args, input] of [
    ['path=a.txt', {raw: 'path=a.txt'}],
    ["{'path': 'a.txt'}", {raw: "{'path': 'a.txt'}"}],
    ['"{\\"path\\":\\"a.txt\\"}"', {value: '{"path":"a.txt"}'}],
    ['[1, 2]', {value: [1, 2]}],
  ] as const) {
    for (const piece of [1, 100]) {
      it(`${args} (in pieces of ${piece}): Claude Code gets the text and a tool_use whose input is ${JSON.stringify(input)}`, async () => {
        assert.deepEqual(await ask(args, piece), ['Let me look.', input]);
      });
    }
  }

  it('a JSON object still streams as it comes, spaces before its first key too', async () => {
    assert.deepEqual(await ask(' { "path": "a.txt"}', 1), ['Let me look.', {path: 'a.txt'}]);
    assert.deepEqual(await ask('{}', 1), ['Let me look.', {}]);
  });
});
