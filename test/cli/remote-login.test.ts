// `ccs-tui login --target T` end to end: the stand-in server runs the real OAuth flow against
// oidc-provider (device flow for Kimi, auth code + PKCE with a pasted redirect for Claude); the
// command shows the URL and code, posts the paste, polls get-auth-status, and never sees a token.
import assert from 'node:assert/strict';
import {afterEach, beforeEach, test} from 'node:test';
import {makeTempCcs, type TempCcs} from '../helpers/ccs.js';
import {approveDeviceLogin, runBin, runInteractive} from '../helpers/cli.js';
import type {FakeCliproxy} from '../helpers/fake-cliproxy/server.js';
import {MANAGEMENT_KEY, remoteTarget} from '../helpers/fake-cliproxy/target.js';
import {OIDC_CLIENT_ID, startOidcServer, type OidcServer} from '../helpers/oidc.js';

let oidc: OidcServer;
let ccs: TempCcs;
let stand: FakeCliproxy;
beforeEach(async () => {
  // A fresh authorization server per test: its scripted browser keeps the signed-in person.
  oidc = await startOidcServer({deviceInterval: 1});
  ccs = makeTempCcs();
  const endpoints = {clientId: OIDC_CLIENT_ID, token: `${oidc.issuer}/token`, userinfo: `${oidc.issuer}/me`};
  stand = await remoteTarget(ccs, {
    oauth: {kimi: {...endpoints, device: `${oidc.issuer}/device/auth`}, anthropic: {...endpoints, authorize: `${oidc.issuer}/auth`}},
  });
});
afterEach(async () => {
  await stand.close();
  await oidc.close();
  ccs.cleanup();
});

function assertNoTokens(run: {stdout: string; stderr: string}) {
  const stored = [...stand.files.values()].flatMap((f) => [f.json.access_token, f.json.refresh_token]).map(String);
  assert.ok(stored.length > 0);
  for (const secret of [...stored, MANAGEMENT_KEY]) assert.ok(!(run.stdout + run.stderr).includes(secret), 'a secret was printed');
}

test('device login through the server: URL and code shown, status polled every 2 s, account stored on the server', async () => {
  const run = await runInteractive(['login', 'kimi', '--no-browser', '--nickname', 'team-kimi', '--target', 'team'], ccs.env, approveDeviceLogin((url) => oidc.approveDevice(url, 'alice')));
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /^Kimi login on target team\n  Open:  http:\/\/127\.0\.0\.1:\d+\/device\?user_code=\S+\n  Code:  \S+\n/);
  assert.match(run.stdout, /Added kimi account team-kimi on target team\n$/);
  const file = [...stand.files.values()].find((f) => f.json.type === 'kimi')!;
  assert.equal(file.json.email, 'alice@example.test');
  assert.equal(file.json.note, 'team-kimi');
  assert.ok((await oidc.refreshWorks(String(file.json.refresh_token))).ok, 'the server holds a working grant');
  const polls = stand.requests.filter((r) => r.path === '/v0/management/get-auth-status');
  assert.ok(polls.length >= 1 && polls.every((p) => p.query.get('state') === polls[0]!.query.get('state')));
  const times = stand.requests.filter((r) => r.path.endsWith('/get-auth-status'));
  assert.ok(times.length < 10, 'polled every 2 s, not in a tight loop');
  assertNoTokens(run);
});

test('login --json --target: the prompts on stderr, the added account (as accounts --json --target lists it) on stdout', async () => {
  const run = await runInteractive(['login', 'kimi', '--no-browser', '--json', '--target', 'team'], ccs.env, (stderr) => {
    const url = /Open: +(\S+)/.exec(stderr)?.[1];
    if (!url || !/Code: +\S+/.test(stderr)) return false;
    void oidc.approveDevice(url, 'alice');
    return true;
  }, {watch: 'stderr'});
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stderr, /^Kimi login on target team\n  Open:  /);
  const listed = JSON.parse((await runBin(['accounts', '--json', '--target', 'team'], ccs.env)).stdout) as Array<Record<string, unknown>>;
  assert.deepEqual(JSON.parse(run.stdout), {provider: 'kimi', account: listed.find((a) => a.provider === 'kimi')});
  assertNoTokens(run);
});

