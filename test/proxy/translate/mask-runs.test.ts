// TurnEventMasker masks each run of events a client joins; it takes the events of one upstream read
// at once (several of a run together, TextRunMasker.pushAll), so a token cut between two events of
// one read, or of two reads, must come out masked in the joined run, whatever the batches.
import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {Redactor} from '../../../source/core/redact.js';
import type {TurnEvent} from '../../../source/proxy/translate/events.js';
import {TurnEventMasker} from '../../../source/proxy/translate/mask-runs.js';

const TOKEN = 'qwen-access-AAAABBBBCCCCDDDD0123';
const redactor = new Redactor([TOKEN]);

/** What a client assembles from the events: each run's text joined, and the order of the other events. */
function assemble(events: TurnEvent[]): {text: string; thinking: string; args: string; others: string[]} {
  const seen = {text: '', thinking: '', args: '', others: [] as string[]};
  for (const event of events) {
    if (event.type === 'text') seen.text += event.text;
    else if (event.type === 'thinking') seen.thinking += event.text;
    else if (event.type === 'tool-call-args') seen.args += event.json;
    else seen.others.push(event.type);
  }
  return seen;
}

/** The events pushed `size` at a time (an upstream read's worth), then the end. */
function masked(events: TurnEvent[], size: number): TurnEvent[] {
  const masker = new TurnEventMasker(redactor);
  const out: TurnEvent[] = [];
  for (let i = 0; i < events.length; i += size) out.push(...masker.push(events.slice(i, i + size)));
  return [...out, ...masker.end()];
}

describe('TurnEventMasker: runs masked whatever events one push carries', () => {
  const text = `thinking of ${TOKEN} and ${TOKEN}, done.`;
  const json = JSON.stringify({key: TOKEN});
  for (let cut = 1; cut < TOKEN.length; cut += 3) {
    const at = text.indexOf(TOKEN) + cut;
    const second = text.indexOf(TOKEN, at) + cut;
    const pieces = [text.slice(0, at), text.slice(at, second), text.slice(second)];
    const events: TurnEvent[] = [
      {type: 'start'},
      ...pieces.map((t): TurnEvent => ({type: 'thinking', text: t})),
      ...pieces.map((t): TurnEvent => ({type: 'text', text: t})),
      {type: 'usage', usage: {outputTokens: 3}},
      {type: 'tool-call-start', key: 'k', id: 'call_1', name: 'Read'},
      ...[...json].map((c): TurnEvent => ({type: 'tool-call-args', key: 'k', json: c})),
      {type: 'tool-call-end', key: 'k'},
      {type: 'stop', reason: 'tool_use'},
    ];
    it(`a token cut at ${cut}: masked in every run, pushed 1 to ${events.length} events at a time`, () => {
      for (let size = 1; size <= events.length; size++) {
        const seen = assemble(masked(events, size));
        assert.equal(seen.thinking, redactor.redact(text), `thinking, ${size} at a time`);
        assert.equal(seen.text, redactor.redact(text), `text, ${size} at a time`);
        assert.equal(seen.args, redactor.redact(json), `arguments, ${size} at a time`);
        assert.deepEqual(seen.others, ['start', 'usage', 'tool-call-start', 'tool-call-end', 'stop']);
      }
    });
  }

  it('lets the events of a read out as the same objects when nothing in them may begin a token', () => {
    const events: TurnEvent[] = [{type: 'start'}, ...['a streamed ', 'answer, ', 'a few words. '].map((t): TurnEvent => ({type: 'text', text: t})), {type: 'stop', reason: 'end_turn'}];
    const masker = new TurnEventMasker(redactor);
    assert.equal(masker.push(events), events);
  });
});

