// A token whose letters, digits or `-_.` an upstream sends percent-encoded (`%2D` for `-`, every
// character as `%XX`, or encoded twice as `%252D`): no common encoder writes them, but a client or
// a browser decodes them, so the token would show whole. And a token cut at its start (`…ECRET…`)
// or broken by a line break, in what is logged (cutEchoes). Found by an attack on the masking.
import assert from 'node:assert/strict';
import {test} from 'node:test';
import {Redactor} from '../../source/core/redact.js';

const SECRET = 'sk-ant-oat01-SECRETACCESS0123456789abcdefXYZ';
const redactor = new Redactor([SECRET, 'rt-other-secret-0123456789']);
const hex = (char: string, upper: boolean) => char.charCodeAt(0).toString(16).padStart(2, '0')[upper ? 'toUpperCase' : 'toLowerCase']();
const FORMS: Record<string, string> = {
  'dashes only': SECRET.replace(/-/g, '%2D'),
  'dashes twice encoded': SECRET.replace(/-/g, '%252D'),
  'every character, lower hex': [...SECRET].map((c) => `%${hex(c, false)}`).join(''),
  'every character, upper hex': [...SECRET].map((c) => `%${hex(c, true)}`).join(''),
  'every other letter': [...SECRET].map((c, i) => (i % 2 ? `%${hex(c, true)}` : c)).join(''),
};
const decoded = (text: string) => decodeURIComponent(text);

test('a token percent-encoded in any of these forms is masked: what a client decodes holds no token', () => {
  for (const [name, form] of Object.entries(FORMS)) {
    for (const text of [form, `GET /v1/x?key=${form}&b=2`, `{"message":"your token ${form} was refused"}`]) {
      const masked = redactor.redact(text);
      assert.ok(!decoded(masked).includes(SECRET), `${name}: ${masked}`);
      assert.ok(masked.includes('sk-a…(redacted)'), `${name}: ${masked}`);
    }
  }
});

test('text with percent escapes but no echo is left exactly as it was', () => {
  for (const text of ['50% of the quota', 'a%20b%2Fc%41%42', '%2D%2D-help', 'https://example.com/a%2Db?q=%7Ex', '100%', '%']) {
    assert.equal(redactor.redact(text), text);
  }
});

test('a stream holding a percent-encoded token, cut at every byte: no token reaches the client', () => {
  for (const [name, form] of Object.entries(FORMS)) {
    const body = `data: {"delta":{"text":"key ${form} end"}}\n\n`;
    for (let at = 1; at < body.length; at++) {
      const stream = redactor.stream();
      const out = Buffer.concat([stream.push(Buffer.from(body.slice(0, at))), stream.push(Buffer.from(body.slice(at))), stream.end()]).toString();
      assert.ok(!decoded(out).includes(SECRET), `${name} cut at ${at}: ${out}`);
      assert.match(out, /key sk-a…\(redacted\) end/, `${name} cut at ${at}`);
    }
  }
});

test('logged text (cutEchoes): a token cut at its start, or broken by a line break (raw or escaped), shows no run of it of 12 characters or more', () => {
  const cases = [
    `upstream 400: token ...${SECRET.slice(14)}`,
    SECRET.slice(4),
    `${SECRET.slice(0, 20)}\n${SECRET.slice(20)}`,
    `${SECRET.slice(0, 30)}\r\n${SECRET.slice(30)}`,
    `key "${SECRET.slice(9)}"`,
    SECRET.slice(0, 30),
    // After an escape of a character no token holds (Python's json.dumps writes `…` as \u2026).
    `{"message":"the credential \\u2026${SECRET.slice(10)} was revoked"}`,
    `{"message":"bad token ${SECRET.slice(0, 22)}\\u000a${SECRET.slice(22)}"}`,
    `/x?k=%20${SECRET.slice(5)}`,
    `/x?k=%0A${SECRET.slice(5)}`,
    `/x?k=%E2%80%A6${SECRET.slice(5)}`,
  ];
  for (const text of cases) {
    const masked = redactor.redact(text, {cutEchoes: true});
    for (let from = 0; from + 12 <= SECRET.length; from++) assert.ok(!masked.includes(SECRET.slice(from, from + 12)), `${JSON.stringify(text)} → ${JSON.stringify(masked)}`);
    assert.match(masked, /sk-a…\(redacted\)/);
  }
});

test('logged text: the end of a token inside a longer word (after a letter, or an escaped letter), or shorter than 12 characters, is another word and stays', () => {
  for (const text of [`id_${SECRET.slice(-15)}`, `${SECRET.slice(-15)}Q`, `…${SECRET.slice(-11)}`, `%41${SECRET.slice(-15)}`, `\\u0041${SECRET.slice(-15)}`]) {
    assert.equal(redactor.redact(text, {cutEchoes: true}), text);
  }
});

test('masking an echo leaves the rest of the text as it came: its escapes are not decoded (a signed URL keeps %2541)', () => {
  const url = 'https://cdn.example/a%2Eb/%30%31?sig=%2541&x=\\u0041';
  for (const echo of [SECRET, SECRET.replace(/-/g, '%2D'), SECRET.replace(/S/g, '\\u0053')]) {
    const text = `{"next":"${url}","token":"${echo}"}`;
    assert.equal(redactor.redact(text), `{"next":"${url}","token":"sk-a…(redacted)"}`, echo);
    const stream = redactor.stream();
    const out = Buffer.concat([stream.push(Buffer.from(text.slice(0, 40))), stream.push(Buffer.from(text.slice(40))), stream.end()]).toString();
    assert.equal(out, `{"next":"${url}","token":"sk-a…(redacted)"}`, `stream: ${echo}`);
  }
});

test('logged text: a cut token with its letters escaped (%XX, \\u00XX, one letter or all) is masked as a plain cut one', () => {
  const pct = (text: string) => [...text].map((c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`).join('');
  const u = (text: string) => [...text].map((c) => `\\u00${c.charCodeAt(0).toString(16)}`).join('');
  for (const text of [
    `Incorrect key: ${pct(SECRET.slice(0, 20))}…`,
    `Incorrect key: ${SECRET.slice(0, 20).replace(/-/g, '%2D')}…`,
    `Incorrect key: ${u(SECRET.slice(0, 20))}…`,
    `key …${pct(SECRET.slice(-20))}`,
    `key …${SECRET.slice(-20, -10)}%${SECRET.charCodeAt(SECRET.length - 10).toString(16)}${SECRET.slice(-9)}`,
    `a ${pct(SECRET)} b ${pct(SECRET.slice(0, 20))}…`,
    `token ...x%2520${SECRET.slice(14)} end`,
    `token ...x%25E2%2580%25A6${SECRET.slice(14)} end`,
  ]) {
    const masked = redactor.redact(text, {cutEchoes: true});
    const decoded = decodeURIComponent(masked.replace(/%(?![0-9A-Fa-f]{2})/g, '%25')).replace(/\\u00([0-9a-f]{2})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16)));
    for (let from = 0; from + 12 <= SECRET.length; from++) assert.ok(!decoded.includes(SECRET.slice(from, from + 12)), `${text} → ${masked}`);
    assert.match(masked, /sk-a…\(redacted\)/, text);
  }
});
