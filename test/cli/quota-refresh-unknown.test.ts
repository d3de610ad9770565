// ATTACK (atk11 k1): a refresh was sent and the process killed before its answer (the attempt record
// stays "sent"). The next `quota --refresh` must not show the account as fine: its row says, as
// `accounts` does, that the refresh token may have been spent and a new login is needed.
import assert from 'node:assert/strict';
import os from 'node:os';
import {after, before, test} from 'node:test';
import {HEALTH_TEXT} from '../../source/core/accounts.js';
import {tokenFingerprint} from '../../source/core/fingerprint.js';
import {attemptFile} from '../../source/services/refresh-attempt.js';
import {writeJsonAtomic} from '../../source/store/files.js';
import {runBin} from '../helpers/cli.js';
import {makeQuotaFixture, type QuotaFixture} from '../services/quota/fixture.js';

let fx: QuotaFixture;
before(async () => {
  fx = await makeQuotaFixture({claude: {expired: new Date(Date.now() - 3600_000).toISOString()}});
  // Every claude endpoint is the local server: nothing may reach Anthropic even if a refresh were sent.
  fx.ccs.writeRaw('tui.json', JSON.stringify({endpoints: {claude: {usage: `${fx.upstream.url}/claude/usage`, token: `${fx.upstream.url}/claude/token`}}}));
});
after(() => fx.close());

test('quota --refresh after a refresh whose outcome is unknown: re-login with why, in text and --json; nothing sent', async () => {
  fx.serve('claude', {five_hour: {utilization: 12, resets_at: null}, seven_day: {utilization: 34, resets_at: null}});
  const spent = 'rt-claude-user@example.com-0123456789abcdef';
  await writeJsonAtomic(attemptFile(fx.ccs.paths.state, 'claude', spent), {fingerprint: tokenFingerprint(spent), outcome: 'sent', at: new Date().toISOString(), pid: 999999, host: os.hostname()});
  const json = await runBin(['quota', '--provider', 'claude', '--refresh', '--json'], fx.ccs.env);
  const rows = JSON.parse(json.stdout) as {account: string; error: {kind: string; message: string} | null}[];
  const row = rows.find((r) => r.account === 'user@example.com')!;
  assert.equal(row.error?.kind, 'needs-login', json.stdout);
  assert.match(row.error!.message, /refresh unknown \(this refresh token was already sent by process 999999.*\): the refresh token may have been spent.*a new login is needed/);
  const text = await runBin(['quota', '--provider', 'claude', '--refresh'], fx.ccs.env);
  assert.match(text.stdout, /user@example\.com .*re-login: refresh unknown .*may have been spent/);
  assert.equal(fx.upstream.requests.filter((r) => r.path === '/claude/token').length, 0, 'the refresh token is never sent again');
  const accounts = await runBin(['accounts'], fx.ccs.env);
  assert.ok(accounts.stdout.includes(HEALTH_TEXT['refresh-unknown']), accounts.stdout);
});
