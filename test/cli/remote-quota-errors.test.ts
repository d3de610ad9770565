// Remote quota when the server's api-call fails for one account: that account's ERROR cell, the
// other accounts' numbers still shown (as local quota does), exit 0.
import assert from 'node:assert/strict';
import {after, before, test} from 'node:test';
import {runBin} from '../helpers/cli.js';
import type {FakeCliproxy} from '../helpers/fake-cliproxy/server.js';
import {remoteTarget} from '../helpers/fake-cliproxy/target.js';
import {makeQuotaFixture, quotaToken, type QuotaFixture} from '../services/quota/fixture.js';

const inHours = (h: number) => new Date(Date.now() + h * 3600_000 + 30_000).toISOString();

let fx: QuotaFixture;
let stand: FakeCliproxy;
before(async () => {
  fx = await makeQuotaFixture();
  // The stand-in may reach only the fixture's upstream: its api-call answers 502 for codex's usage URL.
  const endpoints = {claude: {usage: `${fx.upstream.url}/claude/usage`}, codex: {usage: 'http://127.0.0.1:9/codex/usage'}};
  stand = await remoteTarget(fx.ccs, {apiCallOrigins: [fx.upstream.url]}, {endpoints});
  stand.addFile('claude-user@example.com.json', quotaToken('claude', 'user@example.com'));
  stand.addFile('codex-user@example.com.json', quotaToken('codex', 'user@example.com'));
});
after(async () => {
  await stand.close();
  await fx.close();
});

test("quota --target: one account's api-call failing (502) is that account's error; the others keep their numbers", async () => {
  fx.serve('claude', {five_hour: {utilization: 7, resets_at: inHours(3)}, seven_day: {utilization: 8, resets_at: inHours(50)}});
  const table = await runBin(['quota', '--target', 'team'], fx.ccs.env);
  assert.equal(table.code, 0, table.stderr);
  assert.equal(table.stderr, '');
  assert.match(table.stdout, /^claude\s+user@example\.com\s+5h 7% resets in 3h; week 8%/m);
  assert.match(table.stdout, /^codex\s+user@example\.com\s+no numbers yet\s+network: .*api-call: server error 502: request failed/m);

  const json = await runBin(['quota', '--target', 'team', '--json'], fx.ccs.env);
  assert.equal(json.code, 0, json.stderr);
  const rows = JSON.parse(json.stdout) as {provider: string; windows: unknown[]; error: {kind: string} | null}[];
  assert.equal(rows.find((r) => r.provider === 'claude')!.error, null);
  assert.equal(rows.find((r) => r.provider === 'claude')!.windows.length, 2);
  assert.equal(rows.find((r) => r.provider === 'codex')!.error!.kind, 'network');
});
