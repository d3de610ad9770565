// Account commands against a remote target (the Management API stand-in), next to the same commands
// on local files: same JSON shapes, pause/resume as disabled, remove, rename as note; the key never in
// any output; wrong keys, the IP ban and remote-disabled reported by name.
import assert from 'node:assert/strict';
import {chmodSync, existsSync, readdirSync, readFileSync, statSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {afterEach, beforeEach, describe, test} from 'node:test';
import {makeTempCcs, tokenFixture, type TempCcs} from '../helpers/ccs.js';
import {runBin, type CliRun} from '../helpers/cli.js';
import {quotaWindowFixture, writeQuotaCache} from '../helpers/quota.js';
import {quotaCacheFile} from '../../source/services/quota/cache.js';
import type {FakeCliproxy} from '../helpers/fake-cliproxy/server.js';
import {MANAGEMENT_KEY, remoteTarget} from '../helpers/fake-cliproxy/target.js';

const A = tokenFixture('codex', 'a@example.com');
const B = tokenFixture('codex', 'b@example.com');
const C = tokenFixture('claude', 'c@example.com');

/** A temp CCS dir with the stand-in as target `team`, fresh for each test of the calling describe. */
function withRemote(): {ccs: TempCcs; stand: FakeCliproxy} {
  const fx = {} as {ccs: TempCcs; stand: FakeCliproxy};
  beforeEach(async () => {
    fx.ccs = makeTempCcs();
    fx.stand = await remoteTarget(fx.ccs);
  });
  afterEach(async () => {
    await fx.stand.close();
    fx.ccs.cleanup();
  });
  return fx;
}

function assertNoSecrets(run: CliRun, stand?: FakeCliproxy) {
  for (const text of [run.stdout, run.stderr]) {
    assert.ok(!text.includes(MANAGEMENT_KEY), 'management key printed');
    for (const token of [A, B, C]) assert.ok(!text.includes(String(token.access_token)), 'access token printed');
  }
  if (stand) assert.ok(stand.requests.every((r) => !r.body.includes(String(A.access_token))), 'a token was sent to the server');
}

describe('account commands on a remote target', () => {
  let ccs: TempCcs;
  let stand: FakeCliproxy;
  beforeEach(async () => {
    ccs = makeTempCcs();
    stand = await remoteTarget(ccs);
    stand.addFile('codex-a.json', A);
    stand.addFile('codex-b.json', B, {status: 'error', statusMessage: 'refresh failed: invalid_grant'});
    stand.addFile('claude-c.json', C, {nextRetryAfter: new Date(Date.now() + 600_000).toISOString(), statusMessage: 'quota exhausted'});
  });
  afterEach(async () => {
    await stand.close();
    ccs.cleanup();
  });

  test('accounts --json has the same shape as on local files', async () => {
    ccs.writeToken('codex-a.json', A);
    const local = await runBin(['accounts', '--json'], ccs.env);
    const remote = await runBin(['accounts', '--json', '--target', 'team'], ccs.env);
    assert.equal(remote.code, 0, remote.stderr);
    const localRow = JSON.parse(local.stdout)[0];
    const rows = JSON.parse(remote.stdout) as Record<string, unknown>[];
    // The local row's fields, plus the server's status word and message (and a cooldown's end when resting).
    const a = rows.find((r) => r.tokenFile === 'codex-a.json')!;
    assert.deepEqual(Object.keys(a).sort(), [...Object.keys(localRow), 'status', 'statusMessage'].sort());
    assert.equal(rows.find((r) => r.tokenFile === 'claude-c.json')!.health, 'cooling');
    assert.deepEqual(
      {provider: a.provider, id: a.id, email: a.email, paused: a.paused, health: a.health},
      {provider: localRow.provider, id: localRow.id, email: localRow.email, paused: localRow.paused, health: localRow.health},
    );
    assert.equal(rows.find((r) => r.tokenFile === 'codex-b.json')!.health, 'needs-login');
    assert.deepEqual(stand.requests.map((r) => `${r.method} ${r.path}`), ['GET /v0/management/auth-files']);
    assert.equal(stand.requests[0]!.headers.authorization, `Bearer ${MANAGEMENT_KEY}`);
    assertNoSecrets(remote, stand);
  });

  test('the human table names the server and its cooldowns', async () => {
    const run = await runBin(['accounts', '--target=team'], ccs.env);
    assert.equal(run.code, 0, run.stderr);
    // The wait left, then the end to the second in the local time zone (as every time on screen).
    assert.match(run.stdout, /claude\s+c@example\.com\s+c@example\.com\s+cooling \d+[smhd]( \d+[sm])? \(until (\d{4}-\d\d-\d\d )?\d\d:\d\d:\d\d\)/);
    assertNoSecrets(run, stand);
  });

  test('pause and resume disable and enable the auth file; remove deletes it', async () => {
    const paused = await runBin(['pause', 'codex', 'a@example.com', '--target', 'team'], ccs.env);
    assert.equal(paused.code, 0, paused.stderr);
    assert.equal(paused.stdout, 'codex: paused a@example.com\n');
    const patch = stand.requests.find((r) => r.method === 'PATCH')!;
    assert.equal(patch.path, '/v0/management/auth-files/status');
    assert.deepEqual(JSON.parse(patch.body), {name: 'codex-a.json', disabled: true});
    assert.equal(stand.files.get('codex-a.json')!.disabled, true);
    const listed = JSON.parse((await runBin(['accounts', '--json', '--target', 'team'], ccs.env)).stdout) as {tokenFile: string; paused: boolean}[];
    assert.equal(listed.find((r) => r.tokenFile === 'codex-a.json')!.paused, true);

    const resumed = await runBin(['resume', 'codex', 'a@example.com', '--target', 'team'], ccs.env);
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.equal(stand.files.get('codex-a.json')!.disabled, false);

    const removed = await runBin(['remove', 'codex', 'b@example.com', '--target', 'team', '--yes'], ccs.env);
    assert.equal(removed.code, 0, removed.stderr);
    assert.equal(removed.stdout, 'codex: removed b@example.com\n');
    assert.equal(stand.files.has('codex-b.json'), false);
    const del = stand.requests.find((r) => r.method === 'DELETE')!;
    assert.equal(del.query.get('name'), 'codex-b.json');
  });

  test('rename sets the note; use is refused with the reason; local-only commands say so', async () => {
    const renamed = await runBin(['rename', 'codex', 'a@example.com', 'work', '--target', 'team'], ccs.env);
    assert.equal(renamed.code, 0, renamed.stderr);
    assert.equal(stand.files.get('codex-a.json')!.json.note, 'work');
    const listed = JSON.parse((await runBin(['accounts', '--json', '--target', 'team'], ccs.env)).stdout) as {tokenFile: string; nickname: string}[];
    assert.equal(listed.find((r) => r.tokenFile === 'codex-a.json')!.nickname, 'work');

    const clash = await runBin(['rename', 'codex', 'b@example.com', 'WORK', '--target', 'team'], ccs.env);
    assert.equal(clash.code, 2);
    assert.match(clash.stderr, /nickname "WORK" is already used by a@example\.com/);
    // Refused before anything is sent: a wrong key would count toward the server's ban for nothing.
    const requestsBefore = stand.requests.length;
    const use = await runBin(['use', 'codex', 'work', '--target', 'team'], ccs.env);
    assert.equal(use.code, 2);
    assert.match(use.stderr, /use is not available on a remote target \(team\): CLIProxyAPI has no default account, it picks one per request by its routing strategy; pause the others/);
    assert.equal(stand.requests.length, requestsBefore, 'use sent nothing to the server');
    const rotate = await runBin(['rotate', 'codex', '--target', 'team'], ccs.env);
    assert.equal(rotate.code, 2);
    assert.match(rotate.stderr, /rotate is not available on a remote target \(team\)/);
    // The commands offered there are the ones that work there (use only says why not).
    assert.match(rotate.stderr, /On a remote target: accounts, rename, pause/);
    assert.doesNotMatch(rotate.stderr, /\buse\b/);
  });

  test('an unknown account names the candidates, as on local files', async () => {
    const run = await runBin(['pause', 'codex', 'nobody', '--target', 'team'], ccs.env);
    assert.equal(run.code, 2, 'no such account is bad usage');
    assert.match(run.stderr, /no codex account "nobody" \(accounts: a@example\.com, b@example\.com\)/);
  });
});

describe('remote target errors by name', () => {
  const fx = withRemote();

  const keyFile = () => path.join(fx.ccs.paths.root, 'team.key');

  test('a wrong key is reported; after 5 the server bans the address and that is said by name, without retrying', async () => {
    writeFileSync(keyFile(), 'not-the-key-0000\n', {mode: 0o600});
    for (let i = 0; i < 5; i++) {
      const run = await runBin(['accounts', '--target', 'team'], fx.ccs.env);
      assert.equal(run.code, 1);
      assert.match(run.stderr, /target team: the management key was refused \(invalid management key\); check key file .*team\.key/);
      assert.ok(!run.stderr.includes('not-the-key-0000'));
    }
    const before = fx.stand.requests.length;
    const banned = await runBin(['accounts', '--target', 'team'], fx.ccs.env);
    assert.equal(banned.code, 1);
    assert.match(banned.stderr, /target team \(http:\/\/127\.0\.0\.1:\d+\): this address is banned by the server for 30 more minutes after failed keys \(from any target\); wait or ask the server's admin\. The server said: IP banned due to too many failed attempts\. Try again in (30m0s|29m5\ds); ccs-tui will not retry/);
    assert.equal(fx.stand.requests.length, before + 1, 'one request, no retry into the ban');
    // Even the right key is refused now: the ban is per address.
    writeFileSync(keyFile(), `${MANAGEMENT_KEY}\n`, {mode: 0o600});
    const after = await runBin(['accounts', '--json', '--target', 'team'], fx.ccs.env);
    assert.match(after.stderr, /this address is banned by the server for \d+ more minutes after failed keys \(from any target\)/);
    // The right key is not blamed: the ban came from failed keys, whichever target sent them.
    assert.doesNotMatch(after.stderr, /team\.key/);
    assertNoSecrets(after);
  });

  test('a group- or world-readable key file is refused before anything is sent', async () => {
    chmodSync(keyFile(), 0o644);
    const run = await runBin(['accounts', '--target', 'team'], fx.ccs.env);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /team\.key: the management key file is readable by others \(mode 644\); run: chmod 600/);
    assert.equal(fx.stand.requests.length, 0);
  });

  test('plain http to a non-loopback host needs allowInsecureHttp; unknown targets are named', async () => {
    writeFileSync(
      path.join(fx.ccs.paths.root, 'tui.json'),
      JSON.stringify({targets: {far: {url: 'http://proxy.example.com:8317', managementKeyEnv: 'TEAM_KEY'}}}),
    );
    const run = await runBin(['accounts', '--target', 'far'], {...fx.ccs.env, TEAM_KEY: MANAGEMENT_KEY});
    assert.equal(run.code, 1);
    assert.match(run.stderr, /targets\.far\.url uses plain http:\/\/ to proxy\.example\.com.*"allowInsecureHttp": true/);
    const unknown = await runBin(['accounts', '--target', 'nope'], fx.ccs.env);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /unknown target "nope" \(targets: local, far;/);
  });

  test('remote management disabled on the server is named', async () => {
    await fx.stand.close();
    fx.stand = await remoteTarget(fx.ccs, {remoteClient: true, allowRemote: false});
    const run = await runBin(['accounts', '--target', 'team'], fx.ccs.env);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /target team: remote management is disabled on the server; set remote-management\.allow-remote: true/);
  });

  test('the key from an environment variable works and is never echoed', async () => {
    writeFileSync(path.join(fx.ccs.paths.root, 'tui.json'), JSON.stringify({targets: {team: {url: fx.stand.url, managementKeyEnv: 'TEAM_KEY'}}}));
    fx.stand.addFile('codex-a.json', A);
    const run = await runBin(['accounts', '--json', '--target', 'team'], {...fx.ccs.env, TEAM_KEY: MANAGEMENT_KEY});
    assert.equal(run.code, 0, run.stderr);
    assert.equal(JSON.parse(run.stdout).length, 1);
    assertNoSecrets(run, fx.stand);
    const missing = await runBin(['accounts', '--target', 'team'], fx.ccs.env);
    assert.match(missing.stderr, /\$TEAM_KEY is empty or not set/);
  });
});

