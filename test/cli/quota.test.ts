import assert from 'node:assert/strict';
import {readdirSync, rmSync} from 'node:fs';
import path from 'node:path';
import {after, before, test} from 'node:test';
import {runBin} from '../helpers/cli.js';
import {makeQuotaFixture, quotaToken, type QuotaFixture} from '../services/quota/fixture.js';

const HOUR = 3600_000;
// Half a minute of margin: the text still reads "resets in 2h" however slowly a loaded machine runs the command.
const inHours = (h: number) => new Date(Date.now() + h * HOUR + 30_000).toISOString();
const window = (kind: string, usedPct: number | null, resetsAt: string | null, windowSeconds: number, observedAgoMs = 60_000) => ({
  kind,
  usedPct,
  resetsAt,
  windowSeconds,
  source: 'usage-endpoint',
  observedAt: new Date(Date.now() - observedAgoMs).toISOString(),
});

let fx: QuotaFixture;
before(async () => {
  fx = await makeQuotaFixture();
  fx.ccs.writeToken('claude-second@example.com.json', quotaToken('claude', 'second@example.com'));
  fx.ccs.writeToken('qwen-q@example.com.json', quotaToken('qwen', 'q@example.com'));
});
after(() => fx.close());

function writeCache(claude: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  const fetchedAt = new Date(Date.now() - 60_000).toISOString();
  const entries = (byId: Record<string, unknown>) =>
    Object.fromEntries(Object.entries(byId).map(([id, windows]) => [id, {fetchedAt, windows}]));
  fx.ccs.writeRaw('tui/quota-cache.json', JSON.stringify({version: 1, accounts: {claude: entries(claude), ...extra}}));
}

test('quota --json --provider claude: cached windows in the stable shape, unknown as null; exit 3 only when all are used up', async () => {
  writeCache({
    'user@example.com': [window('5h', null, null, 18000), window('weekly', 100, inHours(30), 604800)],
    'second@example.com': [window('5h', 20, inHours(2), 18000), window('weekly', 40, inHours(30), 604800, 20 * 60_000)],
  });
  const run = await runBin(['quota', '--provider', 'claude', '--json'], fx.ccs.env);
  assert.equal(run.code, 0, run.stderr);
  const rows = JSON.parse(run.stdout) as {provider: string; account: string; windows: Record<string, unknown>[]; error: unknown}[];
  assert.deepEqual(rows.map((r) => [r.provider, r.account, r.error]).sort(), [
    ['claude', 'second@example.com', null],
    ['claude', 'user@example.com', null],
  ]);
  const user = rows.find((r) => r.account === 'user@example.com')!;
  assert.deepEqual(Object.keys(user.windows[0]!), ['kind', 'usedPct', 'resetsAt', 'windowSeconds', 'source', 'observedAt', 'stale']);
  assert.equal(user.windows[0]!.usedPct, null);
  assert.equal(user.windows[0]!.stale, false);
  const second = rows.find((r) => r.account === 'second@example.com')!;
  assert.equal(second.windows[1]!.stale, true, 'observed 20 minutes ago');
  assert.equal(fx.upstream.requests.length, 0, 'cached numbers: nothing fetched');

  writeCache({
    'user@example.com': [window('5h', 3, inHours(2), 18000), window('weekly', 100, inHours(30), 604800)],
    'second@example.com': [window('5h', 100, inHours(1), 18000), window('weekly', 40, inHours(30), 604800)],
  });
  const exhausted = await runBin(['quota', '--provider', 'claude'], fx.ccs.env);
  assert.equal(exhausted.code, 3, exhausted.stderr);
  assert.match(exhausted.stdout, /user@example\.com\s+5h 3% resets in 2h; week 100% ! resets in 30h · used up/);
  assert.match(exhausted.stdout, /second@example\.com\s+5h 100% ! resets in 1h; week 40% resets in 30h · lasts until reset/);
  // Exit 3 is an answer, not a failure: --json gives the same rows as on exit 0, not {error, exitCode}.
  const exhaustedJson = await runBin(['quota', '--provider', 'claude', '--json'], fx.ccs.env);
  assert.equal(exhaustedJson.code, 3, exhaustedJson.stderr);
  assert.equal(exhaustedJson.stderr, '');
  assert.deepEqual((JSON.parse(exhaustedJson.stdout) as typeof rows).map((r) => [r.account, r.windows.map((w) => w.usedPct)]).sort(), [
    ['second@example.com', [100, 40]],
    ['user@example.com', [3, 100]],
  ]);

  // Once the 5 h reset has passed the account counts as reset: not exhausted any more.
  writeCache({
    'user@example.com': [window('weekly', 100, inHours(30), 604800)],
    'second@example.com': [window('5h', 100, inHours(-0.1), 18000, 2 * HOUR), window('weekly', 40, inHours(30), 604800)],
  });
  const reset = await runBin(['quota', '--provider', 'claude', '--json'], fx.ccs.env);
  assert.equal(reset.code, 0);
  const resetWindow = (JSON.parse(reset.stdout) as typeof rows).find((r) => r.account === 'second@example.com')!.windows[0]!;
  assert.deepEqual([resetWindow.usedPct, resetWindow.resetsAt, resetWindow.stale], [0, null, true]);
});

