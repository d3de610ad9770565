// `ccs-tui run` reports an agent killed by a signal as a shell does: 128 + the signal's number, for
// every signal (review of issue 15: only HUP/INT/QUIT/KILL/TERM were known, the rest came back as 129).
import assert from 'node:assert/strict';
import {chmodSync} from 'node:fs';
import {constants} from 'node:os';
import {after, describe, it} from 'node:test';
import {signalExitCode} from '../../source/services/agents/launch.js';
import {makeTempCcs} from '../helpers/ccs.js';
import {runBin} from '../helpers/cli.js';
import {freePort} from '../helpers/fake-upstreams.js';
import {API_KEY, oauthToken} from '../proxy/fixture.js';

describe('signal exit codes', async () => {
  it('128 + n for every signal the platform numbers', () => {
    assert.equal(signalExitCode('SIGSEGV'), 128 + constants.signals.SIGSEGV);
    assert.equal(signalExitCode('SIGABRT'), 128 + constants.signals.SIGABRT);
    assert.equal(signalExitCode('SIGPIPE'), 128 + constants.signals.SIGPIPE);
    assert.equal(signalExitCode('SIGUSR1'), 128 + constants.signals.SIGUSR1);
    assert.equal(signalExitCode('SIGTERM'), 143);
  });

  const ccs = makeTempCcs();
  ccs.writeToken('claude-a@example.com.json', oauthToken('claude', 'a@example.com'));
  const port = await freePort();
  ccs.writeRaw('cliproxy/config.yaml', `port: ${port}\napi-keys:\n  - "${API_KEY}"\n`);
  after(async () => {
    await runBin(['proxy', 'stop'], ccs.env);
    ccs.cleanup();
  });

  it('an agent killed by SIGSEGV: ccs-tui run exits 139, as a shell reports it (not 129, SIGHUP)', {timeout: 90_000}, async () => {
    const agent = ccs.writeRaw('segv.sh', '#!/bin/sh\nsleep 1; kill -SEGV $$\n');
    chmodSync(agent, 0o755);
    const result = await runBin(['run', 'claude'], {...ccs.env, CCS_TUI_AGENT_CLAUDE: agent}, undefined, 60_000);
    assert.equal(result.code, 139, result.stderr);
  });
});
