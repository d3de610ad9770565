import assert from 'node:assert/strict';
import {test} from 'node:test';
import {holdsCredential, looksLikeCredential, maskCredentialsIn, maskSecret, notHttpUrl, redactSecrets, sanitizeLine, sanitizeText, secretInPathField, secretInUrlField} from '../../source/core/sanitize.js';
import {nicknameFormProblem} from '../../source/core/accounts.js';

test('escape sequences from the network cannot reach the terminal', () => {
  const hostile = 'alice\u001b[2J\u001b]0;pwned\u0007@example.com\u001b]52;c;ZXZpbA==\u001b\\\u0007\u009b31m';
  // Removed, and marked where it sat between two visible characters: `alice@example.com` would be another account's name.
  assert.equal(sanitizeText(hostile), 'alice\\u001b@example.com');
  assert.equal(sanitizeText('\u001b[1mbold\u001b[0m words'), 'bold words');
  assert.equal(sanitizeText('a \u001bPq#0;2;0;0;0\u001b\\b'), 'a b', 'DCS (sixel) payloads are dropped');
  // Between two letters, what was removed is marked: removed, the two sides would read as one word.
  assert.equal(sanitizeText('a\u001bPq#0;2;0;0;0\u001b\\b'), 'a\\u001bb');
  assert.equal(sanitizeText('tab\tand\nnewline kept\r'), 'tab\tand\nnewline kept');
  assert.equal(sanitizeLine('one\ntwo\tthree'), 'one two three');
  assert.equal(sanitizeText(undefined), '');
});

test('secrets are never shown whole', () => {
  const token = 'sk-ant-oat01-AAAABBBBCCCCDDDDEEEE';
  assert.equal(maskSecret(token), 'sk-a…EEEE');
  assert.equal(maskSecret('short'), '•••••');
  assert.equal(maskSecret(undefined), '');
  assert.equal(redactSecrets(`refresh failed for ${token} (retry)`, [token]), 'refresh failed for sk-a…EEEE (retry)');
});

test('bidi controls cannot reorder what a name looks like (RLO, isolates, LRM/RLM)', () => {
  // "alice\u202Emoc.elpmaxe@" would show as "alice@example.com" reversed in part: a spoofed name.
  // Removed, and marked where they sat between two letters (`alicetxt.exe` would read as another name).
  assert.equal(sanitizeLine('alice\u202Etxt.exe'), 'alice\\u202etxt.exe');
  assert.equal(sanitizeLine('a\u2066b\u2067c\u2068d\u2069e'), 'a\\u2066b\\u2067c\\u2068d\\u2069e');
  assert.equal(sanitizeLine('x\u200Ey\u200Fz\u061C'), 'x\\u200ey\\u200fz');
  assert.equal(sanitizeLine('\u202Ealice@example.com \u2066bob\u2069'), 'alice@example.com bob');
  assert.equal(sanitizeLine('alice\u202E@example.com'), 'alice\\u202e@example.com');
  assert.equal(sanitizeText('\u202Aone\u202B\u202C\u202D'), 'one');
  // Letters of right-to-left scripts stay.
  assert.equal(sanitizeLine('שלום مرحبا'), 'שלום مرحبا');
});

test('invisible characters show as \\u200b-style text, so look-alike names differ; emoji, keycap, flag and ideograph sequences are kept', async () => {
  const {default: stringWidth} = await import('string-width');
  assert.equal(sanitizeLine('a\u200bb\u200bc\u200d\ufeff@zero.width'), 'a\\u200bb\\u200bc\\u200d\\ufeff@zero.width');
  assert.notEqual(sanitizeLine('a\u200bbc@x'), sanitizeLine('abc@x'));
  for (const [hidden, shown] of [
    ['\u00ad', '\\u00ad'], ['\u180e', '\\u180e'], ['\u2060', '\\u2060'], ['\u2061', '\\u2061'], ['\u2062', '\\u2062'], ['\u2063', '\\u2063'], ['\u2064', '\\u2064'],
    ['\u200c', '\\u200c'], ['\u3164', '\\u3164'], ['\ufe0f', '\\ufe0f'], ['\ufe00', '\\ufe00'], ['\u{e0041}', '\\u{e0041}'], ['\u{e007f}', '\\u{e007f}'], ['\u{e0100}', '\\u{e0100}'],
  ]) {
    assert.equal(sanitizeText(`x${hidden}y`), `x${shown}y`, JSON.stringify(hidden));
  }
  // Sequences string-width measures whole keep their joiners and selectors.
  for (const kept of ['👨\u200d👩\u200d👧', '👍🏽\u200d', '❤\ufe0f', '1\ufe0f\u20e3', '🏴\u{e0067}\u{e0062}\u{e0065}\u{e006e}\u{e0067}\u{e007f}', '葛\u{e0100}']) {
    const out = sanitizeLine(`${kept}!`);
    if (kept === '👍🏽\u200d') assert.equal(out, '👍🏽\\u200d!', 'a ZWJ with no pictograph after it is shown');
    else assert.equal(out, `${kept}!`, JSON.stringify(kept));
  }
  assert.equal(stringWidth(sanitizeLine('👨\u200d👩\u200d👧')), 2);
  // Bidi controls are still removed, not shown, where they join nothing.
  assert.equal(sanitizeLine('a \u202eb'), 'a b');
});

