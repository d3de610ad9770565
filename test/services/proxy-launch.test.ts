// The built-in proxy's Node flags (services/proxy/launch.ts PROXY_NODE_FLAGS): a flag the running
// Node refuses would end every proxy child at once ("bad option"), a restart loop for the supervisor.
import assert from 'node:assert/strict';
import {spawnSync} from 'node:child_process';
import {describe, it} from 'node:test';
import {launchCommand, needsProxyNodeFlags, PROXY_NODE_FLAGS, PROXY_RERUN_MARK} from '../../source/services/proxy/launch.js';
import {makeTempCcs} from '../helpers/ccs.js';

describe('proxy launch flags', () => {
  it('are taken by this Node, and the built-in proxy is started with them', () => {
    const run = spawnSync(process.execPath, [...PROXY_NODE_FLAGS, '-e', 'process.stdout.write("started")'], {encoding: 'utf8'});
    assert.equal(run.stderr, '');
    assert.equal(run.status, 0);
    assert.equal(run.stdout, 'started');
    const command = launchCommand(makeTempCcs().paths, {provider: 'claude'}, false);
    assert.equal(command.kind, 'builtin');
    assert.deepEqual(command.args.slice(0, PROXY_NODE_FLAGS.length), [...PROXY_NODE_FLAGS]);
  });

  it('a proxy serve run by hand runs again with them only when it lacks one and prints to its own stdout and stderr', () => {
    const own = {stdout: {fd: 1}, stderr: {fd: 2}};
    assert.equal(needsProxyNodeFlags(own, {}, []), true, 'started from a shell without them');
    assert.equal(needsProxyNodeFlags(own, {}, [PROXY_NODE_FLAGS[0]]), true, 'one of them is not enough');
    assert.equal(needsProxyNodeFlags(own, {}, ['--enable-source-maps', ...PROXY_NODE_FLAGS]), false, 'on its command line');
    assert.equal(needsProxyNodeFlags(own, {NODE_OPTIONS: ` ${PROXY_NODE_FLAGS.join('  ')} `}, []), false, 'in NODE_OPTIONS');
    assert.equal(needsProxyNodeFlags(own, {[PROXY_RERUN_MARK]: '1'}, []), false, 'already run again once: never a loop');
    assert.equal(needsProxyNodeFlags({stdout: {}, stderr: {fd: 2}}, {}, []), false, 'output taken by a caller in this process (a test): served here');
  });
});
