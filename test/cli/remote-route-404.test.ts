// A remote target that does not know a management route (a 404 that names no thing) is reported by
// name (README "Remote targets"): which route, what ccs-tui wanted of it, and that the server may be
// too old (or, without CLIProxyAPI's version header, no CLIProxyAPI at all); never its raw body.
import assert from 'node:assert/strict';
import {writeFileSync} from 'node:fs';
import path from 'node:path';
import {test} from 'node:test';
import {makeTempCcs} from '../helpers/ccs.js';
import {runBin} from '../helpers/cli.js';
import {startFakeServer, type Reply} from '../helpers/fake-providers/server.js';

const KEY = 'mgmt-key-5f2c9e7a1b3d4f60';

async function withTarget(reply: Reply, body: (ccs: ReturnType<typeof makeTempCcs>) => Promise<void>) {
  const ccs = makeTempCcs();
  const server = await startFakeServer({'GET /v0/management/auth-files': () => reply});
  try {
    const keyFile = ccs.writeRaw('team.key', `${KEY}\n`);
    writeFileSync(path.join(ccs.paths.root, 'tui.json'), JSON.stringify({targets: {team: {url: server.url, managementKeyFile: keyFile}}}), {mode: 0o600});
    await body(ccs);
  } finally {
    await server.close();
    ccs.cleanup();
  }
}

test('a 404 {"error":{"message":"not found"}} from a server without a CLIProxyAPI version names the route and says it may be too old or not CLIProxyAPI', () =>
  withTarget({status: 404, json: {error: {message: 'not found'}}}, async (ccs) => {
    const run = await runBin(['accounts', '--target', 'team'], ccs.env);
    assert.equal(run.code, 1, run.stderr);
    assert.equal(
      run.stderr,
      'ccs-tui: target team: the server does not offer the account list (GET /v0/management/auth-files is unknown there; it may be too old, or not a CLIProxyAPI server)\n',
    );
    assert.doesNotMatch(run.stderr, /\{"error"/);
    const json = await runBin(['accounts', '--json', '--target', 'team'], ccs.env);
    assert.match((JSON.parse(json.stdout) as {error: string}).error, /GET \/v0\/management\/auth-files is unknown there; it may be too old/);
  }));

test('"404 page not found" from a CLIProxyAPI that names its version: too old, by version', () =>
  withTarget({status: 404, text: '404 page not found', headers: {'x-cpa-version': 'v6.0.0'}}, async (ccs) => {
    const run = await runBin(['accounts', '--target', 'team'], ccs.env);
    assert.equal(run.code, 1, run.stderr);
    assert.equal(run.stderr, 'ccs-tui: target team: CLIProxyAPI v6.0.0 does not offer the account list (GET /v0/management/auth-files is unknown there; it may be too old)\n');
  }));
