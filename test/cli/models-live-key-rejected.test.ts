// `models --live` asks the provider with the account's key: a key it refuses is the account's news
// too (`accounts` then says "! key rejected"), and a list read later with the key ends that.
import assert from 'node:assert/strict';
import {readFileSync} from 'node:fs';
import {createServer, type Server} from 'node:http';
import path from 'node:path';
import type {AddressInfo} from 'node:net';
import {after, test} from 'node:test';
import {runBin} from '../helpers/cli.js';
import {makeTempCcs} from '../helpers/ccs.js';

const KEY = 'bob-secret-key-0123456789abcdef';
let server: Server | undefined;
const ccs = makeTempCcs();
after(async () => {
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  ccs.cleanup();
});

test('models --live with a refused key marks the account key rejected; a list read later ends it', async () => {
  let accept = false;
  server = createServer((_req, res) => {
    const [status, body] = accept ? [200, {data: [{id: 'bob-large'}]}] : [401, {error: {message: `Invalid API key ${KEY}`, type: 'authentication_error'}}];
    res.writeHead(status, {'content-type': 'application/json'}).end(JSON.stringify(body));
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  ccs.writeToken('bob-spare.json', {type: 'bob', api_key: KEY, base_url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`});
  const refused = await runBin(['models', 'bob', '--account', 'spare', '--live'], ccs.env);
  assert.match(refused.stderr, /answered 401/, refused.stderr);
  const marked = await runBin(['accounts'], ccs.env);
  assert.match(marked.stdout, /^bob .*spare .*! key rejected/m, marked.stdout);
  assert.ok(!`${refused.stdout}${refused.stderr}${marked.stdout}${marked.stderr}`.includes(KEY), 'the key was printed');
  accept = true;
  const listed = await runBin(['models', 'bob', '--account', 'spare', '--live'], ccs.env);
  assert.match(listed.stdout, /bob-large/, listed.stderr);
  assert.match((await runBin(['accounts'], ccs.env)).stdout, /^bob .*spare .* ok/m);
});

test("the advice's command for a refused key works as printed: `login bob --nickname <name>` with the new key on stdin keeps the account's base URL", async () => {
  const NEW_KEY = 'bob-new-key-fedcba9876543210';
  const asked: string[] = [];
  const keyServer = createServer((req, res) => {
    asked.push(String(req.headers.authorization));
    const ok = req.headers.authorization === `Bearer ${NEW_KEY}`;
    res.writeHead(ok ? 200 : 401, {'content-type': 'application/json'}).end(JSON.stringify(ok ? {data: [{id: 'bob-large'}]} : {error: {message: 'Invalid API key'}}));
  });
  await new Promise<void>((resolve) => keyServer.listen(0, '127.0.0.1', resolve));
  const own = makeTempCcs();
  try {
    const base = `http://127.0.0.1:${(keyServer.address() as AddressInfo).port}/v1`;
    own.writeToken('bob-spare.json', {type: 'bob', api_key: KEY, base_url: base});
    const refused = await runBin(['models', 'bob', '--account', 'spare', '--live'], own.env);
    const advice = /a new key: (ccs-tui login bob --nickname \S+)/.exec((await runBin(['accounts'], own.env)).stderr)?.[1] ?? /a new key: (ccs-tui login bob --nickname \S+)/.exec(refused.stderr)?.[1];
    assert.equal(advice, 'ccs-tui login bob --nickname spare', 'the advice names the account');
    const login = await runBin(['login', 'bob', '--nickname', 'spare'], own.env, `${NEW_KEY}\n`);
    assert.equal(login.code, 0, login.stderr);
    assert.match(login.stderr, new RegExp(`base URL: ${base.replace(/[.]/g, '\\.')} \\(the one spare has; --base-url gives another\\)`));
    const token = JSON.parse(readFileSync(path.join(own.paths.authDir, 'bob-spare.json'), 'utf8')) as {api_key: string; base_url: string};
    assert.equal(token.base_url, base);
    assert.equal(token.api_key, NEW_KEY, 'the key was replaced in place');
    assert.match((await runBin(['accounts'], own.env)).stdout, /^bob .*spare .* ok/m);
    assert.ok(!`${login.stdout}${login.stderr}`.includes(NEW_KEY), 'the key was printed');
  } finally {
    await new Promise((resolve) => keyServer.close(resolve));
    own.cleanup();
  }
});
