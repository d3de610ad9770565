// An account whose id begins with `-` (an email read from a token file): the proxy serves it alone
// in the background (the child was handed `--account -x…`, which it read as an option), and the
// command `proxy stop` names to serve its agents again runs as printed.
import assert from 'node:assert/strict';
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
