// How a person names an account (`<account>`), and what a login stores as the account's name, as a
// user meets it on the command line: text that names two accounts is refused, never guessed; a
// nickname may not read as another account's id, email or token file; a login that names no account
// stores nothing; token files of providers ccs-tui does not know can still be paused and removed.
import assert from 'node:assert/strict';
import {existsSync, readdirSync, readFileSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {after, test} from 'node:test';
import {makeTempCcs, tokenFixture, type TempCcs} from '../helpers/ccs.js';
import {binPath, runBin} from '../helpers/cli.js';

const people = ['dave', 'erin', 'frank'] as const;

function threeClaudeAccounts(): TempCcs {
  const ccs = makeTempCcs();
  after(() => ccs.cleanup());
  for (const name of people) ccs.writeToken(`claude-${name}@example.com.json`, tokenFixture('claude', `${name}@example.com`));
  return ccs;
}

const files = (ccs: TempCcs, dir: 'auth' | 'auth-paused') => {
  const full = dir === 'auth' ? ccs.paths.authDir : ccs.paths.pausedDir;
  return existsSync(full) ? readdirSync(full).sort() : [];
};

test("rename refuses a nickname that is another account's email, id or token file, saying so; nothing changes", async () => {
  const ccs = threeClaudeAccounts();
  for (const [nickname, as] of [
    ['dave@example.com', 'email'],
    ['DAVE@example.com', 'email'],
    ['claude-dave@example.com.json', 'token file'],
    ['claude-dave@example.com', 'token file'],
  ] as const) {
    const run = await runBin(['rename', 'claude', 'erin@example.com', nickname], ccs.env);
    assert.equal(run.code, 2, run.stdout);
    assert.match(run.stderr, new RegExp(`nickname "${nickname.replace(/[.]/g, '\\.')}" is the ${as} of another claude account \\(dave@example\\.com, claude-dave@example\\.com\\.json\\): a nickname must name only its own account`));
  }
  const list = JSON.parse((await runBin(['accounts', '--json'], ccs.env)).stdout) as Array<{id: string; nickname: string | null}>;
  assert.deepEqual(list.map((a) => a.nickname), [null, null, null]);
  // Its own email is fine as its own nickname.
  const own = await runBin(['rename', 'claude', 'erin@example.com', 'erin@example.com'], ccs.env);
  assert.equal(own.code, 0, own.stderr);
});

test('a nickname that reads as another account\'s email (an older version or a hand edit) makes that text name neither account: every command refuses, listing both', async () => {
  const ccs = threeClaudeAccounts();
  ccs.writeRegistry({
    version: 1,
    providers: {
      claude: {
        default: 'frank@example.com',
        accounts: {
          'dave@example.com': {email: 'dave@example.com', tokenFile: 'claude-dave@example.com.json'},
          'erin@example.com': {email: 'erin@example.com', nickname: 'dave@example.com', tokenFile: 'claude-erin@example.com.json'},
          'frank@example.com': {email: 'frank@example.com', tokenFile: 'claude-frank@example.com.json'},
        },
      },
    },
  });
  const before = files(ccs, 'auth');
  for (const args of [
    ['pause', 'claude', 'dave@example.com'],
    ['use', 'claude', 'dave@example.com'],
    ['remove', 'claude', 'dave@example.com'],
    ['rename', 'claude', 'dave@example.com', 'home'],
    ['run', 'claude', 'dave@example.com'],
    ['proxy', 'serve', '--provider', 'claude', '--account', 'dave@example.com', '--port', '0'],
  ]) {
    const run = await runBin(args, ccs.env);
    assert.notEqual(run.code, 0, `${args.join(' ')} must not succeed: ${run.stdout}`);
    assert.match(
      run.stderr,
      /"dave@example\.com" matches 2 claude accounts: dave@example\.com \(claude-dave@example\.com\.json\), erin@example\.com \(claude-erin@example\.com\.json\); name one by its token file, or by an id, nickname or email only it has \(or give claude-erin@example\.com\.json another nickname: ccs-tui rename claude <token file> <nickname>\)/,
      args.join(' '),
    );
  }
  assert.deepEqual(files(ccs, 'auth'), before, 'no token file moved or removed');
  assert.deepEqual(files(ccs, 'auth-paused'), []);
  // The token file names one account; the clash is undone by renaming it.
  const pause = await runBin(['pause', 'claude', 'claude-dave@example.com.json'], ccs.env);
  assert.equal(pause.code, 0, pause.stderr);
  // Labelled with its file while erin's nickname still reads the same.
  assert.equal(pause.stdout, 'claude: paused dave@example.com (claude-dave@example.com.json)\n');
  assert.deepEqual(files(ccs, 'auth-paused'), ['claude-dave@example.com.json']);
  const rename = await runBin(['rename', 'claude', 'claude-erin@example.com', 'work'], ccs.env);
  assert.equal(rename.code, 0, rename.stderr);
  const resume = await runBin(['resume', 'claude', 'dave@example.com'], ccs.env);
  assert.equal(resume.code, 0, resume.stderr);
  assert.match(resume.stdout, /resumed dave@example\.com/);
});

test('login --nickname that is another account\'s email is refused before anything is sent (exit 2)', async () => {
  const ccs = threeClaudeAccounts();
  const {fakeClaude} = await import('../helpers/fake-providers/providers.js');
  const fake = await fakeClaude();
  after(() => fake.server.close());
  writeFileSync(ccs.paths.settings, JSON.stringify({endpoints: fake.settings.endpoints}));
  const claude = await runBin(['login', 'claude', '--nickname', 'dave@example.com', '--paste', '--no-browser'], ccs.env, '');
  assert.equal(claude.code, 2, claude.stdout);
  assert.match(claude.stderr, /nickname "dave@example\.com" is the email of another claude account \(dave@example\.com, claude-dave@example\.com\.json\): a nickname must name only its own account; choose another name/);
  assert.equal(fake.server.requests.length, 0, 'nothing was sent');
});

test('a codex login whose token answer has no id_token stores nothing and says why; a second one overwrites nothing', async () => {
  const ccs = makeTempCcs();
  after(() => ccs.cleanup());
  ccs.writeToken('codex-e3b0c442-account.json', tokenFixture('codex', 'first@example.com', {access_token: 'first-account-grant-0123456789'}));
  const {fakeCodex} = await import('../helpers/fake-providers/providers.js');
  const fake = await fakeCodex({idToken: false, interval: '1'});
  after(() => fake.server.close());
  writeFileSync(ccs.paths.settings, JSON.stringify({endpoints: fake.settings.endpoints}));
  const run = await runBin(['login', 'codex', '--device', '--no-browser'], ccs.env, '', 60_000);
  assert.equal(run.code, 1, run.stdout);
  assert.match(run.stderr, /Codex: the token answer named no account \(no id_token, email or account id, and no userinfo\); nothing stored/);
  assert.doesNotMatch(run.stdout, /Added codex account/);
  assert.deepEqual(files(ccs, 'auth'), ['codex-e3b0c442-account.json']);
  assert.equal(JSON.parse(readFileSync(path.join(ccs.paths.authDir, 'codex-e3b0c442-account.json'), 'utf8')).access_token, 'first-account-grant-0123456789');
});

test('an API-key account without a nickname gets a stable readable id; adding the same key again says so', async () => {
  const ccs = makeTempCcs();
  after(() => ccs.cleanup());
  const key = 'bob-live-key-0123456789abcdef';
  const {fakeKeyedApi} = await import('../helpers/fake-providers/providers.js');
  const bob = await fakeKeyedApi(key, '/v1');
  after(() => bob.close());
  const first = await runBin(['login', 'bob', '--base-url', `${bob.url}/v1`], ccs.env, `${key}\n`);
  assert.equal(first.code, 0, first.stderr);
  const added = /^Added bob account (key-[0-9a-f]{12}) \(default\)\n$/.exec(first.stdout);
  assert.ok(added, first.stdout);
  assert.deepEqual(files(ccs, 'auth'), [`bob-${added[1]}.json`]);
  const again = await runBin(['login', 'bob', '--base-url', `${bob.url}/v1`], ccs.env, `${key}\n`);
  assert.equal(again.code, 0, again.stderr);
  assert.equal(again.stdout, `Same key again for bob account ${added[1]}: already stored\n`);
  assert.deepEqual(files(ccs, 'auth'), [`bob-${added[1]}.json`]);
  // The same key at another base URL: the account's base URL is what changed, and the line says so.
  const moved = await fakeKeyedApi(key, '/v1');
  after(() => moved.close());
  const elsewhere = await runBin(['login', 'bob', '--base-url', `${moved.url}/v1`], ccs.env, `${key}\n`);
  assert.equal(elsewhere.code, 0, elsewhere.stderr);
  assert.equal(elsewhere.stdout, `Same key again for bob account ${added[1]}: its base URL replaced\n`);
  assert.equal(JSON.parse(readFileSync(path.join(ccs.paths.authDir, `bob-${added[1]}.json`), 'utf8')).base_url, `${moved.url}/v1`);
});

test('token files of a provider ccs-tui does not know: listed, and paused, resumed and removed like any file', async () => {
  const ccs = makeTempCcs();
  after(() => ccs.cleanup());
  ccs.writeToken('martian-x.json', {type: 'martian', access_token: 'martian-token-0123456789'});
  const list = await runBin(['accounts'], ccs.env);
  assert.match(list.stdout, /martian\s+\*\s+x/);
  const pause = await runBin(['pause', 'martian', 'x'], ccs.env);
  assert.equal(pause.code, 0, pause.stderr);
  assert.deepEqual(files(ccs, 'auth-paused'), ['martian-x.json']);
  assert.equal((await runBin(['resume', 'martian', 'x'], ccs.env)).code, 0);
  const missing = await runBin(['remove', 'martian', 'y'], ccs.env);
  assert.equal(missing.code, 2, 'no such account is bad usage');
  assert.match(missing.stderr, /no martian account "y" \(accounts: x\)/);
  const unknown = await runBin(['remove', 'venusian', 'x'], ccs.env);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /unknown provider "venusian"/);
  const remove = await runBin(['remove', 'martian', 'x', '--yes'], ccs.env);
  assert.equal(remove.code, 0, remove.stderr);
  assert.equal(remove.stdout, 'martian: removed x; no usable account is left to be the default\n');
  assert.deepEqual(files(ccs, 'auth'), []);
});

