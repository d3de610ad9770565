// A Chat upstream's answer with a second choice (never asked for: the translated requests ask n = 1),
// or a Gemini answer with a second candidate: a Messages or Responses client has one answer, choice
// (candidate) 0's. Found by testers: another choice's delta was joined into the client's text, so an
// echoed token split around it reached Claude Code and Codex unmasked (`tok…\u0000…rest`).
import assert from 'node:assert/strict';
import {after, describe, it} from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import {Redactor} from '../../source/core/redact.js';
import {API_KEY, oauthToken, proxyFixture, type ProxyFixture} from './fixture.js';

const qwenToken = oauthToken('qwen', 'q@example.com');
const secret = String(qwenToken.access_token);
const masked = (text: string) => new Redactor([secret, String(qwenToken.refresh_token)]).redact(text);
/** Choice 0's text: the account's token, cut in two around which the other choice speaks. */
const [head, tail] = [`key ${secret.slice(0, 13)}`, `${secret.slice(13)} end`];

/** The client's text is choice 0's, masked whole: checked without ever printing the token. */
function assertChoiceZero(text: string, expected = `${head}${tail}`): void {
  assert.ok(!text.includes(secret), 'the token reached the client unmasked');
  assert.ok(!text.includes('OTHER') && !text.includes('\u0000') && !text.includes('\u200b'), `another choice's words reached the client: ${JSON.stringify(masked(text))}`);
  assert.equal(text, masked(expected));
}

const sse = (value: unknown) => `data: ${JSON.stringify(value)}\n\n`;
const chunk = (choice: Record<string, unknown>) => sse({id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'qwen3-coder-plus', choices: [choice]});

/** Choice 1 speaks between the two halves of choice 0's text, reasons, and finishes first (as `length`). */
const twoChoiceStream = [
  chunk({index: 0, delta: {role: 'assistant', content: ''}, finish_reason: null}),
  chunk({index: 0, delta: {reasoning_content: 'mine'}, finish_reason: null}),
  chunk({index: 1, delta: {reasoning_content: 'OTHER thoughts'}, finish_reason: null}),
  chunk({index: 0, delta: {content: head}, finish_reason: null}),
  chunk({index: 1, delta: {content: '\u0000'}, finish_reason: null}),
  // No index: choice 0.
  chunk({delta: {content: tail}, finish_reason: null}),
  chunk({index: 1, delta: {content: 'OTHER'}, finish_reason: 'length'}),
  chunk({index: 0, delta: {}, finish_reason: 'stop'}),
  'data: [DONE]\n\n',
].join('');

const twoChoiceBody = {
  id: 'c1',
  object: 'chat.completion',
  model: 'qwen3-coder-plus',
  choices: [
    {index: 1, message: {role: 'assistant', content: '\u200bOTHER', reasoning_content: 'OTHER thoughts'}, finish_reason: 'length'},
    {index: 0, message: {role: 'assistant', content: `${head}${tail}`, reasoning_content: 'mine'}, finish_reason: 'stop'},
  ],
  usage: {prompt_tokens: 10, completion_tokens: 5, total_tokens: 15},
};

function serve(f: ProxyFixture, stream: boolean): void {
  f.upstream.handler = (_req, res) => {
    res.writeHead(200, {'content-type': stream ? 'text/event-stream' : 'application/json'});
    res.end(stream ? twoChoiceStream : JSON.stringify(twoChoiceBody));
  };
}

describe("a Chat upstream's second choice never joins the one answer a Messages or Responses client gets", async () => {
  const f = await proxyFixture({provider: 'qwen', apiPath: '/v1', tokens: [{file: 'qwen-a.json', token: qwenToken}]});
  after(() => f.close());
  const anthropic = new Anthropic({apiKey: API_KEY, baseURL: f.url, maxRetries: 0});
  const openai = new OpenAI({apiKey: API_KEY, baseURL: `${f.url}/v1`, maxRetries: 0});
  const params = {model: 'qwen3-coder-plus', max_tokens: 64, messages: [{role: 'user' as const, content: 'hi'}]};
  const textOf = (message: Anthropic.Message) => message.content.flatMap((b) => (b.type === 'text' ? [b.text] : [])).join('');
  const thinkingOf = (message: Anthropic.Message) => message.content.flatMap((b) => (b.type === 'thinking' ? [b.thinking] : [])).join('');
  const reasoningOf = (response: OpenAI.Responses.Response) => response.output.flatMap((item) => (item.type === 'reasoning' ? (item.summary ?? []).map((s) => s.text) : [])).join('');

  for (const stream of [true, false]) {
    it(`Claude Code (${stream ? 'stream' : 'no stream'}): choice 0's thinking and text, its finish reason`, async () => {
      serve(f, stream);
      const message = stream ? await anthropic.messages.stream(params).finalMessage() : await anthropic.messages.create(params);
      assertChoiceZero(textOf(message));
      assert.equal(thinkingOf(message), 'mine');
      assert.equal(message.stop_reason, 'end_turn');
    });

    it(`a Responses client (${stream ? 'stream' : 'no stream'}): choice 0's reasoning and text, completed`, async () => {
      serve(f, stream);
      const request = {model: 'qwen3-coder-plus', input: 'hi'};
      const response = stream ? await openai.responses.stream(request).finalResponse() : await openai.responses.create(request);
      assertChoiceZero(response.output_text);
      assert.equal(reasoningOf(response), 'mine');
      assert.equal(response.status, 'completed');
    });
  }
});

describe("a Gemini upstream's second candidate never joins the one answer", async () => {
  const geminiToken = oauthToken('gemini', 'g@example.com', {project_id: 'p1'});
  const f = await proxyFixture({provider: 'gemini', tokens: [{file: 'g.json', token: geminiToken}]});
  after(() => f.close());
  const anthropic = new Anthropic({apiKey: API_KEY, baseURL: f.url, maxRetries: 0});
  const params = {model: 'gemini-2.5-flash', max_tokens: 64, messages: [{role: 'user' as const, content: 'hi'}]};
  const part = (index: number | undefined, text: string, finishReason?: string) => ({...(index === undefined ? {} : {index}), content: {role: 'model', parts: [{text}]}, ...(finishReason ? {finishReason} : {})});
  const usageMetadata = {promptTokenCount: 3, candidatesTokenCount: 2};

  for (const stream of [true, false]) {
    it(`Claude Code (${stream ? 'stream' : 'no stream'}): candidate 0's text, even when candidate 1 comes first in a chunk`, async () => {
      f.upstream.handler = (_req, res) => {
        const chunks = [
          {response: {responseId: 'r1', candidates: [part(1, 'OTHER one'), part(0, 'one ')]}},
          {response: {candidates: [part(1, '\u0000')]}},
          // No index: candidate 0.
          {response: {candidates: [part(undefined, 'two')]}},
          {response: {candidates: [part(1, 'OTHER', 'MAX_TOKENS'), part(0, '', 'STOP')], usageMetadata}},
        ];
        res.writeHead(200, {'content-type': stream ? 'text/event-stream' : 'application/json'});
        res.end(stream ? chunks.map(sse).join('') : JSON.stringify(chunks));
      };
      const message = stream ? await anthropic.messages.stream(params).finalMessage() : await anthropic.messages.create(params);
      const text = message.content.flatMap((b) => (b.type === 'text' ? [b.text] : [])).join('');
      assert.equal(text, 'one two');
      assert.equal(message.stop_reason, 'end_turn');
    });
  }
});
