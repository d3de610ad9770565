// rv10 attack review (masking): a Responses stream's `.done` events repeat a run's whole text
// (`response.output_text.done` text, `content_part.done` part, `output_item.done` item). A token cut
// between two parts (its start ending part 0, its rest starting part 1) was masked in part 1's deltas
// (the run went on from part 0's tail) but not in part 1's `.done` events: a client that reads the
// `.done` texts (Codex CLI builds a message from its output_item.done) joined the token whole.
// Fails on main at cc40c31.
import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {Redactor} from '../../source/core/redact.js';
import {maskedSse, qwen, tokenOf} from './rv-harness.js';

const token = tokenOf(qwen);
const redactor = new Redactor([token]);
const event = (type: string, fields: Record<string, unknown>) => `event: ${type}\ndata: ${JSON.stringify({type, ...fields})}\n\n`;

/** A message of two output_text parts streamed with every `.done` event; the texts of each event kind, by event. */
function stream(first: string, second: string): string {
  const part = (index: number, text: string) => [
    event('response.content_part.added', {output_index: 0, content_index: index, part: {type: 'output_text', text: '', annotations: []}}),
    event('response.output_text.delta', {output_index: 0, content_index: index, delta: text}),
    event('response.output_text.done', {output_index: 0, content_index: index, text}),
    event('response.content_part.done', {output_index: 0, content_index: index, part: {type: 'output_text', text, annotations: []}}),
  ];
  const item = (status: string, content: unknown[]) => ({id: 'msg_1', type: 'message', role: 'assistant', status, content});
  return [
    event('response.output_item.added', {output_index: 0, item: item('in_progress', [])}),
    ...part(0, first),
    ...part(1, second),
    event('response.output_item.done', {output_index: 0, item: item('completed', [{type: 'output_text', text: first, annotations: []}, {type: 'output_text', text: second, annotations: []}])}),
  ].join('');
}

type Data = {type: string; delta?: string; text?: string; part?: {text: string}; item?: {content: {text: string}[]}};
const events = (text: string) => text.split('\n').filter((line) => line.startsWith('data: {')).map((line) => JSON.parse(line.slice(6)) as Data);

describe('rv10: a token cut between two output_text parts, read from the .done events', () => {
  for (const cut of [6, 9, 11]) {
    for (const size of [7, 65536]) {
      it(`cut after ${cut} characters, chunks of ${size}: no kind of event joins to the token`, () => {
        const out = events(maskedSse(redactor, stream(`key ${token.slice(0, cut)}`, `${token.slice(cut)} end`), size));
        const joined = {
          deltas: out.map((e) => (e.type === 'response.output_text.delta' ? e.delta : e.type === 'response.content_part.added' ? e.part!.text : '')).join(''),
          textDone: out.map((e) => (e.type === 'response.output_text.done' ? e.text : '')).join(''),
          partDone: out.map((e) => (e.type === 'response.content_part.done' ? e.part!.text : '')).join(''),
          itemDone: out.map((e) => (e.type === 'response.output_item.done' ? e.item!.content.map((p) => p.text).join('') : '')).join(''),
        };
        for (const [kind, text] of Object.entries(joined)) {
          assert.ok(text.startsWith('key ') && text.endsWith(' end'), `${kind}: the client still reads it: ${text}`);
          assert.ok(!text.includes(token), `${kind}: ${text}`);
        }
      });
    }
  }
  it('control: nothing cut, the stream goes out as it came', () => {
    const body = stream('hello ', 'world');
    assert.equal(maskedSse(redactor, body, 7), body);
  });
});
