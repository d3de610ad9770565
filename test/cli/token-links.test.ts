// Symlinks in the token dirs (cliproxy/auth/, auth-paused/). A link whose target, fully resolved,
// lies outside the token dirs is never opened: it is no account, a problem names it (and where it
// points, sanitised), nothing of its target is shown, its refresh token is never sent, and neither it
// nor its target is written. A dangling link is what it was (a file not there). A link that stays
// inside the token dirs is read as the file it leads to, and a refresh writes its new grant there (the
// link stays; no copy of the spent refresh token is left behind). Every test runs the built binary.
import assert from 'node:assert/strict';
import {lstatSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, statSync, symlinkSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {afterEach, test} from 'node:test';
import {makeTempCcs, tokenFixture, type TempCcs} from '../helpers/ccs.js';
import {runBin} from '../helpers/cli.js';
import {startTokenServer, type TokenServer} from '../helpers/token-server.js';

let cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  cleanups = [];
});

function tempCcs(): TempCcs {
  const ccs = makeTempCcs();
  cleanups.push(() => ccs.cleanup());
  return ccs;
}

/** A dir outside the CCS dir (another tool's, a synced folder). */
function outsideDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'ccs-tui-outside-'));
  cleanups.push(() => rmSync(dir, {recursive: true, force: true}));
  return dir;
}

async function tokenServer(ccs: TempCcs): Promise<TokenServer> {
  const server = await startTokenServer();
  cleanups.push(() => server.close());
  ccs.writeRaw('tui.json', JSON.stringify({endpoints: {claude: {token: `${server.url}/token`, usage: `${server.url}/usage`}}}));
  return server;
}

const expired = () => ({expired: new Date(Date.now() - 3600_000).toISOString()});
const registry = (id: string, tokenFile: string) => ({version: 1, providers: {claude: {default: id, accounts: {[id]: {email: id, tokenFile}}}}});

test('a link to a token file outside the token dirs: no account, a problem naming it and where it points; its tokens never shown', async () => {
  const ccs = tempCcs();
  const outside = path.join(outsideDir(), 'outside.json');
  writeFileSync(outside, JSON.stringify(tokenFixture('claude', 'out@example.com')), {mode: 0o600});
  const link = path.join(ccs.paths.authDir, 'claude-link.json');
  symlinkSync(outside, link);
  ccs.writeToken('claude-good@example.com.json', tokenFixture('claude', 'good@example.com'));
  const run = await runBin(['accounts', '--json'], ccs.env);
  assert.equal(run.code, 0, run.stderr);
  assert.deepEqual((JSON.parse(run.stdout) as {id: string}[]).map((a) => a.id), ['good@example.com']);
  assert.ok(run.stderr.includes(`${link}: is a symlink to ${outside}, outside the token dirs; not read`), run.stderr);
  for (const text of [run.stdout, run.stderr]) assert.ok(!text.includes('out@example.com') && !text.includes('at-claude-out') && !text.includes('rt-claude-out'), text);
  const table = await runBin(['accounts'], ccs.env);
  assert.ok(!table.stdout.includes('out@example.com'), table.stdout);
  assert.ok(lstatSync(link).isSymbolicLink());
});

test('a link to /etc/passwd (or any file outside) is never opened: not one byte of it is shown, no "invalid JSON" at its first character', async () => {
  const ccs = tempCcs();
  const secretLike = path.join(outsideDir(), 'shadow');
  writeFileSync(secretLike, 'root:$6$saltsalt$hashhashhash:19000:0:99999:7:::\n', {mode: 0o600});
  symlinkSync('/etc/passwd', path.join(ccs.paths.authDir, 'claude-passwd.json'));
  symlinkSync(secretLike, path.join(ccs.paths.authDir, 'claude-shadow.json'));
  ccs.writeRegistry(registry('root@example.com', 'claude-shadow.json'));
  for (const args of [['accounts'], ['accounts', '--json'], ['quota', '--json']]) {
    const run = await runBin(args, ccs.env);
    const all = run.stdout + run.stderr;
    assert.ok(!all.includes('invalid JSON') && !all.includes('root:') && !all.includes('Unexpected token'), `${args.join(' ')}: ${all}`);
    if (args[0] === 'quota') continue;
    assert.match(run.stderr, /claude-passwd\.json: is a symlink to \/etc\/passwd, outside the token dirs; not read/);
    assert.match(run.stderr, /claude-shadow\.json: is a symlink to \S+shadow, outside the token dirs; not read .*claude account root@example\.com cannot serve until it is fixed/);
  }
});

