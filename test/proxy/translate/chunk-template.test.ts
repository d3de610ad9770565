// The Chat reader reads most chunks by template (chunk-template.ts) instead of parsing them: it must
// emit exactly what parsing every chunk emits, whatever the upstream sends.
import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import type {TurnEvent} from '../../../source/proxy/translate/events.js';
import {ChunkTemplate} from '../../../source/proxy/translate/readers/chunk-template.js';
import {translatorFor} from '../../../source/proxy/translate/index.js';
import {OpenAIChatReader} from '../../../source/proxy/translate/readers/openai-chat.js';
import {anthropicClientPair} from '../../../source/proxy/translate/writers/anthropic.js';
import {seededRandom as random} from '../../helpers/seeded-random.js';

/** The reader with the template switched off: every chunk parsed (the reference). */
class ParsingChatReader extends OpenAIChatReader {
  protected override readByTemplate(): boolean {
    return false;
  }
}

/** Every event of `text` pushed in pieces cut at `cuts`, then the end. */
function readAll(reader: OpenAIChatReader, text: string, cuts: number[] = []): TurnEvent[] {
  const events: TurnEvent[] = [];
  let at = 0;
  for (const cut of [...cuts].sort((a, b) => a - b)) {
    events.push(...reader.push(text.slice(at, cut)));
    at = cut;
  }
  events.push(...reader.push(text.slice(at)), ...reader.end());
  return events;
}

/** How many events carry the text's JSON literal (read by template); throws when one is not exactly JSON.stringify of the text. */
function literals(events: TurnEvent[]): number {
  let count = 0;
  for (const event of events) {
    if ((event.type === 'text' || event.type === 'thinking') && event.json !== undefined) {
      assert.equal(event.json, JSON.stringify(event.text));
      count++;
    }
  }
  return count;
}

/** The events without their JSON literals (which only the template path has), checked first. */
function read(reader: OpenAIChatReader, text: string, cuts: number[] = []): TurnEvent[] {
  const events = readAll(reader, text, cuts);
  literals(events);
  return events.map((event) => ((event.type === 'text' || event.type === 'thinking') && event.json !== undefined ? {type: event.type, text: event.text} : event));
}

const TEXTS = ['a few tokens ', '', 'quote " and \\ backslash', 'line\nbreak\ttab\u0001', 'ä€😀 \u2028', 'chatcmpl-1', 'content', 'null', '"', '\\', ' '];

