// tui/proxy.json names a proxy by its pid, its process start (processStart) and a nonce of its start:
// a record whose pid is now another process's is stale (removed, said so, nothing signalled), and the
// proxy API key goes only to a port that proves the record's nonce. What the record and a control
// answer hold reaches the terminal without escapes. Real processes, the built binary, listeners on 127.0.0.1.
import assert from 'node:assert/strict';
import {spawn, type ChildProcess} from 'node:child_process';
import {existsSync} from 'node:fs';
import {createServer, type IncomingMessage, type ServerResponse} from 'node:http';
import type {AddressInfo} from 'node:net';
import {after, afterEach, before, describe, it, test} from 'node:test';
import {controlProof, isProcessAlive, processStartToken, proxyPidFilePath, readProxyRecord} from '../../source/services/proxy/pid-file.js';
import {ProxySupervisor} from '../../source/services/proxy-supervisor.js';
import {makeTempCcs, type TempCcs} from '../helpers/ccs.js';
import {killAll, runBin} from '../helpers/cli.js';
import {cleanUp, renderTui, type TuiHandle} from '../helpers/ink.js';
import {makeUiCcs} from '../ui/fixtures.js';
import {API_KEY, oauthToken} from './fixture.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const ESC = '\u001b]0;PWNED\u0007\u001b[2J';
const NONCE = 'a'.repeat(64);

const started: number[] = [];
const spawnSleep = (): ChildProcess => {
  const child = spawn('sleep', ['120'], {stdio: 'ignore'});
  started.push(child.pid!);
  return child;
};
after(() => killAll(started));

/** A listener on 127.0.0.1 standing where the record says the proxy is; `proves`: it knows NONCE (a stand-in for the proxy itself). */
async function listener(proves: boolean, status: Record<string, unknown> = {}) {
  const seen: {url: string; key?: string}[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    seen.push({url: req.url ?? '', key: req.headers['x-api-key'] as string | undefined});
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (url.pathname === '/_ccs-tui/hello') {
      return void res.writeHead(200, {'content-type': 'application/json'}).end(JSON.stringify({proof: proves ? controlProof(NONCE, url.searchParams.get('challenge') ?? '', req.socket.remotePort) : 'f'.repeat(64)}));
    }
    if (url.pathname === '/_ccs-tui/status') return void res.writeHead(200, {'content-type': 'application/json'}).end(JSON.stringify(status));
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {seen, port: (server.address() as AddressInfo).port, close: () => new Promise((resolve) => server.close(resolve))};
}

describe('processStartToken', () => {
  it('is the same for one process however often asked, another for a later process, none once it exited (/proc and ps alike)', async () => {
    const first = spawnSleep();
    // ps says the start to the second: the later process starts in another second.
    await sleep(1100);
    const second = spawnSleep();
    for (const method of ['proc', 'ps'] as const) {
      const a = processStartToken(first.pid!, method);
      assert.ok(a, `${method}: a token for a live process`);
      assert.equal(processStartToken(first.pid!, method), a, `${method}: the same process, the same token`);
      assert.notEqual(processStartToken(second.pid!, method), a, `${method}: a later process, another token`);
    }
    first.kill('SIGKILL');
    await new Promise((resolve) => first.once('exit', resolve));
    assert.equal(processStartToken(first.pid!, 'proc'), undefined);
    assert.equal(processStartToken(first.pid!, 'ps'), undefined);
  });
});

describe('a record is the running proxy only while its pid is the recorded process', () => {
  let ccs: TempCcs;
  before(() => {
    ccs = makeTempCcs();
  });
  after(() => ccs.cleanup());
  const write = (entry: Record<string, unknown>) => ccs.writeRaw('tui/proxy.json', JSON.stringify({port: 18999, owner: 'background', kind: 'builtin', ...entry}));

  it('with processStart: the same start is running, another is stale (the pid is now another process)', () => {
    const other = spawnSleep();
    write({pid: other.pid, startedAt: new Date().toISOString(), processStart: processStartToken(other.pid!)});
    assert.equal(readProxyRecord(ccs.paths).state, 'running');
    write({pid: other.pid, startedAt: new Date().toISOString(), processStart: processStartToken(process.pid)});
    const record = readProxyRecord(ccs.paths);
    assert.deepEqual(record.state === 'stale' && record.why, `pid ${other.pid} is now another process`);
  });

  it('without processStart (an older version’s record): stale when the process started after the record says the proxy did', () => {
    const other = spawnSleep();
    write({pid: other.pid, startedAt: new Date().toISOString()});
    assert.equal(readProxyRecord(ccs.paths).state, 'running');
    write({pid: other.pid, startedAt: new Date(Date.now() - 3600_000).toISOString()});
    assert.equal(readProxyRecord(ccs.paths).state, 'stale');
    write({pid: other.pid, startedAt: 'not a time'});
    assert.equal(readProxyRecord(ccs.paths).state, 'stale');
  });
});

describe('the commands on a record of another process, and on a port that is not the proxy', () => {
  let ccs: TempCcs;
  before(() => {
    ccs = makeTempCcs();
    ccs.writeToken('claude-a@example.com.json', oauthToken('claude', 'a@example.com'));
    ccs.writeRaw('cliproxy/config.yaml', `port: 8317\napi-keys:\n  - "${API_KEY}"\n`);
  });
  after(() => ccs.cleanup());

  it('`proxy stop`: no signal; the stale record is removed with a line saying so', async () => {
    const other = spawnSleep();
    // The pid's process started after the recorded one (processStart of another process).
    ccs.writeRaw('tui/proxy.json', JSON.stringify({pid: other.pid, port: 18998, startedAt: new Date().toISOString(), owner: 'background', kind: 'builtin', provider: 'claude', processStart: processStartToken(process.pid)}));
    const result = await runBin(['proxy', 'stop'], ccs.env);
    await sleep(200);
    assert.ok(isProcessAlive(other.pid!), 'the other process was not signalled');
    assert.equal(result.stderr, `ccs-tui: ${proxyPidFilePath(ccs.paths)} named a proxy (pid ${other.pid}, port 18998, claude) that no longer runs (pid ${other.pid} is now another process): removed the stale file\n`);
    assert.equal(result.stdout, 'no proxy is running (start one: ccs-tui proxy start)\n');
    assert.equal(existsSync(proxyPidFilePath(ccs.paths)), false);
  });

  it('`proxy status` on a port that does not prove the nonce: the key is never sent; the record shows without escapes', async () => {
    const other = spawnSleep();
    const port = await listener(false);
    try {
      ccs.writeRaw(
        'tui/proxy.json',
        JSON.stringify({pid: other.pid, port: port.port, startedAt: `x${ESC}`, owner: `background${ESC}`, kind: 'builtin', provider: `claude${ESC}`, account: `a${ESC}@example.com`, processStart: processStartToken(other.pid!), nonce: NONCE}),
      );
      const result = await runBin(['proxy', 'status'], ccs.env);
      assert.equal(result.code, 0, result.stderr);
      assert.deepEqual(
        port.seen.map((s) => ({path: s.url.split('?')[0], key: s.key})),
        [{path: '/_ccs-tui/hello', key: undefined}],
        'asked to prove itself, and nothing more',
      );
      assert.ok(!/[\u001b\u0007]/.test(result.stdout + result.stderr), JSON.stringify(result.stdout + result.stderr));
      // A removed escape between two visible characters is marked (`a\u001b@example.com` is no other account's name).
      assert.match(result.stdout, new RegExp(`^proxy running: pid ${other.pid}, http://127\\.0\\.0\\.1:${port.port} \\(background\\\\u001b\\)\\nsince x\\nserving: claude / a\\\\u001b@example\\.com\\n` +
        // What it cannot show, and why: the port did not prove itself, so its key was not sent.
        `requests, last error and cooldowns not shown: port ${port.port} did not prove itself the proxy .* names \\(pid ${other.pid}\\): a wrong proof; its API key was not sent\\n$`));
    } finally {
      await port.close();
    }
  });

  it('`proxy status` on the proxy (it proves the nonce): its answer is shown, every field without escapes', async () => {
    const other = spawnSleep();
    const port = await listener(true, {
      pid: other.pid,
      port: 1,
      account: `acct${ESC}`,
      requestsPerMinute: 1,
      totalRequests: 2,
      refusedPerMinute: 0,
      refusedRequests: 0,
      lastError: {message: `boom${ESC}`, at: new Date(Date.now() - 60_000).toISOString()},
      cooling: [{provider: `p${ESC}`, account: `a${ESC}`, until: `later${ESC}`, reason: `r${ESC}`}],
    });
    try {
      ccs.writeRaw('tui/proxy.json', JSON.stringify({pid: other.pid, port: port.port, startedAt: new Date().toISOString(), owner: 'background', kind: 'builtin', provider: 'claude', processStart: processStartToken(other.pid!), nonce: NONCE}));
      const result = await runBin(['proxy', 'status'], ccs.env);
      assert.deepEqual(
        port.seen.map((s) => ({path: s.url.split('?')[0], key: s.key})),
        [
          {path: '/_ccs-tui/hello', key: undefined},
          {path: '/_ccs-tui/status', key: API_KEY},
        ],
        'the key goes once the port proved it is the proxy',
      );
      assert.ok(!/[\u001b\u0007]/.test(result.stdout + result.stderr), JSON.stringify(result.stdout + result.stderr));
      assert.match(result.stdout, /^serving: claude \/ pool of 1 · now acct$/m);
      assert.match(result.stdout, /^last error 1m ago \(at (?:\d{4}-\d\d-\d\d )?[\d:]+\): boom$/m);
      // `p${ESC}/a`: the escape between two characters of a name is marked, not dropped (they would read as one).
      assert.match(result.stdout, /^cooling: p\\u001b\/a until later \(r\\u001b\)$/m);
    } finally {
      await port.close();
    }
  });
});

describe('the TUI on a record of another process', () => {
  let ccs: TempCcs | undefined;
  let tui: TuiHandle | undefined;
  let supervisor: ProxySupervisor | undefined;
  afterEach(async () => {
    await supervisor?.dispose();
    [tui, ccs] = cleanUp(tui, ccs);
    supervisor = undefined;
  });

  test('the proxy screen does not follow it: stopped, the log says the stale file was removed; x signals nothing', async () => {
    ccs = makeUiCcs();
    const other = spawnSleep();
    ccs.writeRaw('tui/proxy.json', JSON.stringify({pid: other.pid, port: 18997, startedAt: new Date().toISOString(), owner: 'background', kind: 'builtin', provider: 'claude', processStart: processStartToken(process.pid)}));
    supervisor = new ProxySupervisor({paths: ccs.paths, env: ccs.env});
    tui = await renderTui({paths: ccs.paths, width: 260, height: 30, route: {screen: 'proxy', params: {}}, services: {proxy: supervisor}});
    const frame = await tui.waitFor(`that no longer runs (pid ${other.pid} is now another process): removed the stale file`, 5000);
    assert.match(frame, /○ stopped/);
    assert.match(frame, /PID —/);
    await tui.press('x');
    await sleep(300);
    assert.ok(isProcessAlive(other.pid!));
    assert.equal(existsSync(proxyPidFilePath(ccs.paths)), false);
  });

  test('a record of a live proxy whose port does not prove the nonce: the screen shows it, its polls never send the key', async () => {
    ccs = makeUiCcs();
    ccs.writeRaw('cliproxy/config.yaml', `port: 8317\napi-keys:\n  - "${API_KEY}"\n`);
    const other = spawnSleep();
    const port = await listener(false, {pid: other.pid, port: 1, account: 'x', requestsPerMinute: 0, totalRequests: 0, refusedPerMinute: 0, refusedRequests: 0, cooling: []});
    try {
      ccs.writeRaw('tui/proxy.json', JSON.stringify({pid: other.pid, port: port.port, startedAt: new Date().toISOString(), owner: 'background', kind: 'builtin', provider: 'claude', processStart: processStartToken(other.pid!), nonce: NONCE}));
      supervisor = new ProxySupervisor({paths: ccs.paths, env: ccs.env});
      tui = await renderTui({paths: ccs.paths, width: 200, height: 30, route: {screen: 'proxy', params: {}}, services: {proxy: supervisor}});
      await tui.waitFor(`PID ${other.pid}`, 5000);
      // The supervisor asks for the status every second.
      await sleep(2500);
      assert.ok(port.seen.length >= 2, `polled: ${JSON.stringify(port.seen)}`);
      assert.deepEqual(
        port.seen.filter((s) => !s.url.startsWith('/_ccs-tui/hello?') || s.key !== undefined),
        [],
        'only asked to prove itself, never sent the key',
      );
    } finally {
      await port.close();
    }
  });
});
