// Review attack on `proxy serve` run by hand (services/proxy/rerun.ts): with a stream in flight whose
// upstream stalls, a Ctrl-C (SIGINT to the job), then a second one, must still end the command within
// the proxy's close grace (CLOSE_GRACE_MS) with the serving process gone and the client's stream ended.
import assert from 'node:assert/strict';
import {spawn} from 'node:child_process';
import {writeFileSync} from 'node:fs';
import {after, describe, it} from 'node:test';
import {CLOSE_GRACE_MS} from '../../source/proxy/server.js';
import {isProcessAlive} from '../../source/services/proxy/pid-file.js';
import {makeTempCcs} from '../helpers/ccs.js';
import {binPath} from '../helpers/cli.js';
import {killOnInterrupt, stopProxyOnInterrupt} from '../helpers/interrupt.js';
import {startFakeUpstream} from '../helpers/fake-upstreams.js';
import {API_KEY, oauthToken} from '../proxy/fixture.js';

describe('proxy serve by hand, stopped with a stalled stream in flight', {skip: process.platform !== 'linux' && 'process groups'}, async () => {
  const upstream = await startFakeUpstream((_req, res) => {
    res.writeHead(200, {'content-type': 'text/event-stream'});
    res.write('event: message_start\ndata: {"type":"message_start","message":{"id":"m","type":"message","role":"assistant","content":[],"model":"x","usage":{"input_tokens":1,"output_tokens":0}}}\n\n');
    // then nothing, ever
  });
  const ccs = makeTempCcs();
  ccs.writeToken('claude-a@example.com.json', oauthToken('claude', 'a@example.com'));
  ccs.writeRaw('cliproxy/config.yaml', `port: 8317\napi-keys:\n  - "${API_KEY}"\n`);
  writeFileSync(ccs.paths.settings, JSON.stringify({endpoints: {claude: {api: upstream.url}}}));
  const pids: number[] = [];
  after(async () => {
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
    ccs.cleanup();
    await upstream.close();
  });

  for (const twice of [false, true]) {
    it(`${twice ? 'two Ctrl-Cs' : 'one Ctrl-C'}: the command ends within the grace, exit 0, the client's stream ends`, {timeout: 20_000}, async () => {
      const shell = spawn(process.execPath, [binPath, 'proxy', 'serve', '--port', '0', '--provider', 'claude'], {env: ccs.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true});
      pids.push(shell.pid!);
      // Its own process group: a Ctrl-C on the test run never reaches it.
      killOnInterrupt(shell.pid);
      stopProxyOnInterrupt(ccs.paths.root);
      let stdout = '';
      let stderr = '';
      shell.stderr!.on('data', (d) => (stderr += d));
      const exited = new Promise<{code: number | null; signal: string | null; at: number}>((resolve) => shell.once('exit', (code, signal) => resolve({code, signal, at: Date.now()})));
      const line = await new Promise<RegExpExecArray>((resolve, reject) => {
        shell.stdout!.on('data', (d) => {
          stdout += d;
          const m = /listening on http:\/\/127\.0\.0\.1:(\d+) \(pid (\d+)\)/.exec(stdout);
          if (m) resolve(m);
        });
        void exited.then(({code}) => reject(new Error(`exited ${code}: ${stderr}`)));
      });
      const servingPid = Number(line[2]);
      pids.push(servingPid);
      const response = await fetch(`http://127.0.0.1:${line[1]}/v1/messages`, {
        method: 'POST',
        headers: {'x-api-key': API_KEY, 'content-type': 'application/json', 'anthropic-version': '2023-06-01'},
        body: JSON.stringify({model: 'claude-sonnet-4-5-20250929', max_tokens: 8, stream: true, messages: [{role: 'user', content: 'hi'}]}),
      });
      assert.equal(response.status, 200);
      const reader = response.body!.getReader();
      await reader.read();
      const clientEnded = (async () => {
        try {
          while (!(await reader.read()).done);
        } catch {
          // cut: ended too
        }
        return Date.now();
      })();
      const sentAt = Date.now();
      process.kill(-shell.pid!, 'SIGINT');
      if (twice) {
        await new Promise((r) => setTimeout(r, 300));
        process.kill(-shell.pid!, 'SIGINT');
      }
      const end = await exited;
      assert.deepEqual({code: end.code, signal: end.signal}, {code: 0, signal: null}, stderr);
      assert.ok(end.at - sentAt < CLOSE_GRACE_MS + 3000, `ended ${end.at - sentAt} ms after the Ctrl-C`);
      assert.equal(isProcessAlive(servingPid), false);
      const clientAt = await Promise.race([clientEnded, new Promise<number>((r) => setTimeout(() => r(-1), 3000))]);
      assert.notEqual(clientAt, -1, "the client's stream was left open after the proxy stopped");
    });
  }
});

describe('proxy serve by hand, stopped while a token refresh is in flight to a token endpoint that never answers', {skip: process.platform !== 'linux' && 'process groups'}, async () => {
  let refreshes = 0;
  const tokenEndpoint = await startFakeUpstream((req) => {
    if (req.method === 'POST') refreshes++;
    // never answers
  });
  const ccs = makeTempCcs();
  ccs.writeToken('claude-a@example.com.json', oauthToken('claude', 'a@example.com', {expired: new Date(Date.now() - 3600_000).toISOString()}));
  ccs.writeRaw('cliproxy/config.yaml', `port: 8317\napi-keys:\n  - "${API_KEY}"\n`);
  writeFileSync(ccs.paths.settings, JSON.stringify({endpoints: {claude: {api: tokenEndpoint.url, token: `${tokenEndpoint.url}/oauth/token`}}}));
  const pids: number[] = [];
  after(async () => {
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
    ccs.cleanup();
    await tokenEndpoint.close();
  });

  it('a second Ctrl-C, pressed 2 s after the first, ends the command (a person can always stop it)', {timeout: 30_000}, async () => {
    const shell = spawn(process.execPath, [binPath, 'proxy', 'serve', '--port', '0', '--provider', 'claude'], {env: ccs.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true});
    pids.push(-shell.pid!);
    killOnInterrupt(shell.pid);
    stopProxyOnInterrupt(ccs.paths.root);
    let stdout = '';
    const exited = new Promise<{code: number | null; signal: string | null}>((resolve) => shell.once('exit', (code, signal) => resolve({code, signal})));
    const line = await new Promise<RegExpExecArray>((resolve) => {
      shell.stdout!.on('data', (d) => {
        stdout += d;
        const m = /listening on http:\/\/127\.0\.0\.1:(\d+) \(pid (\d+)\)/.exec(stdout);
        if (m) resolve(m);
      });
    });
    void fetch(`http://127.0.0.1:${line[1]}/v1/messages`, {
      method: 'POST',
      headers: {'x-api-key': API_KEY, 'content-type': 'application/json', 'anthropic-version': '2023-06-01'},
      body: JSON.stringify({model: 'claude-sonnet-4-5-20250929', max_tokens: 8, messages: [{role: 'user', content: 'hi'}]}),
    }).catch(() => undefined);
    while (refreshes === 0) await new Promise((r) => setTimeout(r, 20));
    process.kill(-shell.pid!, 'SIGINT');
    await new Promise((r) => setTimeout(r, 2000));
    process.kill(-shell.pid!, 'SIGINT');
    const end = await Promise.race([exited, new Promise<'running'>((r) => setTimeout(() => r('running'), 3000))]);
    assert.notEqual(end, 'running', 'still running 3 s after the second Ctrl-C (5 s after the first)');
  });
});
