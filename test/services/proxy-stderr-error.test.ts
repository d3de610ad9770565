// A proxy child that exits 2 after a stderr line: the Error row is that line, without the time the log tail
// shows it with nor the "ccs-tui: " of the command line.
import assert from 'node:assert/strict';
import {writeFileSync} from 'node:fs';
import path from 'node:path';
import {test} from 'node:test';
import {ProxySupervisor} from '../../source/services/proxy-supervisor.js';
import {loadSettings} from '../../source/store/settings.js';
import {makeTempCcs} from '../helpers/ccs.js';
import {waitForState} from '../helpers/wait.js';

test('a child that exits 2 after a stderr line: the Error row is that line without time or "ccs-tui: "', async () => {
  const ccs = makeTempCcs();
  const script = path.join(ccs.paths.root, 'fail.mjs');
  writeFileSync(script, `process.stderr.write('ccs-tui: unknown provider "nosuch"\\n'); process.exitCode = 2;`);
  const {settings} = await loadSettings(ccs.paths);
  const supervisor = new ProxySupervisor({paths: ccs.paths, settings, env: ccs.env, command: () => ({file: process.execPath, args: [script], kind: 'builtin'})});
  try {
    await supervisor.start({provider: 'nosuch'});
    const state = await waitForState(supervisor, (s) => s.phase === 'failed', 10_000);
    assert.equal(state.lastError, 'unknown provider "nosuch"');
  } finally {
    await supervisor.dispose();
    ccs.cleanup();
  }
});
