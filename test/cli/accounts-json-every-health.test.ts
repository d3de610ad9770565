// `accounts --json` is a stable interface (DESIGN.md): byte for byte the same output, whatever the
// command loads and however it reads, on a CCS dir with every health an account can have (each mark
// under the account's own id and under its grant's), a paused account, an unregistered file, a
// broken file and a nickname that holds another account's token.
import assert from 'node:assert/strict';
import {test} from 'node:test';
import {tokenFingerprint} from '../../source/core/fingerprint.js';
import {makeTempCcs, tokenFixture} from '../helpers/ccs.js';
import {runBin} from '../helpers/cli.js';

const FUTURE = '2999-01-01T00:00:00Z';
const PAST = '2000-01-01T00:00:00Z';
const token = (type: string, email: string, extra: Record<string, unknown> = {}) => tokenFixture(type, email, {expired: FUTURE, last_refresh: undefined, ...extra});
const mark = (reason: string, secret: string) => ({reason, at: '2026-01-02T03:04:05.000Z', fingerprint: tokenFingerprint(secret)});

test('accounts --json: every health, the same bytes', async () => {
  const ccs = makeTempCcs();
  try {
    const files = {
      ok: token('claude', 'ok@example.com'),
      expired: token('claude', 'expired@example.com', {expired: PAST}),
      needs: token('claude', 'needs@example.com'),
      unknown: token('claude', 'unknown@example.com'),
      failed: token('claude', 'failed@example.com'),
      moved: token('claude', 'moved@example.com'),
      key: {type: 'aistudio', email: 'key@example.com', api_key: 'AIzaSy-rejected-key-0123456789'},
      paused: token('codex', 'paused@example.com'),
      stray: token('codex', 'stray@example.com'),
    };
    const accounts = {
      'ok@example.com': {email: 'ok@example.com', nickname: `holds ${String(files.failed.access_token)}`, tokenFile: 'claude-ok.json'},
      'expired@example.com': {email: 'expired@example.com', tokenFile: 'claude-expired.json'},
      'needs@example.com': {email: 'needs@example.com', tokenFile: 'claude-needs.json'},
      'unknown@example.com': {email: 'unknown@example.com', tokenFile: 'claude-unknown.json'},
      'failed@example.com': {email: 'failed@example.com', tokenFile: 'claude-failed.json'},
      'moved@example.com': {email: 'moved@example.com', tokenFile: 'claude-moved.json'},
      'gone@example.com': {email: 'gone@example.com', tokenFile: 'claude-gone.json'},
      'broken@example.com': {email: 'broken@example.com', tokenFile: 'claude-broken.json'},
    };
    ccs.writeRegistry({
      version: 1,
      providers: {
        claude: {default: 'ok@example.com', accounts},
        aistudio: {accounts: {'key@example.com': {email: 'key@example.com', tokenFile: 'aistudio-key.json'}}},
        codex: {accounts: {'paused@example.com': {email: 'paused@example.com', tokenFile: 'codex-paused.json', paused: true}}},
      },
    });
    for (const name of ['ok', 'expired', 'needs', 'unknown', 'failed', 'moved'] as const) ccs.writeToken(`claude-${name}.json`, files[name]);
    ccs.writeToken('aistudio-key.json', files.key);
    ccs.writeToken('codex-paused.json', files.paused, 'auth-paused');
    ccs.writeToken('codex-stray.json', files.stray);
    ccs.writeRaw('cliproxy/auth/claude-broken.json', '{"email": "broken@example.com"}');
    ccs.writeRaw(
      'tui/account-state.json',
      JSON.stringify({
        'claude/needs@example.com': {needsLogin: mark('invalid_grant', String(files.needs.refresh_token))},
        'claude/unknown@example.com': {refreshUnknown: mark('no answer', String(files.unknown.refresh_token))},
        'claude/failed@example.com': {refreshFailed: mark('HTTP 500', String(files.failed.refresh_token))},
        // A mark of the grant the file holds, written under the id the account had before.
        'claude/old-id@example.com': {refreshFailed: mark('HTTP 503', String(files.moved.refresh_token))},
        'aistudio/key@example.com': {keyRejected: mark('HTTP 401', files.key.api_key)},
      }),
    );
    const run = await runBin(['accounts', '--json'], ccs.env);
    assert.equal(run.code, 0, run.stderr);
    const row = (provider: string, id: string, fields: Record<string, unknown>) => ({
      provider,
      id,
      email: id,
      nickname: null,
      default: false,
      paused: false,
      tokenFile: `${provider}-${id.split('@')[0]}.json`,
      expiresAt: FUTURE,
      health: 'ok',
      registered: true,
      ...fields,
    });
    const since = '2026-01-02T03:04:05.000Z';
    const expected = [
      row('claude', 'ok@example.com', {nickname: 'holds at-c…(redacted)', default: true}),
      row('claude', 'expired@example.com', {expiresAt: PAST, health: 'expired'}),
      row('claude', 'needs@example.com', {health: 'needs-login', healthDetail: 'invalid_grant', healthSince: since}),
      row('claude', 'unknown@example.com', {health: 'refresh-unknown', healthDetail: 'no answer', healthSince: since}),
      row('claude', 'failed@example.com', {health: 'refresh-failed', healthDetail: 'HTTP 500', healthSince: since}),
      row('claude', 'moved@example.com', {health: 'refresh-failed', healthDetail: 'HTTP 503', healthSince: since}),
      row('claude', 'gone@example.com', {expiresAt: null, health: 'missing-token', healthDetail: 'token file not found in auth/ or auth-paused/'}),
      row('claude', 'broken@example.com', {expiresAt: null, health: 'unreadable', healthDetail: `${ccs.paths.authDir}/claude-broken.json: field "type" (the provider) is missing`}),
      // A paused account is no provider's default while another can serve.
      row('codex', 'paused@example.com', {paused: true}),
      row('codex', 'stray@example.com', {default: true, registered: false}),
      row('aistudio', 'key@example.com', {default: true, expiresAt: null, health: 'key-rejected', healthDetail: 'HTTP 401', healthSince: since}),
    ];
    assert.equal(run.stdout, `${JSON.stringify(expected, null, 2)}\n`);
  } finally {
    ccs.cleanup();
  }
});