test('quota --refresh fetches every account now; accounts with nothing cached are fetched without it', async () => {
  writeCache({'user@example.com': [window('5h', 50, inHours(2), 18000)]});
  fx.serve('claude', {five_hour: {utilization: 7, resets_at: inHours(3)}, seven_day: {utilization: 8, resets_at: inHours(50)}});
  const before = fx.upstream.requests.length;
  const cached = await runBin(['quota', '--provider', 'claude', '--json'], fx.ccs.env);
  assert.equal(cached.code, 0, cached.stderr);
  const rows = JSON.parse(cached.stdout) as {account: string; windows: {usedPct: number}[]}[];
  assert.equal(rows.find((r) => r.account === 'user@example.com')!.windows[0]!.usedPct, 50);
  assert.deepEqual(rows.find((r) => r.account === 'second@example.com')!.windows.map((w) => w.usedPct), [7, 8]);
  assert.equal(fx.upstream.requests.length, before + 1, 'only the account without numbers was fetched');

  const refreshed = await runBin(['quota', '--provider', 'claude', '--json', '--refresh'], fx.ccs.env);
  assert.equal(refreshed.code, 0);
  assert.equal(fx.upstream.requests.length, before + 3);
  const after = JSON.parse(refreshed.stdout) as typeof rows;
  assert.deepEqual(after.find((r) => r.account === 'user@example.com')!.windows.map((w) => w.usedPct), [7, 8]);
  assert.doesNotMatch(refreshed.stdout + refreshed.stderr, /at-claude-/);
});

test('an account whose cache holds only an error is asked again by a plain quota; one with an answer (numbers, or none) is not', async () => {
  const fetchedAt = new Date(Date.now() - 3600_000).toISOString();
  fx.ccs.writeRaw('tui/quota-cache.json', JSON.stringify({version: 1, accounts: {claude: {
    'user@example.com': {fetchedAt, windows: [], error: {kind: 'unexpected', message: 'usage answered 500'}},
    'second@example.com': {fetchedAt, windows: [window('5h', 50, inHours(2), 18000)]},
  }, codex: {'user@example.com': {fetchedAt, windows: []}}}}));
  const codex = await runBin(['quota', '--provider', 'codex', '--json'], fx.ccs.env);
  assert.equal(fx.upstream.requests.filter((r) => r.path === '/codex/usage').length, 0, 'an answer without windows is an answer');
  assert.equal(codex.code, 0, codex.stderr);
  fx.serve('claude', {five_hour: {utilization: 9, resets_at: inHours(3)}, seven_day: {utilization: 10, resets_at: inHours(50)}});
  const before = fx.upstream.requests.length;
  const run = await runBin(['quota', '--provider', 'claude', '--json'], fx.ccs.env);
  assert.equal(run.code, 0, run.stderr);
  const rows = JSON.parse(run.stdout) as {account: string; windows: {usedPct: number}[]; error: unknown}[];
  assert.deepEqual(rows.find((r) => r.account === 'user@example.com')!.windows.map((w) => w.usedPct), [9, 10]);
  assert.equal(rows.find((r) => r.account === 'user@example.com')!.error, null);
  assert.deepEqual(rows.find((r) => r.account === 'second@example.com')!.windows.map((w) => w.usedPct), [50]);
  assert.equal(fx.upstream.requests.length, before + 1, 'only the account without numbers was asked');
});

