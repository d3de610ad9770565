// What a person reads when a remote target's server or its entry is off:
// - a port out of range or no number in targets.<name>.url was "is not a valid URL" (99999, abc) or,
//   for port 0, "cannot reach target …: connection refused": now the file, the field and the port;
// - a 429 from the server did not say when to try again (its Retry-After, seconds or an HTTP date);
// - a server that sent nothing at all for 30 s was said to "send too slowly".
import assert from 'node:assert/strict';
import http from 'node:http';
import type {AddressInfo} from 'node:net';
import {writeFileSync} from 'node:fs';
import path from 'node:path';
import {test} from 'node:test';
import {ManagementClient} from '../../source/services/remote/client.js';
import {makeTempCcs, type TempCcs} from '../helpers/ccs.js';
import {runBin} from '../helpers/cli.js';

const KEY = 'mgmt-key-5f2c9e7a1b3d4f60';

function pointAt(ccs: TempCcs, url: string): void {
  writeFileSync(path.join(ccs.paths.root, 'tui.json'), JSON.stringify({targets: {team: {url, managementKeyEnv: 'K'}}}));
}

async function serve(handler: http.RequestListener): Promise<{url: string; close(): void}> {
  const server = http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => {
      server.closeAllConnections();
      server.close();
    },
  };
}

test("a target url's port that is 0, past 65535 or no number is named with the file and the field", async () => {
  const ccs = makeTempCcs();
  try {
    for (const [url, said] of [
      ['http://127.0.0.1:0', /port 0\b.*1-65535/],
      ['http://127.0.0.1:99999/', /port 99999\b.*1-65535/],
      ['https://proxy.example.com:8317x', /port "8317x".*not a number/],
    ] as const) {
      pointAt(ccs, url);
      const run = await runBin(['accounts', '--target', 'team'], {...ccs.env, K: KEY});
      assert.notEqual(run.code, 0, url);
      assert.ok(run.stderr.includes(`${ccs.paths.settings}: targets.team.url`), `${url}: ${run.stderr}`);
      assert.match(run.stderr, said, url);
      assert.doesNotMatch(run.stderr, /connection refused|not a valid URL/, url);
    }
  } finally {
    ccs.cleanup();
  }
});

test("a 429 from the server says when to try again, from its Retry-After (seconds or a date)", async () => {
  const ccs = makeTempCcs();
  let retryAfter = '42';
  const server = await serve((_req, res) => {
    res.writeHead(429, {'content-type': 'application/json', 'retry-after': retryAfter});
    res.end(JSON.stringify({error: 'too many requests'}));
  });
  try {
    pointAt(ccs, server.url);
    let run = await runBin(['accounts', '--target', 'team'], {...ccs.env, K: KEY});
    assert.equal(run.code, 1);
    assert.match(run.stderr, /429 too many requests/);
    assert.match(run.stderr, /try again in 42s \(until (?:\d{4}-\d\d-\d\d )?\d\d:\d\d:\d\d\)/, run.stderr);

    retryAfter = new Date(Date.now() + 5 * 60_000 + 30_000).toUTCString();
    run = await runBin(['accounts', '--target', 'team'], {...ccs.env, K: KEY});
    assert.match(run.stderr, /try again in 5m \d+s \(until (?:\d{4}-\d\d-\d\d )?\d\d:\d\d:\d\d\)/, run.stderr);

    // --json errors carry it too (the same message).
    run = await runBin(['accounts', '--json', '--target', 'team'], {...ccs.env, K: KEY});
    assert.match(run.stdout + run.stderr, /try again in 5m/);
  } finally {
    server.close();
    ccs.cleanup();
  }
});

test('a server that sends nothing is said to have sent nothing; one that trickles, to send too slowly', async () => {
  const silent = await serve(() => {});
  const trickle = await serve((_req, res) => {
    res.writeHead(200, {'content-type': 'application/json'});
    res.write('{"files": [');
  });
  try {
    const target = (url: string) => ({name: 'team', url, keySource: 'test', insecureSkipVerify: false, readKey: async () => KEY});
    const quiet = await new ManagementClient(target(silent.url), KEY).send({method: 'GET', route: '/auth-files', timeoutMs: 2000}).catch((error: Error) => error);
    assert.match(String((quiet as Error).message), /the server sent nothing for 2 s/);
    assert.doesNotMatch(String((quiet as Error).message), /too slowly/);
    const slow = await new ManagementClient(target(trickle.url), KEY).send({method: 'GET', route: '/auth-files', timeoutMs: 2000}).catch((error: Error) => error);
    assert.match(String((slow as Error).message), /no complete answer within 2 s \(the server sends too slowly\)/);
  } finally {
    silent.close();
    trickle.close();
  }
});
