// A secret file others may read is one warning wherever a person reads a proxy's output: the TUI's
// proxy screen log tail (a supervised child), a hand-run `proxy serve`'s terminal, and the proxy log.
// The command line's printer (cli/run.ts) and the proxy's own warning line used to both say it.
import assert from 'node:assert/strict';
import {chmodSync, existsSync, readFileSync} from 'node:fs';
import {after, test} from 'node:test';
import {proxyLogPath} from '../../source/services/proxy/pid-file.js';
import {builtProxySupervisor, stateWhen} from '../helpers/supervisor.js';
import {makeTempCcs, type TempCcs} from '../helpers/ccs.js';
import {killAll, runBin, serveByHand} from '../helpers/cli.js';
import {waitFor} from '../helpers/wait.js';
import {API_KEY, oauthToken} from '../proxy/fixture.js';
import {CLOCK_SECOND} from '../helpers/clock-text.js';

const cleanups: Array<() => Promise<void>> = [];
after(async () => {
  for (const cleanup of cleanups) await cleanup();
});

/** A CCS dir with another provider's token file and config.yaml (with api-keys) both 0644. */
function exposedFiles(): TempCcs {
  const ccs = makeTempCcs();
  ccs.writeToken('claude-a@example.com.json', oauthToken('claude', 'a@example.com'));
  chmodSync(ccs.writeToken('qwen-gina.json', oauthToken('qwen', 'gina@example.com')), 0o644);
  chmodSync(ccs.writeRaw('cliproxy/config.yaml', `port: 8317\napi-keys:\n  - "${API_KEY}"\n`), 0o644);
  return ccs;
}

const tokenLine = /qwen-gina\.json: readable by group and others \(mode 0644\); it holds secrets/;
const configLine = /config\.yaml: readable by group and others \(mode 0644\); it holds api-keys/;
const count = (lines: readonly string[], pattern: RegExp) => lines.filter((line) => pattern.test(line)).length;
const logLines = (ccs: TempCcs) => (existsSync(proxyLogPath(ccs.paths)) ? readFileSync(proxyLogPath(ccs.paths), 'utf8').split('\n') : []);
const settle = () => new Promise((resolve) => setTimeout(resolve, 700));

test("a supervised proxy's exposed secret files: one warning line each in the TUI's log tail and in the log", async () => {
  const ccs = exposedFiles();
  const supervisor = builtProxySupervisor(ccs);
  cleanups.push(async () => {
    await supervisor.stop();
    ccs.cleanup();
  });
  await supervisor.start({provider: 'claude'});
  await stateWhen(supervisor, (s) => s.phase === 'running' && count(s.logTail, tokenLine) > 0 && count(s.logTail, configLine) > 0);
  // Whatever else was coming (the child's stderr, a later read) has come.
  await settle();
  const tail = supervisor.current.logTail;
  assert.equal(count(tail, tokenLine), 1, tail.join('\n'));
  assert.equal(count(tail, configLine), 1, tail.join('\n'));
  assert.match(tail.find((line) => tokenLine.test(line))!, new RegExp(String.raw`^${CLOCK_SECOND} warning: `));
  assert.equal(count(logLines(ccs), tokenLine), 1);
  assert.equal(count(logLines(ccs), configLine), 1);
});

test("a hand-run `proxy serve`'s exposed secret files: one warning line each on its terminal and in the log", async () => {
  const ccs = exposedFiles();
  const started: number[] = [];
  cleanups.push(async () => {
    killAll(started);
    ccs.cleanup();
  });
  const served = await serveByHand(['--port', '0', '--provider', 'claude'], ccs.env, started);
  try {
    const terminal = () => `${served.output.stdout}\n${served.output.stderr}`.split('\n');
    await waitFor(() => count(terminal(), tokenLine) > 0 && count(terminal(), configLine) > 0, 'the warnings on the terminal');
    await settle();
    assert.equal(count(terminal(), tokenLine), 1, terminal().join('\n'));
    assert.equal(count(terminal(), configLine), 1, terminal().join('\n'));
    assert.equal(count(logLines(ccs), tokenLine), 1);
    assert.equal(count(logLines(ccs), configLine), 1);
  } finally {
    served.shell.kill('SIGTERM');
    await served.exited;
  }
});

test('a `proxy serve` that cannot start still warns of the exposed config.yaml it read, once, beside its error', async () => {
  const ccs = exposedFiles();
  const {createServer} = await import('node:net');
  const busy = createServer();
  await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
  cleanups.push(async () => {
    await new Promise((resolve) => busy.close(resolve));
    ccs.cleanup();
  });
  const port = (busy.address() as {port: number}).port;
  const run = await runBin(['proxy', 'serve', '--port', String(port)], ccs.env);
  assert.equal(run.code, 1, run.stderr);
  const lines = `${run.stdout}\n${run.stderr}`.split('\n');
  assert.equal(count(lines, configLine), 1, lines.join('\n'));
  assert.match(run.stderr, /^ccs-tui: warning: \S*config\.yaml: readable by group and others/m);
  assert.match(run.stderr, new RegExp(`port ${port} \\(asked with --port\\) is in use by another process`));
});
