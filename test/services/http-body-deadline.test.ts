// services/http.ts: an answer's body as a whole has a deadline, not only undici's idle timeout (a
// byte now and then resets that one). An error body that stalls or trickles counts as its status
// within ERROR_BODY_WAIT_MS (a refresh's or a quota read's caller is not held); a success that
// trickles past the request's timeout is a NetworkError; a slow but whole error body still arrives.
import assert from 'node:assert/strict';
import {createServer, type ServerResponse} from 'node:http';
import type {AddressInfo} from 'node:net';
import {after, test} from 'node:test';
import {ERROR_BODY_WAIT_MS, NetworkError, undiciHttpClient, UnexpectedResponseError} from '../../source/services/http.js';

const timers: NodeJS.Timeout[] = [];
/** Writes a byte every `everyMs`, never ending (idle timeouts never trip). */
function trickle(res: ServerResponse, status: number, everyMs: number): void {
  res.writeHead(status, {'content-type': 'application/json'});
  res.write('{"error":"');
  timers.push(setInterval(() => res.write('x'), everyMs));
}

const server = createServer((req, res) => {
  if (req.url === '/stalled-500') {
    res.writeHead(500, {'content-type': 'application/json', 'content-length': '400'});
    res.write('{"error":{"message":"inter');
  } else if (req.url === '/trickling-400') trickle(res, 400, 200);
  else if (req.url === '/trickling-200') trickle(res, 200, 200);
  else if (req.url === '/slow-whole-400') {
    res.writeHead(400, {'content-type': 'application/json'});
    res.write('{"error":"invalid_');
    setTimeout(() => res.end('grant"}'), 1000);
  }
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
after(() => {
  for (const timer of timers) clearInterval(timer);
  server.closeAllConnections();
  server.close();
});

async function timed<T>(run: () => Promise<T>): Promise<{ms: number; result: T | Error}> {
  const start = Date.now();
  const result = await run().catch((error: Error) => error);
  return {ms: Date.now() - start, result};
}

test('a 500 whose body stalls is an UnexpectedResponseError with that status, within the error-body wait', async () => {
  const {ms, result} = await timed(() => undiciHttpClient.send({url: `${base}/stalled-500`, timeoutMs: 30_000}));
  assert.ok(result instanceof UnexpectedResponseError, String(result));
  assert.equal(result.status, 500);
  assert.match(result.message, /answered 500: its body did not end within 3 s/);
  assert.ok(ms >= ERROR_BODY_WAIT_MS - 100 && ms < ERROR_BODY_WAIT_MS + 2000, `${ms} ms`);
});

test('a 400 whose body trickles a byte every 200 ms (undici idle timeout never trips) is cut the same way', async () => {
  const {ms, result} = await timed(() => undiciHttpClient.send({url: `${base}/trickling-400`, timeoutMs: 30_000}));
  assert.ok(result instanceof UnexpectedResponseError, String(result));
  assert.equal(result.status, 400);
  assert.ok(ms < ERROR_BODY_WAIT_MS + 2000, `${ms} ms`);
});

test('a success that trickles past the request timeout is a NetworkError naming it', async () => {
  const {ms, result} = await timed(() => undiciHttpClient.send({url: `${base}/trickling-200`, timeoutMs: 2000}));
  assert.ok(result instanceof NetworkError, String(result));
  assert.match(result.message, /answer not whole within 2 s/);
  assert.ok(ms < 2000 + 2000, `${ms} ms`);
});

test('an error body that takes a second but ends is read whole', async () => {
  const response = await undiciHttpClient.send({url: `${base}/slow-whole-400`, timeoutMs: 30_000});
  assert.equal(response.status, 400);
  assert.equal(response.text, '{"error":"invalid_grant"}');
});
