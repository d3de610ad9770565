// Attack on issue 11 "no token is ever shown", remote targets: the usage endpoint echoes the token it
// was called with (the issue's own attack), but the call is made by the remote server with $TOKEN$.
// The local redactor knows only local token files, so the remote account's token is printed whole.
import assert from 'node:assert/strict';
import {after, before, test} from 'node:test';
import {runBin} from '../helpers/cli.js';
import type {FakeCliproxy} from '../helpers/fake-cliproxy/server.js';
import {MANAGEMENT_KEY, remoteTarget} from '../helpers/fake-cliproxy/target.js';
import {makeQuotaFixture, quotaToken, type QuotaFixture} from '../services/quota/fixture.js';

let fx: QuotaFixture;
let stand: FakeCliproxy;
// A token only the server holds (the fixture's local files hold other tokens).
const token = quotaToken('claude', 'user@example.com', {access_token: 'sk-ant-oat01-REMOTE-ONLY-0123456789', refresh_token: 'sk-ant-ort01-REMOTE-ONLY-0123456789'});
before(async () => {
  fx = await makeQuotaFixture();
  stand = await remoteTarget(fx.ccs, {apiCallOrigins: [fx.upstream.url]}, {endpoints: {claude: {usage: `${fx.upstream.url}/claude/usage`}}});
  stand.addFile('claude-user@example.com.json', token);
});
after(async () => {
  await stand.close();
  await fx.close();
});

test('quota --target: a usage endpoint that echoes the remote account token does not get it printed', async () => {
  fx.serve('claude', {error: {type: 'api_error', message: `internal error for Bearer ${token.access_token} (refresh ${token.refresh_token})`}}, 500);
  for (const args of [['quota', '--provider', 'claude', '--target', 'team'], ['quota', '--provider', 'claude', '--json', '--target', 'team']]) {
    const run = await runBin(args, fx.ccs.env);
    const out = run.stdout + run.stderr;
    assert.ok(!out.includes(String(token.access_token)), `${args.join(' ')} prints the remote account's token:\n${out}`);
  }
});

test('quota --target: a JWT and the management key echoed by the upstream are masked too', async () => {
  const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJyZW1vdGUtb25seSJ9.c2lnbmF0dXJlLXJlbW90ZQ';
  fx.serve('claude', {error: {type: 'api_error', message: `id ${jwt} key ${MANAGEMENT_KEY}`}}, 500);
  for (const args of [['quota', '--provider', 'claude', '--target', 'team'], ['quota', '--provider', 'claude', '--json', '--target', 'team']]) {
    const run = await runBin(args, fx.ccs.env);
    const out = run.stdout + run.stderr;
    assert.ok(!out.includes('eyJzdWIiOiJyZW1vdGUtb25seSJ9'), `${args.join(' ')} prints the JWT:\n${out}`);
    assert.ok(!out.includes(MANAGEMENT_KEY), `${args.join(' ')} prints the management key:\n${out}`);
  }
});
