// What `npm pack` (and so an install from the registry or a git URL) ships: the binary and the TUI's
// bundle. Without dist/tui the TUI still starts, but module by module and without its code cache,
// far over the first-frame budget, and nothing says why.
import assert from 'node:assert/strict';
import {spawnSync} from 'node:child_process';
import {mkdtempSync, readFileSync, rmSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {test} from 'node:test';
import {repoRoot} from '../helpers/cli.js';

test('the package ships the command, the binary it runs and the TUI bundle it starts from', () => {
  const home = mkdtempSync(path.join(os.tmpdir(), 'ccs-tui-pack-'));
  try {
    // --ignore-scripts: `prepare` would build again; the suite runs after a build.
    const env = {...process.env, HOME: home, npm_config_cache: path.join(home, 'npm-cache'), npm_config_update_notifier: 'false'};
    const pack = spawnSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {cwd: repoRoot, env, encoding: 'utf8'});
    assert.equal(pack.status, 0, pack.stderr);
    const files = new Set((JSON.parse(pack.stdout) as {files: {path: string}[]}[])[0]!.files.map((file) => file.path));
    const bin = (JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as {bin: Record<string, string>}).bin['ccs-tui']!;
    assert.equal(bin, 'bin/ccs-tui');
    for (const needed of [bin, 'dist/source/cli/main.js', 'dist/tui/launch-script.js', 'dist/source/ui/start.js', 'dist/source/ui/load-bundle.js']) assert.ok(files.has(needed), `${needed} is not in the package`);
    assert.deepEqual([...files].filter((file) => file.startsWith('dist/test/') || file.startsWith('dist/scripts/')), [], 'tests and bench scripts stay out');
  } finally {
    rmSync(home, {recursive: true, force: true});
  }
});
