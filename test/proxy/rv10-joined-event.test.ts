// rv10 attack review (masking): one SSE event that carries several strings a client joins. The
// pass-through masker masked an event's joined strings only for a Responses final event
// (`response.completed`…); a `response.output_item.done` message whose two output_text parts cut a
// token between them (Codex CLI and the OpenAI SDK join a message's parts), or an Anthropic
// `message_start` whose message comes with text blocks (the SDK's message starts from it), went out
// as they came. Fails on main at cc40c31.
import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {Redactor} from '../../source/core/redact.js';
import {maskedSse, qwen, tokenOf} from './rv-harness.js';

const token = tokenOf(qwen);
const redactor = new Redactor([token]);

const delivered = (body: string, size: number) => maskedSse(redactor, body, size);

const dataOf = (text: string) => text.split('\n').filter((line) => line.startsWith('data: {')).map((line) => JSON.parse(line.slice(6)) as Record<string, any>);

describe('rv10: one event\'s strings a client joins are masked as joined', () => {
  for (const cut of [6, 9, 14]) {
    const start = `key ${token.slice(0, cut)}`;
    const rest = `${token.slice(cut)} end`;
    it(`a Responses output_item.done message, the token cut after ${cut} characters between its two output_text parts`, () => {
      const item = {id: 'msg_1', type: 'message', role: 'assistant', status: 'completed', content: [{type: 'output_text', text: start, annotations: []}, {type: 'output_text', text: rest, annotations: []}]};
      const body = `event: response.output_item.done\ndata: ${JSON.stringify({type: 'response.output_item.done', sequence_number: 5, output_index: 0, item})}\n\n`;
      for (const size of [7, 65536]) {
        const [event] = dataOf(delivered(body, size));
        const text = (event!.item.content as {text: string}[]).map((part) => part.text).join('');
        assert.ok(text.startsWith('key ') && text.endsWith(' end'), `chunks of ${size}: ${text}`);
        assert.ok(!text.includes(token), `chunks of ${size}: the joined parts spell the token: ${text}`);
      }
    });
    it(`an Anthropic message_start whose message carries two text blocks, the token cut after ${cut} characters`, () => {
      const message = {id: 'msg_1', type: 'message', role: 'assistant', model: 'claude-sonnet-4-5', content: [{type: 'text', text: start}, {type: 'text', text: rest}], stop_reason: null, usage: {input_tokens: 1, output_tokens: 1}};
      const body = `event: message_start\ndata: ${JSON.stringify({type: 'message_start', message})}\n\nevent: message_stop\ndata: {"type":"message_stop"}\n\n`;
      for (const size of [7, 65536]) {
        const [event] = dataOf(delivered(body, size));
        const text = (event!.message.content as {text: string}[]).map((block) => block.text).join('');
        assert.ok(text.startsWith('key ') && text.endsWith(' end'), `chunks of ${size}: ${text}`);
        assert.ok(!text.includes(token), `chunks of ${size}: the joined blocks spell the token: ${text}`);
      }
    });
  }
  it('control: an event with two parts and nothing to mask goes out as it came', () => {
    const item = {id: 'msg_1', type: 'message', role: 'assistant', status: 'completed', content: [{type: 'output_text', text: 'hello ', annotations: []}, {type: 'output_text', text: 'world', annotations: []}]};
    const body = `event: response.output_item.done\ndata: ${JSON.stringify({type: 'response.output_item.done', sequence_number: 5, output_index: 0, item})}\n\n`;
    assert.equal(delivered(body, 7), body);
  });
});
