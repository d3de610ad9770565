// A quota read whose refresh failed: when the access token on disk is already past its expiry, the
// usage endpoint can only refuse it (a bare 401), so the row says why the refresh failed instead (an
// answer with a new refresh token and no access token, a rate limit). While the token still lives,
// the usage endpoint is asked with it as before.
import assert from 'node:assert/strict';
import {readFileSync} from 'node:fs';
import path from 'node:path';
import {afterEach, test} from 'node:test';
import {runBin} from '../helpers/cli.js';
import {makeQuotaFixture, type QuotaFixture} from '../services/quota/fixture.js';

let fx: QuotaFixture | undefined;
afterEach(() => fx?.close());

const FILE = 'claude-user@example.com.json';
const NEW_RT = 'rt-claude-rotated-fedcba9876543210';

async function claudeWithToken(expiresInMs: number): Promise<QuotaFixture> {
  // Refreshed an hour ago, so a token a minute from its expiry is due (its lead is half its life at most).
  fx = await makeQuotaFixture({claude: {expired: new Date(Date.now() + expiresInMs).toISOString(), last_refresh: new Date(Date.now() - 3600_000).toISOString()}});
  fx.ccs.writeRaw('tui.json', JSON.stringify({endpoints: {claude: {usage: `${fx.upstream.url}/claude/usage`, token: `${fx.upstream.url}/claude/token`}}}));
  fx.serve('claude', {error: {type: 'authentication_error', message: 'Invalid bearer token'}}, 401);
  return fx;
}

const claudeRow = async (f: QuotaFixture) => {
  const run = await runBin(['quota', '--provider', 'claude', '--json'], f.ccs.env);
  const rows = JSON.parse(run.stdout) as {account: string; error: {kind: string; message: string} | null; windows: unknown[]}[];
  return {run, row: rows.find((r) => r.account === 'user@example.com')!};
};

test('an expired token whose refresh brought a new refresh token and no access token: the row says so, not the usage endpoint 401', async () => {
  const f = await claudeWithToken(-3600_000);
  f.route('/claude/token', {refresh_token: NEW_RT, token_type: 'Bearer', expires_in: 3600});
  const {run, row} = await claudeRow(f);
  assert.equal(row.error?.kind, 'unexpected', run.stdout);
  assert.match(row.error!.message, /^refresh failed: .*no access token from the refresh/);
  assert.doesNotMatch(row.error!.message, /(?<!\d)401(?!\d)|Invalid bearer/, "(a port may hold 401: 127.0.0.1:40147)");
  assert.ok(!run.stdout.includes(NEW_RT), 'the new refresh token is never shown');
  assert.equal(f.upstream.requests.filter((r) => r.path === '/claude/usage').length, 0, 'the expired token is not sent to be refused');
  // The grant is kept: the new refresh token is what the next refresh sends.
  assert.equal(JSON.parse(readFileSync(path.join(f.ccs.paths.authDir, FILE), 'utf8')).refresh_token, NEW_RT);
  // Asked again (the cache holds only an error): the saved refresh token is sent, and the row says
  // what its refresh met this time, never the usage endpoint's 401.
  const text = await runBin(['quota', '--provider', 'claude'], f.ccs.env);
  assert.match(text.stdout, /user@example\.com .*refresh (failed|unknown)/);
  assert.doesNotMatch(text.stdout, /(?<!\d)401(?!\d)|Invalid bearer/);
  assert.equal(f.upstream.requests.filter((r) => r.path === '/claude/usage').length, 0);
});

test('an expired token whose refresh was rate limited: the row names the refresh and its rate limit, not the usage endpoint 401', async () => {
  const f = await claudeWithToken(-3600_000);
  f.route('/claude/token', {error: {type: 'rate_limit_error', message: 'slow down'}}, 429, {'retry-after': '0'});
  const {run, row} = await claudeRow(f);
  assert.match(row.error?.message ?? '', /^refresh failed: .*claude\/token is rate limiting: slow down \(rate_limit_error\); next try at /, run.stdout);
  // A rate limit as a usage endpoint's is: its kind and next try (Retry-After 0: now, not the default backoff).
  const error = row.error as {kind: string; retryAt?: string};
  assert.equal(error.kind, 'rate-limited');
  assert.ok(error.retryAt && Math.abs(Date.parse(error.retryAt) - Date.now()) < 60_000, error.retryAt);
  assert.doesNotMatch(row.error!.message, /Invalid bearer/);
  assert.equal(f.upstream.requests.filter((r) => r.path === '/claude/usage').length, 0);
});

test('a token still alive whose refresh failed is still used: the usage endpoint answers the row', async () => {
  // Within the refresh lead (due), not yet expired.
  const f = await claudeWithToken(60_000);
  // Rate limited: nothing spent (a server error might have spent it: that account needs a login).
  f.route('/claude/token', {error: {type: 'rate_limit_error', message: 'slow down'}}, 429, {'retry-after': '0'});
  f.serve('claude', {five_hour: {utilization: 12, resets_at: null}, seven_day: {utilization: 34, resets_at: null}});
  const {run, row} = await claudeRow(f);
  assert.equal(row.error, null, run.stdout);
  assert.equal(row.windows.length, 2);
  assert.equal(f.upstream.requests.filter((r) => r.path === '/claude/token').length >= 1, true, 'the refresh was tried');
});
