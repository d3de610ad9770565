// The built-in proxy's Node flags (services/proxy/launch.ts PROXY_NODE_FLAGS): a flag the running
// Node refuses would end every proxy child at once ("bad option"), a restart loop for the supervisor.
import assert from 'node:assert/strict';
import {spawnSync} from 'node:child_process';
import {describe, it} from 'node:test';
import {launchCommand, PROXY_NODE_FLAGS} from '../../source/services/proxy/launch.js';
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
});
