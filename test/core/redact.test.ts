import assert from 'node:assert/strict';
import {test} from 'node:test';
import {credentialsOf, cutText, excerpt, maskCredentialPatterns, Redactor} from '../../source/core/redact.js';

test('credentialsOf finds every credential of a token file, nested ones included, and nothing else', () => {
  const found = credentialsOf({
    type: 'vertex',
    email: 'someone@example.com',
    token_type: 'Bearer',
    access_token: 'ya29.access-0123456789',
    refresh_token: '1//refresh-0123456789',
    id_token: 'eyJ.id-0123456789',
    api_key: 'sk-key-0123456789',
    copilot_token: 'tid=copilot-0123456789',
    github_token: 'gho_github-0123456789',
    service_account: {client_email: 'sa@example.iam', private_key: '-----BEGIN PRIVATE KEY-----abc'},
    short: 'x',
  });
  assert.deepEqual(found.sort(), [
    '-----BEGIN PRIVATE KEY-----abc',
    '1//refresh-0123456789',
    'eyJ.id-0123456789',
    'gho_github-0123456789',
    'sk-key-0123456789',
    'tid=copilot-0123456789',
    'ya29.access-0123456789',
  ]);
});

test('credentialsOf answers the same for field names it has seen before, prototype names and more names than it remembers', () => {
  const file = JSON.parse('{"__proto__": {"refresh_token": "1//proto-0123456789"}, "constructor": "not-a-secret-01", "session_key": "sk-session-0123456789"}') as unknown;
  // Asked twice: the second answer comes from the names remembered the first time.
  for (let i = 0; i < 2; i++) assert.deepEqual(credentialsOf(file).sort(), ['1//proto-0123456789', 'sk-session-0123456789']);
  // A file of 3,000 field names: those past the ones remembered are judged all the same.
  const many: Record<string, string> = {};
  for (let i = 0; i < 3000; i++) many[`field_${i}_${i % 2 ? 'token' : 'note'}`] = `value-${String(i).padStart(8, '0')}`;
  const found = credentialsOf(many);
  assert.equal(found.length, 1500);
  assert.ok(found.includes('value-00002999') && !found.includes('value-00002998'));
  assert.deepEqual(credentialsOf({access_token: 'ya29.again-0123456789', type: 'claude'}), ['ya29.again-0123456789']);
});

test('a Redactor masks every occurrence, URL-encoded ones too, longest secret first', () => {
  const redactor = new Redactor(['1//refresh-0123456789', '1//refresh-0123456789-longer', 'short']);
  const text = `a 1//refresh-0123456789 b ${encodeURIComponent('1//refresh-0123456789')} c 1//refresh-0123456789-longer short`;
  assert.equal(redactor.redact(text), 'a 1//r…(redacted) b 1//r…(redacted) c 1//r…(redacted) short');
  assert.deepEqual(redactor.redactDeep({list: ['x 1//refresh-0123456789'], n: 1}), {list: ['x 1//r…(redacted)'], n: 1});
  assert.equal(new Redactor([]).redact('unchanged'), 'unchanged');
});

test('redactValues masks each string value of a flat record, keeps the record when nothing is secret, refuses nested values', () => {
  const redactor = new Redactor(['1//refresh-0123456789']);
  const event = {type: 'request', model: 'x-1//refresh-0123456789', path: `/v1/messages?k=${encodeURIComponent('1//refresh-0123456789')}`, status: 200};
  assert.deepEqual(redactor.redactValues(event), {type: 'request', model: 'x-1//r…(redacted)', path: '/v1/messages?k=1//r…(redacted)', status: 200});
  assert.equal(event.model, 'x-1//refresh-0123456789', 'the caller\'s record is not changed');
  const clean = {type: 'request', model: 'claude-opus-4-6', status: 200};
  assert.equal(redactor.redactValues(clean), clean);
  assert.throws(() => redactor.redactValues({nested: {model: '1//refresh-0123456789'}}), /not flat/);
});

