// The store's reads of token files and symlinks (tokens.ts tokenReadOptions, files.ts ReadOptions):
// a link out of the token dirs is a CorruptFileError naming it, never opened; a link within them (or a
// token dir that is itself a link to another dir) is read; writes go into a link's target within them,
// never through nor over a link out; a broken file's copy (backupCorruptFile) is never taken through one.
import assert from 'node:assert/strict';
import {lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, renameSync, rmSync, symlinkSync, writeFileSync} from 'node:fs';
import {ccsPaths} from '../../source/store/paths.js';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {test} from 'node:test';
import {backupCorruptFile, CorruptFileError} from '../../source/store/files.js';
import {readTokenFile, readTokenFileSync, tokenReadOptions, tokenWriteTarget} from '../../source/store/tokens.js';
import {AccountStore} from '../../source/store/accounts.js';
import {makeTempCcs, tokenFixture} from '../helpers/ccs.js';

function outsideFile(text: string): {file: string; cleanup: () => void} {
  const dir = mkdtempSync(path.join(tmpdir(), 'ccs-tui-outside-'));
  const file = path.join(dir, 'outside.json');
  writeFileSync(file, text, {mode: 0o600});
  return {file, cleanup: () => rmSync(dir, {recursive: true, force: true})};
}

test('a link out of the token dirs: every token read refuses it, naming it and its target; no copy of it is made; no write goes through or over it', async () => {
  const ccs = makeTempCcs();
  const outside = outsideFile(JSON.stringify(tokenFixture('claude', 'out@example.com')));
  try {
    const link = path.join(ccs.paths.authDir, 'claude-out.json');
    symlinkSync(outside.file, link);
    const said = (error: unknown) => error instanceof CorruptFileError && error.file === link && error.message === `${link}: is a symlink to ${outside.file}, outside the token dirs; not read (a token file may only link within auth/ and auth-paused/)`;
    assert.throws(() => readTokenFileSync(link), said);
    await assert.rejects(readTokenFile(link), said);
    assert.throws(() => tokenWriteTarget(link), said);
    assert.equal(await backupCorruptFile(link, tokenReadOptions(link)), undefined);
    assert.deepEqual(readdirSync(ccs.paths.authDir), ['claude-out.json']);
    const {accounts, problems} = await new AccountStore(ccs.paths).load();
    assert.deepEqual(accounts, []);
    assert.ok(problems.some((p) => p.file === link && p.message.includes('outside the token dirs')));
    assert.ok(lstatSync(link).isSymbolicLink());
  } finally {
    outside.cleanup();
    ccs.cleanup();
  }
});

test('a link within the token dirs is read; through a token dir that is a link to another dir too; a dangling link is a file not there', () => {
  const ccs = makeTempCcs();
  try {
    mkdirSync(ccs.paths.pausedDir, {mode: 0o700});
    const paused = ccs.writeToken('claude-p.json', tokenFixture('claude', 'p@example.com'), 'auth-paused');
    const link = path.join(ccs.paths.authDir, 'claude-p.json');
    symlinkSync(paused, link);
    assert.equal(readTokenFileSync(link)?.token.email, 'p@example.com');
    assert.equal(tokenWriteTarget(link), paused);
    // auth/ itself a link to a dir elsewhere (ln -sfn), its links pointing into it by that dir's real name.
    const real = `${ccs.paths.authDir}-real`;
    renameSync(ccs.paths.authDir, real);
    symlinkSync(real, ccs.paths.authDir);
    mkdirSync(path.join(real, 'store'), {mode: 0o700});
    writeFileSync(path.join(real, 'store', 'a.json'), JSON.stringify(tokenFixture('claude', 'a@example.com')), {mode: 0o600});
    symlinkSync(path.join(real, 'store', 'a.json'), path.join(real, 'claude-a.json'));
    assert.equal(readTokenFileSync(path.join(ccs.paths.authDir, 'claude-a.json'))?.token.email, 'a@example.com');
    symlinkSync(path.join(real, 'gone.json'), path.join(real, 'claude-gone.json'));
    assert.equal(readTokenFileSync(path.join(ccs.paths.authDir, 'claude-gone.json')), undefined);
    assert.equal(tokenWriteTarget(path.join(ccs.paths.authDir, 'claude-gone.json')), path.join(ccs.paths.authDir, 'claude-gone.json'));
  } finally {
    ccs.cleanup();
  }
});

test('backupCorruptFile with the token read options keeps a broken token file\'s bytes', async () => {
  const ccs = makeTempCcs();
  try {
    const file = ccs.writeRaw('cliproxy/auth/claude-c.json', '{"type": "claude", "email": "c@');
    const copy = await backupCorruptFile(file, tokenReadOptions(file));
    assert.ok(copy?.startsWith(`${file}.corrupt-`));
    assert.equal(readFileSync(copy!, 'utf8'), '{"type": "claude", "email": "c@');
  } finally {
    ccs.cleanup();
  }
});

