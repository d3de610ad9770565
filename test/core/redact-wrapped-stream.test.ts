// A base64 echo of a credential cut into pieces: wrapped into lines (MIME's 76 columns, PEM's 64,
// or narrower than 16), the line breaks raw, JSON-escaped or percent-encoded (`%0A`, `%0D%0A`,
// its `+` and `/` then `%2B` and `%2F`), or folded to one line with spaces (lines of 16 or more). Each is masked by
// Redactor.redact, and by a StreamRedactor cut at every offset and at random ones exactly as the
// whole text is (a differential test). Text that is no echo (prose, short lines, form bodies) is
// unchanged by both.
import assert from 'node:assert/strict';
import {test} from 'node:test';
import {Redactor} from '../../source/core/redact.js';
import {leakedBase64 as leaked} from '../helpers/base64-leak.js';
import {seededRandom} from '../helpers/seeded-random.js';

const token = 'sk-ant-oat01-Zq8xW3kP9mN2vB7cL4dR6tY1uH5jG0fE-qq?>';
const secrets = [token, ...Array.from({length: 300}, (_, i) => `ya29.a0AfB_${i}-Lm9kPz0123456789abcdefXYZ/+`)];
const redactor = new Redactor(secrets);

const SEPARATORS = ['\n', '\r\n', '\\n', '\\r\\n', '%0A', '%0D%0A', '%0a', ' '] as const;

/** `base64` cut into lines of `width` after `lead` on the first line, joined by `separator` (percent-encoded throughout for `%0A`). */
function wrap(lead: string, base64: string, width: number, separator: string): string {
  const lines = (lead + base64).match(new RegExp(`.{1,${width}}`, 'gs')) ?? [];
  const percent = separator.startsWith('%');
  return lines.map((line) => (percent ? line.replace(/[+/=]/g, (c) => encodeURIComponent(c)) : line)).join(separator);
}

function streamed(text: string, cuts: readonly number[]): string {
  const body = Buffer.from(text);
  const stream = redactor.stream();
  const out: Buffer[] = [];
  let from = 0;
  for (const cut of [...cuts, body.length]) {
    out.push(stream.push(body.subarray(from, cut)));
    from = cut;
  }
  out.push(stream.end());
  return Buffer.concat(out).toString();
}

/** Every wrapped form: widths 76, 64 and narrow ones, every separator, starting at a line's start or in its middle, `user:`+token and the token alone. */
const cases: {label: string; text: string; secret: string}[] = [];
for (const separator of SEPARATORS) {
  // Spaces join pieces next to 16 base64 characters or more (a folded block), not narrower ones (prose).
  for (const width of separator === ' ' ? [76, 64, 16] : [76, 64, 15, 8, 4, 1]) {
    for (const [before, lead] of [
      ['user:', ''],
      ['', 'Authorization: Basic '],
    ] as const) {
      const base64 = Buffer.from(before + token).toString('base64');
      const block = wrap(lead, base64, width, separator);
      cases.push({label: `${JSON.stringify(separator)} at ${width} columns, ${JSON.stringify(before + lead)}`, text: `data: {"echo":"${block}"}\n\n`, secret: token});
    }
  }
}
// A JSON-escaped '/', a token of many accounts.
const other = secrets[123]!;
cases.push({label: "JSON's \\/ at 20 columns", text: `{"b":"${wrap('', Buffer.from(`ab${other}`).toString('base64'), 20, '\\n').replace(/\//g, '\\/')}"}`, secret: other});

test('each wrapped, narrow, folded and percent-encoded base64 echo is masked in the whole text, and by a fresh Redactor as by a full one', () => {
  for (const {label, text, secret} of cases) {
    const masked = redactor.redact(text);
    assert.equal(leaked(masked, secret), undefined, `${label}: ${masked}`);
    assert.match(masked, /…\(redacted\)/, label);
    assert.equal(new Redactor(secrets).redact(text), masked, `${label}: a fresh Redactor`);
    assert.equal(leaked(redactor.redactLatin1(text), secret), undefined, `${label}: latin1`);
  }
});

test('each of them, cut into two chunks at every offset, is masked by the stream masker as in the whole text', () => {
  for (const {label, text, secret} of cases) {
    const whole = redactor.redact(text);
    for (let cut = 1; cut < Buffer.byteLength(text); cut++) {
      const out = streamed(text, [cut]);
      assert.equal(out, whole, `${label}, cut at ${cut}`);
      assert.equal(leaked(out, secret), undefined);
    }
  }
});

test('mixed bodies cut into random chunks come out as the whole text masked', () => {
  const next = seededRandom(2026);
  const pick = <T>(items: readonly T[]) => items[Math.floor(next() * items.length)]!;
  const filler = ['hello world ', 'the cat sat on the mat\n', 'a\nb\nc\n', 'data: {"t":"x"}\n\n', 'q=1%0Ar=2&s=%2F ', 'YWJj ZGVm ', 'sk-ant- ', '\\n', 'ok. '];
  for (let round = 0; round < 300; round++) {
    const planted: string[] = [];
    const parts = Array.from({length: 8}, () => {
      if (next() > 0.2) return pick(filler);
      const secret = pick(secrets);
      planted.push(secret);
      const base64 = Buffer.from(`${pick(['', 'a', 'ab', 'user:'])}${secret}`).toString('base64');
      const separator = pick(SEPARATORS);
      return wrap(pick(['', 'Basic ']), base64, pick(separator === ' ' ? [76, 64, 16] : [76, 64, 12, 5, 3]), separator);
    });
    const text = parts.join('');
    const length = Buffer.byteLength(text);
    const cuts = [...new Set(Array.from({length: 1 + Math.floor(next() * 8)}, () => 1 + Math.floor(next() * (length - 1))))].sort((a, b) => a - b);
    const whole = redactor.redact(text);
    assert.equal(streamed(text, cuts), whole, `round ${round}, cuts ${cuts.join(',')}: ${text}`);
    for (const secret of planted) assert.equal(leaked(whole, secret), undefined, `round ${round}: ${whole}`);
  }
});

test('text that is no echo is unchanged: prose, short lines, folded words, form bodies, base64 of other data', () => {
  const texts = [
    'The quick brown fox jumps over the lazy dog and then some more words follow here.',
    'a\nb\nc\nd\ne\nf\ng\nh\ni\nj\nk\nl\nm\nn\no\np',
    'ab cd ef gh ij kl mn op qr st uv wx yz AB CD EF GH',
    'name=John%20Smith&note=line%0Aone%0D%0Atwo%0Athree&x=%2F%2B',
    `data: ${JSON.stringify({text: 'line one\nline two\nline three', more: 'sk ant oat01 Zq8x W3kP'})}\n\n`,
    Buffer.from('some other data that is not a credential at all, long enough to wrap').toString('base64').replace(/.{8}/g, '$& '),
    Buffer.from('some other data that is not a credential at all, long enough to wrap').toString('base64').replace(/.{76}/g, '$&\r\n'),
  ];
  for (const text of texts) {
    assert.equal(redactor.redact(text), text);
    for (let cut = 1; cut < text.length; cut++) assert.equal(streamed(text, [cut]), text, `cut at ${cut}`);
  }
});