test('a stream masker catches a secret cut at any byte, and passes other bytes unchanged', () => {
  const secret = '1//0gAB+cd/ef-0123456789';
  const redactor = new Redactor([secret]);
  for (const form of [secret, secret.replace(/\//g, '\\/'), secret.replace(/\//g, '\\u002f'), Buffer.from(`u:${secret}`).toString('base64')]) {
    const body = Buffer.from(`data: {"msg":"héllo ${form} ✓ end"}\n\n`);
    for (let cut = 1; cut < body.length; cut++) {
      const masker = redactor.stream();
      const out = Buffer.concat([masker.push(body.subarray(0, cut)), masker.push(body.subarray(cut)), masker.end()]).toString('utf8');
      assert.ok(!out.includes(form) && !out.includes('0gAB'), `cut ${cut}: ${out}`);
      assert.ok(out.startsWith('data: {"msg":"héllo ') && out.endsWith(' ✓ end"}\n\n'), out);
    }
  }
  const clean = Buffer.from('event: x\ndata: {"text":"plain ✓ 1/ sk"}\n\n');
  const masker = redactor.stream();
  assert.equal(masker.push(clean), clean, 'a chunk without a secret is passed as the same bytes');
});

test('generic credential shapes are masked for servers whose tokens we cannot know', () => {
  const text = maskCredentialPatterns('auth Bearer abcdefghijklmnop1234 and ya29.a0AfH6SMBxyz123456 and gho_abcdefghijklmnop and eyJhbGciOi.eyJzdWIiOiIx.sig_abc; token limit is fine');
  for (const leaked of ['abcdefghijklmnop1234', 'a0AfH6SMBxyz123456', 'gho_abcdefghijklmnop', 'eyJzdWIiOiIx']) assert.ok(!text.includes(leaked), text);
  assert.ok(text.includes('token limit is fine'), text);
});

/** A small deterministic generator (the same cases on every run). */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

test('with many accounts, every echo form is masked in a stream cut anywhere, as in the whole text', () => {
  const next = random(14);
  const pick = <T>(items: readonly T[]) => items[Math.floor(next() * items.length)]!;
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  const token = (prefix: string, length: number) => prefix + Array.from({length}, () => pick([...alphabet])).join('');
  // Real shapes: Anthropic OAuth, Google access and refresh (with '/'), API keys, a PEM key (newlines, spaces).
  const secrets = [
    ...Array.from({length: 300}, (_, i) => token(`sk-ant-oat01-${i}-`, 40)),
    ...Array.from({length: 100}, () => token('ya29.a0AfB_', 60)),
    ...Array.from({length: 100}, () => `1//0${token('g', 30)}/${token('', 20)}`),
    '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----\n',
  ];
  const redactor = new Redactor(secrets);
  const forms = (secret: string) => [
    secret,
    JSON.stringify(secret).slice(1, -1),
    secret.replace(/\//g, '\\/'),
    encodeURIComponent(secret),
    Buffer.from(`user:${secret}`).toString('base64'),
  ];
  const filler = ['event: content_block_delta\ndata: {"type":"text_delta","text":"', 'hello world ', '"}\n\n', 'sk-', 'ya29.', '1//', '\\u00', '%2', 'é✓ ', 'aaaaaaaaaaaaaaaaaaaa'];
  for (let round = 0; round < 150; round++) {
    const parts: string[] = [];
    const planted: string[] = [];
    for (let i = 0; i < 12; i++) {
      if (next() < 0.25) {
        const secret = pick(secrets);
        const form = pick(forms(secret));
        planted.push(secret);
        parts.push(form);
      } else parts.push(pick(filler));
    }
    const body = Buffer.from(parts.join(''));
    const whole = redactor.redact(body.toString('utf8'));
    // Cut into 1–6 pieces at random bytes (a UTF-8 character may be cut too).
    const cuts = [...new Set(Array.from({length: Math.floor(next() * 6)}, () => Math.floor(next() * body.length)))].sort((a, b) => a - b);
    const masker = redactor.stream();
    const out: Buffer[] = [];
    let from = 0;
    for (const cut of [...cuts, body.length]) {
      out.push(masker.push(body.subarray(from, cut)));
      from = cut;
    }
    out.push(masker.end());
    const streamed = Buffer.concat(out).toString('utf8');
    assert.equal(streamed, whole, `round ${round}, cuts ${cuts.join(',')}`);
    for (const secret of planted) assert.ok(!streamed.includes(secret) && !streamed.includes(secret.slice(8, 24)), `round ${round}: ${secret} in ${streamed}`);
  }
});

test('with many accounts, a chunk without a secret passes as the same bytes and a held tail is released at the end', () => {
  const secrets = Array.from({length: 1000}, (_, i) => `sk-ant-oat01-${i}-abcdefghijklmnopqrstuvwxyz0123456789`);
  const redactor = new Redactor(secrets);
  const event = Buffer.from(`event: content_block_delta\ndata: ${JSON.stringify({type: 'content_block_delta', delta: {text: 'hello '.repeat(8)}})}\n\n`);
  const masker = redactor.stream();
  assert.equal(masker.push(event), event, 'an SSE event without a secret is passed as the same Buffer');
  const bulk = Buffer.alloc(13 * 5000, 'plain words. ');
  assert.equal(masker.push(bulk), bulk, 'a bulk chunk without a secret too');
  // The tail may start a secret: held until the next chunk says otherwise, or the end.
  const cut = Buffer.from('text sk-ant-oa');
  const first = masker.push(cut);
  assert.equal(first.toString(), 'text ');
  assert.equal(Buffer.concat([first, masker.end()]).toString(), 'text sk-ant-oa');
  const split = redactor.stream();
  const out = Buffer.concat([split.push(Buffer.from('a sk-ant-oat01-7-abcdefghij')), split.push(Buffer.from('klmnopqrstuvwxyz0123456789 b')), split.end()]).toString();
  assert.equal(out, 'a sk-a…(redacted) b');
  assert.equal(redactor.redact('plain text, no secret here at all, long enough to be sampled'), 'plain text, no secret here at all, long enough to be sampled');
});

test('with many secrets sharing heads, each echo is masked whole, leftmost and longest first, and other text is kept', () => {
  // Secrets that share their first characters (as `sk-ant-oat01-…` tokens do), contain one another,
  // and sit next to each other or overlap in the text.
  const secrets = Array.from({length: 300}, (_, i) => `sk-ant-oat01-${String(i).padStart(3, '0')}-abcdef`);
  secrets.push('sk-ant-oat01-007-abcdef-and-longer', 'ant-oat01-007-abcdef');
  const redactor = new Redactor(secrets);
  const text = `x sk-ant-oat01-007-abcdef-and-longer y sk-ant-oat01-299-abcdefsk-ant-oat01-000-abcdef zsk-ant-oat01-300-abcdef ant-oat01-007-abcdef ✓`;
  const clean = 'no secret here, only sk-ant-oat01- and its héad';
  // First with the literal finder, then (after megabytes of text) with the compiled expression.
  for (const scanner of ['finder', 'expression']) {
    if (scanner === 'expression') assert.equal(redactor.redact(`${'x'.repeat(4_000_000)} sk-ant-oat01-001-abcdef`), `${'x'.repeat(4_000_000)} sk-a…(redacted)`);
    assert.equal(redactor.redact(text), 'x sk-a…(redacted) y sk-a…(redacted)sk-a…(redacted) zsk-ant-oat01-300-abcdef ant-…(redacted) ✓', scanner);
    assert.equal(redactor.redact(clean), clean, scanner);
    assert.equal(redactor.redact('sk-ant-o'), 'sk-ant-o', `${scanner}: text shorter than any secret`);
  }
});

test('excerpt masks the whole text before it cuts: a secret crossing the cut never shows more than its masked form', () => {
  const key = 'bobkey-SECRETSECRETSECRET-0123456789abcd';
  const redactor = new Redactor([key]);
  const body = JSON.stringify({error: {message: `${'x'.repeat(72)} Incorrect API key provided: ${key}`}});
  for (const max of [80, 100, 120, 130, 140, 160, 200]) {
    const out = excerpt(body, max, redactor);
    assert.ok(!out.includes('SECRETSECRET'), `cut at ${max}: ${out}`);
    assert.ok(out.length <= max + 1, `cut at ${max}: ${out.length}`);
  }
  assert.match(excerpt(body, 160, redactor), /Incorrect API key provided: bobk…\(redacted\)/);
  // A function masker is used as given; the text is still masked before the cut.
  assert.equal(excerpt(`pre ${key} post`, 20, (text) => text.split(key).join('[key]')), 'pre [key] post');
  assert.equal(excerpt('  ', 10, redactor), '(empty body)');
  assert.equal(excerpt('a\u001b[31mred\u001b[0m\nline', 50, redactor), 'ared line');
});

test('an echo the sender cut short (12+ characters of a secret at a cut) is masked in messages, another token sharing a prefix is not', () => {
  const key = 'sk-ant-oat01-AAAABBBBCCCCDDDDEEEE';
  const redactor = new Redactor([key]);
  const cut = (text: string) => redactor.redact(text, {cutEchoes: true});
  assert.equal(cut(`provided: ${key.slice(0, -3)}***. See docs`), 'provided: sk-a…(redacted)***. See docs');
  assert.equal(cut(`provided: ${key.slice(0, -1)}`), 'provided: sk-a…(redacted)');
  assert.equal(cut(`provided: ${key.slice(0, 14)}…`), 'provided: sk-a…(redacted)…');
  // Shorter than 12 characters, or going on as a different token: kept.
  assert.equal(cut(`x ${key.slice(0, 11)} y`), `x ${key.slice(0, 11)} y`);
  assert.equal(cut('x sk-ant-oat01-ZZZZ9999 y'), 'x sk-ant-oat01-ZZZZ9999 y');
  // Without the option (bodies forwarded as they are), a cut echo is left alone.
  assert.equal(redactor.redact(`provided: ${key.slice(0, -3)}`), `provided: ${key.slice(0, -3)}`);
});

test('cutText never shows more of a cut token than a masked form does', () => {
  assert.equal(cutText('short', 10), 'short');
  assert.equal(cutText('the key is abcdefghijklmnopqrstuvwxyz0123 ok', 30), 'the key is …');
  assert.equal(cutText('plain words and more words', 13), 'plain words a…');
  assert.equal(cutText('plain words and more words', 14), 'plain words an…');
  assert.equal(cutText('plain words andmore words', 17), 'plain words …');
});

test('generic credential shapes: a masked value never begins inside a JSON escape, so an error body stays JSON', () => {
  for (const body of ['{"error":{"message":"Invalid token \\u201cabcdefghijklmnop1234\\u201d"}}', '{"error":{"message":"invalid x-api-key \\u202aabcdefghijklmnop1234"}}', '{"m":"api_key \\u00ababcdefghijklmnop1234"}']) {
    const masked = maskCredentialPatterns(body);
    assert.doesNotThrow(() => JSON.parse(masked), masked);
  }
  // A value after its separators is still masked, JSON-escaped quotes included.
  assert.equal(maskCredentialPatterns('{\\"access_token\\": \\"abcdefghijklmnop1234\\"}'), '{\\"access_token\\": \\"abcd…(redacted)\\"}');
  // However many separators (three JSON levels, aligned columns, a stray backslash).
  const value = 'Zq9xWv7Rt5Yu3Io1Pa8Sd6Fg';
  for (const text of [JSON.stringify(JSON.stringify(JSON.stringify({refresh_token: value}))), `access_token:          ${value}`, `Bearer${'\t'.repeat(9)}${value}`, `token \\${value}`]) {
    assert.ok(!maskCredentialPatterns(text).includes(value), text);
  }
});
