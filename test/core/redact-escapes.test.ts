// Escapes of escapes: a secret with characters that are not verbatim (`/ + = ; : & ~`, as in Copilot's
// `tid=…;exp=…:…` tokens and Google's `1//` refresh tokens) echoed through nested JSON, double
// percent-encoding, `~` as %7E, and base64 wrapped into MIME lines. Each must be masked, by redact
// and by the stream masker (whole and cut at every byte).
import assert from 'node:assert/strict';
import {test} from 'node:test';
import {Redactor} from '../../source/core/redact.js';

const COPILOT = 'tid=0123abcd;exp=1764460800;sku=free:ol=1;rt=1:8kp=1~x/y+z&w';
const GOOGLE = '1//0gPLANTED-refresh-Abc_def~ghi/jkl+mno=';

/** One JSON string nesting level: the text as it appears inside a JSON string literal. */
const nest = (text: string) => JSON.stringify(text).slice(1, -1);
const slashes = (text: string) => text.replace(/\//g, '\\/');

const shapes: Record<string, (secret: string) => string> = {
  'JSON in JSON (\\\\\\/)': (s) => nest(slashes(nest(s))),
  'JSON in JSON in JSON': (s) => nest(nest(slashes(nest(s)))),
  'JSON in JSON (\\\\u0026)': (s) => nest(nest(s).replace(/[&/+=;:~]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)),
  'double percent (%252F)': (s) => encodeURIComponent(encodeURIComponent(s)),
  'triple percent': (s) => encodeURIComponent(encodeURIComponent(encodeURIComponent(s))),
  '~ as %7E': (s) => encodeURIComponent(s).replace(/~/g, '%7E'),
  '~ as %7e twice': (s) => encodeURIComponent(encodeURIComponent(s).replace(/~/g, '%7e')),
  'MIME base64 (76-char lines, CRLF)': (s) => Buffer.from(`user:${s}:padding-to-make-this-long-enough-for-two-lines-of-base64-output`).toString('base64').replace(/.{76}/g, '$&\r\n'),
  'PEM base64 (64-char lines, LF), JSON-escaped': (s) => nest(Buffer.from(`x${s}${s}`).toString('base64').replace(/.{64}/g, '$&\n')),
  'base64 in 20-char lines': (s) => Buffer.from(`ab${s}`).toString('base64').replace(/.{20}/g, '$&\n'),
};

for (const secret of [COPILOT, GOOGLE]) {
  for (const [name, shape] of Object.entries(shapes)) {
    test(`${secret.slice(0, 4)}…: ${name}`, () => {
      const redactor = new Redactor([secret]);
      const echoed = shape(secret);
      const text = `{"error":{"message":"gateway said: ${echoed} (end)"}}\n\n`;
      const masked = redactor.redact(text);
      if (name.includes('base64')) assert.match(masked, /^\{"error":\{"message":"gateway said: \S*…\(redacted\)[^]* \(end\)"\}\}\n\n$/, `${name}: not masked: ${masked}`);
      else assert.equal(masked, `{"error":{"message":"gateway said: ${secret.slice(0, 4)}…(redacted) (end)"}}\n\n`, `${name}: not masked`);
      // Through the stream masker: whole, then cut at every byte.
      const bytes = Buffer.from(text);
      const stream = redactor.stream();
      const whole = Buffer.concat([stream.push(bytes), stream.end()]).toString();
      assert.match(whole, /…\(redacted\)/, `${name}: stream not masked: ${whole}`);
      if (!name.includes('base64')) {
        for (let cut = 1; cut < bytes.length; cut++) {
          const split = redactor.stream();
          const out = Buffer.concat([split.push(bytes.subarray(0, cut)), split.push(bytes.subarray(cut)), split.end()]).toString();
          assert.equal(out, masked, `${name}: cut at ${cut}`);
        }
      }
    });
  }
}

test('text without an echo passes unchanged, wrapped base64 of other data included', () => {
  const redactor = new Redactor([COPILOT, GOOGLE]);
  const other = Buffer.from('x'.repeat(300)).toString('base64').replace(/.{76}/g, '$&\r\n');
  for (const text of [other, `a %252F b \\\\\\/ c %7E ~ ${nest(nest('tid=other;exp=1'))}`]) {
    assert.equal(redactor.redact(text), text);
    const stream = redactor.stream();
    assert.equal(Buffer.concat([stream.push(Buffer.from(text)), stream.end()]).toString(), text);
  }
});

test('a secret with non-ASCII characters is masked as sent, percent-encoded, \\u-escaped, and in a stream cut at any byte', () => {
  const secret = 'pässwörd-ключ-🔑-0123456789';
  const redactor = new Redactor([secret]);
  const forms = [secret, encodeURIComponent(secret), encodeURIComponent(encodeURIComponent(secret)), JSON.stringify(secret).slice(1, -1).replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`), nest(nest(secret).replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`))];
  for (const form of forms) {
    const text = `data: {"error":"echo ${form} (end)"}\n\n`;
    const expected = `data: {"error":"echo päss…(redacted) (end)"}\n\n`;
    assert.equal(redactor.redact(text), expected, form);
    const bytes = Buffer.from(text);
    for (let cut = 0; cut <= bytes.length; cut++) {
      const stream = redactor.stream();
      const out = Buffer.concat([stream.push(bytes.subarray(0, cut)), stream.push(bytes.subarray(cut)), stream.end()]).toString('utf8');
      assert.equal(out, expected, `${form} cut at ${cut}`);
    }
  }
  // In a header (latin1: the UTF-8 bytes), the masked form is ASCII.
  const header = Buffer.from(`Bearer ${secret}`, 'utf8').toString('latin1');
  assert.deepEqual(redactor.redactHeaders({'x-echo': header}), {'x-echo': 'Bearer p?ss...(redacted)'});
});
