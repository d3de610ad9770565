// The TUI bundle's V8 code cache (ui/load-bundle.ts): written 0600 in a 0700 dir of its own, used on
// the next start, and never used when it is another bundle's, damaged, or writable by others: then
// the bundle is compiled as if there were none, and what runs is the bundle on disk.
import assert from 'node:assert/strict';
import {spawnSync} from 'node:child_process';
import {chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, utimesSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {test} from 'node:test';
import {repoRoot} from '../helpers/cli.js';
import {ensureNode22} from '../helpers/npm-cache.js';
import {withBundleId} from '../helpers/tui-bundle.js';

const loader = path.join(repoRoot, 'dist/source/ui/load-bundle.js');

/**
 * Two bundles of the same length (V8 checks a cache against the source's length only), each with its
 * id line as scripts/bundle-tui.mjs writes it (`id`: another one, as a bundle edited in place keeps).
 */
const bundleText = (value: number, id?: string) => withBundleId(`(async function (require, url, importModule) {\n  return {value: ${value}, fromUrl: url.startsWith('file:')};\n})\n`, id);

/** Loads `bundle` in a fresh process with the cache in `cacheDir`, as ccs-tui does; what it returned. */
function load(bundle: string, cacheDir: string | undefined, options: {node?: string; env?: NodeJS.ProcessEnv; uid?: number; nodeArgs?: string[]} = {}): {value: number; fromUrl: boolean} {
  const code = `const {loadBundle} = await import(${JSON.stringify(loader)}); console.log(JSON.stringify(await loadBundle(${JSON.stringify(bundle)}${cacheDir === undefined ? '' : `, ${JSON.stringify(cacheDir)}`})));`;
  const run = spawnSync(options.node ?? process.execPath, [...(options.nodeArgs ?? []), '--input-type=module', '-e', code], {encoding: 'utf8', timeout: 20_000, env: options.env ?? process.env, uid: options.uid, gid: options.uid});
  assert.equal(run.status, 0, run.stderr);
  assert.equal(run.stderr, '', 'nothing said on stderr');
  return JSON.parse(run.stdout) as {value: number; fromUrl: boolean};
}

/** Why another uid cannot run this Node (a dir on its path or the file lacks o+x: npm's Node 22 under /root), if so. */
function notRunnableByOthers(file: string): string | undefined {
  for (let at = file; ; at = path.dirname(at)) {
    if ((statSync(at).mode & 0o001) === 0) return `${at} is not searchable by another user`;
    if (path.dirname(at) === at) return undefined;
  }
}

/** A Node whose V8 is not this process's: npm's Node 22, or, on the Node 22 pass, another `node` on PATH (the machine's Node 20). */
async function nodeOfAnotherV8(): Promise<{file: string} | {skip: string}> {
  const node22 = await ensureNode22();
  const candidates = [...('file' in node22 ? [node22.file] : []), ...(process.env.PATH ?? '').split(path.delimiter).filter(Boolean).map((dir) => path.join(dir, 'node'))];
  for (const file of candidates) {
    if (!existsSync(file)) continue;
    const v8 = spawnSync(file, ['-p', 'process.versions.v8'], {encoding: 'utf8'}).stdout?.trim();
    if (v8 && v8 !== process.versions.v8) return {file};
  }
  return {skip: `no Node with another V8 than this one (${process.versions.v8})${'skip' in node22 ? `; ${node22.skip}` : ''}`};
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

test('a bundle edited in place that keeps its id line (same length, same id) does not take the cache of the one before: the bundle on disk runs', () => {
  const t = setUp();
  try {
    const id = 'a'.repeat(64);
    writeFileSync(t.bundle, bundleText(1, id));
    // A whole second, which a time set back gives again exactly.
    utimesSync(t.bundle, new Date('2026-01-01T00:00:00Z'), new Date('2026-01-01T00:00:00Z'));
    assert.deepEqual(load(t.bundle, t.cacheDir), {value: 1, fromUrl: true});
    const [file] = t.cacheFiles();
    const {atime, mtime} = statSync(t.bundle);
    writeFileSync(t.bundle, bundleText(2, id));
    // Its time set back too (`touch -r`, `cp -p`): the ctime still moved.
    utimesSync(t.bundle, atime, mtime);
    assert.deepEqual(load(t.bundle, t.cacheDir), {value: 2, fromUrl: true});
    assert.deepEqual(t.cacheFiles(), [file], 'the same file, written again for the bundle now on disk');
    assert.deepEqual(load(t.bundle, t.cacheDir), {value: 2, fromUrl: true});
  } finally {
    t.cleanup();
  }
});

test('two copies of one bundle (two checkouts of a build) sharing a cache dir each keep their own cache: neither rewrites it at every start', () => {
  const t = setUp();
  try {
    writeFileSync(t.bundle, bundleText(1));
    const copy = path.join(t.base, 'copy', 'launch-script.js');
    mkdirSync(path.dirname(copy));
    writeFileSync(copy, bundleText(1));
    load(t.bundle, t.cacheDir);
    load(copy, t.cacheDir);
    const written = new Map(t.cacheFiles().map((name) => [name, statSync(path.join(t.cacheDir, name)).mtimeMs]));
    assert.equal(written.size, 2);
    assert.deepEqual(load(t.bundle, t.cacheDir), {value: 1, fromUrl: true});
    assert.deepEqual(load(copy, t.cacheDir), {value: 1, fromUrl: true});
    assert.deepEqual(new Map(t.cacheFiles().map((name) => [name, statSync(path.join(t.cacheDir, name)).mtimeMs])), written, 'each used its own, written once');
  } finally {
    t.cleanup();
  }
});

test('a bundle without its id line (or with one that is not an id) runs, and no cache is written for it', () => {
  const t = setUp();
  try {
    for (const text of ['(async function (require, url, importModule) {\n  return {value: 3, fromUrl: true};\n})\n', withBundleId('(async function (require, url, importModule) {\n  return {value: 3, fromUrl: true};\n})\n', 'not-an-id')]) {
      writeFileSync(t.bundle, text);
      assert.deepEqual(load(t.bundle, t.cacheDir), {value: 3, fromUrl: true});
      assert.deepEqual(existsSync(t.cacheDir) ? t.cacheFiles() : [], []);
    }
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
    const good = readFileSync(file);
    const payloadStart = good.indexOf(10) + 1;
    // V8 checks the cache's checksum (a release build does not unless told, and a damaged cache crashed it).
    for (const at of [payloadStart + 8, payloadStart + 40, Math.floor((payloadStart + good.length) / 2), good.length - 100, good.length - 1]) {
      const data = Buffer.from(good);
      data[at] ^= 0xff;
      writeFileSync(file, data);
      assert.deepEqual(load(t.bundle, t.cacheDir), {value: 1, fromUrl: true}, `a byte changed at ${at} of ${good.length}`);
      assert.notDeepEqual(readFileSync(file), data, 'written again');
    }
    // Cut short, or its header changed.
    for (const data of [good.subarray(0, good.length - 10), Buffer.concat([Buffer.from(good.subarray(0, payloadStart - 1).toString('latin1').replace(/ \d+ /, ' 1 '), 'latin1'), good.subarray(payloadStart - 1)])]) {
      writeFileSync(file, data);
      assert.deepEqual(load(t.bundle, t.cacheDir), {value: 1, fromUrl: true});
      assert.notDeepEqual(readFileSync(file), data, 'written again');
    }

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
      // The second bundle's own header line, over the first one's cache.
      const secondCache = readFileSync(path.join(again.base, 'other', second!));
      const forged = Buffer.concat([secondCache.subarray(0, secondCache.indexOf(10)), cache.subarray(cache.indexOf(10))]);
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

/** The cache file's name for `bundle` in this Node, found by a load into a scratch dir. */
function cacheName(t: ReturnType<typeof setUp>, bundle: string): string {
  const scratch = path.join(t.base, 'scratch');
  load(bundle, scratch);
  const [name] = readdirSync(scratch).filter((entry) => entry.endsWith('.v8'));
  rmSync(scratch, {recursive: true});
  return name!;
}

test('a FIFO or a huge file where the cache would be is not read: the TUI starts (it hung on the FIFO)', () => {
  const t = setUp();
  try {
    writeFileSync(t.bundle, bundleText(1));
    const name = cacheName(t, t.bundle);
    mkdirSync(t.cacheDir, {recursive: true, mode: 0o700});
    const made = spawnSync('mkfifo', ['-m', '600', path.join(t.cacheDir, name)]);
    assert.equal(made.status, 0, String(made.stderr));
    assert.deepEqual(load(t.bundle, t.cacheDir), {value: 1, fromUrl: true});
    rmSync(path.join(t.cacheDir, name));
    writeFileSync(path.join(t.cacheDir, name), '', {mode: 0o600});
    truncateSync(path.join(t.cacheDir, name), 2 ** 40); // sparse: 1 TiB read whole would fail the start
    assert.deepEqual(load(t.bundle, t.cacheDir), {value: 1, fromUrl: true});
  } finally {
    t.cleanup();
  }
});

test('the TUI bundle runs as strict code, as the ES modules it is built from', () => {
  // A sloppy caller is visible to a sloppy callee as `.caller`; a strict one is not (null).
  const code = `const {Script} = require('node:vm');
const run = new Script(require('node:fs').readFileSync(${JSON.stringify(path.join(repoRoot, 'dist/tui/launch-script.js'))}, 'utf8')).runInThisContext();
function probe() { console.log(probe.caller === null ? 'strict' : 'sloppy'); throw new Error('stop'); }
run(probe, 'file:///bundle.js', () => Promise.resolve()).catch(() => {});`;
  const run = spawnSync(process.execPath, ['-e', code], {encoding: 'utf8'});
  assert.equal(run.stdout.trim(), 'strict', run.stderr);
});

test('no home at all (HOME unset, no passwd entry): no cache, and the bundle still runs', {skip: process.getuid?.() !== 0 ? 'needs root to run as a uid without a passwd entry' : notRunnableByOthers(process.execPath)}, () => {
  const t = setUp();
  try {
    chmodSync(t.base, 0o755);
    writeFileSync(t.bundle, bundleText(1));
    const env = {...process.env};
    delete env.HOME;
    delete env.XDG_CACHE_HOME;
    assert.deepEqual(load(t.bundle, undefined, {env, uid: 54_321}), {value: 1, fromUrl: true});
  } finally {
    t.cleanup();
  }
});

test('run as root with another user\'s home (sudo keeping HOME): no dir is made in it, so that user\'s own starts keep their cache', {skip: process.getuid?.() !== 0 && 'needs root'}, () => {
  const t = setUp();
  try {
    writeFileSync(t.bundle, bundleText(1));
    const home = path.join(t.base, 'alice');
    mkdirSync(home, {mode: 0o755});
    chownSync(home, 54_321, 54_321);
    assert.deepEqual(load(t.bundle, path.join(home, '.cache', 'ccs-tui')), {value: 1, fromUrl: true});
    assert.equal(existsSync(path.join(home, '.cache')), false, 'no root-owned ~/.cache in her home');
  } finally {
    t.cleanup();
  }
});

test('Node 20 and Node 22 sharing a cache dir each keep their own cache (neither rewrites it at every start)', async (ctx) => {
  const other = await nodeOfAnotherV8();
  if ('skip' in other) return ctx.skip(other.skip);
  const t = setUp();
  try {
    writeFileSync(t.bundle, bundleText(1));
    load(t.bundle, t.cacheDir);
    assert.deepEqual(load(t.bundle, t.cacheDir, {node: other.file}), {value: 1, fromUrl: true});
    const written = new Map(t.cacheFiles().map((name) => [name, statSync(path.join(t.cacheDir, name)).mtimeMs]));
    load(t.bundle, t.cacheDir);
    load(t.bundle, t.cacheDir, {node: other.file});
    assert.deepEqual(new Map(t.cacheFiles().map((name) => [name, statSync(path.join(t.cacheDir, name)).mtimeMs])), written, 'each used its own, written once');
    assert.equal(written.size, 2);
  } finally {
    t.cleanup();
  }
});

test('the TUI\'s V8 tiering flag is one its V8 knows: Node 20\'s budget of bytecode, Node 22\'s count of calls, none for a V8 not known', async () => {
  const {tuiTieringFlag} = (await import(loader)) as typeof import('../../source/ui/load-bundle.js');
  assert.equal(tuiTieringFlag('11.3.244.8-node.37'), '--interrupt-budget=540672');
  assert.equal(tuiTieringFlag('12.4.254.21-node.33'), '--invocation-count-for-turbofan=24000');
  assert.equal(tuiTieringFlag('11.8.172.17-node.19'), undefined, 'Node 21: neither flag is known to be there');
  assert.equal(tuiTieringFlag('15.0.1'), undefined);
  assert.equal(tuiTieringFlag(''), undefined);
  // This Node's own: one its V8 lists. An unknown one would be printed on the terminal at every start
  // (load() above asserts that nothing is said on stderr, on both CI Nodes).
  const flag = tuiTieringFlag(process.versions.v8);
  if (flag) {
    const listed = spawnSync(process.execPath, ['--v8-options'], {encoding: 'utf8'}).stdout;
    assert.match(listed, new RegExp(`^\\s+${flag.split('=')[0]} `, 'm'));
  }
});


test('the code cache checksum flag is one this V8 lists; a V8 it is not known for gets no cache (none written, the bundle runs)', async () => {
  const {checksumFlagKnown} = (await import(loader)) as typeof import('../../source/ui/load-bundle.js');
  assert.equal(checksumFlagKnown('11.3.244.8-node.37'), true);
  assert.equal(checksumFlagKnown('12.4.254.21-node.33'), true);
  assert.equal(checksumFlagKnown('15.0.1'), false);
  assert.equal(checksumFlagKnown(''), false);
  assert.equal(checksumFlagKnown(process.versions.v8), true, 'this Node is one the TUI caches its code for');
  const listed = spawnSync(process.execPath, ['--v8-options'], {encoding: 'utf8'}).stdout;
  assert.match(listed, /^\s+--verify-snapshot-checksum /m);
  // A V8 not known: no cache (the process's V8 version as another's).
  const t = setUp();
  try {
    writeFileSync(t.bundle, bundleText(1));
    const code = `Object.defineProperty(process.versions, 'v8', {value: '15.0.1'}); const {loadBundle} = await import(${JSON.stringify(loader)}); console.log(JSON.stringify(await loadBundle(${JSON.stringify(t.bundle)}, ${JSON.stringify(t.cacheDir)})));`;
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', code], {encoding: 'utf8', timeout: 20_000});
    assert.equal(run.status, 0, run.stderr);
    assert.equal(run.stderr, '');
    assert.deepEqual(JSON.parse(run.stdout), {value: 1, fromUrl: true});
    assert.equal(existsSync(t.cacheDir), false, 'no cache dir made, no cache written');
  } finally {
    t.cleanup();
  }
});

test('a tiering budget the user gives V8 stays the user\'s however it is spelt (one dash, `_` for `-`): the cache made under it is taken again', async (t) => {
  const {tuiTieringFlag, givenOnCommandLine} = (await import(loader)) as typeof import('../../source/ui/load-bundle.js');
  const flag = tuiTieringFlag(process.versions.v8);
  if (!flag) return t.skip(`no tiering flag for V8 ${process.versions.v8}`);
  const name = flag.split('=')[0]!.slice(2);
  // Another flag whose name begins with the tiering flag's is not the user's budget: the TUI's is still set.
  assert.equal(givenOnCommandLine(flag, [`--${name}-for-feedback-allocation=940`]), false);
  assert.equal(givenOnCommandLine(flag, ['--max-old-space-size=200', `-${name.replace(/-/g, '_')}=5`]), true);
  const s = setUp();
  try {
    writeFileSync(s.bundle, bundleText(1));
    // The user's budget (not the TUI's), spelt as V8's help spells it: the cache is made under it.
    load(s.bundle, s.cacheDir, {nodeArgs: [`--${name}=777`]});
    const [file] = s.cacheFiles();
    assert.ok(file, 'a cache file');
    const written = statSync(path.join(s.cacheDir, file)).mtimeMs;
    // The same budget spelt with `_`: V8 runs with the same flags, so it takes that cache. Had the
    // TUI's budget replaced the user's, V8 would reject the cache and it would be written again.
    for (const spelt of [`--${name.replace(/-/g, '_')}=777`, `-${name}=777`]) {
      assert.deepEqual(load(s.bundle, s.cacheDir, {nodeArgs: [spelt]}), {value: 1, fromUrl: true});
      assert.equal(statSync(path.join(s.cacheDir, file)).mtimeMs, written, `${spelt}: the cache made under the user's budget was taken, not written again`);
    }
  } finally {
    s.cleanup();
  }
});

test('the TUI runs under its own tiering budget: a start that names the same budget on the command line takes the cache a plain start made', async (t) => {
  const {tuiTieringFlag} = (await import(loader)) as typeof import('../../source/ui/load-bundle.js');
  const flag = tuiTieringFlag(process.versions.v8);
  if (!flag) return t.skip(`no tiering flag for V8 ${process.versions.v8}`);
  const s = setUp();
  try {
    writeFileSync(s.bundle, bundleText(1));
    load(s.bundle, s.cacheDir);
    const [file] = s.cacheFiles();
    assert.ok(file, 'a cache file');
    const written = statSync(path.join(s.cacheDir, file)).mtimeMs;
    // V8 takes a cache only under the flags it was made with: had the plain start run under V8's
    // default budget, this start (the TUI's budget, given by hand) would reject it and write it again.
    assert.deepEqual(load(s.bundle, s.cacheDir, {nodeArgs: [flag]}), {value: 1, fromUrl: true});
    assert.equal(statSync(path.join(s.cacheDir, file)).mtimeMs, written, 'the cache made under the TUI\'s own budget was taken');
    // And a budget of the user's that differs is a start under other flags: the cache is made again.
    load(s.bundle, s.cacheDir, {nodeArgs: [`${flag.split('=')[0]}=777`]});
    assert.notEqual(statSync(path.join(s.cacheDir, file)).mtimeMs, written, 'another budget, another cache');
  } finally {
    s.cleanup();
  }
});

test('the built TUI bundle, loaded, has not loaded node:crypto, node:child_process or node:assert: they load at their first use (after the first frame)', {skip: !existsSync(path.join(repoRoot, 'dist/tui/launch-script.js')) && 'build first'}, () => {
  const t = setUp();
  try {
    const bundle = path.join(repoRoot, 'dist/tui/launch-script.js');
    const code = `const {loadBundle} = await import(${JSON.stringify(loader)}); const before = new Set(process.moduleLoadList);
const launch = await loadBundle(${JSON.stringify(bundle)}, ${JSON.stringify(t.cacheDir)});
console.log(JSON.stringify({launch: typeof launch.launchTui, loaded: process.moduleLoadList.filter((m) => !before.has(m) && /^NativeModule (assert|crypto|child_process|fs\\/promises)$/.test(m))}));`;
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', code], {encoding: 'utf8', timeout: 20_000});
    assert.equal(run.status, 0, run.stderr);
    assert.deepEqual(JSON.parse(run.stdout), {launch: 'function', loaded: []});
  } finally {
    t.cleanup();
  }
});
