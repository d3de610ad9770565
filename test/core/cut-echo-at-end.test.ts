// A run of deltas that ends inside a secret (the upstream cut the token, a block or the stream ended
// mid-token, an error came): what was held back is the start of the secret, and a client would show
// it as it is. Twelve characters or more of a secret's start are masked there, as an excerpt's cut
// echo is (RedactOptions.cutEchoes); fewer are shown. (A byte stream's held tail is not: the SSE run
// masker after it may still join it to the next event's text.)
import assert from 'node:assert/strict';
import {test} from 'node:test';
import {Redactor} from '../../source/core/redact.js';
import {TextRunMasker} from '../../source/core/text-run-mask.js';

const SECRET = 'sk-ant-oat01-Zq8xVbN3mK7pL2wR9tY4uI6oP1aS5dF0gH';
const redactor = new Redactor([SECRET]);

test('a run of deltas that ends inside a secret: its held start is masked when 12+ characters long', () => {
  for (const cut of [12, 20, SECRET.length - 1]) {
    for (const latin1 of [false, true]) {
      const run = new TextRunMasker(redactor, latin1);
      const joined = [...run.push('the key is '), ...run.push(SECRET.slice(0, 6)), ...run.push(SECRET.slice(6, cut)), ...run.end()].join('');
      // latin1: pieces are the latin1 text of UTF-8 bytes, and so is the mask.
      const out = latin1 ? Buffer.from(joined, 'latin1').toString('utf8') : joined;
      assert.ok(!out.includes(SECRET.slice(0, 12)), `${cut} ${latin1}: ${out}`);
      assert.match(out, /^the key is sk-a…\(redacted\)$/, `${cut} ${latin1}`);
    }
  }
  const run = new TextRunMasker(redactor);
  const short = [...run.push('the key is '), ...run.push(SECRET.slice(0, 8)), ...run.end()].join('');
  assert.equal(short, `the key is ${SECRET.slice(0, 8)}`, 'fewer than 12 characters: shown as sent');
});

test('an excerpt that ends in the first 12 to 16 characters of a secret is masked (the echo filter samples longer runs)', () => {
  for (let cut = 12; cut <= 20; cut++) {
    assert.equal(redactor.redact(`Incorrect API key provided: ${SECRET.slice(0, cut)}`, {cutEchoes: true}), 'Incorrect API key provided: sk-a…(redacted)', String(cut));
    assert.equal(redactor.redact(`key ${SECRET.slice(0, cut)}… was refused`, {cutEchoes: true}), 'key sk-a…(redacted)… was refused', String(cut));
  }
});
