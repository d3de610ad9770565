// A pass-through SSE stream's events that wait behind a hold not their own (a Chat choice's
// tool-call chunks behind its content's tail, or its log probabilities, that may begin a credential)
// reach the client within deliver.ts HOLD_RELEASE_MS, and the hold ends as a block's end would: the
// rest of the token, when it comes, is still masked. Through a real proxy from a hostile upstream
// on 127.0.0.1 that waits (up to 8 s) for the client to have seen the tool call before it goes on.
import assert from 'node:assert/strict';
import {after, before, describe, it} from 'node:test';
import {oneAccountFixture, type ProxyFixture} from './fixture.js';
import {leaks, qwen, sseData, streamUntilSeen, tokenOf} from './rv-harness.js';

type Entry = {token: string; logprob: number; bytes: number[]; top_logprobs: unknown[]};
const entry = (text: string): Entry => ({token: text, logprob: -0.1, bytes: [...Buffer.from(text)], top_logprobs: []});


describe('a hold does not keep a choice\'s tool-call chunks from the client', () => {
  const token = tokenOf(qwen);
  let f: ProxyFixture;
  before(async () => (f = await oneAccountFixture(qwen)));
  after(() => f.close());
  const chat = (delta: Record<string, unknown>, logprobs: unknown = null, finish: string | null = null) =>
    `data: ${JSON.stringify({id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'qwen3-coder-plus', choices: [{index: 0, delta, logprobs, finish_reason: finish}]})}\n\n`;
  const toolChunk = (i: number, args: string) => chat({tool_calls: [{index: 0, ...(i === 0 ? {id: 'call_1', type: 'function', function: {name: 'run', arguments: args}} : {function: {arguments: args}})}]});

  for (const withLogprobs of [false, true]) {
    it(`content ending in a possible start of the token${withLogprobs ? ' (and its logprobs)' : ''}, then tool-call chunks: the client gets them while the upstream waits`, async () => {
      const logprobs = (tokens: string[]) => (withLogprobs ? {content: tokens.map(entry), refusal: null} : null);
      const first = [chat({role: 'assistant', content: 'Hello'}, logprobs(['Hello'])), chat({content: ' world qwAcc'}, logprobs([' world', ' qwAcc'])), toolChunk(0, ''), toolChunk(1, '{"cmd":'), toolChunk(2, '"ls -la"}')];
      const rest = [chat({content: `${token.slice(5)} more`}, logprobs([`${token.slice(5)} more`])), chat({}, null, 'tool_calls'), 'data: [DONE]\n\n'];
      const {text, waited} = await streamUntilSeen(f, {model: 'qwen3-coder-plus', stream: true, logprobs: withLogprobs, messages: [{role: 'user', content: 'hi'}]}, first, rest, 'ls -la', 8000);
      assert.ok(waited < 6000, `the client saw the tool call only after the upstream went on (${waited} ms)`);
      assert.ok(!leaks(text, token), text);
      const events = sseData(text).filter((e) => typeof e !== 'string') as Array<Record<string, any>>;
      const content = events.map((e) => e.choices[0].delta.content ?? '').join('');
      assert.ok(content.startsWith('Hello') && content.endsWith(' more'), content);
      const args = events.map((e) => e.choices[0].delta.tool_calls?.[0]?.function?.arguments ?? '').join('');
      assert.equal(args, '{"cmd":"ls -la"}');
      if (withLogprobs) {
        const tokens = events.flatMap((e) => (e.choices[0].logprobs?.content ?? []).map((x: Entry) => x.token)).join('');
        assert.ok(!tokens.includes(token.slice(0, 12)) && !tokens.includes(token.slice(5)), tokens);
        // Only the entry that may begin the token is dropped as the hold ends: the one before it arrives.
        assert.ok(tokens.startsWith('Hello world'), tokens);
      }
    });
  }
});
