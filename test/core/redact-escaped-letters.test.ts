// A token whose letters or digits an upstream sends as JSON `\u` escapes (`\u0061` for `a`): no
// encoder writes them, but every JSON client decodes them, so the token would show whole. Found by
// an attack on the stream masking; masked in whole texts, in stream chunks and in split deltas.
import assert from 'node:assert/strict';
import {test} from 'node:test';
import {Redactor, redactedForm} from '../../source/core/redact.js';
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

test('text with escapes but no echo is left exactly as it was', () => {
  for (const text of ['{"t":"\\u0061bc"}', '{"t":"\\\\u0061bc-not-a-token"}', 'C:\\u0061\\path', '\\u00e9t\\u00e9', '{"a":"{\\"b\\":\\"\\\\u0061\\"}"}']) {
    assert.equal(redactor.redact(text), text);
  }
});

test('an escaped letter after two or more backslashes (inside tool arguments, a JSON string in a JSON string) is masked: the client decodes each level', () => {
  // `\\u0061` in an event is `\u0061` in the arguments string, which the client parses again: `a`.
  const doubled = `{"t":"\\\\u0061${SECRET.slice(1)}"}`;
  assert.equal(redactor.redact(doubled), '{"t":"at-c…(redacted)"}');
  const args = JSON.stringify({arguments: JSON.stringify({cmd: `echo ${SECRET}`}).replace(/[a-z]/g, (c) => `\\u00${c.charCodeAt(0).toString(16)}`)});
  const masked = redactor.redact(args);
  const cmd = (JSON.parse((JSON.parse(masked) as {arguments: string}).arguments) as {cmd: string}).cmd;
  assert.equal(cmd, 'echo at-c…(redacted)');
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

test('tool arguments (JSON in a JSON string) with escaped letters, `\\/` and an escaped surrogate pair, cut into chunks of every size: what the client decodes twice holds no token', () => {
  const slashed = 'ya29.a0AfH6SMB/xyz+Qq_abcdefghijklmn/opq';
  const astral = 'pw-\u{1f511}-secret-0123456789abc';
  const secrets = new Redactor([slashed, astral, SECRET]);
  // What a model writes: letters and digits escaped every other one, `/` as `\/`, non-ASCII as `\u` (a surrogate pair).
  const modelEscapes = (text: string) =>
    [...text]
      .map((c, i) => {
        if (c === '/') return '\\/';
        if (c.codePointAt(0)! > 0xffff) return [...Array(c.length).keys()].map((k) => `\\u${c.charCodeAt(k).toString(16)}`).join('');
        return i % 2 === 0 && /[A-Za-z0-9]/.test(c) ? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}` : c;
      })
      .join('');
  for (const secret of [slashed, astral, SECRET]) {
    const args = `{"cmd":"cat ${modelEscapes(secret)} end"}`;
    assert.equal((JSON.parse(args) as {cmd: string}).cmd, `cat ${secret} end`);
    const event = `data: ${JSON.stringify({delta: {arguments: args}})}\n\n`;
    const twice = (text: string) => (JSON.parse((JSON.parse(text.slice(6)) as {delta: {arguments: string}}).delta.arguments) as {cmd: string}).cmd;
    // The masked form keeps whole characters: `pw-…`, not half the key emoji.
    assert.equal(twice(secrets.redact(event)), `cat ${redactedForm(secret)} end`, 'whole');
    const bytes = Buffer.from(event);
    for (const size of [1, 2, 3, 5, 8, 13, 64]) {
      const stream = secrets.stream();
      const out: Buffer[] = [];
      for (let i = 0; i < bytes.length; i += size) out.push(stream.push(bytes.subarray(i, i + size)));
      out.push(stream.end());
      // As UTF-8 bytes (a masked form cut inside a surrogate pair reads U+FFFD there).
      assert.equal(twice(Buffer.concat(out).toString()), `cat ${redactedForm(secret)} end`, `${secret}, chunks of ${size}`);
    }
  }
});