test('on a remote target too: text naming two accounts is refused and nothing is sent; rename refuses another account\'s token file as a note', async () => {
  const ccs = makeTempCcs();
  after(() => ccs.cleanup());
  const {remoteTarget} = await import('../helpers/fake-cliproxy/target.js');
  const stand = await remoteTarget(ccs);
  after(() => stand.close());
  stand.addFile('codex-a.json', tokenFixture('codex', 'a@example.com'));
  // A note another tool wrote (the web Management Center) that reads as the other account's email.
  stand.addFile('codex-b.json', {...tokenFixture('codex', 'b@example.com'), note: 'a@example.com'});
  const sentBefore = stand.requests.filter((r) => r.method !== 'GET').length;
  const pause = await runBin(['pause', 'codex', 'a@example.com', '--target', 'team'], ccs.env);
  assert.equal(pause.code, 2, `text naming two accounts is bad usage: ${pause.stdout}`);
  assert.match(pause.stderr, /"a@example\.com" matches 2 codex accounts: .*codex-a\.json.*codex-b\.json/);
  const rename = await runBin(['rename', 'codex', 'codex-b.json', 'b@example.com', '--target', 'team'], ccs.env);
  assert.equal(rename.code, 0, rename.stderr);
  const clash = await runBin(['rename', 'codex', 'codex-a.json', 'codex-b', '--target', 'team'], ccs.env);
  assert.equal(clash.code, 2, clash.stdout);
  assert.match(clash.stderr, /nickname "codex-b" is the token file of another codex account \(.*, codex-b\.json\)/);
  // Only the one rename that was allowed reached the server.
  assert.equal(stand.requests.filter((r) => r.method !== 'GET').length, sentBefore + 1);
});

test('a device login says at once that it asks for a code, while the provider has not answered; Ctrl-C then stores nothing', async () => {
  const ccs = makeTempCcs();
  after(() => ccs.cleanup());
  const {createServer} = await import('node:net');
  // A device-code endpoint that accepts the connection and never answers.
  const silent = createServer(() => undefined);
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  after(() => silent.close());
  const port = (silent.address() as {port: number}).port;
  writeFileSync(ccs.paths.settings, JSON.stringify({endpoints: {codex: {device: `http://127.0.0.1:${port}/deviceauth`, token: `http://127.0.0.1:${port}/token`, allowInsecureHttp: true}}}));
  const {spawn} = await import('node:child_process');
  const child = spawn(process.execPath, [binPath, 'login', 'codex', '--device', '--no-browser'], {env: ccs.env, stdio: ['pipe', 'pipe', 'pipe']});
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  for (let waited = 0; !/Asking Codex for a device code…/.test(stderr) && waited < 15_000; waited += 50) await new Promise((r) => setTimeout(r, 50));
  assert.match(stderr, /^Asking Codex for a device code…$/m);
  child.kill('SIGINT');
  assert.equal(await exited, 130, stderr);
  assert.deepEqual(files(ccs, 'auth'), []);
});
