// The proxy's lifecycle as a person at a shell meets it: a hand-started `proxy serve` killed with
// SIGKILL takes its serving child with it; a second proxy is refused before it writes anything (the
// first stays visible to `proxy status` and `proxy stop`, its log free of the refusal); bad usage
// through `proxy start` exits 2 without a nested prefix; every way out (a closed stdout pipe
// included) removes tui/proxy.json and says "stopped" once.
import assert from 'node:assert/strict';
import {existsSync, readFileSync} from 'node:fs';
import {after, describe, it} from 'node:test';
import {isProcessAlive, proxyLogPath, proxyPidFilePath} from '../../source/services/proxy/pid-file.js';
import {makeTempCcs} from '../helpers/ccs.js';
import {killAll, runBin, serveByHand} from '../helpers/cli.js';
import {API_KEY, oauthToken} from '../proxy/fixture.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitUntil(condition: () => boolean, ms: number, what: string | (() => string)): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting: ${typeof what === 'string' ? what : what()}`);
    await sleep(50);
  }
}

describe('proxy lifecycle from a shell', async () => {
  const ccs = makeTempCcs();
  ccs.writeToken('claude-a@example.com.json', oauthToken('claude', 'a@example.com'));
  ccs.writeToken('codex-carol@example.com.json', oauthToken('codex', 'carol@example.com'));
  ccs.writeRaw('cliproxy/config.yaml', `port: 8317\napi-keys:\n  - "${API_KEY}"\n`);
  const started: number[] = [];
  after(() => {
    killAll(started);
    ccs.cleanup();
  });
  const log = () => (existsSync(proxyLogPath(ccs.paths)) ? readFileSync(proxyLogPath(ccs.paths), 'utf8') : '');
  const pidFile = () => readFileSync(proxyPidFilePath(ccs.paths), 'utf8');

  const serve = (args: string[] = []) => serveByHand(['--port', '0', ...args], ccs.env, started);

  it('SIGKILL of the hand-started `proxy serve`: the serving child stops itself, and `proxy status` says none runs', async () => {
    const served = await serve();
    assert.notEqual(served.pid, served.shell.pid);
    served.shell.kill('SIGKILL');
    await waitUntil(() => !isProcessAlive(served.pid), 10_000, () => `the serving child to stop; its log: ${log()}; ${existsSync(`/proc/${served.pid}/stat`) ? readFileSync(`/proc/${served.pid}/stat`, 'utf8') : ''}`);
    assert.equal(existsSync(proxyPidFilePath(ccs.paths)), false, 'its pid file is removed');
    const status = await runBin(['proxy', 'status'], ccs.env);
    assert.equal(status.code, 3, status.stdout);
    assert.match(log(), new RegExp(`stopped \\(pid ${served.pid}\\): the ccs-tui proxy serve that started it \\(pid ${served.shell.pid}\\) is gone`));
  });

  it('a second `proxy serve` (and `proxy start`) is refused; the first stays in the pid file, its log free of the attempt', async () => {
    const first = await serve(['--provider', 'claude']);
    const recorded = pidFile();
    await waitUntil(() => log().includes(`listening on http://127.0.0.1:${first.port} (pid ${first.pid})`), 5000, 'the listening line in the log');
    const logBefore = log();
    for (const args of [['proxy', 'serve', '--port', '0'], ['proxy', 'serve', '--port', String(first.port)], ['proxy', 'start', '--port', '0']]) {
      const second = await runBin(args, ccs.env);
      assert.equal(second.code, 1, second.stderr);
      assert.equal(second.stderr, `ccs-tui: a proxy is already running (pid ${first.pid}, port ${first.port}, claude); stop it first: ccs-tui proxy stop\n`, args.join(' '));
      assert.equal(second.stdout, '');
    }
    assert.equal(pidFile(), recorded, 'the pid file still names the first proxy');
    assert.equal(log(), logBefore, 'nothing written to the running proxy’s log');
    const status = await runBin(['proxy', 'status'], ccs.env);
    assert.match(status.stdout, new RegExp(`^proxy running: pid ${first.pid}, http://127\\.0\\.0\\.1:${first.port} \\(foreground\\)`));
    const stopped = await runBin(['proxy', 'stop'], ccs.env);
    assert.equal(stopped.stdout, `proxy stopped (pid ${first.pid})\n`);
    assert.deepEqual(await first.exited, {code: 0, signal: null});
    // One "stopped" line, in the terminal and in the log.
    assert.equal(first.output.stdout.match(/stopped \(pid \d+\)/g)?.length, 1, first.output.stdout);
    assert.match(first.output.stdout, new RegExp(`stopped \\(pid ${first.pid}\\): SIGTERM`));
    assert.match(log(), new RegExp(`stopped \\(pid ${first.pid}\\): SIGTERM`));
  });

  it('bad usage: `proxy start --provider bogus --json` exits 2 without a nested prefix; another provider’s account names --account', async () => {
    const bogus = await runBin(['proxy', 'start', '--provider', 'bogus', '--json'], ccs.env);
    assert.equal(bogus.code, 2, bogus.stdout);
    const answer = JSON.parse(bogus.stdout) as {error: string; exitCode: number};
    assert.equal(answer.exitCode, 2);
    // Checked before anything starts (whether or not a proxy runs), in `proxy serve`'s words.
    assert.match(answer.error, /^unknown provider "bogus" \(--provider\)/);
    assert.doesNotMatch(answer.error, /ccs-tui:/);
    assert.equal(bogus.stderr.match(/ccs-tui:/g)?.length, 1, bogus.stderr);

    const carol = await runBin(['proxy', 'serve', '--port', '0', '--provider', 'claude', '--account', 'carol@example.com'], ccs.env);
    assert.equal(carol.code, 2, carol.stderr);
    assert.match(carol.stderr, /^ccs-tui: --account: no claude account "carol@example\.com".*"carol@example\.com" is codex's \(--provider codex\)\n$/);
    const nobody = await runBin(['proxy', 'serve', '--port', '0', '--provider', 'claude', '--account', 'nobody'], ccs.env);
    assert.equal(nobody.code, 2);
    assert.match(nobody.stderr, /^ccs-tui: --account: no claude account "nobody"/);
    assert.equal(existsSync(proxyPidFilePath(ccs.paths)), false);
  });

  it('`proxy serve | head -1`: the reader gone, the proxy exits 141 and removes its pid file; the log says it stopped', async () => {
    const served = await serve();
    served.shell.stdout!.destroy();
    // The next line it prints (a request's) meets the closed pipe.
    const answer = await fetch(`http://127.0.0.1:${served.port}/v1/models`, {headers: {'x-api-key': API_KEY}});
    await answer.text();
    assert.deepEqual(await served.exited, {code: 141, signal: null});
    await waitUntil(() => !isProcessAlive(served.pid), 5000, 'the serving child to exit');
    assert.equal(existsSync(proxyPidFilePath(ccs.paths)), false, 'the pid file is removed');
    assert.match(log(), new RegExp(`stopped \\(pid ${served.pid}\\): exited with code 141`));
    assert.equal((await runBin(['proxy', 'status'], ccs.env)).code, 3);
  });
});