test('ZWNJ and ZWJ stay where a script writes them (RFC 5892 CONTEXTJ): Persian words, Indic conjuncts; between Latin letters they are still shown', () => {
  for (const word of [
    'می\u200cخواهم', // Persian "I want": ZWNJ between joining letters
    'کتاب\u200cها', // Persian plural suffix
    'نامه\u064e\u200cها', // a combining mark (fatha) before the ZWNJ
    'क्\u200dष', // Devanagari half form: ZWJ after virama
    'क्\u200cष', // Devanagari explicit virama: ZWNJ after virama
    'ന്\u200d', // Malayalam chillu: ZWJ after virama at the end of a word
    'ශ්\u200dර', // Sinhala
  ]) {
    assert.equal(sanitizeLine(`${word}@example.com`), `${word}@example.com`, JSON.stringify(word));
  }
  for (const [hidden, shown] of [
    ['a\u200cb', 'a\\u200cb'], // Latin letters: nothing to stop joining
    ['a\u200db', 'a\\u200db'],
    ['م\u200cb', 'م\\u200cb'], // Arabic letter then Latin
    ['\u200cم', '\\u200cم'], // at the start
    ['م\u200c', 'م\\u200c'], // at the end
    ['۱\u200cم', '۱\\u200cم'], // an Arabic-Indic digit is no letter
    ['क\u200dष', 'क\\u200dष'], // Devanagari without a virama
    ['م\u200c\u200cم', 'م\\u200c\\u200cم'], // a second ZWNJ has no letter before it
  ]) {
    assert.equal(sanitizeLine(hidden), shown, JSON.stringify(hidden));
  }
});

test('notHttpUrl: states the rule (https://, or http:// to this machine) and never shows a value that is no URL whole', () => {
  const opt = '--allow-insecure-http';
  const rule = 'must start with https://, or http:// to 127.0.0.1, localhost or ::1 (http:// to another host needs --allow-insecure-http)';
  assert.equal(notHttpUrl('https://bob.example.com/v1', opt), undefined);
  assert.equal(notHttpUrl(' http://127.0.0.1:8080 ', opt), undefined);
  assert.equal(notHttpUrl('sk-secretkey-1234567890abcdef', opt), `${rule}; got "sk-s…cdef", which looks like a key, not an address`);
  assert.equal(notHttpUrl('example.com', opt), `${rule}; got "example.com", with no https:// in front`);
  assert.equal(notHttpUrl('bob.example.com/v1?key=secret123456789', opt), `${rule}; got "bob.example.com/v1?…", with no https:// in front`);
  assert.equal(notHttpUrl('ftp://files.example.com', opt), `${rule}; got ftp://`);
  assert.equal(notHttpUrl('sk-secretkey-1234567890abcdef://x', opt), `${rule}; got sk-s…cdef://`);
  assert.equal(notHttpUrl('https://user:pw@[bad/?token=abc', opt), 'is not a valid URL: "https://…@[bad/?…"');
  assert.equal(notHttpUrl('key:1234567890abcdefghij', opt), `${rule}; got "key:…ghij", which looks like a key, not an address`);
  assert.equal(notHttpUrl('a b', opt), rule);
});

test('secretInUrlField: a key where a URL belongs, not an address missing its scheme nor a URL half typed', () => {
  for (const key of ['sk-secretkey-1234567890abcdef', 'AIzaSyTestKeyTestKeyTestKeyTestKey0001', 'bob-key-0123456789', 'key:1234567890abcdefghij', 'sk-abcd']) assert.equal(secretInUrlField(key), true, key);
  for (const text of ['', 'h', 'https:/', 'https://sk-host.example', 'bob.example.com/v1', 'localhost:8317', '127.0.0.1:8317/v1', '[::1]:8317', 'gateway:8080', 'not a key at all', 'short']) assert.equal(secretInUrlField(text), false, text);
  assert.equal(looksLikeCredential('sk-abcd'), true);
  assert.equal(looksLikeCredential('work'), false);
  assert.equal(secretInPathField('{"type": "service_account", "private_key": "-----BEGIN PRIVATE KEY-----"}'), true);
  assert.equal(secretInPathField('~/Downloads/project-1234.json'), false);
});

