// Names from files in the commands the tool prints: an account whose id begins with `-` (an email
// read from a token file) is served alone in the background (the child was handed `--account -x…`,
// read as an option) and the commands given for it run as printed; a nickname a shell would split.
import assert from 'node:assert/strict';
import {execFileSync} from 'node:child_process';
import {after, test} from 'node:test';
import {makeTempCcs, tokenFixture} from '../helpers/ccs.js';
import {runBin} from '../helpers/cli.js';
import {freePort} from '../helpers/fake-upstreams.js';
import {API_KEY} from '../proxy/fixture.js';

test('proxy start --account=-x…: served alone; proxy stop\'s note gives a command that starts it again', async () => {
  const ccs = makeTempCcs();
  after(async () => {
    await runBin(['proxy', 'stop'], ccs.env);
    ccs.cleanup();
  });
  ccs.writeToken('claude-dash.json', tokenFixture('claude', '-x@example.com'));
  ccs.writeToken('claude-b.json', tokenFixture('claude', 'b@example.com'));
  ccs.writeRaw('cliproxy/config.yaml', `port: 8317\napi-keys:\n  - "${API_KEY}"\n`);
  const port = await freePort();
  const started = await runBin(['proxy', 'start', '--port', String(port), '--provider', 'claude', '--account=-x@example.com'], ccs.env);
  assert.equal(started.code, 0, started.stderr);
  const status = await runBin(['proxy', 'status'], ccs.env);
  assert.match(status.stdout, /^serving: claude \/ -x@example\.com$/m);
  ccs.writeRaw('tui/agents.json', JSON.stringify([{pid: process.pid, agent: 'claude', provider: 'claude', port, startedAt: new Date().toISOString(), where: 'foreground'}]));
  const stopped = await runBin(['proxy', 'stop'], ccs.env);
  const command = /(ccs-tui proxy start [^\n]*?) serves it again/.exec(stopped.stderr)?.[1];
  assert.equal(command, `ccs-tui proxy start --port ${port} --provider claude --account=-x@example.com`, stopped.stderr);
  const again = await runBin(command!.split(' ').slice(1), ccs.env);
  assert.equal(again.code, 0, again.stderr);
  assert.match((await runBin(['proxy', 'status'], ccs.env)).stdout, /^serving: claude \/ -x@example\.com$/m);
  // Paused: the way out `proxy status` gives runs as printed (-- before a positional beginning with -).
  assert.equal((await runBin(['pause', '--', 'claude', '-x@example.com'], ccs.env)).code, 0);
  const status2 = await runBin(['proxy', 'status'], ccs.env);
  const resume = /resume it: (ccs-tui resume [^;]*);/.exec(status2.stdout)?.[1];
  assert.equal(resume, 'ccs-tui resume -- claude -x@example.com', status2.stdout);
  const resumed = await runBin(resume!.split(' ').slice(1), ccs.env);
  assert.equal(resumed.code, 0, resumed.stderr);
});

test('proxy stop when the account served alone was paused meanwhile: the command given serves the pool (naming the account would be refused)', async () => {
  const ccs = makeTempCcs();
  after(async () => {
    await runBin(['proxy', 'stop'], ccs.env);
    ccs.cleanup();
  });
  ccs.writeToken('claude-a.json', tokenFixture('claude', 'a@example.com'));
  ccs.writeToken('claude-b.json', tokenFixture('claude', 'b@example.com'));
  ccs.writeRaw('cliproxy/config.yaml', `port: 8317\napi-keys:\n  - "${API_KEY}"\n`);
  const port = await freePort();
  assert.equal((await runBin(['proxy', 'start', '--port', String(port), '--provider', 'claude', '--account', 'a@example.com'], ccs.env)).code, 0);
  assert.equal((await runBin(['pause', 'claude', 'a@example.com'], ccs.env)).code, 0);
  ccs.writeRaw('tui/agents.json', JSON.stringify([{pid: process.pid, agent: 'claude', provider: 'claude', port, startedAt: new Date().toISOString(), where: 'foreground'}]));
  const stopped = await runBin(['proxy', 'stop'], ccs.env);
  assert.match(stopped.stderr, new RegExp(`: ccs-tui proxy start --port ${port} --provider claude serves it again in the background \\(the claude pool: the account it served alone cannot serve now\\)\n$`));
  const again = await runBin(['proxy', 'start', '--port', String(port), '--provider', 'claude'], ccs.env);
  assert.equal(again.code, 0, again.stderr);
});

test('use on a paused account with a nickname a shell would split: the resume command it gives runs as printed', async () => {
  const ccs = makeTempCcs();
  try {
    ccs.writeToken('claude-a.json', tokenFixture('claude', 'a@example.com'));
    ccs.writeToken('claude-b.json', tokenFixture('claude', 'b@example.com'));
    assert.equal((await runBin(['rename', 'claude', 'b@example.com', "team a; it's b"], ccs.env)).code, 0);
    assert.equal((await runBin(['pause', 'claude', 'b@example.com'], ccs.env)).code, 0);
    const use = await runBin(['use', 'claude', 'b@example.com'], ccs.env);
    assert.notEqual(use.code, 0);
    const command = /resume it first \((ccs-tui resume .*)\)\n$/.exec(use.stderr)?.[1];
    assert.equal(command, "ccs-tui resume claude 'team a; it'\\''s b'", use.stderr);
    const read = execFileSync('bash', ['-c', `printf '%s\\n' ${command!.slice('ccs-tui '.length)}`], {encoding: 'utf8'});
    assert.equal(read, "resume\nclaude\nteam a; it's b\n");
  } finally {
    ccs.cleanup();
  }
});
