// Quota on a remote target: the same fetchers, sent through the server's api-call with $TOKEN$;
// the same rows as on local files; the token never leaves the server.
import assert from 'node:assert/strict';
import {after, before, test} from 'node:test';
import {runBin} from '../helpers/cli.js';
import type {FakeCliproxy} from '../helpers/fake-cliproxy/server.js';
import {remoteTarget} from '../helpers/fake-cliproxy/target.js';
import {makeQuotaFixture, quotaToken, type QuotaFixture} from '../services/quota/fixture.js';

const inHours = (h: number) => new Date(Date.now() + h * 3600_000).toISOString();

let fx: QuotaFixture;
let stand: FakeCliproxy;
before(async () => {
  fx = await makeQuotaFixture();
  const endpoints = {claude: {usage: `${fx.upstream.url}/claude/usage`}, codex: {usage: `${fx.upstream.url}/codex/usage`}};
  stand = await remoteTarget(fx.ccs, {apiCallOrigins: [fx.upstream.url]}, {endpoints});
  stand.addFile('claude-user@example.com.json', quotaToken('claude', 'user@example.com'));
  stand.addFile('codex-user@example.com.json', quotaToken('codex', 'user@example.com', {account_id: 'acct-77'}));
});
after(async () => {
  await stand.close();
  await fx.close();
});

test('quota --target: the same rows as the local command, each request made by the server with its own token', async () => {
  fx.serve('claude', {five_hour: {utilization: 7, resets_at: inHours(3)}, seven_day: {utilization: 8, resets_at: inHours(50)}});
  const local = await runBin(['quota', '--provider', 'claude', '--json', '--refresh'], fx.ccs.env);
  assert.equal(local.code, 0, local.stderr);
  const before = fx.upstream.requests.length;
  const remote = await runBin(['quota', '--provider', 'claude', '--json', '--target', 'team'], fx.ccs.env);
  assert.equal(remote.code, 0, remote.stderr);
  const strip = (rows: {windows: Record<string, unknown>[]}[]) => rows.map((r) => ({...r, windows: r.windows.map(({observedAt: _o, ...w}) => w)}));
  assert.deepEqual(strip(JSON.parse(remote.stdout)), strip(JSON.parse(local.stdout)));

  // The stand-in made the upstream call, with the server's token substituted for $TOKEN$.
  assert.equal(fx.upstream.requests.length, before + 1);
  assert.equal(fx.upstream.requests.at(-1)!.headers.authorization, `Bearer ${quotaToken('claude', 'user@example.com').access_token}`);
  const call = stand.requests.find((r) => r.path === '/v0/management/api-call')!;
  const sent = JSON.parse(call.body);
  assert.equal(sent.auth_index, stand.files.get('claude-user@example.com.json')!.index);
  assert.equal(sent.header.authorization, 'Bearer $TOKEN$');
  assert.equal(sent.url, `${fx.upstream.url}/claude/usage`);
  assert.ok(stand.requests.every((r) => !r.body.includes('at-claude-')), 'no token went to the server');
  assert.doesNotMatch(remote.stdout + remote.stderr, /at-claude-|mgmt-key/);
});

test('quota --target: provider errors per account, as on local files', async () => {
  fx.serve('codex', {error: 'unauthorized'}, 401);
  const run = await runBin(['quota', '--provider', 'codex', '--json', '--target', 'team'], fx.ccs.env);
  assert.equal(run.code, 0, run.stderr);
  const [row] = JSON.parse(run.stdout) as {account: string; error: {kind: string}}[];
  assert.equal(row!.account, 'user@example.com');
  assert.equal(row!.error.kind, 'needs-login');
  // The ChatGPT account id came from the server's id_token claims, not from a token file.
  assert.equal(fx.upstream.requests.at(-1)!.headers['chatgpt-account-id'], 'acct-77');
});