describe('moving accounts between local files and a remote target', () => {
  const fx = withRemote();

  test('push moves the token file under its name (refusing to replace without --force); pull moves it into the local files', async () => {
    fx.ccs.writeToken('codex-a.json', A);
    writeQuotaCache(fx.ccs, new Date(), {codex: {'a@example.com': [quotaWindowFixture(Date.now(), '5h', 40, 3600_000, 18_000)]}});
    const pushed = await runBin(['push', 'codex', 'a@example.com', '--target', 'team'], fx.ccs.env);
    assert.equal(pushed.code, 0, pushed.stderr);
    // Its quota here went with it: the server reports its own.
    assert.doesNotMatch(readFileSync(quotaCacheFile(fx.ccs.paths), 'utf8'), /a@example\.com/);
    assert.equal(pushed.stdout, 'codex: pushed a@example.com (codex-a.json) to target team; removed here, so only the server refreshes it\n');
    assert.deepEqual(fx.stand.files.get('codex-a.json')!.json, A);
    const upload = fx.stand.requests.find((r) => r.method === 'POST')!;
    assert.equal(upload.query.get('name'), 'codex-a.json');
    assert.equal(existsSync(path.join(fx.ccs.paths.authDir, 'codex-a.json')), false, 'the local copy is gone: one holder, one refresher');
    fx.ccs.writeToken('codex-a.json', A);
    const again = await runBin(['push', 'codex', 'a@example.com', '--target', 'team'], fx.ccs.env);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /target team already has codex-a\.json; pass --force to replace it/);
    assert.ok(!pushed.stdout.includes(String(A.access_token)) && !again.stderr.includes(String(A.access_token)));

    fx.stand.addFile('claude-c.json', {...C, note: 'shared'});
    const pulled = await runBin(['pull', 'claude', 'c@example.com', '--target', 'team'], fx.ccs.env);
    assert.equal(pulled.code, 0, pulled.stderr);
    assert.match(pulled.stdout, /^claude: pulled shared from target team into .* as shared; it is the local claude default \(there was none\); removed from the server, so only this machine refreshes it\n$/);
    assert.equal(fx.stand.files.has('claude-c.json'), false, "the server's copy is gone");

    // With a local account already (the default only by being the first: no registry entry), a pull keeps it.
    fx.stand.addFile('codex-b.json', B);
    const second = await runBin(['pull', 'codex', 'b@example.com', '--target', 'team'], fx.ccs.env);
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stdout, /^codex: pulled b@example\.com from target team into .* as b@example\.com; removed from the server, so only this machine refreshes it\n$/);
    const codex = JSON.parse((await runBin(['accounts', '--json'], fx.ccs.env)).stdout) as {provider: string; id: string; default: boolean}[];
    assert.deepEqual(codex.filter((a) => a.provider === 'codex' && a.default).map((a) => a.id), ['a@example.com']);
    const local = JSON.parse((await runBin(['accounts', '--json'], fx.ccs.env)).stdout) as {provider: string; email: string; tokenFile: string}[];
    const claude = local.find((a) => a.provider === 'claude')!;
    assert.equal(claude.email, 'c@example.com');
    const file = JSON.parse(readFileSync(path.join(fx.ccs.paths.authDir, claude.tokenFile), 'utf8'));
    assert.equal(file.refresh_token, C.refresh_token);
    assert.equal(statSync(path.join(fx.ccs.paths.authDir, claude.tokenFile)).mode & 0o777, 0o600);
  });

  test('push --force: the server file it replaces, when it holds another grant, is kept here first (0600) and the output says where; the same grant is not kept; an unreadable one is not replaced', async () => {
    const kept = () => (existsSync(fx.ccs.paths.loginKept) ? readdirSync(fx.ccs.paths.loginKept) : []);
    // The server's codex-a.json holds another grant (B's tokens under A's file name).
    fx.stand.addFile('codex-a.json', {...B, note: 'server'});
    fx.ccs.writeToken('codex-a.json', A);
    const forced = await runBin(['push', 'codex', 'a@example.com', '--target', 'team', '--force'], fx.ccs.env);
    assert.equal(forced.code, 0, forced.stderr);
    assert.match(forced.stdout, /^codex: pushed a@example\.com \(codex-a\.json\) to target team; removed here, so only the server refreshes it; the server's file it replaced held another grant, kept in .*login-kept\/codex-a-[0-9a-f]{8}\.json\n$/);
    assertNoSecrets(forced);
    assert.deepEqual(fx.stand.files.get('codex-a.json')!.json, A);
    assert.equal(kept().length, 1);
    const copy = path.join(fx.ccs.paths.loginKept, kept()[0]!);
    const held = JSON.parse(readFileSync(copy, 'utf8'));
    assert.equal(held.refresh_token, B.refresh_token);
    assert.equal(held.note, 'server');
    assert.equal(statSync(copy).mode & 0o777, 0o600);

    // The server's file holds this very grant: nothing to keep.
    fx.ccs.writeToken('codex-a.json', A);
    const same = await runBin(['push', 'codex', 'a@example.com', '--target', 'team', '--force'], fx.ccs.env);
    assert.equal(same.code, 0, same.stderr);
    assert.doesNotMatch(same.stdout, /kept in/);
    assert.equal(kept().length, 1);

    // The server's file cannot be read: nothing replaced, nothing removed here.
    fx.stand.addFile('codex-a.json', B);
    fx.ccs.writeToken('codex-a.json', A);
    fx.stand.refuse.add('GET /auth-files/download');
    const unreadable = await runBin(['push', 'codex', 'a@example.com', '--target', 'team', '--force'], fx.ccs.env);
    fx.stand.refuse.clear();
    assert.equal(unreadable.code, 1);
    assert.match(unreadable.stderr, /target team: reading its codex-a\.json to keep the grant it holds failed \(.*500.*\); nothing was replaced/);
    assert.deepEqual(fx.stand.files.get('codex-a.json')!.json, B);
    assert.ok(existsSync(path.join(fx.ccs.paths.authDir, 'codex-a.json')));
    assertNoSecrets(unreadable);
  });

  test('push --force keeps a server file of any layout that holds another grant, refuses one it cannot read a grant from, and drops its copy when the upload fails', async () => {
    const kept = () => (existsSync(fx.ccs.paths.loginKept) ? readdirSync(fx.ccs.paths.loginKept).map((name) => readFileSync(path.join(fx.ccs.paths.loginKept, name), 'utf8')) : []);
    const push = () => runBin(['push', 'codex', 'a@example.com', '--target', 'team', '--force'], fx.ccs.env);
    // CLIProxyAPI's nested Gemini layout and an API key file: their credentials are not top-level tokens.
    const nested = {type: 'gemini', token: {access_token: 'ya29.ServerAccess0123456789', refresh_token: '1//ServerRefresh0123456789'}};
    const keyOnly = {type: 'aistudio', api_key: 'AIzaSyServerKey0123456789abcdef'};
    for (const theirs of [nested, keyOnly]) {
      fx.stand.addFile('codex-a.json', theirs);
      fx.ccs.writeToken('codex-a.json', A);
      const run = await push();
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stdout, /held another grant, kept in .*login-kept/);
      assert.ok(kept().some((text) => JSON.stringify(JSON.parse(text)) === JSON.stringify(theirs)), `kept: ${theirs.type}`);
      assert.ok(!run.stdout.includes('ServerRefresh0123456789') && !run.stdout.includes('AIzaSyServerKey0123456789abcdef'));
    }
    const before = kept().length;

    // The server answers with a file that holds no credential: nothing is replaced.
    fx.stand.addFile('codex-a.json', {type: 'codex', status: 'ok'});
    fx.ccs.writeToken('codex-a.json', A);
    const nonsense = await push();
    assert.equal(nonsense.code, 1);
    assert.match(nonsense.stderr, /its codex-a\.json as downloaded holds no token or key ccs-tui can recognise, so its grant could not be kept; nothing was replaced/);
    assert.deepEqual(fx.stand.files.get('codex-a.json')!.json, {type: 'codex', status: 'ok'});

    // The upload fails: the server still holds its grant, so the copy made of it goes (it would go stale).
    fx.stand.addFile('codex-a.json', B);
    fx.stand.refuse.add('POST /auth-files');
    const failed = await push();
    fx.stand.refuse.clear();
    assert.equal(failed.code, 1);
    assert.deepEqual(fx.stand.files.get('codex-a.json')!.json, B);
    assert.equal(kept().length, before, 'no copy left of a grant the server still holds');
    assert.ok(existsSync(path.join(fx.ccs.paths.authDir, 'codex-a.json')), 'the local account stays');
    assertNoSecrets(failed);
  });

  test('push and pull judge a grant by its tokens and keys, not by the client secret, the ID token or the layout', async () => {
    // The server's file is this grant with an ID token added: no copy is kept of it.
    fx.stand.addFile('codex-a.json', {...A, id_token: 'eyJhbGciOiJub25lIn0.server-id-token-0123456789'});
    fx.ccs.writeToken('codex-a.json', A);
    const forced = await runBin(['push', 'codex', 'a@example.com', '--target', 'team', '--force'], fx.ccs.env);
    assert.equal(forced.code, 0, forced.stderr);
    assert.doesNotMatch(forced.stdout, /kept in/);
    assert.ok(!existsSync(fx.ccs.paths.loginKept) || readdirSync(fx.ccs.paths.loginKept).length === 0);

    // A pull into a local Gemini file that keeps its client secret (the server's has none), and one
    // of CLIProxyAPI's nested Gemini layout: pulled, and removed from the server.
    const gemini = tokenFixture('gemini', 'g@example.com', {project_id: 'p'});
    fx.ccs.writeToken('gemini-g@example.com-p.json', {...gemini, access_token: 'ya29.OldLocalAccess0123456789', refresh_token: '1//OldLocalRefresh0123456789', client_secret: 'GOCSPX-local-client-secret-0123'});
    fx.stand.addFile('gemini-g@example.com-p.json', gemini);
    const flat = await runBin(['pull', 'gemini', 'g@example.com', '--target', 'team'], fx.ccs.env);
    assert.equal(flat.code, 0, flat.stderr);
    assert.equal(fx.stand.files.has('gemini-g@example.com-p.json'), false);
    const {access_token: access, refresh_token: refresh, ...rest} = tokenFixture('gemini', 'n@example.com', {project_id: 'q'});
    fx.stand.addFile('gemini-n@example.com-q.json', {...rest, token: {access_token: access, refresh_token: refresh, client_secret: 'GOCSPX-server-secret-0123456'}});
    const nested = await runBin(['pull', 'gemini', 'n@example.com', '--target', 'team'], fx.ccs.env);
    assert.equal(nested.code, 0, nested.stderr);
    assert.equal(fx.stand.files.has('gemini-n@example.com-q.json'), false, "the server's copy is gone");
    assertNoSecrets(flat);
    assertNoSecrets(nested);
  });

  test('pull: when the server cannot remove its copy, the error says both hold the grant and how to fix it', async () => {
    fx.stand.addFile('claude-c.json', C);
    fx.stand.refuse.add('DELETE /auth-files');
    const run = await runBin(['pull', 'claude', 'c@example.com', '--target', 'team'], fx.ccs.env);
    assert.equal(run.code, 1, run.stdout);
    assert.match(run.stderr, /^ccs-tui: claude: pulled c@example\.com from target team into .* as c@example\.com, but removing it from target team failed: .*500.*\. Both now hold the grant and both will refresh it, which breaks one of them: remove one copy now \(ccs-tui remove claude c@example\.com --target team to keep the local one\)\n$/);
    assert.equal(JSON.parse(readFileSync(path.join(fx.ccs.paths.authDir, 'claude-c@example.com.json'), 'utf8')).refresh_token, C.refresh_token, 'stored here first');
    assert.ok(fx.stand.files.has('claude-c.json'));
  });

  test('push: when the local copy cannot be removed, the error says both hold the grant; nothing is removed before the server holds it', async () => {
    fx.ccs.writeToken('codex-a.json', A);
    fx.stand.refuse.add('POST /auth-files');
    const refused = await runBin(['push', 'codex', 'a@example.com', '--target', 'team'], fx.ccs.env);
    assert.equal(refused.code, 1);
    assert.ok(existsSync(path.join(fx.ccs.paths.authDir, 'codex-a.json')), 'the upload failed: the local account stays');
    fx.stand.refuse.clear();
    // root ignores directory permissions: the removal cannot be made to fail that way.
    if (process.getuid?.() === 0) return;
    chmodSync(fx.ccs.paths.authDir, 0o500);
    try {
      const run = await runBin(['push', 'codex', 'a@example.com', '--target', 'team'], fx.ccs.env);
      assert.equal(run.code, 1, run.stdout);
      assert.match(run.stderr, /codex: pushed a@example\.com \(codex-a\.json\) to target team, but removing it here \(.*codex-a\.json\) failed: .*permission denied.*Both now hold the grant and both will refresh it/);
    } finally {
      chmodSync(fx.ccs.paths.authDir, 0o700);
    }
    assert.deepEqual(fx.stand.files.get('codex-a.json')!.json, A);
  });

  test('--copy keeps both sides only for an account without a refresh token; a grant is refused before anything is sent', async () => {
    fx.stand.addFile('claude-c.json', C);
    const refused = await runBin(['pull', 'claude', 'c@example.com', '--target', 'team', '--copy'], fx.ccs.env);
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /--copy would leave the refresh token of c@example\.com on both sides, and both would refresh it/);
    assert.ok(fx.stand.files.has('claude-c.json'));
    assert.equal(existsSync(path.join(fx.ccs.paths.authDir, 'claude-c@example.com.json')), false);
    const key = {type: 'codex', email: 'k@example.com', access_token: 'sk-key-only-0123456789abcdef'};
    fx.ccs.writeToken('codex-k.json', key);
    const copied = await runBin(['push', 'codex', 'k@example.com', '--target', 'team', '--copy'], fx.ccs.env);
    assert.equal(copied.code, 0, copied.stderr);
    assert.match(copied.stdout, /; kept here too \(--copy\)\n$/);
    assert.ok(existsSync(path.join(fx.ccs.paths.authDir, 'codex-k.json')) && fx.stand.files.has('codex-k.json'));
  });

  test('fields sets priority, note, prefix and proxy_url; the proxy URL is not echoed', async () => {
    fx.stand.addFile('codex-a.json', A);
    const run = await runBin(['fields', 'codex', 'a@example.com', '--priority', '5', '--prefix', 'team', '--proxy-url', 'http://u:p@proxy:3128', '--target', 'team'], fx.ccs.env);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout, 'codex: a@example.com on target team: priority=5, prefix="team", proxy_url=(set)\n');
    const patch = fx.stand.requests.find((r) => r.path === '/v0/management/auth-files/fields')!;
    assert.deepEqual(JSON.parse(patch.body), {name: 'codex-a.json', priority: 5, prefix: 'team', proxy_url: 'http://u:p@proxy:3128'});
    const bad = await runBin(['fields', 'codex', 'a@example.com', '--priority', 'high', '--target', 'team'], fx.ccs.env);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--priority must be an integer, got "high"/);
    const local = await runBin(['fields', 'codex', 'a@example.com', '--priority', '1'], fx.ccs.env);
    assert.equal(local.code, 2);
    assert.match(local.stderr, /fields needs --target NAME/);
  });
});

