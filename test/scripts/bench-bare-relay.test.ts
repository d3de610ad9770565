// The proxy bench's yardsticks: the bare node:http relay must forward what it is sent and stream the
// answer back unchanged (else its figures are not a floor for a proxy), and the CPU reading it is
// compared by must count this process's work.
import assert from 'node:assert/strict';
import {spawn} from 'node:child_process';
import {createServer, type ServerResponse} from 'node:http';
import type {AddressInfo} from 'node:net';
import {after, describe, it} from 'node:test';
import {fileURLToPath} from 'node:url';
import {request} from 'undici';
import {cpuSeconds} from '../../scripts/bench-proxy.js';
import {listeningPort} from '../../scripts/bench-serve.js';

const relayMain = fileURLToPath(new URL('../../scripts/bench-bare-relay.js', import.meta.url));

describe('bench bare relay', async () => {
  const seen: {method?: string; url?: string; auth?: string; body: string}[] = [];
  let openStream: ServerResponse | undefined;
  const upstream = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen.push({method: req.method, url: req.url, auth: req.headers.authorization, body: Buffer.concat(chunks).toString('utf8')});
      if (req.url === '/stream') {
        // Ended by the test only once the first event came through the relay: proves streaming.
        res.writeHead(200, {'content-type': 'text/event-stream'});
        res.write('event: one\ndata: {}\n\n');
        return void (openStream = res);
      }
      res.writeHead(201, {'content-type': 'application/json', 'x-upstream': 'yes'});
      res.end('{"ok":true}');
    });
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  const relay = spawn(process.execPath, [relayMain, `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`], {stdio: ['ignore', 'pipe', 'pipe']});
  const port = await listeningPort(relay);
  after(async () => {
    const exited = new Promise((resolve) => relay.once('exit', resolve));
    relay.kill('SIGTERM');
    await exited;
    upstream.closeAllConnections();
    await new Promise((resolve) => upstream.close(resolve));
  });

  it('forwards method, path, headers and body, and returns status, headers and body', async () => {
    const response = await request(`http://127.0.0.1:${port}/v1/messages?beta=true`, {method: 'PUT', headers: {authorization: 'Bearer bench-token'}, body: '{"model":"m"}'});
    assert.equal(response.statusCode, 201);
    assert.equal(response.headers['x-upstream'], 'yes');
    assert.equal(await response.body.text(), '{"ok":true}');
    assert.deepEqual(seen.at(-1), {method: 'PUT', url: '/v1/messages?beta=true', auth: 'Bearer bench-token', body: '{"model":"m"}'});
  });

  // A relay that buffered would wait forever for an end that comes only after the first event.
  it('streams the answer: the first event arrives before the upstream has ended it', {timeout: 10_000}, async () => {
    const response = await request(`http://127.0.0.1:${port}/stream`, {method: 'POST', body: '{}'});
    assert.equal(response.statusCode, 200);
    const chunks: string[] = [];
    for await (const chunk of response.body) {
      chunks.push((chunk as Buffer).toString('utf8'));
      if (chunks.length === 1) openStream!.end('event: two\ndata: {}\n\n');
    }
    assert.equal(chunks[0], 'event: one\ndata: {}\n\n');
    assert.equal(chunks.join(''), 'event: one\ndata: {}\n\nevent: two\ndata: {}\n\n');
  });

  it('refuses an upstream that is not an http:// URL, naming it', async () => {
    const bad = spawn(process.execPath, [relayMain, 'ftp://127.0.0.1:1'], {stdio: ['ignore', 'pipe', 'pipe']});
    await assert.rejects(listeningPort(bad), /the upstream must be an http:\/\/ URL, got "ftp:\/\/127\.0\.0\.1:1"/);
  });
});

describe('cpuSeconds', () => {
  // The yardstick is process.cpuUsage() over the same span: both count user and system time of every
  // thread. The loop's own getrusage calls cost system time, a lot of it on a busy machine (the CI saw
  // 2 s for 0.3 s of user time), so a bound on user time alone would not hold.
  it('counts the CPU a process spends, and is NaN for a process that is gone', () => {
    const before = cpuSeconds(process.pid);
    const start = process.cpuUsage();
    let used = {user: 0, system: 0};
    while ((used = process.cpuUsage(start)).user < 300_000); // 0.3 s of work, well over a 10 ms clock tick
    const spent = cpuSeconds(process.pid) - before;
    const expected = (used.user + used.system) / 1e6;
    assert.ok(Math.abs(spent - expected) < 0.05 + expected * 0.1, `counted ${spent} s for ${expected} s of CPU (user and system)`);
    assert.ok(Number.isNaN(cpuSeconds(2 ** 22 + 1)));
  });
});
