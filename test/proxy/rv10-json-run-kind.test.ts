// rv10 attack review (masking): JsonRunMasker (proxy/json-run-mask.ts: a pass-through JSON answer
// over 4 MB, an SSE event over 1 MB) grouped a joined string by the keys read before it. JSON keys
// have no order: a block written `{"text": …, "type": "text"}` (a serializer that writes `type`
// last) was grouped as a kind-less item (`#`), while the client (and maskJoinedTexts, the whole
// answer's masker) joins it with the other text blocks; a token cut between two text blocks around
// a tool call went out whole. The same for a Responses message item whose `type` comes after its
// `content`; and for a repeated key, of which the client reads the last (JSON.parse) while the
// masker let the first take the carry. Fails on main at cc40c31.
import assert from 'node:assert/strict';
import {after, before, describe, it} from 'node:test';
import {Redactor} from '../../source/core/redact.js';
import {maskJoinedJson} from '../../source/core/joined-text-mask.js';
import {oneAccountFixture, type ProxyFixture} from './fixture.js';
import {askRaw, claude, maskedJsonRuns, msgReq, serve, tokenOf} from './rv-harness.js';

const secret = tokenOf(claude);
const redactor = new Redactor([secret]);

const streamed = (json: string, size: number) => maskedJsonRuns(redactor, json, size);

type Block = Record<string, unknown>;
/** What a client shows of an Anthropic answer: its text blocks joined. */
const anthropicText = (json: string) =>
  (JSON.parse(json) as {content: Block[]}).content
    .filter((block) => block.type === 'text')
    .map((block) => block.text)
    .join('');
/** What the OpenAI SDK's output_text joins: the message items' output_text parts. */
const outputText = (json: string) =>
  (JSON.parse(json) as {output: Block[]}).output
    .filter((item) => item.type === 'message')
    .flatMap((item) => (item.content as Block[]).filter((part) => part.type === 'output_text').map((part) => part.text))
    .join('');

/** `{"text": …, "type": …}`: the text before the type. */
const textFirst = (text: string) => `{"text":${JSON.stringify(text)},"type":"text"}`;
const typeFirst = (text: string) => `{"type":"text","text":${JSON.stringify(text)}}`;
const toolUse = '{"type":"tool_use","id":"toolu_1","name":"read","input":{"path":"a"}}';
const anthropic = (blocks: string[]) => `{"id":"msg_1","type":"message","role":"assistant","model":"claude-sonnet-4-5","content":[${blocks.join(',')}],"stop_reason":"end_turn"}`;
const message = (text: string, typeLast: boolean) => {
  const content = `"content":[{"type":"output_text","text":${JSON.stringify(text)},"annotations":[]}]`;
  return typeLast ? `{"id":"m","role":"assistant",${content},"type":"message"}` : `{"type":"message","id":"m","role":"assistant",${content}}`;
};
const responses = (items: string[]) => `{"id":"resp_1","object":"response","status":"completed","output":[${items.join(',')}]}`;

const s = `key ${secret} end`;
const cases: Array<[string, (cut: number) => string, (json: string) => string]> = [
  ['Anthropic: the first text block writes its type last', (cut) => anthropic([textFirst(s.slice(0, cut)), toolUse, typeFirst(s.slice(cut))]), anthropicText],
  ['Anthropic: the second text block writes its type last', (cut) => anthropic([typeFirst(s.slice(0, cut)), toolUse, textFirst(s.slice(cut))]), anthropicText],
  ['Anthropic: both write their type last', (cut) => anthropic([textFirst(s.slice(0, cut)), toolUse, textFirst(s.slice(cut))]), anthropicText],
  ['Anthropic: a thinking block (type last) between', (cut) => anthropic([typeFirst(s.slice(0, cut)), '{"thinking":"hmm, sk-ant-","signature":"x","type":"thinking"}', textFirst(s.slice(cut))]), anthropicText],
  ['Anthropic: the later text block repeats its text key (the client reads the last)', (cut) => anthropic([typeFirst(s.slice(0, cut)), toolUse, `{"type":"text","text":"junk","text":${JSON.stringify(s.slice(cut))}}`]), anthropicText],
  ['Anthropic: the later text block, type last, repeats its text key', (cut) => anthropic([typeFirst(s.slice(0, cut)), toolUse, `{"text":"junk","te\\u0078t":${JSON.stringify(s.slice(cut))},"type":"text"}`]), anthropicText],
  ['Anthropic: the earlier text block repeats its text key', (cut) => anthropic([`{"type":"text","text":"decoy","text":${JSON.stringify(s.slice(0, cut))}}`, toolUse, typeFirst(s.slice(cut))]), anthropicText],
  ['Responses: the first message item writes its type after its content', (cut) => responses([message(s.slice(0, cut), true), '{"type":"function_call","call_id":"c","name":"f","arguments":"{}"}', message(s.slice(cut), false)]), outputText],
  ['Responses: the second message item writes its type after its content', (cut) => responses([message(s.slice(0, cut), false), '{"type":"reasoning","id":"r","summary":[]}', message(s.slice(cut), true)]), outputText],
];

describe('rv10: JsonRunMasker groups a joined string by its item\'s kind, whatever order the item\'s keys come in', () => {
  for (const [label, json, joined] of cases) {
    for (const cut of [6, 10, 15, 25]) {
      it(`${label}, the token cut after ${cut - 4} characters: the joined text holds no token, at every chunk size`, () => {
        const whole = json(cut);
        assert.ok(joined(whole).includes(secret), 'the answer spells the token as sent');
        // The whole answer's masker (under 4 MB) is the reference.
        assert.ok(!joined(maskJoinedJson(whole, redactor) ?? whole).includes(secret), 'control: masked whole');
        for (const size of [1, 7, 64, whole.length]) {
          const text = joined(streamed(whole, size));
          assert.ok(text.startsWith('key '), `chunks of ${size}: the answer still reads: ${text}`);
          assert.ok(!text.includes(secret), `chunks of ${size}: ${text}`);
        }
      });
    }
  }
  it('a text block after a thought-like kind-less item still reads as sent when nothing is cut', () => {
    const whole = anthropic([textFirst('hello '), toolUse, textFirst('world')]);
    assert.equal(streamed(whole, 5), whole);
  });
});

describe('rv10: a pass-through Anthropic JSON answer over 4 MB whose text block writes its type last', () => {
  let f: ProxyFixture;
  before(async () => (f = await oneAccountFixture(claude)));
  after(() => f.close());
  it('the token cut between two text blocks around a tool call: the joined text holds no token', async () => {
    const pad = 'lorem ipsum '.repeat(Math.ceil((4.5 * 1024 * 1024) / 12));
    const body = anthropic([typeFirst(pad), textFirst(`key ${secret.slice(0, 9)}`), toolUse, textFirst(`${secret.slice(9)} end`)]);
    const parts: string[] = [];
    for (let i = 0; i < body.length; i += 65536) parts.push(body.slice(i, i + 65536));
    serve(f, parts, 'trickle', {'content-type': 'application/json'});
    const r = await askRaw(f, msgReq(false));
    assert.equal(r.status, 200);
    const text = anthropicText(r.text);
    assert.ok(text.endsWith(' end'), `the answer still reads: ${text.slice(-80)}`);
    assert.ok(!text.includes(secret), `the joined text spells the token: ${text.slice(-80)}`);
  });
});