/** A random but valid Chat stream: text and reasoning runs, fields that change, tool calls, odd encodings. */
function randomStream(next: () => number): string {
  const pick = <T>(items: T[]) => items[Math.floor(next() * items.length)]!;
  let created = 1;
  const lines: string[] = [];
  const chunk = (delta: Record<string, unknown>, extra: Record<string, unknown> = {}) => {
    if (next() < 0.1) created++;
    const body: Record<string, unknown> = {id: 'chatcmpl-1', object: 'chat.completion.chunk', created, model: 'm', choices: [{index: 0, delta, logprobs: null, finish_reason: null}], usage: null, ...extra};
    let json = JSON.stringify(body);
    // Some serializers escape what JSON.stringify leaves alone.
    if (next() < 0.1) json = json.replace(/\//g, '\\/').replace(/é/g, '\\u00e9');
    if (next() < 0.05) json = json.replace('"choices"', ' "choices" ');
    lines.push(`data: ${json}\n\n`);
  };
  chunk({role: 'assistant', content: ''});
  for (let i = 0; i < 300; i++) {
    const roll = next();
    if (roll < 0.45) chunk({content: pick(TEXTS) + pick(TEXTS)});
    else if (roll < 0.65) chunk({reasoning_content: pick(TEXTS)});
    else if (roll < 0.7) chunk({reasoning: pick(TEXTS), content: null});
    else if (roll < 0.75) chunk({content: pick(TEXTS), reasoning_content: pick(TEXTS)});
    else if (roll < 0.8) chunk({tool_calls: [{index: 0, id: `call_${i}`, type: 'function', function: {name: 'Read', arguments: '{"p":1}'}}]});
    else if (roll < 0.85) chunk({content: 'é/é ' + pick(TEXTS)});
    else if (roll < 0.9) chunk({content: pick(TEXTS)}, {obfuscation: String(next())});
    else if (roll < 0.95) lines.push(`data: {"choices":[{"index":0,"delta":{"content":"\\u0068i"}}],"x":${JSON.stringify(pick(TEXTS))}}\n\n`);
    else chunk({content: pick(TEXTS)}, {choices: [{index: 0, delta: {content: pick(TEXTS)}, finish_reason: null}, {index: 1, delta: {content: 'n=2'}, finish_reason: null}]});
  }
  chunk({}, {choices: [{index: 0, delta: {}, finish_reason: 'stop'}]});
  lines.push(`data: ${JSON.stringify({id: 'chatcmpl-1', choices: [], usage: {prompt_tokens: 5, completion_tokens: 9}})}\n\n`, 'data: [DONE]\n\n');
  return lines.join('');
}

describe('Chat reader: chunks read by template', () => {
  it('emits exactly what parsing every chunk emits, for random streams cut at random places', () => {
    let withLiteral = 0;
    for (let seed = 1; seed <= 40; seed++) {
      const next = random(seed);
      const text = randomStream(next);
      const cuts = Array.from({length: 30}, () => Math.floor(next() * text.length));
      const expected = read(new ParsingChatReader(), text);
      assert.deepEqual(read(new OpenAIChatReader(), text, cuts), expected, `seed ${seed}`);
      assert.ok(expected.filter((event) => event.type === 'text').length > 50, `seed ${seed}: the stream reaches the template`);
      withLiteral += literals(readAll(new OpenAIChatReader(), text, cuts));
    }
    assert.ok(withLiteral > 400, `${withLiteral} deltas came with their literal`);
  });

  it('Claude Code gets byte for byte the stream it got from chunks parsed in full', () => {
    const pair = translatorFor('anthropic', 'openai-chat')!;
    const parsing = anthropicClientPair({upstream: 'openai-chat', request: pair.request, reader: () => new ParsingChatReader(), readBody: OpenAIChatReader.readBody});
    const context = {clientModel: 'claude-sonnet-4-6', upstreamModel: 'm', clientStream: true};
    for (let seed = 1; seed <= 10; seed++) {
      const next = random(seed);
      const text = randomStream(next);
      const write = (translator: typeof pair) => {
        const stream = translator.stream({...context});
        let out = '';
        for (let at = 0; at < text.length; at += 1000) out += stream.push(text.slice(at, at + 1000));
        return (out + stream.end()).replace(/msg_[0-9a-f]{32}/, 'msg_X');
      };
      assert.equal(write(pair), write(parsing), `seed ${seed}`);
    }
  });

  it('reads the delta, not another field that happens to hold the same text', () => {
    // The content is escaped (\u0069), so its plain JSON "hi" occurs only as `x`: that must not become the template.
    const chunk = (x: string) => `data: {"x":${JSON.stringify(x)},"choices":[{"index":0,"delta":{"content":"h\\u0069"}}]}\n\n`;
    const events = read(new OpenAIChatReader(), chunk('hi') + chunk('yo') + chunk('no') + 'data: [DONE]\n\n');
    assert.deepEqual(events, [{type: 'start'}, {type: 'text', text: 'hi'}, {type: 'text', text: 'hi'}, {type: 'text', text: 'hi'}, {type: 'stop', reason: 'end_turn'}]);
  });

  it('does not take a finish reason, usage or tool call that comes in a chunk of the same text around it', () => {
    const chunk = (delta: object, finish: string | null = null) => `data: ${JSON.stringify({id: 'c', choices: [{index: 0, delta, finish_reason: finish}]})}\n\n`;
    const text = chunk({content: 'a'}) + chunk({content: 'b'}) + chunk({content: 'c'}, 'length') + chunk({content: 'd'}) + 'data: [DONE]\n\n';
    assert.deepEqual(read(new OpenAIChatReader(), text), read(new ParsingChatReader(), text));
    assert.deepEqual(read(new OpenAIChatReader(), text).at(-1), {type: 'stop', reason: 'max_tokens'});
  });
});

describe('ChunkTemplate', () => {
  const read = (text: string) => (JSON.parse(text) as {d: {t?: unknown}}).d.t as string | undefined;

  it('answers the string of a chunk that differs from the learned one only there, decoded as JSON', () => {
    const template = new ChunkTemplate();
    template.learn('{"a":1,"d":{"t":"x"},"z":"t"}', 'x', read);
    assert.equal(template.match('{"a":1,"d":{"t":"hello ä 😀"},"z":"t"}'), 'hello ä 😀');
    assert.equal(template.json, undefined, 'a surrogate pair: no literal (JSON.stringify escapes a lone surrogate)');
    assert.equal(template.match('{"a":1,"d":{"t":"hello ä/\u2028"},"z":"t"}'), 'hello ä/\u2028');
    assert.equal(template.json, '"hello ä/\u2028"');
    assert.equal(template.match('{"a":1,"d":{"t":""},"z":"t"}'), '');
    assert.equal(template.json, '""');
    assert.equal(template.match('{"a":1,"d":{"t":"q\\"\\u00e9\\n"},"z":"t"}'), 'q"é\n');
    assert.equal(template.json, undefined);
    assert.equal(template.match('{"a":1,"d":{"t":"\\ud800"},"z":"t"}'), '\ud800');
    assert.equal(template.match('{"a":2,"d":{"t":"hello"},"z":"t"}'), undefined);
    assert.equal(template.match('{"a":1,"d":{"t":"x","u":"y"},"z":"t"}'), undefined);
    assert.equal(template.match('{"a":1,"d":{"t":"x"},"z":"tt"}'), undefined);
    assert.equal(template.match('{"a":1,"d":{"t":1},"z":"t"}'), undefined);
    assert.equal(template.match('{"a":1,"d":{"t":"raw\u0001control"},"z":"t"}'), undefined);
  });

  it('learns nothing when the string occurs twice, or when the probe does not reach what the caller reads', () => {
    const twice = new ChunkTemplate();
    twice.learn('{"k":"x","d":{"t":"x"}}', 'x', read);
    assert.equal(twice.match('{"k":"x","d":{"t":"y"}}'), undefined);
    const elsewhere = new ChunkTemplate();
    elsewhere.learn('{"k":"x","d":{"t":"\\u0078"}}', 'x', read);
    assert.equal(elsewhere.match('{"k":"y","d":{"t":"\\u0078"}}'), undefined);
  });

  it('stops learning after 8 templates in a row that matched nothing (chunks that differ in two places)', () => {
    const template = new ChunkTemplate();
    let probes = 0;
    const counting = (text: string) => (probes++, read(text));
    for (let i = 0; i < 20; i++) template.learn(`{"n":${i},"d":{"t":"x${i}"}}`, `x${i}`, counting);
    assert.equal(probes, 8);
    assert.equal(template.match('{"n":19,"d":{"t":"y"}}'), undefined);
  });
});
