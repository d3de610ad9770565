import assert from 'node:assert/strict';
import {test} from 'node:test';
import {credentialsOf, Redactor} from '../../source/core/redact.js';

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
