// Which log probability lists are emptied: those whose tokens, bytes or alternatives spell a
// credential (OpenAI's and Gemini's shapes, a key spelled with escapes), and no others.
import assert from 'node:assert/strict';
import {test} from 'node:test';
import {maskJoinedJson, mayJoinTexts} from '../../source/core/joined-text-mask.js';
import {LogprobsMasker, mayHoldLogprobs} from '../../source/core/logprobs-mask.js';
import {Redactor} from '../../source/core/redact.js';

const secret = 'ya29.logprob-secret-0123456789';
const redactor = new Redactor([secret]);

test('Gemini logprobsResult: chosen tokens that spell it, or a top candidate that holds it, are emptied', () => {
  const chosen = {candidates: [{content: {parts: [{text: 'ok'}]}, logprobsResult: {chosenCandidates: [{token: 'ya29.logprob'}, {token: '-secret-0123456789'}], topCandidates: []}}]};
  assert.equal(new LogprobsMasker(redactor, false).mask(chosen), true);
  assert.deepEqual(chosen.candidates[0]!.logprobsResult.chosenCandidates, []);
  const top = {candidates: [{logprobsResult: {chosenCandidates: [{token: 'ok'}], topCandidates: [{candidates: [{token: 'ok'}, {token: secret}]}]}}]};
  assert.equal(new LogprobsMasker(redactor, false).mask(top), true);
  assert.deepEqual(top.candidates[0]!.logprobsResult, {chosenCandidates: [{token: 'ok'}], topCandidates: []});
});

test('a key spelled with escaped letters is found, and a document with only null logprobs is not parsed', () => {
  const escaped = `{"choices":[{"index":0,"message":{"content":"ok"},"\\u006cogprobs":{"content":[{"token":"x","bytes":${JSON.stringify([...Buffer.from(secret)])}}]}}]}`;
  assert.equal(mayHoldLogprobs(escaped), true);
  assert.equal(JSON.parse(maskJoinedJson(escaped, redactor)!).choices[0].logprobs.content.length, 0);
  assert.equal(mayJoinTexts('{"choices":[{"message":{"content":"ok"},"logprobs":null}]}'), false);
});

test('lists that spell nothing, and separate places in a stream, are left as they are', () => {
  const masker = new LogprobsMasker(redactor, true);
  const chunk = (index: number, text: string) => ({choices: [{index, logprobs: {content: [{token: text, bytes: [...Buffer.from(text)]}]}}]});
  // Two choices each spell half: no client joins one choice's tokens to another's.
  assert.equal(masker.mask(chunk(0, 'ya29.logprob')), false);
  assert.equal(masker.mask(chunk(1, '-secret-0123456789')), false);
  // The second half in the first choice completes it.
  const completing = chunk(0, '-secret-0123456789');
  assert.equal(masker.mask(completing), true);
  assert.deepEqual(completing.choices[0]!.logprobs.content, []);
});
