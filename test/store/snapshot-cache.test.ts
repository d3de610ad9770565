// The accounts as the last TUI read them (store/snapshot-cache.ts), for the next TUI's first frame:
// what is kept holds no credential, and it is used only while the token dirs, the registry and the
// account state are as they were when it was read.
import assert from 'node:assert/strict';
import {existsSync, readFileSync, renameSync, rmSync, statSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {afterEach, beforeEach, test} from 'node:test';
import {AccountStore} from '../../source/store/accounts.js';
import {snapshotCacheFile} from '../../source/store/snapshot-cache.js';
import {makeTempCcs, tokenFixture, type TempCcs} from '../helpers/ccs.js';

let ccs: TempCcs;
beforeEach(() => {
  ccs = makeTempCcs();
  ccs.writeToken('claude-a@example.com.json', tokenFixture('claude', 'a@example.com', {access_token: 'sk-ant-oat01-access-aaaaaaaaaaaaaaaa', refresh_token: 'sk-ant-ort01-refresh-aaaaaaaaaaaaaa'}));
  ccs.writeToken('codex-b.json', tokenFixture('codex', 'b@example.com', {access_token: 'codex-access-bbbbbbbbbbbbbbbbbbbb', refresh_token: 'codex-refresh-bbbbbbbbbbbbbbbbbbb'}));
  // A token type the table does not know: listed under a provider row made for it.
  ccs.writeToken('newtool-c.json', {type: 'newtool', email: 'c@example.com', api_key: 'newtool-key-cccccccccccccccccccc'});
  ccs.writeRegistry({version: 1, providers: {claude: {default: 'a@example.com', accounts: {'a@example.com': {email: 'a@example.com', nickname: 'work', tokenFile: 'claude-a@example.com.json', createdAt: '2026-01-01T00:00:00Z'}}}}});
});
afterEach(() => ccs.cleanup());

/** A TUI's life: a full load, then the snapshot kept as it quits. */
async function keptByLastTui() {
  const store = new AccountStore(ccs.paths);
  const loaded = await store.load();
  await store.keepSnapshotForNextStart();
  return loaded;
}

const plain = (value: unknown) => JSON.parse(JSON.stringify(value, (key, v) => (key === 'provider' && typeof v === 'object' ? v.id : v)));

test('the snapshot kept is what a load reads, rows and all; it holds no token and is private', async () => {
  const loaded = await keptByLastTui();
  const cached = new AccountStore(ccs.paths).cachedSnapshot();
  assert.ok(cached, 'used while nothing changed');
  assert.deepEqual(plain(cached), plain(loaded));
  // Provider rows are the table's own (functions and all), and one for the unknown type.
  assert.equal(cached.providers.find((p) => p.provider.id === 'claude')?.provider, loaded.providers.find((p) => p.provider.id === 'claude')?.provider);
  assert.equal(cached.providers.find((p) => p.provider.id === 'newtool')?.provider.displayName, 'newtool');
  assert.deepEqual(cached.accounts.map((a) => [a.provider, a.id, a.nickname ?? null, a.default]), [['claude', 'a@example.com', 'work', true], ['codex', 'b@example.com', null, true], ['newtool', 'c@example.com', null, true]]);
  const text = readFileSync(snapshotCacheFile(ccs.paths), 'utf8');
  for (const secret of ['sk-ant-oat01-access', 'sk-ant-ort01-refresh', 'codex-access-', 'codex-refresh-', 'newtool-key-']) assert.ok(!text.includes(secret), `no ${secret}`);
  assert.equal(statSync(snapshotCacheFile(ccs.paths)).mode & 0o777, 0o600);
  assert.equal(statSync(ccs.paths.state).mode & 0o777, 0o700);
});

for (const [what, change] of [
  ['a token file added', () => ccs.writeToken('claude-d@example.com.json', tokenFixture('claude', 'd@example.com'))],
  ['a token file removed', () => rmSync(path.join(ccs.paths.authDir, 'codex-b.json'))],
  ['a token file renamed over (every write of ccs-tui and CCS)', () => {
    writeFileSync(path.join(ccs.paths.authDir, 'codex-b.json.tmp'), JSON.stringify(tokenFixture('codex', 'b2@example.com')));
    renameSync(path.join(ccs.paths.authDir, 'codex-b.json.tmp'), path.join(ccs.paths.authDir, 'codex-b.json'));
  }],
  ['an account paused (its file moved)', () => {
    ccs.writeRaw('cliproxy/auth-paused/.keep', '');
    renameSync(path.join(ccs.paths.authDir, 'codex-b.json'), path.join(ccs.paths.pausedDir, 'codex-b.json'));
  }],
  ['the registry edited in place', () => ccs.writeRegistry({version: 1, providers: {claude: {default: 'a@example.com', accounts: {'a@example.com': {email: 'a@example.com', nickname: 'home', tokenFile: 'claude-a@example.com.json'}}}}})],
  ['the account state written', () => ccs.writeRaw('tui/account-state.json', '{}')],
] as const) {
  test(`not used after ${what}: the files are read`, async () => {
    await keptByLastTui();
    change();
    assert.equal(new AccountStore(ccs.paths).cachedSnapshot(), undefined);
  });
}

/** The kept file's two lines (header, list), parsed; and the file written back from them. */
const keptLines = () => readFileSync(snapshotCacheFile(ccs.paths), 'utf8').split('\n').slice(0, 2).map((line) => JSON.parse(line) as Record<string, unknown>) as [Record<string, unknown>, {providers: string[]; accounts: Record<string, unknown>[]}];
const writeKept = (header: unknown, list: unknown) => writeFileSync(snapshotCacheFile(ccs.paths), `${JSON.stringify(header)}\n${JSON.stringify(list)}\n`);
const firstAccount = (change: (account: Record<string, unknown>) => Record<string, unknown>) => {
  const [header, list] = keptLines();
  writeKept(header, {...list, accounts: list.accounts.map((a, i) => (i === 0 ? change(a) : a))});
};

for (const [what, damage] of [
  ['not JSON', () => writeFileSync(snapshotCacheFile(ccs.paths), '{"format": 2, "stamps": [')],
  ['of another format', () => {
    const [header, list] = keptLines();
    writeKept({...header, format: 1}, list);
  }],
  ['cut short (the list half written)', () => writeFileSync(snapshotCacheFile(ccs.paths), readFileSync(snapshotCacheFile(ccs.paths), 'utf8').slice(0, -40))],
  ['holding an account field of the wrong kind', () => firstAccount((a) => ({...a, email: {}}))],
  ['holding an unknown field', () => firstAccount((a) => ({...a, colour: 'red'}))],
  ['holding a __proto__ key', () => {
    const text = readFileSync(snapshotCacheFile(ccs.paths), 'utf8');
    writeFileSync(snapshotCacheFile(ccs.paths), text.replace('"provider":"claude"', '"__proto__":{"polluted":true},"provider":"claude"'));
  }],
  ['holding a name of two lines (a load makes every name one line)', () => firstAccount((a) => ({...a, nickname: 'evil\nsecond line'}))],
  ['holding an escape sequence in an email', () => firstAccount((a) => ({...a, email: 'a@example.com\u001b[2J'}))],
  ['holding an account under no provider listed', () => {
    const [header, list] = keptLines();
    writeKept(header, {...list, providers: list.providers.filter((id) => id !== 'codex')});
  }],
] as const) {
  test(`a kept snapshot ${what} is not used (nothing thrown)`, async () => {
    await keptByLastTui();
    assert.ok(new AccountStore(ccs.paths).cachedSnapshot(), 'usable before it was damaged');
    damage();
    assert.equal(new AccountStore(ccs.paths).cachedSnapshot(), undefined);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });
}

test('a refresh written by rename and patched in by the watch (loadChanged) still leaves a snapshot the next start uses, of the files as they are', async () => {
  const store = new AccountStore(ccs.paths);
  const first = await store.load();
  const file = path.join(ccs.paths.authDir, 'codex-b.json');
  writeFileSync(`${file}.tmp`, JSON.stringify(tokenFixture('codex', 'b@example.com', {access_token: 'codex-access-refreshed-bbbbbbbbbb', refresh_token: 'codex-refresh-refreshed-bbbbbbbbb', expired: '2031-01-01T00:00:00Z'})), {mode: 0o600});
  renameSync(`${file}.tmp`, file);
  // What the TUI's watch does on hearing it (useAccounts reload(changed)).
  await store.loadChanged(first, new Set([file]));
  await store.keepSnapshotForNextStart();
  const cached = new AccountStore(ccs.paths).cachedSnapshot();
  assert.ok(cached, 'usable: nothing changed since it was kept');
  assert.equal(cached.accounts.find((a) => a.id === 'b@example.com')?.expiresAt, '2031-01-01T00:00:00Z', 'the refreshed file, not the list before it');
});

test('a token file rewritten in place (no stamp moves) and patched in by the watch: the snapshot kept at quit has what the TUI showed', async () => {
  const store = new AccountStore(ccs.paths);
  const first = await store.load();
  const file = path.join(ccs.paths.authDir, 'codex-b.json');
  // In place, as CLIProxyAPI's os.WriteFile writes: the dir's stamp does not move.
  writeFileSync(file, JSON.stringify(tokenFixture('codex', 'b@example.com', {expired: '2032-01-01T00:00:00Z'})));
  const shown = await store.loadChanged(first, new Set([file]));
  assert.equal(shown.accounts.find((a) => a.id === 'b@example.com')?.expiresAt, '2032-01-01T00:00:00Z');
  await store.keepSnapshotForNextStart();
  assert.equal(new AccountStore(ccs.paths).cachedSnapshot()?.accounts.find((a) => a.id === 'b@example.com')?.expiresAt, '2032-01-01T00:00:00Z');
});

test('a TUI on a CCS dir that is not there (or has no account) leaves nothing behind', async () => {
  rmSync(ccs.paths.root, {recursive: true, force: true});
  const store = new AccountStore(ccs.paths);
  assert.deepEqual((await store.load()).accounts, []);
  await store.keepSnapshotForNextStart();
  assert.equal(existsSync(ccs.paths.root), false, 'no CCS dir made');
});

test('a load with a problem keeps no snapshot, and drops the one kept before', async () => {
  await keptByLastTui();
  assert.ok(existsSync(snapshotCacheFile(ccs.paths)));
  ccs.writeToken('claude-broken.json', {type: 'claude'});
  writeFileSync(path.join(ccs.paths.authDir, 'claude-broken.json'), '{"type": ');
  const loaded = await keptByLastTui();
  assert.ok(loaded.problems.length > 0);
  assert.equal(existsSync(snapshotCacheFile(ccs.paths)), false);
});

test('no snapshot is kept by a store that never loaded everything', async () => {
  await new AccountStore(ccs.paths).keepSnapshotForNextStart();
  assert.equal(existsSync(snapshotCacheFile(ccs.paths)), false);
});
