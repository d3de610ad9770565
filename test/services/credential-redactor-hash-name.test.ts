// A token file's name may hold '#' (an email's local part may: `a#b@example.com`). The credential
// redactor keys the tokens this process sent by file too: those keys must never be mistaken for a
// file's, nor a file's for them (a '#' in the name made every scan forget the file's entry, read
// the file again, build a new Redactor, and keep a retired copy of its secrets for 30 minutes).
import assert from 'node:assert/strict';
import path from 'node:path';
import {after, before, test} from 'node:test';
import {CredentialRedactor} from '../../source/services/credential-redactor.js';
import {makeTempCcs, tokenFixture, type TempCcs} from '../helpers/ccs.js';

let ccs: TempCcs;
before(() => (ccs = makeTempCcs()));
after(() => ccs.cleanup());

test("a token file whose name holds '#' stays one entry: masked, and the Redactor is not rebuilt by each scan", () => {
  const token = tokenFixture('codex', 'a#b@example.com', {access_token: 'hash-name-access-token-0123456789', refresh_token: 'hash-name-refresh-token-0123456789'});
  ccs.writeToken('codex-a#b@example.com.json', token);
  const redactor = new CredentialRedactor(ccs.paths);
  const realNow = Date.now;
  let now = realNow();
  Date.now = () => now;
  try {
    const first = redactor.current();
    assert.doesNotMatch(first.redact('got hash-name-access-token-0123456789'), /hash-name-access-token-0123456789/);
    // The proxy notes the token it sends from that file.
    redactor.noteSent(path.join(ccs.paths.authDir, 'codex-a#b@example.com.json'), token);
    const noted = redactor.current();
    for (let scan = 0; scan < 5; scan++) {
      now += 6_000; // past FULL_SCAN_EVERY_MS: a full scan of the dirs
      assert.equal(redactor.current(), noted, `scan ${scan}: nothing changed, yet the Redactor was rebuilt`);
    }
    assert.doesNotMatch(noted.redact('got hash-name-refresh-token-0123456789'), /hash-name-refresh-token-0123456789/);
  } finally {
    Date.now = realNow;
  }
});
