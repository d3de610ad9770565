// `ccs-tui proxy serve` run by hand (from a shell, without the TUI) serves with the same Node flags as
// the proxy the TUI, `proxy start` and the bench run (services/proxy/launch.ts PROXY_NODE_FLAGS: its
// heap sizes, which V8 reads at start only): it runs itself again, once, with them. What a person
// sees stays the same: the listening line on stdout, the pid file naming the process that serves,
// Ctrl-C, SIGTERM and `proxy stop` ending it cleanly with exit code 0.
import assert from 'node:assert/strict';
import {existsSync, readFileSync} from 'node:fs';
import {after, describe, it} from 'node:test';
import {PROXY_NODE_FLAGS} from '../../source/services/proxy/launch.js';
import {isProcessAlive, proxyPidFilePath} from '../../source/services/proxy/pid-file.js';
import {makeTempCcs} from '../helpers/ccs.js';
import {killAll, runBin, serveByHand, type ServedByHand} from '../helpers/cli.js';
import {API_KEY, oauthToken} from '../proxy/fixture.js';

type Served = ServedByHand;

/** Node's command line of a running process, as `ps` shows it (Linux). */
const commandLine = (pid: number) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').slice(0, -1);

describe('proxy serve run by hand', {skip: process.platform !== 'linux' && 'reads /proc for the Node flags'}, async () => {
  const ccs = makeTempCcs();
  ccs.writeToken('claude-a@example.com.json', oauthToken('claude', 'a@example.com'));
  ccs.writeRaw('cliproxy/config.yaml', `port: 8317\napi-keys:\n  - "${API_KEY}"\n`);
  /** Every process started, the serving ones included (a failed test must not leave one serving). */
  const started: number[] = [];
  after(() => {
    killAll(started);
    ccs.cleanup();
  });

  const serve = () => serveByHand(['--port', '0', '--provider', 'claude'], ccs.env, started);

  /** The proxy answers, the pid file names the serving process, and that process has every flag. */
  const assertServesWithFlags = async (served: Served) => {
    assert.notEqual(served.pid, served.shell.pid, 'a child serves: the command ran again with the flags');
    const line = commandLine(served.pid);
    for (const flag of PROXY_NODE_FLAGS) assert.ok(line.includes(flag), `${flag} missing from ${line.join(' ')}`);
    assert.deepEqual(line.slice(-6), ['proxy', 'serve', '--port', '0', '--provider', 'claude']);
    assert.equal((JSON.parse(readFileSync(proxyPidFilePath(ccs.paths), 'utf8')) as {pid: number}).pid, served.pid);
    const models = await fetch(`http://127.0.0.1:${served.port}/v1/models`, {headers: {'x-api-key': API_KEY}});
    assert.equal(models.status, 200);
    await models.text();
  };

  /** Ended cleanly: exit code 0, the serving process gone, the pid file removed, nothing on stderr. */
  const assertEndedCleanly = async (served: Served) => {
    assert.deepEqual(await served.exited, {code: 0, signal: null}, served.output.stderr);
    assert.equal(isProcessAlive(served.pid), false);
    assert.equal(existsSync(proxyPidFilePath(ccs.paths)), false, 'the pid file is removed');
    assert.equal(served.output.stderr, '');
  };

  it('serves with the flags; a Ctrl-C (SIGINT to the whole job) stops it once, cleanly, exit 0', async () => {
    const served = await serve();
    await assertServesWithFlags(served);
    process.kill(-served.shell.pid!, 'SIGINT');
    await assertEndedCleanly(served);
  });

  it('SIGTERM to the process the shell started (a service manager stopping it) reaches the proxy', async () => {
    const served = await serve();
    await assertServesWithFlags(served);
    served.shell.kill('SIGTERM');
    await assertEndedCleanly(served);
  });

  it('`ccs-tui proxy stop` stops the serving process, and the command started by hand leaves with its exit code', async () => {
    const served = await serve();
    const stopped = await runBin(['proxy', 'stop'], ccs.env);
    assert.equal(stopped.code, 0, stopped.stderr);
    await assertEndedCleanly(served);
  });

  it('a proxy that cannot start (one already runs): its error and exit code, as before', async () => {
    const first = await serve();
    const busy = await runBin(['proxy', 'serve', '--port', String(first.port)], ccs.env);
    assert.equal(busy.code, 1);
    assert.match(busy.stderr, new RegExp(`^ccs-tui: a proxy is already running \\(pid ${first.pid}, port ${first.port}, claude\\)`, 'm'));
    first.shell.kill('SIGTERM');
    await assertEndedCleanly(first);
  });
});
