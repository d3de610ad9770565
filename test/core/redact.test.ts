import assert from 'node:assert/strict';
import {test} from 'node:test';
import {credentialsOf, maskCredentialPatterns, Redactor} from '../../source/core/redact.js';

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

test('a Redactor masks every occurrence, URL-encoded ones too, longest secret first', () => {
  const redactor = new Redactor(['1//refresh-0123456789', '1//refresh-0123456789-longer', 'short']);
  const text = `a 1//refresh-0123456789 b ${encodeURIComponent('1//refresh-0123456789')} c 1//refresh-0123456789-longer short`;
  assert.equal(redactor.redact(text), 'a 1//r…(redacted) b 1//r…(redacted) c 1//r…(redacted) short');
  assert.deepEqual(redactor.redactDeep({list: ['x 1//refresh-0123456789'], n: 1}), {list: ['x 1//r…(redacted)'], n: 1});
  assert.equal(new Redactor([]).redact('unchanged'), 'unchanged');
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