describe('TurnEventMasker: a token cut at a block change (its first part ends a run, the rest starts the next)', () => {
  const shapes: Record<string, (head: string, rest: string) => TurnEvent[]> = {
    'text → tool call → text': (head, rest) => [
      {type: 'start'},
      {type: 'text', text: `key ${head}`},
      {type: 'tool-call-start', key: 'k', id: 'call_1', name: 'Bash'},
      {type: 'tool-call-args', key: 'k', json: '{"cmd":"ls"}'},
      {type: 'tool-call-end', key: 'k'},
      ...[...`${rest} end`].map((text): TurnEvent => ({type: 'text', text})),
      {type: 'stop', reason: 'end_turn'},
    ],
    'text → arguments': (head, rest) => [
      {type: 'start'},
      {type: 'text', text: `key ${head}`},
      {type: 'tool-call-start', key: 'k', id: 'call_1', name: 'Bash'},
      ...[...`${rest} end`].map((json): TurnEvent => ({type: 'tool-call-args', key: 'k', json})),
      {type: 'tool-call-end', key: 'k'},
      {type: 'stop', reason: 'tool_use'},
    ],
  };
  for (const [name, shape] of Object.entries(shapes)) {
    it(`${name}, at every cut, pushed 1 to 4 events at a time: the rest never reaches the client`, () => {
      for (let cut = 1; cut < TOKEN.length; cut++) {
        for (let size = 1; size <= 4; size++) {
          const seen = assemble(masked(shape(TOKEN.slice(0, cut), TOKEN.slice(cut)), size));
          const all = seen.text + seen.args;
          assert.ok(!all.includes(TOKEN.slice(Math.max(cut, 12))), `cut at ${cut}, ${size}: ${all}`);
          assert.ok(all.includes('…(redacted) end') || (cut >= 12 && seen.text.startsWith('key qwen…(redacted)')), `cut at ${cut}, ${size}: ${all}`);
        }
      }
    });
  }

  const call = (key: string, json: string): TurnEvent[] => [
    {type: 'tool-call-start', key, id: `call_${key}`, name: 'Read'},
    {type: 'tool-call-args', key, json},
    {type: 'tool-call-end', key},
  ];
  it("text → arguments (or thinking) ending in the token's start → text: the text goes on from its own run's tail, at every cut", () => {
    for (const middle of ['arguments', 'thinking'])
      for (let cut = 1; cut < TOKEN.length; cut++)
        for (let size = 1; size <= 4; size++) {
          const between: TurnEvent[] = middle === 'arguments' ? call('k', `{"a":"${TOKEN.slice(0, 5)}`) : [{type: 'thinking', text: `so ${TOKEN.slice(0, 5)}`}];
          const events: TurnEvent[] = [{type: 'start'}, {type: 'text', text: `key ${TOKEN.slice(0, cut)}`}, ...between, ...[...`${TOKEN.slice(cut)} end`].map((text): TurnEvent => ({type: 'text', text})), {type: 'stop', reason: 'end_turn'}];
          const seen = assemble(masked(events, size));
          assert.ok(!seen.text.includes(TOKEN.slice(Math.max(cut, 12))), `${middle}, cut at ${cut}, ${size}: ${seen.text}`);
          assert.match(seen.text, /…\(redacted\)/, `${middle}, cut at ${cut}, ${size}: ${seen.text}`);
        }
  });

  it('a token in three text runs between tool calls whose arguments end in its start, at every pair of cuts', () => {
    for (let a = 1; a < TOKEN.length - 1; a++)
      for (let b = a + 1; b < TOKEN.length; b++)
        for (const size of [1, 3]) {
          const events: TurnEvent[] = [
            {type: 'start'},
            {type: 'text', text: `key ${TOKEN.slice(0, a)}`},
            ...call('1', `{"a":"${TOKEN.slice(0, 5)}`),
            {type: 'text', text: TOKEN.slice(a, b)},
            ...call('2', `{"a":"${TOKEN.slice(0, 3)}`),
            {type: 'text', text: `${TOKEN.slice(b)} end`},
            {type: 'stop', reason: 'tool_use'},
          ];
          const seen = assemble(masked(events, size));
          assert.ok(!seen.text.includes(TOKEN.slice(Math.max(a, 12))), `cuts at ${a}, ${b}, ${size}: ${seen.text}`);
          assert.match(seen.text, /…\(redacted\)/, `cuts at ${a}, ${b}, ${size}: ${seen.text}`);
        }
  });

  it('a run after the tail that does not go on with the token: every event as it went in', () => {
    const events = shapes['text → tool call → text']!(TOKEN.slice(0, 8), 'no-token-here');
    for (let size = 1; size <= 4; size++) assert.deepEqual(masked(events, size), events);
  });
});
