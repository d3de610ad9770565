// Attack on issue 11 (one refresh per refresh token): an unreadable attempt record counts as "sent"
// for EVERY token (fingerprint "*"), and nothing removes it, so after the new login the message asks
// for, the account still never refreshes ("refresh outcome unknown ... log in again"). The records
// are per refresh token now; an earlier version's per-account record is the one that could name
// several tokens over time.
import assert from 'node:assert/strict';
import {mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {test} from 'node:test';
import {attemptFile, legacyAttemptFile, sendOnce} from '../../source/services/refresh-attempt.js';

test('a new refresh token (after a new login) is not blocked by an unreadable old record', async () => {
  const state = mkdtempSync(path.join(tmpdir(), 'attempt-'));
  try {
    // An earlier version's record of the account, cut short.
    const file = legacyAttemptFile(state, 'codex', 'd@x.com');
    mkdirSync(path.dirname(file), {recursive: true});
    writeFileSync(file, '{"fingerprint": "abc", "outc'); // cut short
    const target = (spends: string) => ({file: attemptFile(state, 'codex', spends), legacyFiles: [file], provider: 'codex', accountId: 'd@x.com', spends});
    await assert.rejects(sendOnce(target('old-refresh-token-0123'), async () => 'sent'), /refresh outcome unknown/);
    // The user logs in again, as told: a brand-new refresh token.
    let sent = 0;
    await sendOnce(target('new-refresh-token-after-login'), async () => ++sent);
    assert.equal(sent, 1, 'the new refresh token was sent');
  } finally {
    rmSync(state, {recursive: true, force: true});
  }
});

test('a corrupt record is copied aside and named in the message; a directory in its place is named with the way out', async () => {
  const state = mkdtempSync(path.join(tmpdir(), 'attempt-'));
  try {
    const file = attemptFile(state, 'codex', 'old-refresh-token-0123');
    mkdirSync(path.dirname(file), {recursive: true});
    writeFileSync(file, '[1, 2'); // cut short
    const target = (spends: string) => ({file: attemptFile(state, 'codex', spends), provider: 'codex', accountId: 'e@x.com', spends});
    await assert.rejects(sendOnce(target('old-refresh-token-0123'), async () => 'sent'), (e: Error) => {
      assert.match(e.message, /refresh outcome unknown/);
      assert.ok(e.message.includes(`${file}.corrupt-`), e.message);
      assert.ok(e.message.includes(file), e.message);
      return true;
    });
    // Asked again with the same old token: still never resent.
    await assert.rejects(sendOnce(target('old-refresh-token-0123'), async () => 'sent'), /refresh outcome unknown/);
    assert.ok(readdirSync(path.dirname(file)).some((n) => n.includes('.corrupt-')), 'backup kept');

    // My own input of the kind: a directory where the record should be.
    const other = attemptFile(state, 'codex', 'tok-0123456789');
    mkdirSync(other);
    await assert.rejects(sendOnce({file: other, provider: 'codex', accountId: 'f@x.com', spends: 'tok-0123456789'}, async () => 'sent'), (e: Error) => e.message.includes(`remove ${other}`));
  } finally {
    rmSync(state, {recursive: true, force: true});
  }
});
