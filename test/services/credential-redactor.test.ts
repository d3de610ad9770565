// The masker of a CCS dir takes the token files the store just read instead of reading them again,
// and still masks what a file holds now when it changed after that read.
import assert from 'node:assert/strict';
import {renameSync} from 'node:fs';
import path from 'node:path';
import {after, before, test} from 'node:test';
import {credentialRedactor} from '../../source/services/credential-redactor.js';
import {AccountStore} from '../../source/store/accounts.js';
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
