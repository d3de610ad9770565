// `ccs-tui login KEY-PROVIDER --base-url …` against servers that echo the key or are not a models API:
// the key is never shown beyond its masked form, and an account is stored only after a real models list.
import assert from 'node:assert/strict';
import {createServer, type Server} from 'node:http';
import type {AddressInfo} from 'node:net';
import {test} from 'node:test';
import {runBin} from '../helpers/cli.js';
import {makeTempCcs} from '../helpers/ccs.js';

/** A server on 127.0.0.1 answering every request with `status`, `type` and `body(key)` (the bearer it got). */
async function answering(status: number, type: string, body: (key: string) => string): Promise<{url: string; close: () => Promise<void>}> {
  const server: Server = createServer((req, res) => {
    const key = String(req.headers.authorization ?? '').replace(/^Bearer /, '');
    res.writeHead(status, {'content-type': type});
    res.end(body(key));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`, close: () => new Promise((resolve) => server.close(() => resolve()))};
}

async function login(base: string, key: string) {
  const ccs = makeTempCcs();
  try {
    const run = await runBin(['login', 'bob', '--base-url', base], ccs.env, `${key}\n`);
    const accounts = JSON.parse((await runBin(['accounts', '--json'], ccs.env)).stdout) as unknown[];
    return {...run, stored: accounts.length};
  } finally {
    ccs.cleanup();
  }
}

const KEY = 'bobkey-SECRETSECRETSECRET-0123456789abcd';

/** No run of 12 or more characters of the key shows anywhere in `text`. */
function assertNoKeyPart(text: string, key: string): void {
  for (let i = 0; i + 12 <= key.length; i++) assert.ok(!text.includes(key.slice(i, i + 12)), `"${key.slice(i, i + 12)}" shows in: ${text}`);
}

test('a refused key echoed past the excerpt cut (72 x, then the key) is shown masked, not cut to its last characters', async () => {
  const cases: Array<[string, (key: string) => string]> = [
    ['echo after 72 x', (key) => JSON.stringify({error: {message: `${'x'.repeat(72)} Incorrect API key provided: ${key}`}})],
    ['echo right at the cut', (key) => JSON.stringify({error: {message: `${'y'.repeat(120)}: ${key}`}})],
    ['echo the server cut short', (key) => JSON.stringify({error: {message: `Incorrect API key provided: ${key.slice(0, -3)}***. See the docs.`}})],
    ['echo cut short at the end of the body', (key) => `Incorrect API key provided: ${key.slice(0, -5)}`],
  ];
  for (const [name, body] of cases) {
    const server = await answering(401, 'application/json', body);
    try {
      const run = await login(server.url, KEY);
      assert.equal(run.code, 1, `${name}: ${run.stderr}`);
      assert.match(run.stderr, /IBM Bob refused the key bobk…\(redacted\) \(HTTP 401 from 127\.0\.0\.1:\d+\/v1\/models: /, name);
      assertNoKeyPart(run.stdout + run.stderr, KEY);
      assert.equal(run.stored, 0, name);
    } finally {
      await server.close();
    }
  }
});

test('a 2xx that is not a models list (nginx welcome page, other JSON) is refused and nothing is stored; a real list is accepted', async () => {
  for (const [type, body] of [
    ['text/html', '<html>Welcome to nginx</html>'],
    ['application/json', '{"status":"ok"}'],
    ['application/json', '{"data":"nope"}'],
  ] as const) {
    const server = await answering(200, type, () => body);
    try {
      const run = await login(server.url, KEY);
      assert.equal(run.code, 1, run.stderr);
      assert.match(run.stderr, /127\.0\.0\.1:\d+\/v1\/models answered 200 but not a models list \(is the base URL right\? e\.g\. …\/v1\)/);
      assert.equal(run.stored, 0);
    } finally {
      await server.close();
    }
  }
  const models = await answering(200, 'application/json', () => JSON.stringify({object: 'list', data: [{id: 'bob-1', object: 'model'}]}));
  try {
    const run = await login(models.url, KEY);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stored, 1);
    assertNoKeyPart(run.stdout + run.stderr, KEY);
  } finally {
    await models.close();
  }
});

// Newcomer (s41): work's key given as --nickname home was refused as "nickname home is already used
// by key-…" (home itself): the key being work's was the point, and was not said.
test('a key that is one account\'s, given under another account\'s nickname: refused saying whose key it is', async () => {
  const server = await answering(200, 'application/json', () => JSON.stringify({object: 'list', data: [{id: 'bob-model', object: 'model'}]}));
  const ccs = makeTempCcs();
  try {
    assert.equal((await runBin(['login', 'bob', '--base-url', server.url, '--nickname', 'work'], ccs.env, `${KEY}\n`)).code, 0);
    assert.equal((await runBin(['login', 'bob', '--base-url', server.url, '--nickname', 'home'], ccs.env, 'bobkey-OTHEROTHEROTHER-0123456789abcd\n')).code, 0);
    const run = await runBin(['login', 'bob', '--nickname', 'home'], ccs.env, `${KEY}\n`);
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, /this key is already bob account work's, and nickname "home" is account home: one key serves one account \(given under the name work, it replaces that account's key; to move it to home, remove work first\)/, run.stderr);
    assertNoKeyPart(run.stdout + run.stderr, KEY);
  } finally {
    ccs.cleanup();
    await server.close();
  }
});
