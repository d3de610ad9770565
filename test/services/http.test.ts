import assert from 'node:assert/strict';
import {createServer} from 'node:http';
import type {AddressInfo} from 'node:net';
import {test} from 'node:test';
import {bodyExcerpt, jsonBody, NetworkError, requestSecrets, retryAfterSeconds, undiciHttpClient, UnexpectedResponseError} from '../../source/services/http.js';

test('requests carry JSON and form bodies; answers come back with lower-case headers', async () => {
  const seen: {type?: string; body: string}[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      seen.push({type: req.headers['content-type'], body});
      res.setHeader('X-Thing', 'yes');
      res.end('{"ok":true}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  try {
    const a = await undiciHttpClient.send({url, body: {a: 1}});
    const b = await undiciHttpClient.send({url, body: new URLSearchParams({grant_type: 'x'})});
    assert.equal(a.headers['x-thing'], 'yes');
    assert.deepEqual(jsonBody(a, url), {ok: true});
    assert.deepEqual(seen, [
      {type: 'application/json', body: '{"a":1}'},
      {type: 'application/x-www-form-urlencoded', body: 'grant_type=x'},
    ]);
    assert.throws(() => jsonBody({status: 502, headers: {}, text: '<html>\u001b[2Jbad gateway</html>'}, url), (error: Error) => {
      assert.ok(error instanceof UnexpectedResponseError);
      assert.match(error.message, /answered 502: expected a JSON object, got <html>bad gateway<\/html>/);
      return true;
    });
  } finally {
    server.close();
  }
});

test('a refused connection is a NetworkError that says so', async () => {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise((resolve) => server.close(resolve));
  await assert.rejects(undiciHttpClient.send({url: `http://127.0.0.1:${port}/token`}), (error: Error) => {
    assert.ok(error instanceof NetworkError);
    assert.match(error.message, /cannot reach 127\.0\.0\.1:\d+\/token: connection refused/);
    return true;
  });
});

test('Retry-After as seconds or as a date', () => {
  assert.equal(retryAfterSeconds({'retry-after': '120'}), 120);
  assert.equal(retryAfterSeconds({'retry-after': new Date(Date.parse('2026-01-01T00:01:00Z')).toUTCString()}, Date.parse('2026-01-01T00:00:00Z')), 60);
  assert.equal(retryAfterSeconds({}), undefined);
  assert.equal(retryAfterSeconds({'retry-after': 'soon'}), undefined);
});

test('an answer echoing the credentials its request carried (header, form grant, query key) is excerpted with them masked before the cut', async () => {
  const bearer = 'at-0123456789abcdefghijklmnop';
  const refresh = 'rt-ZYXWVUTSRQPONMLKJIHGFEDCBA';
  const verifier = 'pkce-verifier-0123456789-abcdefghij';
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      res.writeHead(400, {'content-type': 'text/plain'});
      // The echo sits across every cut an excerpt of 100 could make.
      res.end(`${'e'.repeat(90)} you sent ${req.headers.authorization} and ${body} to ${req.url}`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/token?key=AIzaQueryKey0123456789`;
    const req = {url, method: 'POST' as const, headers: {Authorization: `Bearer ${bearer}`}, body: new URLSearchParams({grant_type: 'refresh_token', refresh_token: refresh, code_verifier: verifier})};
    assert.deepEqual(new Set(requestSecrets(req)), new Set([bearer, refresh, verifier, 'AIzaQueryKey0123456789']));
    const response = await undiciHttpClient.send(req);
    for (const max of [95, 100, 110, 130, 160, 400]) {
      const out = bodyExcerpt(response, max);
      for (const secret of [bearer, refresh, verifier, 'AIzaQueryKey0123456789']) assert.ok(!out.includes(secret.slice(0, 12)), `cut at ${max}: ${out}`);
    }
    assert.match(bodyExcerpt(response, 400), /you sent Bearer at-0…\(redacted\) and grant_type=refresh_token&refresh_token=rt-Z…\(redacted\)&code_verifier=pkce…\(redacted\) to \/token\?key=AIza…\(redacted\)/);
  } finally {
    server.close();
  }
});
