// The stream masker's held tail (Redactor.holdBytesFrom) in a bulk body: an echo that follows a run
// of letters longer than any echo, cut between two chunks at every byte, is masked as in the whole
// text; a run of letters no echo begins with is passed at once (the same bytes, nothing held).
import assert from 'node:assert/strict';
import {test} from 'node:test';
import {Redactor} from '../../source/core/redact.js';

// Secrets that start with a letter, an escaped character and a non-ASCII one (their echoes may
// start with `%` or a backslash).
const SECRETS = ['1//0gAB+cd/ef-0123456789', 'pässwörd-ключ-0123456789', 'sk-ant-oat01-Zq9_xW3v', '~tok/en+0123456789abc', 'éclair-0123456789ab'];

/** Every encoded form of a secret that the masker finds (see charPattern and base64Cores). */
function forms(secret: string): string[] {
  const json = JSON.stringify(secret).slice(1, -1);
  return [
    secret,
    json.replace(/\//g, '\\/'),
    json.replace(/[^A-Za-z0-9_.-]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`),
    encodeURIComponent(secret),
    encodeURIComponent(encodeURIComponent(secret)),
    Buffer.from(`u:${secret}`).toString('base64'),
    Buffer.from(`u:${secret}`).toString('base64url'),
  ];
}

/** The body pushed in two chunks cut at `cut`, then ended. */
function streamed(redactor: Redactor, body: Buffer, cut: number): string {
  const masker = redactor.stream();
  return Buffer.concat([masker.push(body.subarray(0, cut)), masker.push(body.subarray(cut)), masker.end()]).toString('latin1');
}

/**
 * Each form of each of `secrets`, after a run of each letters in `fillers` longer than any echo,
 * streamed in two chunks cut at every byte from just before the form: masked as in the whole text.
 */
function assertMaskedAtEveryCut(redactor: Redactor, secrets: readonly string[], fillers: readonly string[]): void {
  const runs = fillers.map((letters) => letters.repeat(Math.ceil((redactor.maxEchoLength + 50) / letters.length)));
  for (const secret of secrets) {
    for (const form of forms(secret)) {
      for (const filler of runs) {
        const body = Buffer.from(`${filler}${form}${filler.slice(0, 40)}`, 'utf8');
        const whole = redactor.redactLatin1(body.toString('latin1'));
        assert.notEqual(whole, body.toString('latin1'), `${form}: not masked at all`);
        for (let cut = filler.length - 8; cut < body.length; cut++) {
          assert.equal(streamed(redactor, body, cut), whole, `${form} after ${filler.slice(0, 3)}…, cut at ${cut}`);
        }
      }
    }
  }
}

const ALL_LETTERS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

test('an echo after a long run of letters, cut at every byte, is masked as in the whole text', () => {
  // Letters: one that no echo begins with ('x', so the echo's own first character must be seen),
  // one that some do, and all of them.
  assertMaskedAtEveryCut(new Redactor(SECRETS), SECRETS, ['x', 'a', ALL_LETTERS]);
});

test('with one secret, whose few head bytes the tail is searched for, an echo after a long run of letters is masked at every cut', () => {
  // One secret's forms begin with a few bytes only: a tail without any of them (nor a separator or
  // a backslash) is settled by native searches, not walked; one with them must still be held.
  for (const secret of SECRETS) assertMaskedAtEveryCut(new Redactor([secret]), [secret], ['x', ALL_LETTERS]);
});

test('a bulk chunk of letters that begin no echo is passed at once as the same bytes', () => {
  const redactor = new Redactor(SECRETS);
  const masker = redactor.stream();
  // No secret, no base64 core of one, and no escape starts with 'x' (each core's first character was looked at).
  const chunk = Buffer.alloc(64 * 1024, 'x');
  assert.equal(masker.push(chunk), chunk);
  assert.equal(masker.push(chunk), chunk);
  assert.equal(masker.end().length, 0);
  // A tail that may begin an echo (the first characters of a secret) is held, then sent unchanged.
  const tail = Buffer.concat([chunk, Buffer.from('sk-ant')]);
  const held = redactor.stream();
  const out = held.push(tail);
  assert.equal(out.length, chunk.length);
  assert.equal(Buffer.concat([out, held.end()]).toString('latin1'), tail.toString('latin1'));
});
