import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {maskJoinedJson, maskJoinedTexts, mayJoinTexts} from '../../source/core/joined-text-mask.js';
import {Redactor} from '../../source/core/redact.js';

const secret = 'sk-ant-oat01-Zx8_Qw7-Lm3KpNoRs98765';
const redactor = new Redactor([secret]);
/** `key <secret> end` cut at each of `cuts` (offsets into the secret). */
const cutAt = (...cuts: number[]) => {
  const s = `key ${secret} end`;
  const at = [0, ...cuts.map((c) => 4 + c), s.length];
  return at.slice(1).map((end, i) => s.slice(at[i], end));
};

describe('maskJoinedTexts: a credential cut across the blocks or items a client joins', () => {
  it('Anthropic text → tool_use → text: the joined text holds no secret, the tool block is untouched', () => {
    const [a, b] = cutAt(8);
    const message = {type: 'message', content: [{type: 'text', text: a}, {type: 'tool_use', id: 'toolu_1', name: 'Read', input: {path: 'x'}}, {type: 'text', text: b}]};
    assert.equal(maskJoinedTexts(message, redactor), true);
    const texts = message.content.map((block) => ('text' in block ? block.text : '')).join('');
    assert.ok(!texts.includes(secret), texts);
    assert.match(texts, /^key sk-a…\(redacted\) end$/);
    // The masked form and what follows it go to the block where the secret starts (as the stream
    // masker gives a held delta's text to the first piece it settles); the next one comes out empty.
    assert.deepEqual(message.content[1], {type: 'tool_use', id: 'toolu_1', name: 'Read', input: {path: 'x'}});
    assert.equal((message.content[2] as {text: string}).text, '');
  });

  it('three pieces, two of them tiny', () => {
    const pieces = cutAt(1, 2);
    const message = {content: pieces.map((text) => ({type: 'text', text}))};
    assert.equal(maskJoinedTexts(message, redactor), true);
    assert.ok(!message.content.map((b) => b.text).join('').includes(secret));
  });

  it('Responses output: message items the SDK joins into output_text; a reasoning summary is a run of its own', () => {
    const [a, b] = cutAt(20);
    const response = {
      output: [
        {type: 'message', content: [{type: 'output_text', text: a, annotations: []}]},
        {type: 'reasoning', summary: [{type: 'summary_text', text: 'fine'}]},
        {type: 'message', content: [{type: 'output_text', text: b, annotations: []}]},
      ],
    };
    assert.equal(maskJoinedTexts(response, redactor), true);
    const outputText = response.output.flatMap((item) => item.content ?? []).map((part) => part.text).join('');
    assert.ok(!outputText.includes(secret), outputText);
    assert.equal(response.output[1]!.summary![0]!.text, 'fine');
  });

  it('Gemini parts, and Chat content parts', () => {
    const [a, b] = cutAt(5);
    const gemini = {candidates: [{content: {role: 'model', parts: [{text: a}, {functionCall: {name: 'f', args: {}}}, {text: b}]}}]};
    assert.equal(maskJoinedTexts(gemini, redactor), true);
    assert.ok(!gemini.candidates[0]!.content.parts.map((p) => p.text ?? '').join('').includes(secret));
    const chat = {choices: [{index: 0, message: {role: 'assistant', content: [{type: 'text', text: a}, {type: 'text', text: b}]}}]};
    assert.equal(maskJoinedTexts(chat, redactor), true);
    assert.ok(!chat.choices[0]!.message.content.map((p) => p.text).join('').includes(secret));
  });

  it('grouped by what the client joins, not by path: an item of another kind between two joined ones does not break the run', () => {
    const [a, b] = cutAt(8);
    // Responses: a reasoning item's content[].text has the message texts' path; the SDK's
    // output_text joins only the message items' output_text parts.
    const response = {
      output: [
        {type: 'message', content: [{type: 'output_text', text: a}]},
        {type: 'reasoning', content: [{type: 'reasoning_text', text: 'let me think'}]},
        {type: 'message', content: [{type: 'refusal', refusal: 'no'}, {type: 'output_text', text: b}]},
      ],
    };
    assert.equal(maskJoinedTexts(response, redactor), true);
    const outputText = response.output
      .filter((item) => item.type === 'message')
      .flatMap((item) => item.content)
      .filter((part) => part.type === 'output_text')
      .map((part) => (part as {text: string}).text)
      .join('');
    assert.ok(!outputText.includes(secret), outputText);
    assert.equal(response.output[1]!.content[0]!.text, 'let me think');
    // Anthropic: a block of another type with a `text` key between two text blocks.
    const message = {content: [{type: 'text', text: a}, {type: 'server_note', text: 'between'}, {type: 'text', text: b}]};
    assert.equal(maskJoinedTexts(message, redactor), true);
    const texts = message.content.filter((block) => block.type === 'text').map((block) => block.text).join('');
    assert.ok(!texts.includes(secret), texts);
    assert.equal(message.content[1]!.text, 'between');
    // Gemini: a thought part between two answer parts (the SDK's `text` skips thoughts).
    const gemini = {candidates: [{index: 0, content: {parts: [{text: a}, {text: 'hmm', thought: true}, {text: b}]}}]};
    assert.equal(maskJoinedTexts(gemini, redactor), true);
    const answer = gemini.candidates[0]!.content.parts.filter((part) => !part.thought).map((part) => part.text).join('');
    assert.ok(!answer.includes(secret), answer);
    assert.equal(gemini.candidates[0]!.content.parts[1]!.text, 'hmm');
  });

  it('Chat choices and Gemini candidates are answers of their own: two are not joined', () => {
    const [a, b] = cutAt(8);
    const chat = {choices: [{index: 0, message: {content: a}}, {index: 1, message: {content: b}}]};
    const before = JSON.stringify(chat);
    // Each choice's text is the byte masker's (a cut start at a string's end is its to mask); the two are no run.
    assert.equal(maskJoinedTexts(chat, redactor), false);
    assert.equal(JSON.stringify(chat), before);
    // The second choice's parts are one run, whose text holds the secret's end cut at its start:
    // masked there (cutEchoes); the first choice's 8 characters are not joined with it.
    const chatParts = {choices: [{index: 0, message: {content: [{type: 'text', text: a}]}}, {index: 1, message: {content: [{type: 'text', text: 'x'}, {type: 'text', text: b}]}}]};
    maskJoinedTexts(chatParts, redactor);
    assert.equal(chatParts.choices[0]!.message.content[0]!.text, a);
    assert.equal(chatParts.choices[1]!.message.content[1]!.text, 'sk-a…(redacted) end');
  });

  it('nothing cut across: unchanged (false), strings as they were', () => {
    const message = {content: [{type: 'text', text: 'sk-ant is a prefix, '}, {type: 'text', text: 'nothing more'}]};
    const before = JSON.stringify(message);
    assert.equal(maskJoinedTexts(message, redactor), false);
    assert.equal(JSON.stringify(message), before);
    // A string outside any array is no joined piece (the byte masker has it whole).
    assert.equal(maskJoinedTexts({text: `a ${secret.slice(0, 9)}`, content: secret.slice(9)}, redactor), false);
  });

  it('a secret started in one block and not gone on with is masked as a cut echo, as the stream masker does at a run end', () => {
    const message = {content: [{type: 'text', text: `see ${secret.slice(0, 20)}`}, {type: 'text', text: ' and more'}]};
    assert.equal(maskJoinedTexts(message, new Redactor([secret])), true);
    assert.ok(!message.content[0]!.text.includes(secret.slice(0, 20)), message.content[0]!.text);
  });
});

