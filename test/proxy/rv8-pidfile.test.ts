// rv8 attack review (lifecycle): tui/proxy.json is trusted by its pid alone. A stale file (a proxy
// killed by SIGKILL or a reboot) whose pid another process now has is taken for a running proxy:
// `proxy stop` SIGTERMs that process, `proxy serve` refuses to start, `proxy status` sends the
// proxy api-key to whatever listens on the recorded port, and the recorded provider name reaches the
// terminal raw. Each test fails on main at a33e1d5.
import assert from 'node:assert/strict';
import {spawn, type ChildProcess} from 'node:child_process';
import {createServer, type Server} from 'node:http';
import type {AddressInfo} from 'node:net';
import {after, before, describe, it} from 'node:test';
import {isProcessAlive} from '../../source/services/proxy/pid-file.js';
import {makeTempCcs, type TempCcs} from '../helpers/ccs.js';
import {killAll, runBin, serveByHand} from '../helpers/cli.js';
import {API_KEY, oauthToken} from './fixture.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('rv8: a stale tui/proxy.json whose pid another process has', () => {
  let ccs: TempCcs;
  /** A process that is not a proxy: it took the pid of a proxy that died (pid reuse). */
  let other: ChildProcess;
  /** Something else listening on the port the stale file records. */
  let foreign: Server;
  let foreignPort: number;
  const seen: string[] = [];
  const started: number[] = [];
  const writePidFile = (extra: Record<string, unknown> = {}) =>
    ccs.writeRaw('tui/proxy.json', JSON.stringify({pid: other.pid, port: foreignPort, startedAt: '2026-11-29T10:00:00.000Z', owner: 'background', kind: 'builtin', provider: 'claude', ...extra}));

  before(async () => {
    ccs = makeTempCcs();
    ccs.writeToken('claude-a@example.com.json', oauthToken('claude', 'a@example.com'));
    ccs.writeRaw('cliproxy/config.yaml', `port: 8317\napi-keys:\n  - "${API_KEY}"\n`);
    other = spawn('sleep', ['120'], {stdio: 'ignore'});
    started.push(other.pid!);
    foreign = createServer((req, res) => {
      seen.push(JSON.stringify(req.headers));
      if (req.url !== '/_ccs-tui/status') return void res.writeHead(404).end();
      // What another program on that port may answer: every field a terminal escape.
      const e = '\u001b]0;PWNED\u0007\u001b[2J';
      res.writeHead(200, {'content-type': 'application/json'}).end(
        JSON.stringify({pid: 1, port: foreignPort, account: `acct${e}`, requestsPerMinute: 1, totalRequests: 2, refusedPerMinute: 0, refusedRequests: 0, lastError: {message: `boom${e}`, at: '2026-11-30T12:00:00Z'}, cooling: [{provider: `p${e}`, account: `a${e}`, until: '2026-11-30T13:00:00Z', reason: `r${e}`}]}),
      );
    });
    await new Promise<void>((resolve) => foreign.listen(0, '127.0.0.1', resolve));
    foreignPort = (foreign.address() as AddressInfo).port;
  });
  after(() => {
    killAll(started);
    foreign.close();
    ccs.cleanup();
  });

  it('`proxy stop` does not signal a process that is not a ccs-tui proxy', async () => {
    writePidFile();
    const result = await runBin(['proxy', 'stop'], ccs.env);
    await sleep(200);
    assert.ok(isProcessAlive(other.pid!), `proxy stop killed pid ${other.pid} (a \`sleep\`), saying: ${result.stdout}${result.stderr}`);
  });

  it('`proxy status` does not send the proxy api-key to whatever listens on the recorded port', async () => {
    if (!isProcessAlive(other.pid!)) (other = spawn('sleep', ['120'], {stdio: 'ignore'})), started.push(other.pid!);
    writePidFile();
    seen.length = 0;
    await runBin(['proxy', 'status'], ccs.env);
    assert.ok(!seen.some((headers) => headers.includes(API_KEY)), `the foreign server on 127.0.0.1:${foreignPort} received the proxy api-key: ${seen.join('\n')}`);
  });

  it('`proxy status` shows the recorded names, and what its port answered, without terminal escapes', async () => {
    if (!isProcessAlive(other.pid!)) (other = spawn('sleep', ['120'], {stdio: 'ignore'})), started.push(other.pid!);
    writePidFile({provider: 'claude\u001b]0;PWNED\u0007\u001b[2J', account: 'a\u001b[31m@example.com', startedAt: 'x\u001b[2J', owner: 'background\u001b[2J'});
    const result = await runBin(['proxy', 'status'], ccs.env);
    assert.ok(!/[\u001b\u0007]/.test(result.stdout + result.stderr), `raw escapes reached the terminal: ${JSON.stringify(result.stdout + result.stderr)}`);
  });

  it('`proxy serve` is not refused by the stale file', async () => {
    if (!isProcessAlive(other.pid!)) (other = spawn('sleep', ['120'], {stdio: 'ignore'})), started.push(other.pid!);
    writePidFile();
    let served: Awaited<ReturnType<typeof serveByHand>> | undefined;
    try {
      served = await serveByHand(['--port', '0'], ccs.env, started);
    } catch (error) {
      assert.fail(`refused: ${(error as Error).message}`);
    }
    served.shell.kill('SIGTERM');
    await served.exited;
    assert.ok(isProcessAlive(other.pid!));
  });
});