test('pausing and resuming an account whose token file is a relative link: the link moves and still leads to its file', async () => {
  const ccs = makeTempCcs();
  try {
    // The file kept in a dir of its own inside auth/ (not listed), linked by a relative name.
    const kept = path.join(ccs.paths.authDir, 'keep', 'claude-a.json');
    mkdirSync(path.dirname(kept), {recursive: true});
    writeFileSync(kept, JSON.stringify(tokenFixture('claude', 'a@example.com')), {mode: 0o600});
    symlinkSync(path.join('keep', 'claude-a.json'), path.join(ccs.paths.authDir, 'claude-a.json'));
    const store = new AccountStore(ccs.paths);
    await store.setPaused('claude', 'a@example.com', true);
    const paused = path.join(ccs.paths.pausedDir, 'claude-a.json');
    assert.ok(lstatSync(paused).isSymbolicLink(), 'still a link');
    assert.equal(readFileSync(paused, 'utf8'), readFileSync(kept, 'utf8'), 'leading to the same file');
    assert.deepEqual(readdirSync(ccs.paths.authDir).sort(), ['keep']);
    let account = (await store.load()).accounts.find((a) => a.id === 'a@example.com')!;
    assert.deepEqual([account.paused, account.health], [true, 'ok']);
    await store.setPaused('claude', 'a@example.com', false);
    assert.equal(readFileSync(path.join(ccs.paths.authDir, 'claude-a.json'), 'utf8'), readFileSync(kept, 'utf8'));
    assert.deepEqual(readdirSync(ccs.paths.pausedDir), []);
    account = (await store.load()).accounts.find((a) => a.id === 'a@example.com')!;
    assert.deepEqual([account.paused, account.health], [false, 'ok']);
  } finally {
    ccs.cleanup();
  }
});

for (const [how, linkTo] of [
  ['a relative link', (ccs: ReturnType<typeof makeTempCcs>) => path.join('..', 'auth-paused', 'claude-a.json')],
  ['an absolute link', (ccs: ReturnType<typeof makeTempCcs>) => path.join(ccs.paths.pausedDir, 'claude-a.json')],
] as const) {
  test(`pausing an account whose token file is ${how} to its own name in auth-paused/ removes the link and keeps the file`, async () => {
    const ccs = makeTempCcs();
    try {
      mkdirSync(ccs.paths.pausedDir, {mode: 0o700});
      const file = ccs.writeToken('claude-a.json', tokenFixture('claude', 'a@example.com'), 'auth-paused');
      const text = readFileSync(file, 'utf8');
      symlinkSync(linkTo(ccs), path.join(ccs.paths.authDir, 'claude-a.json'));
      const store = new AccountStore(ccs.paths);
      await store.setPaused('claude', 'a@example.com', true);
      // The file as it was (renamed over by the link, it had pointed at itself and the token was gone).
      assert.ok(lstatSync(file).isFile());
      assert.equal(readFileSync(file, 'utf8'), text);
      assert.deepEqual(readdirSync(ccs.paths.authDir), []);
      const account = (await store.load()).accounts.find((a) => a.id === 'a@example.com')!;
      assert.deepEqual([account.paused, account.health], [true, 'ok']);
    } finally {
      ccs.cleanup();
    }
  });
}

test('a relative link paused while the CCS dir is reached through a link at another depth still leads to its file', async () => {
  const base = mkdtempSync(path.join(tmpdir(), 'ccs-tui-deep-'));
  try {
    const real = path.join(base, 'deep', 'er', 'real-ccs');
    mkdirSync(path.join(real, 'cliproxy', 'auth', 'keep'), {recursive: true, mode: 0o700});
    mkdirSync(path.join(base, 'home'));
    symlinkSync(real, path.join(base, 'home', '.ccs'));
    const paths = ccsPaths(path.join(base, 'home', '.ccs'));
    writeFileSync(path.join(paths.authDir, 'keep', 'claude-a.json'), JSON.stringify(tokenFixture('claude', 'a@example.com')), {mode: 0o600});
    symlinkSync(path.join('keep', 'claude-a.json'), path.join(paths.authDir, 'claude-a.json'));
    const store = new AccountStore(paths);
    await store.setPaused('claude', 'a@example.com', true);
    const account = (await store.load()).accounts.find((a) => a.id === 'a@example.com')!;
    assert.deepEqual([account.paused, account.health, readlinkSync(path.join(paths.pausedDir, 'claude-a.json'))], [true, 'ok', path.join('..', 'auth', 'keep', 'claude-a.json')]);
  } finally {
    rmSync(base, {recursive: true, force: true});
  }
});
