// `models --live` asks the provider with the account's key: a key it refuses is the account's news
// too (`accounts` then says "! key rejected"), and a list read later with the key ends that.
import assert from 'node:assert/strict';
import {createServer, type Server} from 'node:http';
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
