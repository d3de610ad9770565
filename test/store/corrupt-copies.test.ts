// A tui.json saved broken again and again (an editor saving every few seconds for an hour) leaves a
// bounded number of `tui.json.corrupt-<hash>` copies: the newest few distinct broken versions, the
// one just read among them, even when it is a version seen before. The same for every other file
// a reader copies aside when it is broken.
import assert from 'node:assert/strict';
import {readdirSync, readFileSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {afterEach, beforeEach, test} from 'node:test';
import {CORRUPT_COPIES} from '../../source/store/files.js';
import {loadSettings} from '../../source/store/settings.js';
import {quotaCacheFile, readQuotaCache} from '../../source/services/quota/cache.js';
import {AccountStore} from '../../source/store/accounts.js';
import {makeTempCcs, type TempCcs} from '../helpers/ccs.js';

let ccs: TempCcs;
beforeEach(() => (ccs = makeTempCcs()));
afterEach(() => ccs.cleanup());

/** The contents of tui.json's copies, sorted. */
const copies = () =>
  readdirSync(ccs.paths.root)
    .filter((name) => name.startsWith('tui.json.corrupt-'))
    .map((name) => readFileSync(path.join(ccs.paths.root, name), 'utf8'))
    .sort();
const broken = (n: number) => `{"rotation": {"strategy": ${n}}`;
const tick = () => new Promise((resolve) => setTimeout(resolve, 5));

test('each distinct broken save is copied, and only the newest few copies stay; the one just read is always there', async () => {
  assert.equal(CORRUPT_COPIES, 5, 'as README "Files" says');
  for (let n = 1; n <= CORRUPT_COPIES + 20; n++) {
    ccs.writeRaw('tui.json', broken(n));
    const {problem} = await loadSettings(ccs.paths, {report: false});
    assert.equal(readFileSync(problem!.backup!, 'utf8'), broken(n), 'the copy named is the version read');
    await tick();
  }
  const newest = Array.from({length: CORRUPT_COPIES}, (_, i) => broken(20 + 1 + i)).sort();
  assert.deepEqual(copies(), newest);

  // A version seen before, its copy long gone, saved again is the newest: copied again, the oldest goes.
  const read = async (n: number) => {
    ccs.writeRaw('tui.json', broken(n));
    await loadSettings(ccs.paths, {report: false});
    await tick();
  };
  await read(1);
  assert.deepEqual(copies(), [broken(1), broken(22), broken(23), broken(24), broken(25)].sort());
  // One whose copy is still there, saved again, counts as new too: the next new version drops 23, not 22.
  await read(22);
  await read(100);
  assert.deepEqual(copies(), [broken(1), broken(22), broken(24), broken(25), broken(100)].sort());
});

test('files beside tui.json that only look like its copies, and copies of other files, are left alone', async () => {
  writeFileSync(path.join(ccs.paths.root, 'tui.json.corrupt-notes.txt'), 'mine');
  writeFileSync(path.join(ccs.paths.root, 'other.json.corrupt-0123abcd'), 'another file');
  for (let n = 1; n <= CORRUPT_COPIES + 3; n++) {
    ccs.writeRaw('tui.json', broken(n));
    await loadSettings(ccs.paths, {report: false});
    await tick();
  }
  const names = readdirSync(ccs.paths.root);
  assert.ok(names.includes('tui.json.corrupt-notes.txt'));
  assert.ok(names.includes('other.json.corrupt-0123abcd'));
  assert.equal(copies().length, CORRUPT_COPIES + 1, 'the bound, and the look-alike');
});

/** `file`'s copies (`<name>.corrupt-<8 hex>` beside it), their contents sorted. */
const copiesOf = (file: string) =>
  readdirSync(path.dirname(file))
    .filter((name) => name.startsWith(`${path.basename(file)}.corrupt-`))
    .map((name) => readFileSync(path.join(path.dirname(file), name), 'utf8'))
    .sort();

// Every reader that keeps a broken file aside goes through store/files.ts backupCorruptFile, so each
// file's copies are bounded as tui.json's are (config.yaml is never rewritten: no copy is made).
const readers: {name: string; file: (c: TempCcs) => string; read: (c: TempCcs) => Promise<unknown>}[] = [
  {name: 'accounts.json (the registry)', file: (c) => c.paths.registry, read: (c) => new AccountStore(c.paths).load()},
  {name: 'the quota cache', file: (c) => quotaCacheFile(c.paths), read: (c) => readQuotaCache(c.paths)},
];
for (const reader of readers) {
  test(`${reader.name}: each broken version read is copied, and only the newest ${CORRUPT_COPIES} copies stay`, async () => {
    const file = reader.file(ccs);
    for (let n = 1; n <= CORRUPT_COPIES + 3; n++) {
      ccs.writeRaw(path.relative(ccs.paths.root, file), broken(n));
      await reader.read(ccs);
      await tick();
    }
    assert.deepEqual(copiesOf(file), Array.from({length: CORRUPT_COPIES}, (_, i) => broken(3 + 1 + i)).sort());
  });
}
