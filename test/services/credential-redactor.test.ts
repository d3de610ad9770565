// The masker of a CCS dir takes the token files the store just read instead of reading them again,
// and still masks what a file holds now when it changed after that read.
import assert from 'node:assert/strict';
import {renameSync, statSync} from 'node:fs';
import path from 'node:path';
import {after, before, test} from 'node:test';
import {credentialRedactor} from '../../source/services/credential-redactor.js';
import {AccountStore} from '../../source/store/accounts.js';
import {tokenFileStamp} from '../../source/store/tokens.js';
import {makeTempCcs, tokenFixture, type TempCcs} from '../helpers/ccs.js';

let ccs: TempCcs;
before(() => (ccs = makeTempCcs()));
after(() => ccs.cleanup());

test('a token file rewritten after the account listing read it: its new secrets are masked', async () => {
  ccs.writeToken('codex-a@example.com.json', tokenFixture('codex', 'a@example.com', {access_token: 'first-access-token-0123456789'}));
  ccs.writeToken('claude-b@example.com.json', tokenFixture('claude', 'b@example.com', {access_token: 'paused-access-token-0123456789'}), 'auth-paused');
  const redactor = credentialRedactor(ccs.paths);
  await new AccountStore(ccs.paths).load(); // reads both files: the masker is told of them
  assert.equal(redactor.redact('x first-access-token-0123456789 y paused-access-token-0123456789'), 'x firs…(redacted) y paus…(redacted)');
  // Rewritten as every writer does (a new file renamed over it): the masker sees a new stamp and reads it.
  const fresh = ccs.writeToken('codex-a.tmp', tokenFixture('codex', 'a@example.com', {access_token: 'second-access-token-0123456789-longer'}));
  renameSync(fresh, path.join(ccs.paths.authDir, 'codex-a@example.com.json'));
  assert.equal(redactor.redact('z second-access-token-0123456789-longer'), 'z seco…(redacted)');
});

test('a token noted with a stamp already seen but other secrets (rewritten in place, same size and mtime): the new secrets are masked', () => {
  const file = ccs.writeToken('kimi-c@example.com.json', tokenFixture('kimi', 'c@example.com', {access_token: 'kimi-old-access-0123456789'}));
  const redactor = credentialRedactor(ccs.paths);
  redactor.current();
  const stamp = tokenFileStamp(statSync(file));
  redactor.noteToken(file, stamp, tokenFixture('kimi', 'c@example.com', {access_token: 'kimi-old-access-0123456789'}));
  // The store fstat'ed before a rewrite and read after it: the same stamp, a new token.
  redactor.noteToken(file, stamp, tokenFixture('kimi', 'c@example.com', {access_token: 'kimi-NEW-access-0123456789'}));
  assert.equal(redactor.currentForSender().redact('a kimi-NEW-access-0123456789 b'), 'a kimi…(redacted) b');
});

test('a token the proxy sends is masked even when its file on disk holds another', () => {
  const file = ccs.writeToken('kimi-d@example.com.json', tokenFixture('kimi', 'd@example.com', {access_token: 'kimi-disk-access-0123456789'}));
  const redactor = credentialRedactor(ccs.paths);
  redactor.noteSent(file, tokenFixture('kimi', 'd@example.com', {access_token: 'kimi-sent-access-0123456789'}));
  for (const look of [redactor.currentForSender(), redactor.current()]) {
    assert.equal(look.redact('a kimi-sent-access-0123456789 b kimi-disk-access-0123456789'), 'a kimi…(redacted) b kimi…(redacted)');
  }
});