describe('cooldowns on a remote target', () => {
  const fx = withRemote();

  test('cooldown clear resets the server cooldown by auth_index; the TUI on a target still needs a terminal', async () => {
    const until = new Date(Date.now() + 600_000).toISOString();
    const file = fx.stand.addFile('claude-c.json', C, {nextRetryAfter: until, unavailable: true, status: 'error', statusMessage: 'quota exhausted'});
    const before = JSON.parse((await runBin(['accounts', '--json', '--target', 'team'], fx.ccs.env)).stdout)[0];
    assert.equal(before.health, 'cooling');
    assert.equal(before.cooldownUntil, until);
    assert.equal(before.status, 'error');
    assert.match(before.statusMessage, /cooling down until .*: quota exhausted/);
    const table = await runBin(['accounts', '--target', 'team'], fx.ccs.env);
    // Ten minutes left (a few seconds less by the time the table is drawn), ending at `until` on the local clock, to the second.
    const clock = new Date(until).toTimeString().slice(0, 8);
    assert.match(table.stdout, new RegExp(`claude\\s+c@example\\.com\\s+c@example\\.com\\s+cooling (10m|9m [45]\\ds) \\(until (\\d{4}-\\d\\d-\\d\\d )?${clock}\\)`));
    const run = await runBin(['cooldown', 'clear', 'claude', 'c@example.com', '--target', 'team'], fx.ccs.env);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout, 'claude: cleared the cooldown of c@example.com on target team\n');
    assert.deepEqual(JSON.parse(fx.stand.requests.find((r) => r.path === '/v0/management/reset-quota')!.body), {auth_index: file.index});
    assert.equal(file.nextRetryAfter, undefined);
    const after = JSON.parse((await runBin(['accounts', '--json', '--target', 'team'], fx.ccs.env)).stdout)[0];
    assert.equal(after.cooldownUntil, undefined);
    assert.equal(after.health, 'ok');
    const tui = await runBin(['--target', 'team'], fx.ccs.env);
    assert.equal(tui.code, 2);
    assert.match(tui.stderr, /the full-screen TUI needs a terminal/);
  });
});
