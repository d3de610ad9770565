// An OpenAI Chat client (opencode, aider, the openai SDK) on Gemini 3 through a gemini-cli account
// (Cloud Code, translated) and an AI Studio key (Google's OpenAI-compatible API, passed through):
// the thought signature Gemini put on its call reaches the client in
// `extra_content.google.thought_signature`, and the follow-up puts it back on that call. Before, the
// translated follow-up carried Google's "skip validator" value instead, which Gemini accepts but
// which drops the model's reasoning.
import assert from 'node:assert/strict';
import {after, describe, it} from 'node:test';
import OpenAI from 'openai';
import {startFakeInference} from '../helpers/fake-inference/server.js';
import {GEMINI_CALL_SIGNATURE} from '../helpers/fake-inference/turns.js';
import type {RecordedRequest} from '../helpers/fake-upstreams.js';
import {API_KEY, proxyFixture} from './fixture.js';
import {UPSTREAMS} from './upstream-cases.js';

type Json = Record<string, unknown>;
const READ = {type: 'function' as const, function: {name: 'Read', description: 'Reads a file', parameters: {type: 'object', properties: {file_path: {type: 'string'}}, required: ['file_path']}}};
/** The signatures on the function calls a Cloud Code request sends back. */
const cloudCodeSignatures = (req: RecordedRequest) =>
  ((req.body!.request as {contents: {parts: Json[]}[]}).contents ?? []).flatMap((c) => c.parts).filter((p) => p.functionCall !== undefined).map((p) => p.thoughtSignature);
/** The signatures on the tool calls a Chat request sends back. */
const chatSignatures = (req: RecordedRequest) =>
  (req.body!.messages as Json[]).flatMap((m) => (m.tool_calls as {extra_content?: {google?: {thought_signature?: string}}}[] | undefined) ?? []).map((call) => call.extra_content?.google?.thought_signature);

const CASES = [
  // Translated: the signature is tagged with the upstream that made it.
  {name: 'gemini (Cloud Code)', provider: 'gemini', model: 'gemini-3-pro-preview', token: UPSTREAMS.gemini!.token, project: UPSTREAMS.gemini!.project, given: /^ccs1:gemini-internal:gemini-call-sig$/, path: /^\/v1internal:/, signaturesSent: cloudCodeSignatures},
  // Passed through: Google's own value.
  {name: 'aistudio (OpenAI-compatible API)', provider: 'aistudio', model: 'gemini-3-flash-preview', token: UPSTREAMS.aistudio!.token, geminiApiKey: UPSTREAMS.aistudio!.geminiApiKey, given: /^gemini-call-sig$/, path: /\/chat\/completions$/, signaturesSent: chatSignatures},
];

for (const c of CASES) {
  describe(`Chat client on ${c.name}, Gemini 3: the call's thought signature makes the round trip`, async () => {
    const upstream = await startFakeInference({
      ...(c.project ? {project: c.project} : {}),
      ...(c.geminiApiKey ? {geminiApiKey: c.geminiApiKey} : {}),
      script: (turn) => (turn.toolResults.length > 0 ? {text: `Tool said: ${turn.toolResults.join(' | ')}`} : {call: {name: turn.tools[0]!, args: {file_path: '/etc/hostname'}}}),
    });
    const f = await proxyFixture({provider: c.provider, upstream, tokens: [{file: `${c.provider}-a.json`, token: c.token}]});
    after(() => f.close());
    const openai = new OpenAI({apiKey: API_KEY, baseURL: `${f.url}/api/provider/${c.provider}/v1`, maxRetries: 0});

    for (const stream of [false, true]) {
      it(stream ? 'streamed' : 'not streamed', async () => {
        const from = upstream.requests.length;
        const params = {model: c.model, tools: [READ]};
        const ask = (messages: OpenAI.Chat.ChatCompletionMessageParam[]) =>
          stream ? openai.chat.completions.stream({...params, messages}).finalChatCompletion() : openai.chat.completions.create({...params, messages});
        const first = await ask([{role: 'user', content: 'read /etc/hostname'}]);
        const message = first.choices[0]!.message;
        const call = message.tool_calls?.[0] as (OpenAI.Chat.ChatCompletionMessageToolCall & {extra_content?: {google?: {thought_signature?: string}}}) | undefined;
        assert.ok(call, JSON.stringify(message));
        assert.match(call.extra_content?.google?.thought_signature ?? '', c.given);
        const second = await ask([
          {role: 'user', content: 'read /etc/hostname'},
          message as OpenAI.Chat.ChatCompletionMessageParam,
          {role: 'tool', tool_call_id: call.id, content: 'box-42'},
        ]);
        assert.deepEqual(upstream.refusals, []);
        assert.match(second.choices[0]!.message.content ?? '', /^Tool said: .*box-42/);
        const sent = upstream.requests.slice(from).filter((r) => c.path.test(r.path));
        assert.equal(sent.length, 2, sent.map((r) => r.path).join(', '));
        assert.deepEqual(c.signaturesSent(sent[1]!), [GEMINI_CALL_SIGNATURE]);
      });
    }
  });
}

describe('a Chat conversation that moves from gemini (Cloud Code) to aistudio (passed through to Google\'s OpenAI-compatible API)', async () => {
  const upstream = await startFakeInference({geminiApiKey: UPSTREAMS.aistudio!.geminiApiKey, script: (turn) => ({text: `Tool said: ${turn.toolResults.join(' | ')}`})});
  const f = await proxyFixture({provider: 'aistudio', upstream, tokens: [{file: 'aistudio-a.json', token: UPSTREAMS.aistudio!.token}]});
  after(() => f.close());

  it('the signature tagged for Cloud Code is not sent to Google as is (it would answer 400): the value Google allows goes instead', async () => {
    const openai = new OpenAI({apiKey: API_KEY, baseURL: `${f.url}/api/provider/aistudio/v1`, maxRetries: 0});
    const call = {id: 'call_1', type: 'function' as const, function: {name: 'Read', arguments: '{"file_path":"/etc/hostname"}'}, extra_content: {google: {thought_signature: 'ccs1:gemini-internal:gemini-call-sig'}}};
    const answer = await openai.chat.completions.create({
      model: 'gemini-3-flash-preview',
      tools: [READ],
      messages: [{role: 'user', content: 'read /etc/hostname'}, {role: 'assistant', content: null, tool_calls: [call]} as OpenAI.Chat.ChatCompletionMessageParam, {role: 'tool', tool_call_id: 'call_1', content: 'box-42'}],
    });
    assert.deepEqual(upstream.refusals, []);
    assert.match(answer.choices[0]!.message.content ?? '', /box-42/);
    assert.deepEqual(chatSignatures(upstream.requests.at(-1)!), ['skip_thought_signature_validator']);
  });
});