test('holdsCredential / maskCredentialsIn: a key anywhere in a name (quoted, after Bearer or NAME=, inside a longer id), model ids left alone', () => {
  const secret = 'AAAA1111BBBB2222CCCC3333DDDD';
  for (const [text, masked] of [
    [`"sk-ant-${secret}"`, '"sk-a…DDDD"'],
    [`Bearer sk-${secret}`, 'Bearer sk-A…DDDD'],
    [`KEY=xai-${secret}`, 'KEY=xai-…DDDD'],
    [`gpt-4o-sk-proj-${secret}`, 'gpt-4o-sk-p…DDDD'],
    [`my gsk_${secret} key`, 'my gsk_…DDDD key'],
  ] as const) {
    assert.equal(holdsCredential(text), true, text);
    assert.equal(maskCredentialsIn(text), masked);
  }
  for (const id of ['gpt-4o', 'deepseek-chat', 'claude-sonnet-4-5-20250929', 'gemini-2.5-pro(8192)', 'qwen3-coder-plus', 'work laptop', 'task-sk-1']) {
    assert.equal(holdsCredential(id), false, id);
  }
  assert.equal(nicknameFormProblem(`home Bearer sk-${secret}`), `a nickname cannot be a key or token ("home Bearer sk-A…DDDD" looks like one, and a nickname is shown everywhere)`);
});

test('a token with controls between its letters never stands whole once sanitised, and is masked where the text is masked for a person', async () => {
  const {excerpt, maskedLine, Redactor, SHOWN_TEXT, ERROR_TEXT} = await import('../../source/core/redact.js');
  const {drawnOnTerminal, writtenOutOfOrder} = await import('../helpers/terminal-draw.js');
  const token = 'sk-ant-api03-Zq7Xw2Lp9Rt4Vn6Bm8Kc1Hd3Jf5Gs0Ye-AAAA';
  const middle = token.slice(13, 35);
  const redactor = new Redactor([token]);
  const shownWhole = (text: string) => drawnOnTerminal(text).includes(middle);
  // Each kind a terminal draws as nothing, or that moves its cursor back over a letter written to be
  // overwritten (`X` then backspace or CSI D), between every two letters; and pieces written out of order.
  const between = ['\u0001', '\u007f', '\u0085', '\u001b[0m', '\u001b]0;x\u0007', '\u202e', '\u0002\u001b[1m\u2066', 'X\u0008', 'X\u001b[1D', '\u200b', '\u2060', '\u00ad', '\ufe0f', '\u0332', '\u034f'];
  const echoes = [
    ...between.map((gap) => ({label: JSON.stringify(gap), text: [...token].join(gap), echoed: `refused: ${[...token].join(gap)} (bad key)`})),
    // At a line's start, where `\r` returns to.
    {label: 'out of order', text: writtenOutOfOrder(token), echoed: `${writtenOutOfOrder(token)}\nrefused (bad key)`},
  ];
  for (const {label, text, echoed} of echoes) {
    assert.ok(shownWhole(echoed), `${label}: the attack draws the token whole`);
    // Shown as it came (masked by no one): what is removed is marked or drawn, never joined. Not
    // combining marks: display keeps them (a macOS file name's accents are e + U+0301), and every
    // text from the network is masked for a person first (below), which looks through them.
    if (!/\p{M}/u.test(text)) {
      assert.ok(!shownWhole(sanitizeLine(echoed)), `${label}: ${sanitizeLine(echoed)}`);
      assert.ok(!shownWhole(sanitizeText(redactor.redact(echoed))), label);
    }
    // Masked for a person: the token is found as a terminal draws it, or drawn apart.
    for (const shown of [excerpt(echoed, 300, redactor), maskedLine(echoed, redactor), redactor.redact(echoed, SHOWN_TEXT), redactor.redact(echoed, ERROR_TEXT)]) {
      assert.ok(!shownWhole(shown), `${label}: ${JSON.stringify(shown)}`);
      if (!/[X\t]/.test(text.slice(0, 8))) assert.match(shown, /^refused: sk-a…\(redacted\)\S* \(bad key\)$/u, `${label}: ${JSON.stringify(shown)}`);
    }
    // In a JSON error body the controls are escapes (`\u0001`, `\b`, `\r`), which a client decodes before its terminal draws them.
    const body = JSON.stringify({error: {message: echoed}});
    const masked = redactor.redact(body, ERROR_TEXT);
    assert.ok(!shownWhole(String((JSON.parse(masked) as {error: {message: string}}).error.message)), `${label}: ${masked}`);
  }
  // Text a person reads that holds no credential keeps its accents, emoji and words.
  for (const kept of ['café résumé', 'cafe\u0301 re\u0301sume\u0301', 'family 👨\u200d👩\u200d👧 ok', 'keycap 1\ufe0f\u20e3', 'Persian می\u200cخواهم']) {
    assert.equal(redactor.redact(kept, SHOWN_TEXT), kept);
  }
  // Forwarded text (no option) is left as it came: a body's bytes are not the masker's to drop.
  assert.equal(redactor.redact('a\u0001b'), 'a\u0001b');
});

test('a variation selector after a bare digit is shown (it hides nothing only in a keycap, 1\\ufe0f\\u20e3)', () => {
  assert.equal(sanitizeLine('0\ufe0f1\ufe0f2'), '0\\ufe0f1\\ufe0f2');
  assert.equal(sanitizeLine('1\ufe0f\u20e3 #\ufe0f\u20e3'), '1\ufe0f\u20e3 #\ufe0f\u20e3');
});
