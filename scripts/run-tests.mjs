#!/usr/bin/env node
// Runs every compiled test file with node's own test runner.
// Why a script: Node 20's `--test` takes no globs, and each run needs a throwaway HOME so that
// no test can ever read or write the real ~/.ccs, plus CI=false so Ink renders every frame.
import {spawnSync} from 'node:child_process';
import {mkdtempSync, readdirSync, rmSync, statSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const testRoot = path.join(root, 'dist', 'test');
const filter = process.argv.slice(2);

function findTests(dir) {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return findTests(full);
    return name.endsWith('.test.js') ? [full] : [];
  });
}

const files = findTests(testRoot)
  .filter((f) => filter.length === 0 || filter.some((word) => f.includes(word)))
  .sort();
if (files.length === 0) {
  console.error(`no test files under ${testRoot}${filter.length ? ` matching ${filter.join(' ')}` : ''}`);
  process.exit(1);
}

// The binary (dist/source/cli/main.js) and the proxy child run from bundles that only `npm run build`
// makes (scripts/bundle-cli.mjs); `tsc` alone updates the modules the tests import but not them, so
// tests that spawn the binary would run older code than the rest.
const newestSource = (dir) => readdirSync(dir).reduce((newest, name) => {
  const full = path.join(dir, name);
  return Math.max(newest, statSync(full).isDirectory() ? newestSource(full) : statSync(full).mtimeMs);
}, 0);
const bundle = path.join(root, 'dist', 'source', 'cli', 'main.js');
let bundleTime = 0;
try {
  bundleTime = statSync(bundle).mtimeMs;
} catch {}
if (newestSource(path.join(root, 'source')) > bundleTime) {
  console.error(`warning: source/ is newer than ${path.relative(root, bundle)}: run \`npm run build\` (tsc alone does not rebuild the bundled binary the tests spawn)`);
}

const home = mkdtempSync(path.join(tmpdir(), 'ccs-tui-test-home-'));
const env = {...process.env, HOME: home, CCS_DIR: '', CCS_HOME: '', XDG_CONFIG_HOME: path.join(home, '.config'), CI: 'false', FORCE_COLOR: '0'};
delete env.CCS_DIR;
delete env.CCS_HOME;
delete env.SSH_CONNECTION;
delete env.SSH_TTY;
delete env.TMUX;

const result = spawnSync(
  process.execPath,
  // spec, with a failing todo shown as a known gap instead of in the failures (test-reporter.mjs).
  ['--test', '--test-concurrency=2', `--test-reporter=${path.join(root, 'scripts', 'test-reporter.mjs')}`, ...files],
  {stdio: 'inherit', env, cwd: root},
);
rmSync(home, {recursive: true, force: true});
process.exit(result.status ?? 1);