test('errors are reported per account in JSON; bad provider is exit 2; a provider without quota is listed as unknown, not an error', async () => {
  fx.serve('kimi', {message: 'unauthorized'}, 401);
  const run = await runBin(['quota', '--provider', 'kimi', '--json', '--refresh'], fx.ccs.env);
  assert.equal(run.code, 0);
  const [row] = JSON.parse(run.stdout) as {error: {kind: string; message: string}; windows: unknown[]}[];
  assert.equal(row!.error.kind, 'needs-login');
  assert.deepEqual(row!.windows, []);

  const bad = await runBin(['quota', '--provider', 'nope'], fx.ccs.env);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /unknown provider "nope"/);
  const none = await runBin(['quota', '--provider', 'qwen'], fx.ccs.env);
  assert.equal(none.code, 0, none.stderr);
  assert.match(none.stdout, /qwen +q@example\.com +unknown \(no quota source\)/);
  // Without --provider too, in text and JSON: listed, no error, no windows, a note saying why.
  const all = await runBin(['quota'], fx.ccs.env);
  assert.match(all.stdout, /qwen +q@example\.com +unknown \(no quota source\)/);
  const json = JSON.parse((await runBin(['quota', '--json'], fx.ccs.env)).stdout) as Array<Record<string, unknown>>;
  assert.deepEqual(json.find((r) => r.provider === 'qwen'), {provider: 'qwen', account: 'q@example.com', windows: [], error: null, note: 'no quota source'});
  const flag = await runBin(['quota', '--bogus'], fx.ccs.env);
  assert.equal(flag.code, 2);
});

test('a cache whose entries are damaged (null, numbers, wrong types): the whole ones are shown, the rest read again, the file as it was kept beside it', async () => {
  const good = [window('5h', 20, inHours(2), 18000)];
  const damaged: [string, unknown][] = [
    ['a null window', [null, ...good]],
    ['a number and an empty object for windows', [5, {}, ...good]],
    ['windows an object', {length: 3}],
    ['a percentage as text', [{...good[0], usedPct: 'x'}]],
  ];
  for (const [what, windows] of damaged) {
    fx.ccs.writeRaw('tui/quota-cache.json', JSON.stringify({version: 1, accounts: {claude: {'user@example.com': {fetchedAt: new Date().toISOString(), windows}, 'second@example.com': {fetchedAt: new Date().toISOString(), windows: good, error: 'x', backoffUntil: 'soon'}}, qwen: null}}));
    for (const args of [['quota', '--provider', 'claude'], ['quota', '--provider', 'claude', '--json'], ['rotate', 'claude']]) {
      const run = await runBin(args, fx.ccs.env);
      assert.doesNotMatch(run.stdout + run.stderr, /unexpected|TypeError|NaN|undefined/, `${what}, ${args.join(' ')}: ${run.stdout}${run.stderr}`);
      assert.ok(run.code === 0 || run.code === 3, `${what}, ${args.join(' ')}: exit ${run.code} ${run.stderr}`);
    }
    const rows = JSON.parse((await runBin(['quota', '--provider', 'claude', '--json'], fx.ccs.env)).stdout) as {account: string; windows: {usedPct: number}[]; error: unknown}[];
    assert.deepEqual(rows.find((r) => r.account === 'second@example.com')!.windows.map((w) => w.usedPct), [20], `${what}: the whole entry's numbers`);
    assert.equal(rows.find((r) => r.account === 'second@example.com')!.error, null, `${what}: an error that is no error object is not shown`);
    const copies = readdirSync(path.join(fx.ccs.paths.state)).filter((name) => name.startsWith('quota-cache.json.corrupt-'));
    assert.ok(copies.length > 0, `${what}: the file as it was is kept`);
    for (const copy of copies) rmSync(path.join(fx.ccs.paths.state, copy));
  }
  rmSync(path.join(fx.ccs.paths.state, 'quota-cache.json'), {force: true});
});
