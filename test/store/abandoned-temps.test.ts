// A process killed (SIGKILL) between writing a temp file and renaming it into place leaves the temp
// file (`.<name>.<pid>.<random>.tmp`). The next process that changes the store removes those of
// ccs-tui's own files whose writer is gone and that are old enough, and never one beside a token file
// (it may hold the only copy of a grant: a killed refresh's answer, adopted by the next refresh) or
// among the kept grants.
import assert from 'node:assert/strict';
import {spawnSync} from 'node:child_process';
import {existsSync, mkdirSync, utimesSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {it} from 'node:test';
import {makeTempCcs, tokenFixture} from '../helpers/ccs.js';
import {runBin} from '../helpers/cli.js';

it('temp files of killed writers are removed where they hold no grant; beside token files and kept grants they stay', async () => {
  const ccs = makeTempCcs();
  try {
    ccs.writeToken('claude-a@x.com.json', tokenFixture('claude', 'a@x.com'));
    // A writer that is gone: a process that ran and ended.
    const dead = spawnSync(process.execPath, ['-e', '']).pid!;
    const hourAgo = new Date(Date.now() - 3600_000);
    const temp = (dir: string, name: string, pid: number, aged = true) => {
      mkdirSync(dir, {recursive: true, mode: 0o700});
      const file = path.join(dir, `.${name}.${pid}.0123abcd.tmp`);
      writeFileSync(file, '{"partial": ', {mode: 0o600});
      if (aged) utimesSync(file, hourAgo, hourAgo);
      return file;
    };
    const removed = [
      temp(ccs.paths.state, 'account-state.json', dead),
      temp(path.join(ccs.paths.state, 'refresh'), 'rt-0123456789abcdef.json', dead),
      temp(ccs.paths.cliproxy, 'accounts.json', dead),
      temp(ccs.paths.locks, 'claude-0123456789abcdef.lock', dead),
      temp(ccs.paths.root, 'tui.json', dead),
    ];
    const kept = {
      grant: temp(ccs.paths.authDir, 'claude-a@x.com.json', dead),
      pausedGrant: temp(ccs.paths.pausedDir, 'claude-b@x.com.json', dead),
      keptGrant: temp(ccs.paths.refreshKept, 'claude-a@x.com-0123abcd.json', dead),
      justWritten: temp(ccs.paths.state, 'quota-cache.json', dead, false),
      liveWriter: temp(ccs.paths.state, 'agents.json', process.pid),
    };
    const renamed = await runBin(['rename', 'claude', 'a@x.com', 'nick'], ccs.env);
    assert.equal(renamed.code, 0, renamed.stderr);
    for (const file of removed) assert.equal(existsSync(file), false, `${file} (its writer is gone) is removed`);
    for (const [why, file] of Object.entries(kept)) assert.equal(existsSync(file), true, `${why}: ${file} stays`);
  } finally {
    ccs.cleanup();
  }
});
