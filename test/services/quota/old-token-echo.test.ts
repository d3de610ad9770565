// The TUI's quota poll masks, in the error it shows and in the quota cache, a token the account's
// file held when this process read it, after another process replaced the file (a refresh by
// CCS or CLIProxyAPI): the old access token is still valid, and a usage endpoint may quote it.
import assert from 'node:assert/strict';
import {readFileSync, renameSync} from 'node:fs';
import path from 'node:path';
import {after, before, test} from 'node:test';
import {quotaCacheFile} from '../../../source/services/quota/cache.js';
import {fetchAccountQuota} from '../../../source/services/quota/service.js';
import {makeQuotaFixture, quotaToken, type QuotaFixture} from './fixture.js';

let fx: QuotaFixture;
before(async () => (fx = await makeQuotaFixture({claude: {access_token: 'sk-ant-oat01-tui-read-first-0123456789', refresh_token: 'sk-ant-ort01-tui-read-first-0123456789'}})));
after(() => fx.close());

test('a usage error quoting the token read before the file was replaced: masked on screen and in the cache', async () => {
  const deps = await fx.deps();
  const account = await fx.account('claude'); // the TUI lists its accounts: every token file is read
  const replaced = fx.ccs.writeToken('claude.tmp', quotaToken('claude', 'user@example.com', {access_token: 'sk-ant-oat01-tui-written-later-0123456789'}));
  renameSync(replaced, path.join(fx.ccs.paths.authDir, 'claude-user@example.com.json'));
  fx.serve('claude', {error: {message: 'token sk-ant-oat01-tui-read-first-0123456789 was revoked; refresh sk-ant-ort01-tui-read-first-0123456789'}}, 500);
  const entry = await fetchAccountQuota(deps, account, {force: true});
  assert.ok(entry.error, 'the failure is shown');
  const cache = readFileSync(quotaCacheFile(fx.ccs.paths), 'utf8');
  for (const shown of [JSON.stringify(entry), cache]) {
    assert.ok(!shown.includes('tui-read-first'), `an old credential was kept in full: ${shown}`);
  }
});

test("a usage error quoting another account's token cut short (its first characters, then …): masked on screen and in the cache", async () => {
  const deps = await fx.deps();
  const account = await fx.account('claude');
  // The codex account's access token (tokenFixture), quoted by claude's usage endpoint as far as it fits.
  const other = 'at-codex-user@example.com-0123456789abcdef';
  fx.serve('claude', {error: {message: `token ${other.slice(0, 30)}… belongs to another organization`}}, 403);
  const entry = await fetchAccountQuota(deps, account, {force: true});
  assert.ok(entry.error, 'the failure is shown');
  const cache = readFileSync(quotaCacheFile(fx.ccs.paths), 'utf8');
  for (const shown of [JSON.stringify(entry), cache]) {
    assert.ok(!shown.includes(other.slice(0, 24)), `another account's credential was kept, cut but long: ${shown}`);
  }
});
