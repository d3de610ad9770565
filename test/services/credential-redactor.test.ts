// The masker of a CCS dir takes the token files the store just read instead of reading them again,
// and still masks what a file holds now when it changed after that read.
import assert from 'node:assert/strict';
import {renameSync, statSync} from 'node:fs';
import path from 'node:path';
import {after, before, test} from 'node:test';
import {credentialRedactor, PAST_SECRETS_PER_FILE} from '../../source/services/credential-redactor.js';
import {AccountStore} from '../../source/store/accounts.js';
import {fileStamp} from '../../source/store/file-stamp.js';
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
  const stamp = fileStamp(statSync(file));
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

test('a listing read a token, then another process replaced the file: the token it read stays masked (accounts --json, the TUI)', async () => {
  const file = ccs.writeToken('gemini-e@example.com.json', tokenFixture('gemini', 'e@example.com', {access_token: 'ya29.listed-then-replaced-0123456789', refresh_token: '1//listed-refresh-0123456789'}));
  const redactor = credentialRedactor(ccs.paths);
  await new AccountStore(ccs.paths).load(); // what the listing prints comes from this read
  const fresh = ccs.writeToken('gemini-e.tmp', tokenFixture('gemini', 'e@example.com', {access_token: 'ya29.written-meanwhile-0123456789'}));
  renameSync(fresh, file);
  assert.equal(redactor.redact('a ya29.listed-then-replaced-0123456789 b 1//listed-refresh-0123456789 c ya29.written-meanwhile-0123456789'), 'a ya29…(redacted) b 1//l…(redacted) c ya29…(redacted)');
});

test('a file replaced before this process read it through the store: the version its async read saw stays masked', async () => {
  const store = new AccountStore(ccs.paths);
  const file = ccs.writeToken('kimi-f@example.com.json', tokenFixture('kimi', 'f@example.com', {access_token: 'kimi-first-version-0123456789'}));
  const redactor = credentialRedactor(ccs.paths);
  redactor.current();
  const account = (await store.load()).accounts.find((a) => a.email === 'f@example.com')!;
  // Replaced, read by a caller that sends it (a quota poll, a refresh), then replaced again before any scan.
  renameSync(ccs.writeToken('kimi-f.tmp', tokenFixture('kimi', 'f@example.com', {access_token: 'kimi-second-version-0123456789'})), file);
  assert.equal((await store.readToken(account))?.access_token, 'kimi-second-version-0123456789');
  renameSync(ccs.writeToken('kimi-f.tmp', tokenFixture('kimi', 'f@example.com', {access_token: 'kimi-third-version-0123456789', size: 'x'.repeat(40)})), file);
  assert.equal(redactor.redact('x kimi-second-version-0123456789'), 'x kimi…(redacted)');
});

test('a file refreshed many times: the recent credentials stay masked, and what is kept per file is bounded', () => {
  const file = ccs.writeToken('qwen-g@example.com.json', tokenFixture('qwen', 'g@example.com'));
  const redactor = credentialRedactor(ccs.paths);
  redactor.current();
  const version = (n: number) => tokenFixture('qwen', 'g@example.com', {access_token: `qwen-access-v${n}-0123456789`, refresh_token: `qwen-refresh-v${n}-0123456789`});
  const before = redactor.current().size;
  for (let n = 0; n < 200; n++) redactor.noteToken(file, `stamp ${n}`, version(n));
  // The last PAST_SECRETS_PER_FILE values before the current ones: 8 versions of 2 values (a scan
  // of the dir reads the file's own token meanwhile: one of them may be the last one noted).
  for (let n = 193; n < 200; n++) assert.equal(redactor.currentForSender().redact(`qwen-access-v${n}-0123456789`), 'qwen…(redacted)', `version ${n}`);
  assert.ok(redactor.current().size <= before + PAST_SECRETS_PER_FILE, `kept ${redactor.current().size - before} past values of one file`);
});

test('a refreshed grant kept beside (tui/refresh-kept/, no token file could take it) is masked too', () => {
  ccs.writeRaw('tui/refresh-kept/claude-k@example.com-0a1b2c3d.json', JSON.stringify(tokenFixture('claude', 'k@example.com', {access_token: 'sk-ant-oat01-KEPT-access-0123456789', refresh_token: 'sk-ant-ort01-KEPT-refresh-0123456789'})));
  const redactor = credentialRedactor(ccs.paths);
  assert.equal(redactor.redact('a sk-ant-oat01-KEPT-access-0123456789 b sk-ant-ort01-KEPT-refresh-0123456789'), 'a sk-a…(redacted) b sk-a…(redacted)');
});

test('a grant a login replaced (tui/login-kept/) or native mode took tokens over (tui/native-kept/) is masked too', () => {
  ccs.writeRaw('tui/login-kept/qwen-work-0a1b2c3d.json', JSON.stringify(tokenFixture('qwen', 'work', {access_token: 'qwen-LOGINKEPT-access-0123456789', refresh_token: 'qwen-LOGINKEPT-refresh-0123456789'})));
  ccs.writeRaw('tui/native-kept/claude-n@example.com-0a1b2c3d.json', JSON.stringify(tokenFixture('claude', 'n@example.com', {access_token: 'sk-ant-oat01-NATIVEKEPT-access-0123456789', refresh_token: 'sk-ant-ort01-NATIVEKEPT-refresh-0123456789'})));
  const redactor = credentialRedactor(ccs.paths);
  assert.equal(redactor.redact('a qwen-LOGINKEPT-refresh-0123456789 b sk-ant-ort01-NATIVEKEPT-refresh-0123456789'), 'a qwen…(redacted) b sk-a…(redacted)');
});

test('token files read before any redactor, one holding no credential at all: the redactor made after is made (it threw "not iterable"), and masks what the other held', async () => {
  const fresh = makeTempCcs();
  try {
    fresh.writeToken('kimi-empty.json', {type: 'kimi'});
    fresh.writeToken('kimi-g@example.com.json', tokenFixture('kimi', 'g@example.com', {access_token: 'kimi-read-first-0123456789'}));
    await new AccountStore(fresh.paths).load(); // the TUI lists its accounts before its first message is masked
    const redactor = credentialRedactor(fresh.paths);
    assert.equal(redactor.redact('a kimi-read-first-0123456789 b'), 'a kimi…(redacted) b');
  } finally {
    fresh.cleanup();
  }
});

// s39: a token file refused as a token (a type with control characters, a field of the wrong kind) is
// listed as no account, but what it holds is still masked.
test('a token file refused as a token: its credentials are masked all the same', () => {
  ccs.writeToken('claude-spoof.json', {...tokenFixture('claude', 'spoof@example.com', {access_token: 'spoofed-type-access-0123456789'}), type: 'cla\u001b[2Jude'});
  ccs.writeToken('codex-odd.json', {...tokenFixture('codex', 'odd@example.com', {refresh_token: 'odd-field-refresh-0123456789'}), access_token: ['x']});
  const redactor = credentialRedactor(ccs.paths);
  assert.equal(redactor.redact('a spoofed-type-access-0123456789 b odd-field-refresh-0123456789'), 'a spoo…(redacted) b odd-…(redacted)');
});
