// Attack review (session 21): a target URL the server answers with a redirect (http:// to https://,
// a moved server, a login page in front). The redirect is not followed (the management key would
// go along, to wherever it points), but the error said only "302 (empty body)": now it names the
// redirect, why it is not followed and the setting to change.
import assert from 'node:assert/strict';
import {writeFileSync} from 'node:fs';
import http from 'node:http';
import type {AddressInfo} from 'node:net';
import path from 'node:path';
import {test} from 'node:test';
import {makeTempCcs} from '../helpers/ccs.js';
import {runBin} from '../helpers/cli.js';

const KEY = 'redirect-key-0123456789abcdef';

async function listen(handler: http.RequestListener): Promise<{server: http.Server; url: string; requests: http.IncomingMessage[]}> {
  const requests: http.IncomingMessage[] = [];
  const server = http.createServer((req, res) => {
    requests.push(req);
    handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests};
}

test('a target that answers with a redirect: the error names where to and targets.<name>.url; the key does not follow', async () => {
  const elsewhere = await listen((_req, res) => res.end('{}'));
  const moved = await listen((req, res) => {
    res.writeHead(302, {location: `${elsewhere.url}${req.url}?session=s3cr3t-session-0123456789`});
    res.end();
  });
  const ccs = makeTempCcs();
  try {
    writeFileSync(path.join(ccs.paths.root, 'tui.json'), JSON.stringify({targets: {team: {url: moved.url, managementKeyEnv: 'K'}}}));
    const run = await runBin(['accounts', '--target', 'team'], {...ccs.env, K: KEY});
    assert.equal(run.code, 1, run.stdout);
    assert.equal(
      run.stderr,
      `ccs-tui: team (${moved.url}) GET /v0/management/auth-files: the server answered 302, a redirect to ${elsewhere.url}/v0/management/auth-files?…; ` +
        `it is not followed (the management key would go along): set targets.team.url to the server's own address\n`,
    );
    assert.equal(moved.requests.length, 1);
    assert.equal(elsewhere.requests.length, 0, 'the key went to the address redirected to');
  } finally {
    moved.server.close();
    elsewhere.server.close();
    ccs.cleanup();
  }
});