describe('maskJoinedJson and mayJoinTexts', () => {
  it('one text field (most answers) is never parsed; two are, and a `\\u`-spelled key too', () => {
    const small = JSON.stringify({id: 'msg_1', type: 'message', content: [{type: 'text', text: 'ok'}], usage: {input_tokens: 1}});
    assert.equal(mayJoinTexts(small), false);
    assert.equal(maskJoinedJson(small, redactor), undefined);
    const [a, b] = cutAt(8);
    const two = JSON.stringify({content: [{type: 'text', text: a}, {type: 'text', text: b}]});
    assert.equal(mayJoinTexts(two), true);
    const escaped = two.replaceAll('"text":', '"te\\u0078t":');
    assert.equal(mayJoinTexts(escaped), true);
    for (const json of [two, escaped]) {
      const masked = maskJoinedJson(json, redactor);
      assert.ok(masked !== undefined && !masked.includes(secret.slice(8)), masked);
      const joined = (JSON.parse(masked) as {content: {text: string}[]}).content.map((b) => b.text).join('');
      assert.ok(!joined.includes(secret), joined);
    }
  });

  it('no secret cut: undefined (the caller sends its bytes as they are); not JSON: undefined', () => {
    assert.equal(maskJoinedJson(JSON.stringify({content: [{text: 'a'}, {text: 'b'}]}), redactor), undefined);
    assert.equal(maskJoinedJson('{"text":"a","text":"b', redactor), undefined);
    assert.equal(maskJoinedJson(JSON.stringify({content: [{text: 'a'}, {text: 'b'}]}), new Redactor([])), undefined);
  });
});
