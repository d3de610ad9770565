#!/usr/bin/env node
// Runs every compiled test file with node's own test runner.
// Why a script: Node 20's `--test` takes no globs, and each run needs a throwaway HOME so that
// no test can ever read or write the real ~/.ccs, plus CI=false so Ink renders every frame.
import {spawnSync} from 'node:child_process';
import {mkdtempSync, readFileSync, readdirSync, rmSync, statSync} from 'node:fs';
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

const failedFilesOut = path.join(home, 'failed-files');
/** What test-reporter.mjs writes for a failure it knows no file of (the runner itself). */
const UNKNOWN_FILE = '(unknown file)';
/** Runs `testFiles` with node's test runner; its exit status and the files that had a failure. */
function runTests(testFiles, concurrency) {
  rmSync(failedFilesOut, {force: true});
  const result = spawnSync(
    process.execPath,
    // spec, with a failing todo shown as a known gap instead of in the failures (test-reporter.mjs).
    ['--test', `--test-concurrency=${concurrency}`, `--test-reporter=${path.join(root, 'scripts', 'test-reporter.mjs')}`, ...testFiles],
    {stdio: 'inherit', env: {...env, FAILED_FILES_OUT: failedFilesOut}, cwd: root},
  );
  let failed = [];
  try {
    failed = [...new Set(readFileSync(failedFilesOut, 'utf8').split('\n').filter(Boolean))];
  } catch {}
  // Paths as the runner reports them (relative to the cwd on some Nodes); a file not run here is a
  // test's own nested run (its failure fails that test, which is listed by its file).
  failed = failed.map((f) => (f === UNKNOWN_FILE ? f : path.resolve(root, f))).filter((f) => f === UNKNOWN_FILE || testFiles.includes(f));
  return {status: result.status ?? 1, failed};
}

// A file with a failure is run once more, alone: one that passes then is reported as flaky (a fault
// to fix, in the test or the product: its first failure is printed above) but does not fail the run;
// one that fails again does. Only a few files: many failing at once is no flake. A run that failed
// without naming a file (the runner itself) fails.
const MAX_FILES_RUN_AGAIN = 3;
let {status, failed} = runTests(files, 2);
if (status !== 0 && failed.length > 0 && failed.length <= MAX_FILES_RUN_AGAIN && !failed.includes(UNKNOWN_FILE)) {
  console.log(`\n=== ${failed.length} test file(s) had a failure; running ${failed.length === 1 ? 'it' : 'them'} again, alone ===`);
  const again = runTests(failed, 1);
  if (again.status === 0) {
    console.log(`\n=== FLAKY: failed once, then passed when run again alone (the first failure is above, under "failing tests"):`);
    for (const f of failed) console.log(`===   ${path.relative(root, f)}`);
    console.log('=== A flaky test is a fault to find: a test that reads the screen or the clock too early, or a race in the product.');
    status = 0;
  } else status = again.status;
}
rmSync(home, {recursive: true, force: true});
process.exit(status);
