// The binary as the build leaves it (scripts/bundle-cli.mjs): dist/source/cli/main.js is a bundle
// split at each lazy import, so a command loads its own chunks and no module of dist/source one by one,
// and the chunks always loaded with an entry are in its file.
import assert from 'node:assert/strict';
import {spawnSync} from 'node:child_process';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {test} from 'node:test';
import {makeTempCcs, tokenFixture} from '../helpers/ccs.js';
import {binPath, repoRoot} from '../helpers/cli.js';

/** Runs the binary with a module hook that prints every file it loads to stderr (`loaded <url>`). */
function runListingModules(args: string[], env: NodeJS.ProcessEnv) {
  const hooks = 'export async function load(url, context, next) { if (url.startsWith("file:")) console.error("loaded " + url); return next(url, context); }';
  const register = `import {register} from "node:module"; register(${JSON.stringify(`data:text/javascript,${hooks}`)});`;
  const run = spawnSync(process.execPath, ['--import', `data:text/javascript,${register}`, binPath, ...args], {env, encoding: 'utf8'});
  const loaded = [...run.stderr.matchAll(/^loaded (.*)$/gm)].map((m) => path.relative(repoRoot, fileURLToPath(m[1]!)));
  return {code: run.status, stdout: run.stdout, loaded};
}

test('accounts --json runs from the bundle: its chunks only, none of the other commands', () => {
  const ccs = makeTempCcs();
  try {
    ccs.writeToken('codex-a.json', tokenFixture('codex', 'a@example.com'));
    const run = runListingModules(['accounts', '--json'], ccs.env);
    assert.equal(run.code, 0);
    assert.deepEqual(JSON.parse(run.stdout).map((a: {email: string}) => a.email), ['a@example.com']);
    const bundled = /^dist\/source\/cli\/(main|bundle-[\w-]+)\.js$/;
    assert.deepEqual(run.loaded.filter((file) => !bundled.test(file)), [], 'every module loaded is the bundle');
    assert.ok(run.loaded.some((file) => /bundle-accounts-/.test(file)), 'the accounts command is a chunk of its own');
    assert.deepEqual(run.loaded.filter((file) => /bundle-(login|models|proxy|quota|transfer|native)-/.test(file)), [], 'no other command is loaded');
  } finally {
    ccs.cleanup();
  }
});

test('what every run of the binary loads is one file beside main.js: the chunks of cli/run.ts are merged into it', () => {
  const ccs = makeTempCcs();
  try {
    const run = runListingModules(['--version'], ccs.env);
    assert.equal(run.code, 0);
    assert.equal(run.stdout, '0.1.0\n');
    assert.equal(run.loaded.length, 2, run.loaded.join('\n'));
    assert.match(run.loaded[0]!, /^dist\/source\/cli\/main\.js$/);
    assert.match(run.loaded[1]!, /^dist\/source\/cli\/bundle-run-\w+\.js$/);
  } finally {
    ccs.cleanup();
  }
});