test('a registered account whose token file was moved outside and linked back: quota --refresh sends nothing; the link and the outside file stay as they were', async () => {
  const ccs = tempCcs();
  const server = await tokenServer(ccs);
  const outside = path.join(outsideDir(), 'claude-alice@example.com.json');
  const content = JSON.stringify(tokenFixture('claude', 'alice@example.com', expired()));
  writeFileSync(outside, content, {mode: 0o644});
  const link = path.join(ccs.paths.authDir, 'claude-alice@example.com.json');
  symlinkSync(outside, link);
  ccs.writeRegistry(registry('alice@example.com', 'claude-alice@example.com.json'));
  const before = statSync(outside);
  for (const args of [['quota', '--refresh'], ['quota', '--provider', 'claude', '--refresh', '--json'], ['accounts']]) {
    const run = await runBin(args, ccs.env);
    assert.ok(!(run.stdout + run.stderr).includes('rt-claude-alice'), run.stdout + run.stderr);
  }
  assert.deepEqual(server.presented, [], 'no refresh token was sent');
  assert.ok(lstatSync(link).isSymbolicLink(), 'the link was not replaced');
  assert.equal(readlinkSync(link), outside);
  assert.equal(readFileSync(outside, 'utf8'), content, 'the file outside is untouched');
  const after = statSync(outside);
  assert.equal(after.mtimeMs, before.mtimeMs);
  assert.equal(after.mode & 0o777, 0o644);
  // Nothing in the token dirs holds its tokens either (no copy aside, no new file).
  for (const dir of [ccs.paths.authDir, ccs.paths.pausedDir]) {
    let names: string[] = [];
    try {
      names = (await import('node:fs')).readdirSync(dir);
    } catch {
      continue;
    }
    for (const name of names.filter((n) => n !== path.basename(link))) assert.ok(!readFileSync(path.join(dir, name), 'utf8').includes('rt-claude-alice'), name);
  }
});

test('a dangling link is a file not there, as before: no account, no error, nothing sent', async () => {
  const ccs = tempCcs();
  const server = await tokenServer(ccs);
  symlinkSync(path.join(outsideDir(), 'gone.json'), path.join(ccs.paths.authDir, 'claude-gone.json'));
  ccs.writeToken('claude-good@example.com.json', tokenFixture('claude', 'good@example.com'));
  const run = await runBin(['accounts', '--json'], ccs.env);
  assert.equal(run.code, 0, run.stderr);
  assert.deepEqual((JSON.parse(run.stdout) as {id: string}[]).map((a) => a.id), ['good@example.com']);
  assert.ok(!run.stderr.includes('claude-gone.json'), run.stderr);
  assert.deepEqual(server.presented, []);
});

test('a link that stays inside the token dirs is read as its target; a refresh through it writes the new grant into the target and keeps the link', async () => {
  const ccs = tempCcs();
  const server = await tokenServer(ccs);
  const store = path.join(ccs.paths.authDir, 'store');
  mkdirSync(store, {mode: 0o700});
  const target = path.join(store, 'alice.json');
  writeFileSync(target, JSON.stringify(tokenFixture('claude', 'alice@example.com', expired())), {mode: 0o600});
  const link = path.join(ccs.paths.authDir, 'claude-alice@example.com.json');
  symlinkSync('store/alice.json', link);
  const list = await runBin(['accounts', '--json'], ccs.env);
  assert.equal(list.code, 0, list.stderr);
  assert.deepEqual((JSON.parse(list.stdout) as {id: string}[]).map((a) => a.id), ['alice@example.com']);
  assert.ok(!list.stderr.includes('outside the token dirs'), list.stderr);
  const refreshed = await runBin(['quota', '--provider', 'claude', '--refresh', '--json'], ccs.env);
  assert.equal(refreshed.code, 0, refreshed.stdout + refreshed.stderr);
  assert.deepEqual(server.presented, ['rt-claude-alice@example.com-0123456789abcdef']);
  assert.ok(lstatSync(link).isSymbolicLink(), 'the link stays a link');
  const now = JSON.parse(readFileSync(target, 'utf8')) as {refresh_token: string};
  assert.equal(now.refresh_token, 'sk-ant-ort01-new-1-0123456789abcdef', 'the target holds the new grant, not the spent refresh token');
  // Refreshed again: the new refresh token is the one sent, never the spent one.
  writeFileSync(target, JSON.stringify({...JSON.parse(readFileSync(target, 'utf8')), ...expired()}), {mode: 0o600});
  const again = await runBin(['quota', '--provider', 'claude', '--refresh', '--json'], ccs.env);
  assert.equal(again.code, 0, again.stdout + again.stderr);
  assert.deepEqual(server.presented, ['rt-claude-alice@example.com-0123456789abcdef', 'sk-ant-ort01-new-1-0123456789abcdef']);
});

test('a link into auth-paused/ from auth/ stays inside the token dirs: read, not reported', async () => {
  const ccs = tempCcs();
  const target = ccs.writeToken('kept.json.bak', tokenFixture('claude', 'bob@example.com'), 'auth-paused');
  symlinkSync(target, path.join(ccs.paths.authDir, 'claude-bob@example.com.json'));
  const run = await runBin(['accounts', '--json'], ccs.env);
  assert.equal(run.code, 0, run.stderr);
  assert.deepEqual((JSON.parse(run.stdout) as {id: string}[]).map((a) => a.id), ['bob@example.com']);
  assert.ok(!run.stderr.includes('outside the token dirs'), run.stderr);
});
