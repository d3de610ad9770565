import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {Redactor} from '../../source/core/redact.js';
import {JsonRunMasker} from '../../source/proxy/json-run-mask.js';

const secret = 'sk-ant-oat01-Zx8_Qw7-Lm3KpNoRs98765';
const redactor = new Redactor([secret]);

/** The document through a JsonRunMasker in chunks of `size` bytes (the last may be shorter). */
function streamed(json: string, size: number): string {
  const masker = new JsonRunMasker(redactor);
  const bytes = Buffer.from(json, 'utf8');
  const out: Buffer[] = [];
  for (let at = 0; at < bytes.length; at += size) out.push(masker.push(bytes.subarray(at, at + size)));
  out.push(masker.end());
  return Buffer.concat(out).toString('utf8');
}

describe('JsonRunMasker: a JSON answer streamed, the strings a client joins masked', () => {
  const s = `key ${secret} end`;
  const c = s.indexOf(secret) + 8;
  const anthropic = JSON.stringify({
    type: 'message',
    content: [{type: 'text', text: s.slice(0, c)}, {type: 'tool_use', id: 'toolu_1', name: 'Read', input: {text: 'x'}}, {type: 'text', text: 'é'.repeat(3) + s.slice(c)}],
  });
  const joinedText = (json: string) =>
    (JSON.parse(json) as {content: {type: string; text?: string}[]}).content
      .filter((block) => block.type === 'text')
      .map((block) => block.text)
      .join('');

  it('Anthropic text → tool_use → text, cut at every chunk size: valid JSON, the joined text holds no secret, the rest as it was', () => {
    for (let size = 1; size <= anthropic.length + 1; size++) {
      const out = streamed(anthropic, size);
      const joined = joinedText(out);
      assert.ok(!joined.includes(secret), `chunks of ${size}: ${joined}`);
      assert.ok(joined.startsWith('key sk-ant-o') && joined.endsWith(' end'), `chunks of ${size}: ${joined}`);
      assert.deepEqual((JSON.parse(out) as {content: unknown[]}).content[1], {type: 'tool_use', id: 'toolu_1', name: 'Read', input: {text: 'x'}});
    }
  });

  it('a key spelled with a `\\u` escape, an empty text block between, a reasoning item between Responses messages', () => {
    const escaped = anthropic.replaceAll('"text":', '"te\\u0078t":');
    const withEmpty = JSON.stringify({content: [{type: 'text', text: s.slice(0, c)}, {type: 'text', text: ''}, {type: 'text', text: s.slice(c)}]});
    for (const json of [escaped, withEmpty]) {
      for (const size of [1, 7, 64, json.length]) {
        const joined = joinedText(streamed(json, size));
        assert.ok(!joined.includes(secret), `chunks of ${size}: ${joined}`);
      }
    }
    const message = (text: string) => ({type: 'message', content: [{type: 'output_text', text}]});
    const responses = JSON.stringify({output: [message(s.slice(0, c)), {type: 'reasoning', content: [{type: 'reasoning_text', text: 'let me think'}]}, message(s.slice(c))]});
    for (const size of [1, 5, 100, responses.length]) {
      const out = JSON.parse(streamed(responses, size)) as {output: {type: string; content: {type: string; text: string}[]}[]};
      const outputText = out.output.filter((item) => item.type === 'message').flatMap((item) => item.content.map((part) => part.text)).join('');
      assert.ok(!outputText.includes(secret), `chunks of ${size}: ${outputText}`);
      assert.equal(out.output[1]!.content[0]!.text, 'let me think');
    }
  });

  it('nothing to mask: each chunk comes back as it came (the same buffer); a long string is not held', () => {
    const masker = new JsonRunMasker(redactor);
    const chunks = [Buffer.from('{"content":[{"type":"text","text":"'), Buffer.from('lorem ipsum '.repeat(10_000)), Buffer.from('"}]}')];
    for (const chunk of chunks) assert.equal(masker.push(chunk), chunk);
    assert.equal(masker.end().length, 0);
  });

  it('a chunk that ends in what may begin a secret inside a long string holds only that tail', () => {
    const masker = new JsonRunMasker(redactor);
    const head = Buffer.from(`{"content":[{"type":"text","text":"${'lorem ipsum '.repeat(10_000)}sk-ant-o`);
    const out = masker.push(head);
    assert.ok(out.length >= head.length - redactor.maxEchoLength && out.length < head.length, `${head.length - out.length} bytes held`);
    const rest = Buffer.concat([out, masker.push(Buffer.from('at0 and more"}]}')), masker.end()]).toString();
    assert.equal(rest, head.toString() + 'at0 and more"}]}');
  });
});
