// A credential never crosses the network in plain http:// without an explicit opt-in: an API-key
// login's --base-url to another machine over http:// is refused (exit 2, before the key is read or
// anything sent) unless --allow-insecure-http; a tui.json endpoint override in http:// to another
// machine is used as given but warned of, naming the file and field, unless "allowInsecureHttp": true.
import assert from 'node:assert/strict';
import {readdirSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {test} from 'node:test';
import {pathToFileURL} from 'node:url';
import {makeTempCcs} from '../helpers/ccs.js';
import {repoRoot, runBin} from '../helpers/cli.js';

// Every connection beyond 127.0.0.1 fails before any name lookup, and is named on stderr at exit.
const guard = pathToFileURL(path.join(repoRoot, 'dist', 'test', 'helpers', 'loopback-guard-preload.js')).href;
const guarded = (env: NodeJS.ProcessEnv) => ({...env, NODE_OPTIONS: `--import ${guard}`});

test('login --base-url http:// to another machine is refused unless --allow-insecure-http', async () => {
  const ccs = makeTempCcs();
  try {
    const env = guarded(ccs.env);
    const refused = await runBin(['login', 'bob', '--base-url', 'http://gateway.example/v1'], env, 'sk-bob-key-0123456789\n');
    assert.equal(refused.code, 2, refused.stderr);
    assert.equal(
      refused.stderr,
      'ccs-tui: --base-url "http://gateway.example/v1" is plain http:// to gateway.example: the API key would cross the network unencrypted; use https:// (plain http:// only to 127.0.0.1, localhost or ::1), or add --allow-insecure-http if you accept that\n',
    );
    assert.deepEqual(readdirSync(ccs.paths.authDir), [], 'nothing stored');
    // Opted in: the key check goes to the gateway (here stopped by the guard, so nothing is stored).
    const allowed = await runBin(['login', 'bob', '--base-url', 'http://gateway.example/v1', '--allow-insecure-http'], env, 'sk-bob-key-0123456789\n');
    assert.equal(allowed.code, 1, allowed.stderr);
    assert.doesNotMatch(allowed.stderr, /plain http/);
    assert.match(allowed.stderr, /loopback guard blocked: gateway\.example/);
    assert.deepEqual(readdirSync(ccs.paths.authDir), []);
    const help = await runBin(['login', '--help'], ccs.env);
    assert.match(help.stdout, /--allow-insecure-http/);
  } finally {
    ccs.cleanup();
  }
});

test('an endpoint override in plain http:// to another machine is warned of once, naming tui.json and the field', async () => {
  const ccs = makeTempCcs();
  try {
    ccs.writeToken('aistudio-me.json', {type: 'aistudio', email: 'me@example.com', api_key: 'AIzaSyTestKey0123456789'});
    ccs.writeRaw('cliproxy/config.yaml', 'api-keys:\n  - "ccs-tui-test-key-0123456789"\n');
    writeFileSync(ccs.paths.settings, JSON.stringify({endpoints: {aistudio: {api: 'http://gateway.example:8080'}}}));
    const warned = await runBin(['env', 'aistudio'], guarded(ccs.env));
    const warning = `ccs-tui: warning: ${ccs.paths.settings}: endpoints.aistudio.api is plain http:// to gateway.example: the credentials sent there cross the network unencrypted; use https://, or set "allowInsecureHttp": true in endpoints.aistudio if you accept that`;
    const lines = warned.stderr.split('\n');
    assert.equal(lines.filter((line) => line === warning).length, 1, warned.stderr);
    writeFileSync(ccs.paths.settings, JSON.stringify({endpoints: {aistudio: {api: 'http://gateway.example:8080', allowInsecureHttp: true}}}));
    const accepted = await runBin(['env', 'aistudio'], guarded(ccs.env));
    assert.doesNotMatch(accepted.stderr, /plain http/, accepted.stderr);
    writeFileSync(ccs.paths.settings, JSON.stringify({endpoints: {aistudio: {api: 'http://127.0.0.1:9'}}}));
    const loopback = await runBin(['env', 'aistudio'], guarded(ccs.env));
    assert.doesNotMatch(loopback.stderr, /plain http/, loopback.stderr);
  } finally {
    ccs.cleanup();
  }
});
