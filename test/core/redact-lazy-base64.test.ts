// A Redactor builds the base64 forms of its secrets only once some text may hold one (issue 14:
// a listing of 1,000 accounts holds none). These tests plant base64, base64url and line-wrapped
// base64 echoes in listing-like text and check that a fresh Redactor masks each of them, and that
// it masks every text exactly as a Redactor that has already built every form does.
import assert from 'node:assert/strict';
import {test} from 'node:test';
import {Redactor} from '../../source/core/redact.js';
import {seededRandom} from '../helpers/seeded-random.js';

const secrets = Array.from({length: 1000}, (_, i) => [`sk-ant-oat01-${i}-Qx7/+Lm9_kPz0123456789abcdef`, `rt-${i}-0123456789abcdefghijklmnop`]).flat();
// Non-ASCII; and one whose base64 holds '+' and '/' (base64url '-' and '_') in its first groups at every alignment.
secrets.push('ключ-доступа-non-ascii-0123456789', '>>>???>>>???-api-key-0123456789');

/** A Redactor that has built every form (a base64 echo makes it build them). */
function fullRedactor(): Redactor {
  const redactor = new Redactor(secrets);
  assert.notEqual(redactor.redact(Buffer.from(secrets[0]!).toString('base64')), Buffer.from(secrets[0]!).toString('base64'));
  return redactor;
}

/** The base64 text that comes from the secret's whole 3-byte groups, for `before` bytes ahead of it. */
function core(secret: string, before: number, alphabet: 'base64' | 'base64url'): string {
  const bytes = Buffer.from(secret, 'utf8');
  const from = (3 - (before % 3)) % 3;
  return bytes.subarray(from, from + Math.floor((bytes.length - from) / 3) * 3).toString(alphabet);
}

/** Rows as `accounts --json` prints them, one with `value` as its nickname. */
function listing(value: string, row = 500): string {
  const rows = Array.from({length: 1000}, (_, i) => ({
    provider: 'claude',
    id: `user${i}@example.com`,
    email: `user${i}@example.com`,
    nickname: i === row ? value : `user${i}`,
    default: i === 0,
    paused: false,
    tokenFile: `claude-user${i}@example.com.json`,
    expiresAt: '2026-11-30T02:14:24.000Z',
    health: 'ok',
    registered: true,
  }));
  return `${JSON.stringify(rows, null, 2)}\n`;
}

test('a listing that holds no echo comes out unchanged', () => {
  const text = listing('user500');
  assert.equal(new Redactor(secrets).redact(text), text);
});

test('a base64 and a base64url echo of a token, at each alignment, are masked in a listing by a fresh Redactor', () => {
  const full = fullRedactor();
  for (const secret of [secrets[1234]!, secrets[7]!, ...secrets.slice(-2)]) {
    for (const alphabet of ['base64', 'base64url'] as const) {
      for (const before of ['', 'u', 'us', 'user:']) {
        const echo = Buffer.from(`${before}${secret}`, 'utf8').toString(alphabet);
        const text = listing(echo);
        const masked = new Redactor(secrets).redact(text);
        const label = `${alphabet} after ${JSON.stringify(before)} of ${secret}`;
        assert.ok(!masked.includes(core(secret, Buffer.byteLength(before), alphabet)), `${label}: not masked`);
        assert.match(masked, /"nickname": "\S*…\(redacted\)\S*"/, label);
        assert.equal(masked, full.redact(text), `${label}: masked otherwise than with every form built`);
      }
    }
  }
});

test('a line-wrapped base64 echo of a token (raw, CRLF and JSON-escaped line breaks) is masked by a fresh Redactor', () => {
  const secret = secrets[99]!;
  const echo = Buffer.from(`user:${secret}:and-some-more-bytes-to-fill-a-second-line`).toString('base64');
  const wrapped = [echo.replace(/.{20}/g, '$&\n'), echo.replace(/.{76}/g, '$&\r\n'), JSON.stringify(echo.replace(/.{16}/g, '$&\n')).slice(1, -1)];
  for (const form of wrapped) {
    const text = `projectId: ${form} (end)`;
    const masked = new Redactor(secrets).redact(text);
    assert.ok(!masked.replace(/\\r|\\n|\r|\n/g, '').includes(core(secret, 5, 'base64')), `not masked: ${masked}`);
    assert.match(masked, /…\(redacted\)/);
    assert.equal(masked, fullRedactor().redact(text));
  }
});

test('any text is masked by a fresh Redactor as by one that has built every form', () => {
  const next = seededRandom(1414);
  const pick = <T>(items: readonly T[]) => items[Math.floor(next() * items.length)]!;
  const full = fullRedactor();
  const forms = (secret: string) => [
    secret,
    Buffer.from(`${pick(['', 'a', 'ab', 'Basic '])}${secret}`).toString(pick(['base64', 'base64url'] as const)),
    Buffer.from(secret).toString('base64').slice(0, 12),
    secret.slice(0, 14),
  ];
  const filler = ['"nickname": "', 'user12@example.com', '",\n    ', 'claude-user0001', 'YWJjZGVmZ2hp', 'sk-ant-', ' ', '2026-11-30T02:14:24.000Z'];
  for (let round = 0; round < 60; round++) {
    const parts = Array.from({length: 10}, () => (next() < 0.2 ? pick(forms(pick(secrets))) : pick(filler)));
    const text = parts.join('');
    assert.equal(new Redactor(secrets).redact(text), full.redact(text), `round ${round}: ${text}`);
  }
});
