// A token whose letters or digits an upstream sends as JSON `\u` escapes (`\u0061` for `a`): no
// encoder writes them, but every JSON client decodes them, so the token would show whole. Found by
// an attack on the stream masking; masked in whole texts, in stream chunks and in split deltas.
import assert from 'node:assert/strict';
import {test} from 'node:test';
import {Redactor} from '../../source/core/redact.js';
import {TextRunMasker} from '../../source/core/text-run-mask.js';

const SECRET = 'at-c@example.com-0123456789abcdef';
const redactor = new Redactor([SECRET, 'rt-other-secret-0123456789']);
const escape = (text: string, every: number) => [...text].map((c, i) => (i % every === 0 && /[A-Za-z0-9_.-]/.test(c) ? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}` : c)).join('');
const decoded = (json: string) => (JSON.parse(json) as {t: string}).t;

test('an echo with escaped letters is masked in a whole text; what the client decodes holds no token', () => {
  for (const every of [1, 2, 3, 7, 30]) {
    for (const upper of [false, true]) {
      const escaped = escape(SECRET, every);
      const json = `{"t":"key ${upper ? escaped.replace(/\\u00([0-9a-f]{2})/g, (_m, h: string) => `\\u00${h.toUpperCase()}`) : escaped} end"}`;
      const masked = redactor.redact(json);
      assert.ok(!decoded(masked).includes(SECRET), `${every} ${upper}: ${masked}`);
      assert.equal(decoded(masked), 'key at-c…(redacted) end');
    }
  }
});

test('text with escapes but no echo is left exactly as it was (an escaped backslash is no escape)', () => {
  for (const text of ['{"t":"\\u0061bc"}', '{"t":"\\\\u0061t-c@example.com-0123456789abcdef"}', 'C:\\u0061\\path', '\\u00e9t\\u00e9']) {
    assert.equal(redactor.redact(text), text);
  }
  // `\\u0061` is a backslash then `u0061`: the client reads no `a` there, so no token either.
  const doubled = `{"t":"\\\\u0061${SECRET.slice(1)}"}`;
  assert.equal(redactor.redact(doubled), doubled);
});

test('a stream chunk holding the escaped echo is masked (the echo filter alone would pass it)', () => {
  const stream = redactor.stream();
  const event = `data: {"delta":{"text":"key ${escape(SECRET, 2)}"}}\n\n`;
  const out = Buffer.concat([stream.push(Buffer.from(event)), stream.end()]).toString();
  assert.ok(!decoded(out.slice(6).replace(/^{"delta":/, '').replace(/}\n\n$/, '').replace(/^{"text"/, '{"t"')).includes(SECRET), out);
});

test('deltas of a run holding the escaped echo split anywhere: masked once joined', () => {
  const json = escape(SECRET, 2);
  for (let at = 1; at < json.length; at++) {
    const run = new TextRunMasker(redactor, true);
    const out = [...run.push(`key ${json.slice(0, at)}`), ...run.push(json.slice(at)), ...run.end()].join('');
    assert.ok(!decoded(`{"t":"${out}"}`).includes(SECRET), `${at}: ${out}`);
  }
});
