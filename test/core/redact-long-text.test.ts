// A long text (a translated stream's joined deltas) is prefiltered as its UTF-8 bytes, not read
// character by character (Redactor.redactWith): every form of an echo must be found there as in a
// short text, with non-ASCII text right around it, whether the Redactor has built its stream filter
// (EchoFilter, as a proxy's has) or not, and whether every secret's head is ASCII or not.
import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {redactedForm, Redactor} from '../../source/core/redact.js';
import {leakedBase64} from '../helpers/base64-leak.js';

const token = 'at-Zq8xW3kP9mN2/vB7cL4dR6tY1uH5jG0fE';
const nonAscii = 'pässwörd-Zq8xW3kP9mN2vB7cL4';

/** Wrapped into lines of `width` joined by `lineBreak`. */
const wrapped = (text: string, width: number, lineBreak: string) => (text.match(new RegExp(`.{1,${width}}`, 'g')) ?? []).join(lineBreak);
const basic = Buffer.from(`user:${token}`).toString('base64');

const FORMS: Record<string, string> = {
  'as sent': token,
  'JSON-escaped': JSON.stringify(token).slice(1, -1).replace('/', '\\/'),
  'percent-encoded': encodeURIComponent(token),
  'letters as \\u escapes': token.replace('Z', '\\u005a').replace('q', '\\u0071'),
  base64: Buffer.from(token).toString('base64'),
  'Basic base64': `Basic ${basic}`,
  'base64 wrapped at 76, raw line breaks': wrapped(basic + basic, 76, '\n'),
  'base64 wrapped at 16, JSON \\n': wrapped(basic, 16, '\\n'),
  'base64 wrapped at 64, %0D%0A': wrapped(basic, 64, '%0D%0A'),
  'base64 folded to one line at 16': wrapped(basic, 16, ' '),
};

/** Prose with non-ASCII characters (two-byte and three-byte UTF-8; U+0125 has `%` as its low byte). */
const PROSE = 'Łódź ✓ 日本語 ĥ2F ü — a line of prose.\n'.repeat(40);

for (const built of [false, true]) {
  describe(`a long text (${PROSE.length * 2} characters and more), the stream filter ${built ? 'built' : 'not built'}`, () => {
    const fresh = () => {
      const redactor = new Redactor([token, nonAscii]);
      if (built) redactor.holdTextFrom('x'); // builds the EchoFilter a proxy's Redactor has
      return redactor;
    };
    for (const [name, form] of Object.entries(FORMS)) {
      it(`masks the token ${name}, with non-ASCII text right before and after it`, () => {
        for (const [before, after] of [[PROSE, PROSE], [`${PROSE}ĥ`, `ĥ${PROSE}`], [`${PROSE} `, ` ${PROSE}`]]) {
          const out = fresh().redact(before + form + after);
          assert.ok(out.includes(redactedForm(token)), out.slice(PROSE.length - 10, -PROSE.length + 10));
          assert.equal(leakedBase64(out, token), undefined);
          assert.ok(!out.includes(token.slice(0, 12)) && !out.includes(token.slice(-12)));
          assert.ok(out.startsWith(PROSE) && out.endsWith(PROSE), 'the prose around it is unchanged');
        }
      });
    }
    it('masks a non-ASCII secret among non-ASCII text', () => {
      assert.equal(fresh().redact(`${PROSE}${nonAscii}${PROSE}`), `${PROSE}${redactedForm(nonAscii)}${PROSE}`);
    });
    it('leaves a long text without an echo as it is (the same string)', () => {
      const text = PROSE + PROSE;
      assert.equal(fresh().redact(text), text);
    });
  });
}

// Every secret's head ASCII (as tokens are): the secrets' own forms are first looked for in the
// text's bytes (LiteralFinder.mayOccurIn), and must be found there wherever the characters before
// them take more bytes than characters.
describe('a long text, only ASCII secrets', () => {
  for (const [name, form] of Object.entries(FORMS)) {
    it(`masks the token ${name}, with non-ASCII text right before and after it`, () => {
      // Punctuation alone (no line break or space: no wrapped echo is looked for), or prose.
      const dots = 'ü.'.repeat(600);
      for (const [before, after] of [[PROSE, PROSE], [`${PROSE}ĥ`, `ĥ${PROSE}`], ['', PROSE], [PROSE, ''], [dots, dots], [`${dots}ĥ`, '.'.repeat(1200)]]) {
        const out = new Redactor([token]).redact(before + form + after);
        assert.ok(out.includes(redactedForm(token)), out.slice(PROSE.length - 10, -PROSE.length + 10));
        assert.ok(!out.includes(token.slice(0, 12)) && !out.includes(token.slice(-12)));
        assert.ok(out.startsWith(before) && out.endsWith(after), 'the prose around it is unchanged');
      }
    });
  }
});
