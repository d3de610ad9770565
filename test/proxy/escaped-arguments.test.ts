// An upstream whose model wrote an account's token into a tool call's arguments with its letters as
// JSON `\u` escapes (`\u0061` for `a`), in a whole (not streamed) answer or an error body: OpenAI's
// `function.arguments` and Responses' `arguments` are JSON strings, so the answer's bytes carry
// `\\u0061`, which the client decodes twice, back to the token. Pass-through and translated, for
// each client protocol; what the client parses, and what the proxy's events say, hold no token.
import assert from 'node:assert/strict';
import {after, before, describe, it} from 'node:test';
import {API_KEY, oauthToken, oneAccountFixture, type OneAccount, type ProxyFixture} from './fixture.js';

/** Every other letter or digit of `text` as a `\u` escape (one JSON level). */
const escapeLetters = (text: string) => [...text].map((c, at) => (at % 2 === 0 && /[a-z0-9]/.test(c) ? `\\u00${c.charCodeAt(0).toString(16)}` : c)).join('');
/** A tool call's arguments as the model wrote them: JSON whose token has escaped letters. */
const argumentsOf = (token: string) => `{"cmd":"cat ${escapeLetters(token)}","note":"C:\\\\tmp\\/x"}`;

const CLAUDE: OneAccount = {provider: 'claude', token: oauthToken('claude', 'c@example.com')};
const QWEN: OneAccount = {provider: 'qwen', apiPath: '/v1', token: oauthToken('qwen', 'q@example.com')};
const CODEX: OneAccount = {provider: 'codex', apiPath: '/backend-api/codex', token: oauthToken('codex', 'x@example.com', {account_id: 'acct-1'})};

// ---- Whole answers an upstream sends, per protocol, with `args` as the tool call's arguments. ----

const anthropicAnswer = (args: string) =>
  // Anthropic's tool input is an object: the arguments' JSON is the answer's own (one level).
  `{"id":"msg_1","type":"message","role":"assistant","model":"claude-sonnet-4-5","content":[{"type":"text","text":"Reading."},{"type":"tool_use","id":"toolu_1","name":"Bash","input":${args}}],"stop_reason":"tool_use","stop_sequence":null,"usage":{"input_tokens":5,"output_tokens":9}}`;
const chatAnswer = (args: string) =>
  JSON.stringify({id: 'c1', object: 'chat.completion', created: 1, model: 'qwen3-coder-plus', choices: [{index: 0, message: {role: 'assistant', content: null, tool_calls: [{id: 'call_1', type: 'function', function: {name: 'Bash', arguments: args}}]}, finish_reason: 'tool_calls'}], usage: {prompt_tokens: 5, completion_tokens: 9, total_tokens: 14}});
const responsesAnswer = (args: string) =>
  JSON.stringify({id: 'resp_1', object: 'response', created_at: 1, status: 'completed', model: 'gpt-5.2-codex', output: [{id: 'fc_1', type: 'function_call', status: 'completed', call_id: 'call_1', name: 'Bash', arguments: args}], usage: {input_tokens: 5, output_tokens: 9, total_tokens: 14}});

// ---- What each client parses out of the answer: the tool call's arguments, as an object. ----

type Client = 'anthropic' | 'chat' | 'responses';
const ROUTES: Record<Client, string> = {anthropic: '/v1/messages', chat: '/v1/chat/completions', responses: '/v1/responses'};

function argumentsSeen(client: Client, text: string): unknown {
  const body = JSON.parse(text) as Record<string, unknown>;
  if (client === 'anthropic') return (body.content as Array<{type: string; input?: unknown}>).find((b) => b.type === 'tool_use')!.input;
  if (client === 'chat') return JSON.parse((body.choices as Array<{message: {tool_calls: Array<{function: {arguments: string}}>}}>)[0]!.message.tool_calls[0]!.function.arguments);
  return JSON.parse((body.output as Array<{type: string; arguments?: string}>).find((item) => item.type === 'function_call')!.arguments!);
}

