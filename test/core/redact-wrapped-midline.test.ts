// A wrapped base64 block need not start at a line's start: in a log wrapped at 76 columns,
// `Authorization: Basic <base64>` leaves only the block's first few characters on its first line.
// The lines after it alone hold no core of the secret (a core starts within the secret's first
// three bytes), so the block is joined from its first piece, however short.
import assert from 'node:assert/strict';
import {test} from 'node:test';
import {Redactor} from '../../source/core/redact.js';
import {leakedBase64} from '../helpers/base64-leak.js';

const token = 'at-Zq8xW3kP9mN2vB7cL4dR6tY1uH5jG0fE';

const leaked = (output: string) => leakedBase64(output, token);

/** `base64` wrapped at `width` columns after `lead` on the first line (as a log wrapper cuts it), lines joined by `lineBreak`. */
function wrappedAfter(lead: string, base64: string, width: number, lineBreak: string): string {
  const line = lead + base64;
  return (line.match(new RegExp(`.{1,${width}}`, 'g')) ?? []).join(lineBreak);
}

for (const before of ['', 'user:', 'u:']) {
  const base64 = Buffer.from(before + token).toString('base64');
  for (const lineBreak of ['\n', '\r\n', '\\n']) {
    // The block starts 1 to 15 characters before the first line's end.
    for (let onFirstLine = 1; onFirstLine < 16; onFirstLine++) {
      const text = wrappedAfter('x'.repeat(76 - onFirstLine - 21) + ' Authorization: Basic', ` ${base64}`, 76, lineBreak);
      test(`base64 of ${JSON.stringify(before)}+token, ${onFirstLine} characters on the first line, ${JSON.stringify(lineBreak)}`, () => {
        const redactor = new Redactor([token]);
        assert.equal(leaked(redactor.redact(text)), undefined, redactor.redact(text));
        assert.equal(leaked(redactor.redactLatin1(text)), undefined);
        // The stream masker, given the block in one chunk (cut across chunks: redact-wrapped-stream.test.ts).
        const stream = redactor.stream();
        const out = Buffer.concat([stream.push(Buffer.from(text)), stream.end()]).toString();
        assert.equal(leaked(out), undefined, out);
      });
    }
  }
}
