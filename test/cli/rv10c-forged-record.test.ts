// rv10c attack: tui/proxy.json records no proxy of ours ever wrote (a hand edit, an older version's
// file, a clock that went back): a start time in the future (which any process with the pid would
// pass: it started "no later" than the record), fields of the wrong type (a provider that is an
// object, a port out of range, an unknown kind). Such a record names no proxy: `proxy stop` signals
// nothing, `proxy status` says none runs, and nothing prints "[object Object]". (Text fields with
// escapes are shown sanitised: pidfile-identity.test.ts.)
import assert from 'node:assert/strict';
import {spawn, type ChildProcess} from 'node:child_process';
import {after, before, describe, it} from 'node:test';
import {processStartToken} from '../../source/services/proxy/pid-file.js';
import {makeTempCcs} from '../helpers/ccs.js';
import {killAll, runBin} from '../helpers/cli.js';

describe('rv10c: forged tui/proxy.json records', () => {
  const ccs = makeTempCcs();
  let bystander: ChildProcess;
  before(() => {
    bystander = spawn('sleep', ['120'], {stdio: 'ignore'});
  });
  after(() => {
    killAll(bystander.pid ? [bystander.pid] : []);
    ccs.cleanup();
  });
  const alive = () => bystander.exitCode === null && bystander.signalCode === null;
  const record = (fields: Record<string, unknown>) => ccs.writeRaw('tui/proxy.json', JSON.stringify({pid: bystander.pid, port: 8317, startedAt: new Date().toISOString(), owner: 'background', kind: 'builtin', ...fields}));

  it('an older version\'s record (no processStart) started in the future: no proxy; proxy stop signals nothing', async () => {
    record({startedAt: '2999-01-01T00:00:00.000Z'});
    const status = await runBin(['proxy', 'status', '--json'], ccs.env);
    assert.equal(status.code, 3, status.stdout + status.stderr);
    assert.deepEqual(JSON.parse(status.stdout), {running: false});
    record({startedAt: '2999-01-01T00:00:00.000Z'});
    const stop = await runBin(['proxy', 'stop'], ccs.env);
    assert.equal(stop.code, 0, stop.stderr);
    assert.match(stop.stdout, /no proxy is running/);
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.ok(alive(), 'the process that has the pid was not signalled');
  });

  for (const [what, fields] of [
    ['a provider that is an object', {provider: {a: 1}}],
    ['a port out of range', {port: 1e9}],
    ['an unknown kind', {kind: 'weird'}],
    ['an owner that is no text', {owner: 42}],
    ['a start that is no time', {startedAt: {x: 1}}],
  ] as const) {
    it(`${what}: no proxy is named (status exit 3, nothing printed from the record)`, async () => {
      // Made to name the live bystander exactly (its process start), so that only the fields are wrong.
      record({processStart: processStartToken(bystander.pid!), ...fields});
      const status = await runBin(['proxy', 'status'], ccs.env);
      assert.equal(status.code, 3, status.stdout + status.stderr);
      assert.doesNotMatch(status.stdout + status.stderr, /\[object Object\]|1000000000/);
      const stop = await runBin(['proxy', 'stop'], ccs.env);
      assert.equal(stop.code, 0, stop.stderr);
      await new Promise((resolve) => setTimeout(resolve, 300));
      assert.ok(alive(), 'the process that has the pid was not signalled');
    });
  }
});
