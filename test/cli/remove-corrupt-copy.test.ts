// `remove` of an account whose token file cannot be parsed keeps the file's bytes first, as every
// reader keeps a broken file (files.ts backupCorruptFile: `<name>.corrupt-<hash>` beside it), and
// says where; it used to delete the file and keep nothing. A link (out of the token dirs) is removed
// alone: what it points to is never read nor touched.
import assert from 'node:assert/strict';
import {existsSync, lstatSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {afterEach, test} from 'node:test';
import {makeTempCcs, tokenFixture, type TempCcs} from '../helpers/ccs.js';
import {runBin} from '../helpers/cli.js';

let cleanups: Array<() => unknown> = [];
afterEach(() => {
  for (const cleanup of cleanups.reverse()) cleanup();
  cleanups = [];
});

function withCarol(): {ccs: TempCcs; tokenFile: string} {
  const ccs = makeTempCcs();
  cleanups.push(() => ccs.cleanup());
  ccs.writeToken('claude-bob@x.com.json', tokenFixture('claude', 'bob@x.com'));
  ccs.writeRegistry({
    version: 1,
    providers: {claude: {default: 'bob@x.com', accounts: {'bob@x.com': {email: 'bob@x.com', tokenFile: 'claude-bob@x.com.json'}, 'carol@x.com': {email: 'carol@x.com', tokenFile: 'claude-carol@x.com.json'}}}},
  });
  return {ccs, tokenFile: path.join(ccs.paths.authDir, 'claude-carol@x.com.json')};
}

test('remove of an account whose token file is truncated JSON keeps its bytes (<file>.corrupt-<hash>) and says where', async () => {
  const {ccs, tokenFile} = withCarol();
  const broken = JSON.stringify(tokenFixture('claude', 'carol@x.com'), null, 2).slice(0, 120);
  writeFileSync(tokenFile, broken, {mode: 0o600});
  const list = await runBin(['accounts'], ccs.env);
  assert.match(list.stdout, /carol@x\.com.*! unreadable/);
  const run = await runBin(['remove', 'claude', 'carol@x.com', '--yes'], ccs.env);
  assert.equal(run.code, 0, run.stderr);
  assert.ok(!existsSync(tokenFile), 'the token file is removed');
  const copies = readdirSync(ccs.paths.authDir).filter((name) => name.startsWith('claude-carol@x.com.json.corrupt-'));
  assert.equal(copies.length, 1, readdirSync(ccs.paths.authDir).join(', '));
  const copy = path.join(ccs.paths.authDir, copies[0]!);
  assert.match(copies[0]!, /\.corrupt-[0-9a-f]{8}$/);
  assert.equal(readFileSync(copy, 'utf8'), broken, 'the copy holds the broken bytes');
  assert.equal(statSync(copy).mode & 0o777, 0o600);
  assert.equal(run.stdout, `claude: removed carol@x.com; its token file could not be read, so the broken file is kept at ${copy}\n`);
  // The copy is no account: the listing does not take it for one.
  const after = await runBin(['accounts', '--json'], ccs.env);
  assert.deepEqual((JSON.parse(after.stdout) as {id: string}[]).map((a) => a.id), ['bob@x.com']);
});

test('remove of an account whose file is a readable token keeps no copy (as before)', async () => {
  const {ccs, tokenFile} = withCarol();
  writeFileSync(tokenFile, JSON.stringify(tokenFixture('claude', 'carol@x.com')), {mode: 0o600});
  const run = await runBin(['remove', 'claude', 'carol@x.com', '--yes'], ccs.env);
  assert.equal(run.code, 0, run.stderr);
  assert.equal(run.stdout, 'claude: removed carol@x.com\n');
  assert.deepEqual(readdirSync(ccs.paths.authDir), ['claude-bob@x.com.json']);
});

test('remove of an account whose file is a link out of the token dirs removes the link alone: the file it points to is not read, copied or touched', async () => {
  const {ccs, tokenFile} = withCarol();
  const outsideDir = mkdtempSync(path.join(tmpdir(), 'ccs-tui-outside-'));
  cleanups.push(() => rmSync(outsideDir, {recursive: true, force: true}));
  const outside = path.join(outsideDir, 'secret');
  writeFileSync(outside, 'root:not-json\n', {mode: 0o600});
  symlinkSync(outside, tokenFile);
  const run = await runBin(['remove', 'claude', 'carol@x.com', '--yes'], ccs.env);
  assert.equal(run.code, 0, run.stderr);
  assert.ok(!(run.stdout + run.stderr).includes('root:'), run.stdout + run.stderr);
  assert.equal(lstatSync(tokenFile, {throwIfNoEntry: false}), undefined, 'the link is gone');
  assert.equal(readFileSync(outside, 'utf8'), 'root:not-json\n');
  assert.deepEqual(readdirSync(ccs.paths.authDir), ['claude-bob@x.com.json'], 'no copy of what it points to');
});