test('auth-code login through the server: the pasted redirect goes to /oauth-callback, the server exchanges the code', async () => {
  const run = await runInteractive(['login', 'claude', '--no-browser', '--target', 'team'], ccs.env, async (stdout, stdin) => {
    const url = /Open: +(\S+)/.exec(stdout)?.[1];
    if (!url || !stdout.includes('paste')) return false;
    const redirect = await oidc.authorize(url, 'bob');
    stdin.end(`${redirect}\n`);
    return true;
  });
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /Added claude account bob@example\.test on target team\n$/);
  const callback = stand.requests.find((r) => r.path === '/v0/management/oauth-callback')!;
  const pasted = new URL(/Open: +(\S+)/.exec(run.stdout)![1]!);
  assert.deepEqual(JSON.parse(callback.body), {provider: 'anthropic', code: JSON.parse(callback.body).code, state: pasted.searchParams.get('state')});
  assert.ok(JSON.parse(callback.body).code);
  assert.ok(stand.files.has('claude-bob@example.test.json'));
  const listed = JSON.parse((await runBin(['accounts', '--json', '--target', 'team'], ccs.env)).stdout) as {provider: string; email: string}[];
  assert.deepEqual(listed.map((a) => [a.provider, a.email]), [['claude', 'bob@example.test']]);
  assertNoTokens(run);
});

test("from a pipe, another pending login's redirect is refused here: exit 1, nothing posted, this login dropped on the server, the other still pending", async () => {
  const headers = {authorization: `Bearer ${MANAGEMENT_KEY}`};
  const other = (await (await fetch(`${stand.url}/v0/management/anthropic-auth-url`, {headers})).json()) as {url: string; state: string};
  const run = await runInteractive(['login', 'claude', '--no-browser', '--target', 'team'], ccs.env, async (stdout, stdin) => {
    if (!/Open: +\S+/.test(stdout) || !stdout.includes('paste')) return false;
    stdin.end(`${await oidc.authorize(other.url, 'mallory')}\n`);
    return true;
  });
  assert.equal(run.code, 1, run.stderr);
  assert.match(run.stderr, /^ccs-tui: the pasted state does not match this login \(an old or foreign link\?\); nothing was stored$/m);
  assert.equal(stand.requests.filter((r) => r.path === '/v0/management/oauth-callback').length, 0, 'nothing was posted');
  const ours = new URL(/Open: +(\S+)/.exec(run.stdout)![1]!).searchParams.get('state');
  const dropped = stand.requests.filter((r) => r.method === 'DELETE' && r.path === '/v0/management/oauth-session').map((r) => r.query.get('state'));
  assert.deepEqual(dropped, [ours], "this login's pending session is dropped, not left to expire");
  const status = (await (await fetch(`${stand.url}/v0/management/get-auth-status?state=${other.state}`, {headers})).json()) as {status: string};
  assert.equal(status.status, 'wait', 'the other login was not finished with this paste');
  assert.equal(stand.files.size, 0);
});

test('a login the server fails is reported with its message; nothing is stored', async () => {
  const run = await runInteractive(['login', 'kimi', '--no-browser', '--target', 'team'], ccs.env, (stdout) => {
    const url = /Open: +(\S+)/.exec(stdout)?.[1];
    if (!url) return false;
    void oidc.denyDevice(url);
    return true;
  });
  assert.equal(run.code, 1);
  assert.match(run.stderr, /the server's login failed: Authentication failed: access_denied; no account stored/);
  assert.equal(stand.files.size, 0);
});

test('a provider the server has no login for is refused by name', async () => {
  const run = await runBin(['login', 'copilot', '--target', 'team'], ccs.env);
  assert.equal(run.code, 2);
  assert.match(run.stderr, /copilot logins are not available on a remote target/);
  const old = await runBin(['login', 'qwen', '--target', 'team'], ccs.env);
  assert.equal(old.code, 1);
  assert.match(old.stderr, /target team: CLIProxyAPI v6\.9\.1 does not offer qwen logins \(GET \/v0\/management\/qwen-auth-url is unknown there; it may be too old\)/);
});

test('a login of an identity the server already has: "renewed" (the TUI says the same), a --nickname not given says why', async () => {
  const loginAs = (user: string, ...flags: string[]) =>
    runInteractive(['login', 'claude', '--no-browser', '--target', 'team', ...flags], ccs.env, async (stdout, stdin) => {
      const url = /Open: +(\S+)/.exec(stdout)?.[1];
      if (!url || !stdout.includes('paste')) return false;
      oidc.signOut();
      stdin.end(`${await oidc.authorize(url, user)}\n`);
      return true;
    });
  assert.equal((await loginAs('bob')).code, 0);
  const again = await loginAs('bob', '--nickname', 'bobby');
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, /\nClaude login done on target team \(an existing account was renewed\)\n$/);
  assert.match(again.stderr, /^ccs-tui: warning: --nickname "bobby" was not given: the server does not say which account it renewed/m);
  const listed = JSON.parse((await runBin(['accounts', '--json', '--target', 'team'], ccs.env)).stdout) as Array<{provider: string; nickname: string | null}>;
  assert.deepEqual(listed.filter((a) => a.provider === 'claude').map((a) => a.nickname), [null]);
});
