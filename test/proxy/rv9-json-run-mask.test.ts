// rv9 attack review: JsonRunMasker (proxy/json-run-mask.ts, a pass-through JSON answer over 4 MB)
// groups a Gemini part by the keys read before its text; the Gemini API writes a thought part's
// `text` before its `thought` (proto field order: text is field 2, thought 11; this project's own
// writers and readers/gemini.ts spell it `{text, thought: true}` too), so a thought part is grouped
// with the answer's text parts (`#`), and its text breaks the run the client joins without it.
// Fails on main at 4e74721.
import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {Redactor} from '../../source/core/redact.js';
import {JsonRunMasker} from '../../source/proxy/json-run-mask.js';

const secret = 'sk-ant-oat01-Ab3_xY9-Qr7ZkLmNoPq12345';
const redactor = new Redactor([secret]);

function streamed(json: string, size: number): string {
  const masker = new JsonRunMasker(redactor);
  const bytes = Buffer.from(json, 'utf8');
  const out: Buffer[] = [];
  for (let at = 0; at < bytes.length; at += size) out.push(masker.push(bytes.subarray(at, at + size)));
  out.push(masker.end());
  return Buffer.concat(out).toString('utf8');
}

/** What @google/genai's `response.text` joins: the first candidate's parts that are no thought. */
const answerText = (json: string) =>
  (JSON.parse(json) as {candidates: {content: {parts: {text?: string; thought?: boolean}[]}}[]}).candidates[0]!.content.parts
    .filter((part) => part.thought !== true)
    .map((part) => part.text ?? '')
    .join('');

describe('rv9: JsonRunMasker, a Gemini answer whose thought part (text before `thought`) sits between two answer parts', () => {
  const s = `key ${secret} end`;
  for (const cut of [5, 12, 20, s.length - 5]) {
    it(`the token cut after ${cut - 4} characters: the answer text the client joins holds no token, at every chunk size`, () => {
      const json = JSON.stringify({
        candidates: [{index: 0, content: {role: 'model', parts: [{text: s.slice(0, cut)}, {text: 'Let me check the file again.', thought: true}, {text: s.slice(cut)}]}, finishReason: 'STOP'}],
        usageMetadata: {promptTokenCount: 1, candidatesTokenCount: 1, totalTokenCount: 2},
      });
      for (const size of [1, 7, 64, json.length]) {
        const text = answerText(streamed(json, size));
        assert.ok(!text.includes(secret), `chunks of ${size}: ${text}`);
      }
    });
  }
});
