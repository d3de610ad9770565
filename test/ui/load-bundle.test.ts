// The TUI bundle's V8 code cache (ui/load-bundle.ts): written 0600 in a 0700 dir of its own, used on
// the next start, and never used when it is another bundle's, damaged, or writable by others: then
// the bundle is compiled as if there were none, and what runs is the bundle on disk.
import assert from 'node:assert/strict';
import {spawnSync} from 'node:child_process';
import {chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {test} from 'node:test';
import {repoRoot} from '../helpers/cli.js';

const loader = path.join(repoRoot, 'dist/source/ui/load-bundle.js');

/** Two bundles of the same length (V8 checks a cache against the source's length only). */
const bundleText = (value: number) => `(async function (require, url, importModule) {\n  return {value: ${value}, fromUrl: url.startsWith('file:')};\n})\n`;

/** Loads `bundle` in a fresh process with the cache in `cacheDir`, as ccs-tui does; what it returned. */
function load(bundle: string, cacheDir: string): {value: number; fromUrl: boolean} {
  const code = `const {loadBundle} = await import(${JSON.stringify(loader)}); console.log(JSON.stringify(await loadBundle(${JSON.stringify(bundle)}, ${JSON.stringify(cacheDir)})));`;
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', code], {encoding: 'utf8'});
  assert.equal(run.status, 0, run.stderr);
  assert.equal(run.stderr, '', 'nothing said on stderr');
  return JSON.parse(run.stdout) as {value: number; fromUrl: boolean};
}

function setUp() {
  const base = mkdtempSync(path.join(tmpdir(), 'ccs-tui-load-bundle-'));
  const bundle = path.join(base, 'launch-script.js');
  const cacheDir = path.join(base, 'cache', 'ccs-tui');
  const cacheFiles = () => readdirSync(cacheDir).filter((name) => name.endsWith('.v8'));
  return {base, bundle, cacheDir, cacheFiles, cleanup: () => rmSync(base, {recursive: true, force: true})};
}

test('the first load writes the cache (0600, in a 0700 dir), the next one runs the same bundle from it', () => {
  const t = setUp();
  try {
    writeFileSync(t.bundle, bundleText(1));
    assert.deepEqual(load(t.bundle, t.cacheDir), {value: 1, fromUrl: true});
    assert.equal(statSync(t.cacheDir).mode & 0o777, 0o700);
    const [file] = t.cacheFiles();
    assert.ok(file, 'a cache file');
    assert.equal(statSync(path.join(t.cacheDir, file)).mode & 0o777, 0o600);
    const written = statSync(path.join(t.cacheDir, file)).mtimeMs;
    assert.deepEqual(load(t.bundle, t.cacheDir), {value: 1, fromUrl: true});
    assert.equal(statSync(path.join(t.cacheDir, file)).mtimeMs, written, 'a cache that was used is not written again');
  } finally {
    t.cleanup();
  }
});

test('a cache written for another bundle (same length, after an upgrade) is not used: the bundle on disk runs', () => {
  const t = setUp();
  try {
    writeFileSync(t.bundle, bundleText(1));
    load(t.bundle, t.cacheDir);
    const [first] = t.cacheFiles();
    // The second bundle, with the first one's cache under the second one's name.
    writeFileSync(t.bundle, bundleText(2));
    load(t.bundle, path.join(t.base, 'other-cache'));
    const [second] = readdirSync(path.join(t.base, 'other-cache')).filter((name) => name.endsWith('.v8'));
    rmSync(path.join(t.base, 'other-cache'), {recursive: true});
    writeFileSync(path.join(t.cacheDir, second!), readFileSync(path.join(t.cacheDir, first!)), {mode: 0o600});
    assert.deepEqual(load(t.bundle, t.cacheDir), {value: 2, fromUrl: true});
  } finally {
    t.cleanup();
  }
});

test('a damaged cache is not used and is written again; one that others can write is not used', () => {
  const t = setUp();
  try {
    writeFileSync(t.bundle, bundleText(1));
    load(t.bundle, t.cacheDir);
    const file = path.join(t.cacheDir, t.cacheFiles()[0]!);
    const data = readFileSync(file);
    data[data.length - 100] ^= 0xff;
    writeFileSync(file, data);
    assert.deepEqual(load(t.bundle, t.cacheDir), {value: 1, fromUrl: true});
    assert.notDeepEqual(readFileSync(file), data, 'written again');

    // The first bundle's cache, its header naming the second bundle: used as it is, it would run the
    // first bundle's code. Only a file this user alone can write is trusted at all.
    const again = setUp();
    try {
      writeFileSync(again.bundle, bundleText(1));
      load(again.bundle, again.cacheDir);
      const [first] = again.cacheFiles();
      const cache = readFileSync(path.join(again.cacheDir, first!));
      rmSync(path.join(again.cacheDir, first!));
      writeFileSync(again.bundle, bundleText(2));
      load(again.bundle, path.join(again.base, 'other'));
      const [second] = readdirSync(path.join(again.base, 'other')).filter((name) => name.endsWith('.v8'));
      const firstKey = /tui-([0-9a-f]{64})/.exec(first!)![1]!;
      const secondKey = /tui-([0-9a-f]{64})/.exec(second!)![1]!;
      const headerEnd = cache.indexOf(10);
      const forged = Buffer.concat([Buffer.from(cache.subarray(0, headerEnd).toString('latin1').replace(firstKey, secondKey), 'latin1'), cache.subarray(headerEnd)]);
      const target = path.join(again.cacheDir, second!);
      writeFileSync(target, forged, {mode: 0o600});
      chmodSync(target, 0o666);
      assert.deepEqual(load(again.bundle, again.cacheDir), {value: 2, fromUrl: true}, 'a cache others can write is not used');
    } finally {
      again.cleanup();
    }
  } finally {
    t.cleanup();
  }
});

test('a cache dir that others can enter is made private before a cache is written in it', () => {
  const t = setUp();
  try {
    writeFileSync(t.bundle, bundleText(1));
    mkdirSync(t.cacheDir, {recursive: true, mode: 0o755});
    chmodSync(t.cacheDir, 0o755);
    assert.deepEqual(load(t.bundle, t.cacheDir), {value: 1, fromUrl: true});
    assert.equal(statSync(t.cacheDir).mode & 0o777, 0o700);
  } finally {
    t.cleanup();
  }
});
