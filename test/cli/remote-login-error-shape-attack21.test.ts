// Attack review (session 21): a server whose login status reports an error that is not a string
// (`{"status": "error", "error": {"code": …}}`) or is very long. The login ended in "the server's
// login failed: [object Object]", or in the whole of a long text on one line.
import assert from 'node:assert/strict';
import {writeFileSync} from 'node:fs';
import http from 'node:http';
import type {AddressInfo} from 'node:net';
import path from 'node:path';
import {test} from 'node:test';
import {makeTempCcs} from '../helpers/ccs.js';
import {runBin} from '../helpers/cli.js';

for (const [label, error, said] of [
  ['an object', {code: 'access_denied', detail: 'user refused'}, /the server's login failed: \{"code":"access_denied","detail":"user refused"\}; no account stored/],
  ['a very long text', `denied ${'no '.repeat(3000)}`, /the server's login failed: denied (?:no ){20,}no?…; no account stored/],
] as const) {
  test(`a login status error that is ${label} is said readably`, async () => {
    const server = http.createServer((req, res) => {
      const route = (req.url ?? '').replace(/^\/v0\/management/, '').replace(/\?.*/, '');
      const answers: Record<string, unknown> = {
        '/auth-files': {files: []},
        '/qwen-auth-url': {status: 'ok', url: 'https://login.example/device', state: 'st-1', flow: 'device', user_code: 'ABCD-EFGH'},
        '/get-auth-status': {status: 'error', error},
      };
      res.writeHead(200, {'content-type': 'application/json', 'x-cpa-version': 'v6.9.1'});
      res.end(JSON.stringify(answers[route] ?? {}));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const ccs = makeTempCcs();
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      writeFileSync(path.join(ccs.paths.root, 'tui.json'), JSON.stringify({targets: {team: {url, managementKeyEnv: 'K'}}}));
      const run = await runBin(['login', 'qwen', '--no-browser', '--target', 'team'], {...ccs.env, K: 'login-key-0123456789'});
      assert.equal(run.code, 1, run.stdout);
      assert.match(run.stderr, said);
      assert.ok(run.stderr.length < 1000, run.stderr);
    } finally {
      server.close();
      ccs.cleanup();
    }
  });
}
