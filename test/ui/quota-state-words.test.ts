// The quota screen and `ccs-tui quota` say an account's own state in the same words: a paused
// account of a provider with no quota source is "⏸ paused · unknown (no quota source)" in both,
// never "unknown (no quota source)" in one and "⏸ paused" in the other.
import assert from 'node:assert/strict';
import {afterEach, test} from 'node:test';
import {runBin} from '../helpers/cli.js';
import {makeTempCcs, tokenFixture, type TempCcs} from '../helpers/ccs.js';
import {cleanUp, renderTui, type TuiHandle} from '../helpers/ink.js';
import type {AccountStore} from '../../source/store/accounts.js';

let ccs: TempCcs | undefined;
let tui: TuiHandle | undefined;
afterEach(() => ([tui, ccs] = cleanUp(tui, ccs)));

test('a paused IBM Bob account: the same words on the quota screen and in ccs-tui quota', async () => {
  ccs = makeTempCcs();
  ccs.writeToken('bob-spare.json', {type: 'bob', api_key: 'bob-key-0123456789abcdef', base_url: 'http://127.0.0.1:9/v1'});
  const paused = await runBin(['pause', 'bob', 'spare'], ccs.env);
  assert.equal(paused.code, 0, paused.stderr);
  const cli = await runBin(['quota'], ccs.env);
  assert.equal(cli.code, 0, cli.stderr);
  assert.match(cli.stdout, /^bob +spare +⏸ paused · unknown \(no quota source\)$/m, cli.stdout);
  tui = await renderTui({paths: ccs.paths, width: 100, height: 24, route: {screen: 'quota', params: {}}});
  const frame = await tui.waitFor('bob · spare');
  assert.match(frame, /bob · spare +⏸ paused · unknown \(no quota source\)/);
});

test('an account cooling down after a limit (a proxy stored its wait): said on the quota screen and in ccs-tui quota, as accounts says it', async () => {
  ccs = makeTempCcs();
  ccs.writeToken('bob-spare.json', {type: 'bob', api_key: 'bob-key-0123456789abcdef', base_url: 'http://127.0.0.1:9/v1'});
  const {AccountStore} = await import('../../source/store/accounts.js');
  await new AccountStore(ccs.paths).setCooldown('bob', 'spare', {until: new Date(Date.now() + 10 * 60_000).toISOString(), kind: 'rate-limit', reason: 'rate limited'});
  const accounts = await runBin(['accounts'], ccs.env);
  assert.match(accounts.stdout, /spare .*cooling (9m \d+s|10m)/, accounts.stdout);
  const cli = await runBin(['quota'], ccs.env);
  assert.equal(cli.code, 0, cli.stderr);
  assert.match(cli.stdout, /^bob +spare +cooling (9m \d+s|10m) \(until [\d:]+\) · unknown \(no quota source\)$/m, cli.stdout);
  tui = await renderTui({paths: ccs.paths, width: 120, height: 24, route: {screen: 'quota', params: {}}});
  const frame = await tui.waitFor('bob · spare');
  assert.match(frame, /bob · spare +cooling (9m \d+s|10m) \(until [\d:]+\) · unknown \(no quota source\)/);
});

// Newcomer (s41): the quota screen showed a Codex account's usage error alone, where `ccs-tui quota`
// said its refresh had failed first (the cause of the error, and what to do).
/**
 * A Codex account marked by `mark` (its refresh token given), with a usage error of 401 cached just
 * now; nothing is asked of the network (the usage and token endpoints refuse at once).
 */
async function codexWithUsageError(made: TempCcs, mark: (store: AccountStore, refreshToken: string) => Promise<void>): Promise<void> {
  const token = tokenFixture('codex', 'carol@example.com');
  made.writeToken('codex-carol@example.com.json', token);
  made.writeRaw('tui.json', JSON.stringify({endpoints: {codex: {usage: 'http://127.0.0.1:9/usage', token: 'http://127.0.0.1:9/token'}}}));
  const {AccountStore} = await import('../../source/store/accounts.js');
  await mark(new AccountStore(made.paths), String(token.refresh_token));
  const {updateQuotaEntry} = await import('../../source/services/quota/cache.js');
  await updateQuotaEntry(made.paths, 'codex', 'carol@example.com', () => ({windows: [], fetchedAt: new Date().toISOString(), error: {kind: 'needs-login', message: 'usage endpoint answered 401'}}));
}

test('an account whose refresh failed, with a usage error cached: its state before the error on the quota screen, as in ccs-tui quota', async () => {
  ccs = makeTempCcs();
  await codexWithUsageError(ccs, (store, refreshToken) => store.setRefreshFailed('codex', 'carol@example.com', 'invalid_grant', refreshToken));
  const cli = await runBin(['quota'], ccs.env);
  assert.match(cli.stdout, /^codex +carol@example\.com +! refresh failed · no numbers yet/m, cli.stdout);
  tui = await renderTui({paths: ccs.paths, width: 140, height: 24, route: {screen: 'quota', params: {}}});
  const frame = await tui.waitFor('codex · carol@example.com');
  assert.match(frame, /codex · carol@example\.com +! refresh failed · ! /, frame);
});

// Newcomer (s41): the state and a usage error that says the same were both shown (`! re-login · ! re-login: …`).
test('an account that needs a login, with the usage error that says so: said once on the quota screen', async () => {
  ccs = makeTempCcs();
  await codexWithUsageError(ccs, (store, refreshToken) => store.setNeedsLogin('codex', 'carol@example.com', 'revoked', refreshToken));
  tui = await renderTui({paths: ccs.paths, width: 140, height: 24, route: {screen: 'quota', params: {}}});
  const frame = await tui.waitFor('codex · carol@example.com');
  assert.match(frame, /codex · carol@example\.com +! re-login: usage endpoint answered 401/, frame);
  assert.doesNotMatch(frame, /re-login · ! re-login/);
});
