// A translated stream to Claude Code is masked inside the translator (StreamTranslator.masked): the
// runs of deltas by the TurnEventMasker, every other string by the Anthropic writer, and the proxy
// then writes the bytes without a second masking pass over them. So a credential the upstream puts
// anywhere but in a run (a tool's name or id, a message id, a thinking signature, an error message,
// the error the proxy ends a broken stream with) must come out of the translator masked already.
import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {Redactor, redactedForm} from '../../../source/core/redact.js';
import {translatorFor} from '../../../source/proxy/translate/index.js';
import type {ApiProtocol, StreamTranslator, TranslateContext} from '../../../source/proxy/translate/types.js';
import {runStream, sseEvents} from '../../helpers/translate-stream.js';

const TOKEN = 'qwen-access-AAAABBBBCCCCDDDD0123';
const redactor = new Redactor([TOKEN]);
const MASKED = redactedForm(TOKEN);
const context = (over: Partial<TranslateContext> = {}): TranslateContext => ({clientModel: 'claude-sonnet-4-6', upstreamModel: 'up-model', clientStream: true, redactor, ...over});

const chat = (delta: object, finish: string | null = null) => `data: ${JSON.stringify({id: 'chatcmpl-1', model: 'up-model', choices: [{index: 0, delta, finish_reason: finish}]})}\n\n`;
const gemini = (parts: object[], extra: object = {}) => `data: ${JSON.stringify({response: {candidates: [{content: {role: 'model', parts}, ...extra}], responseId: 'r-1'}})}\r\n\r\n`;
const responses = (type: string, data: object) => `event: ${type}\ndata: ${JSON.stringify({type, ...data})}\n\n`;

/** Per upstream: a stream that carries the token outside any run of deltas (and inside one, cut in two). */
const STREAMS: Array<{upstream: ApiProtocol; text: string; where: string}> = [
  {
    upstream: 'openai-chat',
    where: 'a tool name, a tool id and a text run cut in two',
    text:
      chat({content: `key ${TOKEN.slice(0, 9)}`}) +
      chat({content: `${TOKEN.slice(9)} done`}) +
      chat({tool_calls: [{index: 0, id: `call_${TOKEN}`, type: 'function', function: {name: TOKEN, arguments: '{}'}}]}) +
      chat({}, 'tool_calls') +
      'data: [DONE]\n\n',
  },
  {
    upstream: 'openai-chat',
    where: 'an error event inside the stream',
    text: chat({content: 'so far'}) + `data: ${JSON.stringify({error: {message: `invalid key ${TOKEN}`, type: 'invalid_request_error'}})}\n\n`,
  },
  {
    upstream: 'gemini-internal',
    where: 'a thought signature and a function name',
    text: gemini([{text: 'thinking', thought: true}]) + gemini([{functionCall: {name: TOKEN, args: {}}, thoughtSignature: TOKEN}]) + gemini([], {finishReason: 'STOP'}),
  },
  {
    upstream: 'openai-responses',
    where: 'a message id, encrypted reasoning and a function name',
    text:
      responses('response.created', {response: {id: `msg_${TOKEN}`, model: 'up-model'}}) +
      responses('response.output_item.added', {output_index: 0, item: {id: 'rs_1', type: 'reasoning', summary: []}}) +
      responses('response.output_item.done', {output_index: 0, item: {id: 'rs_1', type: 'reasoning', summary: [], encrypted_content: TOKEN}}) +
      responses('response.output_item.added', {output_index: 1, item: {id: 'fc_1', type: 'function_call', call_id: TOKEN, name: TOKEN, arguments: ''}}) +
      responses('response.output_item.done', {output_index: 1, item: {id: 'fc_1', type: 'function_call', call_id: TOKEN, name: TOKEN, arguments: '{}'}}) +
      responses('response.completed', {response: {id: `msg_${TOKEN}`, status: 'completed', usage: {input_tokens: 1, output_tokens: 1}}}),
  },
];

/** Every string a client decodes from the stream's events, and each run of text deltas joined. */
function decodedStrings(output: string): string[] {
  const strings: string[] = [];
  const collect = (value: unknown): void => {
    if (typeof value === 'string') strings.push(value);
    else if (Array.isArray(value)) value.forEach(collect);
    else if (typeof value === 'object' && value !== null) Object.values(value).forEach(collect);
  };
  let run = '';
  for (const {data} of sseEvents(output)) {
    collect(data);
    const delta = (data as {delta?: {text?: string}}).delta;
    if (typeof delta?.text === 'string') run += delta.text;
    else if (run) (strings.push(run), (run = ''));
  }
  if (run) strings.push(run);
  return strings;
}

function assertMasked(translator: StreamTranslator, output: string, where: string): void {
  assert.equal(translator.masked, true, where);
  const leaked = decodedStrings(output).filter((text) => text.includes(TOKEN.slice(0, 12)));
  assert.deepEqual(leaked, [], `${where}: no string the client reads holds the token`);
  assert.ok(output.includes(MASKED), `${where}: the masked form is there`);
  // The masking pass the proxy no longer makes would have found nothing.
  assert.equal(redactor.redact(output), output, where);
}

describe('a translated stream to Claude Code comes out of the translator masked', () => {
  for (const stream of STREAMS) {
    const pair = translatorFor('anthropic', stream.upstream)!;
    for (const sizes of [[1, 3, 7], [4096]]) {
      it(`${stream.upstream}: the token in ${stream.where}, pushed in pieces of ${sizes.join(', ')}`, () => {
        const translator = pair.stream(context());
        assertMasked(translator, runStream(translator, stream.text, sizes).join(''), stream.where);
      });
    }
  }

  it('the error event that ends a broken stream', () => {
    const translator = translatorFor('anthropic', 'openai-chat')!.stream(context());
    const output = translator.push(chat({content: 'partial'})) + translator.fail(`upstream stream broke: read ${TOKEN}`);
    assertMasked(translator, output, 'fail');
  });

  it('a stream without a redactor is not masked, and says so (the proxy masks its bytes then)', () => {
    const translator = translatorFor('anthropic', 'openai-chat')!.stream(context({redactor: undefined}));
    const output = runStream(translator, STREAMS[0]!.text).join('');
    assert.notEqual(translator.masked, true);
    assert.ok(output.includes(TOKEN));
  });
});
