// The test runner's reporter: a failing todo reads as a known gap (no stack, not under "failing
// tests"), while a real failure is still listed and still fails the run.
import assert from 'node:assert/strict';
import {spawnSync} from 'node:child_process';
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {test} from 'node:test';
import {fileURLToPath} from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const reporter = path.join(root, 'scripts', 'test-reporter.mjs');

function run(body: string, failedFilesOut?: string): {status: number | null; out: string} {
  const dir = mkdtempSync(path.join(tmpdir(), 'ccs-tui-reporter-'));
  try {
    const file = path.join(dir, 'sample.test.mjs');
    writeFileSync(file, `import {test} from 'node:test';\nimport assert from 'node:assert';\n${body}\n`);
    // A run of its own: NODE_TEST_CONTEXT would make it report to this test's runner instead, and
    // FAILED_FILES_OUT (run-tests.mjs) would add this run's failures to the outer run's list.
    const {NODE_TEST_CONTEXT: _, FAILED_FILES_OUT: __, ...env} = process.env;
    const result = spawnSync(process.execPath, ['--test', `--test-reporter=${reporter}`, file], {encoding: 'utf8', env: {...env, FORCE_COLOR: '0', NO_COLOR: '1', ...(failedFilesOut ? {FAILED_FILES_OUT: failedFilesOut} : {})}});
    return {status: result.status, out: result.stdout + result.stderr};
  } finally {
    rmSync(dir, {recursive: true, force: true});
  }
}

test('a failing todo is a known gap: no failing-tests block, no stack, the run passes', () => {
  const {status, out} = run(`test('gap', {todo: 'disputed'}, () => { assert.equal(1, 2); });\ntest('fine', () => {});`);
  assert.equal(status, 0, out);
  assert.match(out, /gap .*# TODO, still failing: disputed/);
  assert.doesNotMatch(out, /failing tests|AssertionError/);
  assert.match(out, /ℹ fail 0/);
  assert.match(out, /ℹ todo 1/);
});

test('a real failure is still listed under failing tests and fails the run', () => {
  const {status, out} = run(`test('gap', {todo: 'disputed'}, () => { assert.equal(1, 2); });\ntest('broken', () => { assert.equal(3, 4); });`);
  assert.equal(status, 1, out);
  assert.match(out, /✖ failing tests:[\s\S]*✖ broken[\s\S]*AssertionError/);
  assert.doesNotMatch(out.slice(out.indexOf('failing tests:')), /✖ gap/);
});

test('with FAILED_FILES_OUT, the file of each real failure is written there (what run-tests.mjs runs again), a failing todo\'s is not', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'ccs-tui-failed-files-'));
  try {
    const out = path.join(dir, 'failed');
    run(`test('gap', {todo: 'disputed'}, () => { assert.equal(1, 2); });`, out);
    assert.throws(() => readFileSync(out), {code: 'ENOENT'}, 'a known gap is no failure');
    const {status} = run(`test('broken', () => { assert.equal(3, 4); });`, out);
    assert.equal(status, 1);
    assert.match(readFileSync(out, 'utf8'), /sample\.test\.mjs\n/);
  } finally {
    rmSync(dir, {recursive: true, force: true});
  }
});