async function ask(f: ProxyFixture, c: OneAccount, client: Client): Promise<{status: number; text: string}> {
  const response = await fetch(`${f.url}/api/provider/${c.provider}${ROUTES[client]}`, {
    method: 'POST',
    headers: {'x-api-key': API_KEY, authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json', 'anthropic-version': '2023-06-01'},
    body: JSON.stringify({model: client === 'anthropic' ? 'claude-sonnet-4-5' : 'qwen3-coder-plus', max_tokens: 64, stream: false, messages: [{role: 'user', content: 'hi'}], input: 'hi'}),
  });
  return {status: response.status, text: await response.text()};
}

interface Path {
  name: string;
  upstream: OneAccount;
  client: Client;
  answer: (args: string) => string;
}

const PATHS: Path[] = [
  {name: 'pass-through Anthropic Messages (input object, one level)', upstream: CLAUDE, client: 'anthropic', answer: anthropicAnswer},
  {name: 'pass-through Chat Completions (function.arguments, two levels)', upstream: QWEN, client: 'chat', answer: chatAnswer},
  {name: 'pass-through Responses (arguments, two levels)', upstream: CODEX, client: 'responses', answer: responsesAnswer},
  {name: 'translated Chat → Anthropic client', upstream: QWEN, client: 'anthropic', answer: chatAnswer},
  {name: 'translated Anthropic → Chat client', upstream: CLAUDE, client: 'chat', answer: anthropicAnswer},
  {name: 'translated Anthropic → Responses client', upstream: CLAUDE, client: 'responses', answer: anthropicAnswer},
];

for (const path of PATHS) {
  describe(`a token with \\u-escaped letters in a whole answer's tool arguments, ${path.name}`, () => {
    let f: ProxyFixture;
    const c = path.upstream;
    const token = String(c.token.access_token);
    before(async () => {
      f = await oneAccountFixture(c);
    });
    after(() => f.close());

    it('reaches the client masked in the arguments it parses', async () => {
      const args = argumentsOf(token);
      assert.equal((JSON.parse(args) as {cmd: string}).cmd, `cat ${token}`, 'the arguments decode to the token');
      f.upstream.handler = (_req, res) => {
        res.writeHead(200, {'content-type': 'application/json'});
        res.end(path.answer(args));
      };
      const {status, text} = await ask(f, c, path.client);
      assert.equal(status, 200, text);
      const seen = argumentsSeen(path.client, text) as {cmd: string; note: string};
      assert.equal(seen.cmd, `cat ${token.slice(0, 4)}…(redacted)`, text);
      assert.ok(!JSON.stringify(seen).includes(token.slice(-12)), text);
    });

    it('reaches the client masked when the answer comes in pieces of a few bytes (cut inside and between escapes)', async () => {
      const body = path.answer(argumentsOf(token));
      for (const size of [1, 3, 7]) {
        f.upstream.handler = async (_req, res) => {
          res.writeHead(200, {'content-type': 'application/json'});
          for (let i = 0; i < body.length; i += size) {
            res.write(body.slice(i, i + size));
            if (i % (size * 16) === 0) await new Promise((resolve) => setTimeout(resolve, 1));
          }
          res.end();
        };
        const {status, text} = await ask(f, c, path.client);
        assert.equal(status, 200, text);
        assert.equal((argumentsSeen(path.client, text) as {cmd: string}).cmd, `cat ${token.slice(0, 4)}…(redacted)`, `pieces of ${size}: ${text}`);
      }
    });
  });
}

describe('a token with \\u-escaped letters in an upstream error that quotes the tool arguments', () => {
  for (const [name, c, client] of [
    ['pass-through (Chat client → qwen)', QWEN, 'chat'],
    ['translated (Chat client → claude)', CLAUDE, 'chat'],
  ] as const) {
    it(`${name}: the error body and the proxy's events hold no token`, async () => {
      const f = await oneAccountFixture(c);
      try {
        const token = String(c.token.access_token);
        const message = `invalid tool arguments: ${argumentsOf(token)}`;
        f.upstream.handler = (_req, res) => {
          res.writeHead(400, {'content-type': 'application/json'});
          res.end(JSON.stringify({type: 'error', error: {type: 'invalid_request_error', message}}));
        };
        const {status, text} = await ask(f, c, client);
        assert.equal(status, 400, text);
        // The client shows the message; the arguments in it decode again to the token.
        const shown = (JSON.parse(text) as {error: {message: string}}).error.message;
        const quoted = shown.slice(shown.indexOf('{'), shown.lastIndexOf('}') + 1);
        assert.ok(!(JSON.parse(quoted) as {cmd: string}).cmd.includes(token.slice(4)), shown);
        assert.match(shown, /…\(redacted\)/);
        // The events as a reader decodes them, at any level.
        const events = JSON.stringify(f.events).replace(/\\+u00([0-9a-f]{2})/g, (_escape, hex: string) => String.fromCharCode(parseInt(hex, 16)));
        assert.ok(!events.includes(token.slice(4)), events);
      } finally {
        await f.close();
      }
    });
  }
});
