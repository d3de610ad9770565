// `ccs-tui login` / `quota` / `accounts` for Google accounts as a user runs them (the built binary,
// no terminal) against the Google stand-in.
import assert from 'node:assert/strict';
import {writeFileSync} from 'node:fs';
import path from 'node:path';
import {after, before, test} from 'node:test';
import {runBin, runInteractive} from '../helpers/cli.js';
import {makeTempCcs, type TempCcs} from '../helpers/ccs.js';
import {freePort} from '../helpers/fake-providers/server.js';
import {startFakeGoogle, type FakeGoogle} from '../helpers/fake-google/server.js';

let google: FakeGoogle;
before(async () => {
  google = await startFakeGoogle({
    users: {
      alice: {email: 'alice@example.com', codeAssist: {kind: 'project', project: 'alice-proj-1'}},
      fred: {email: 'fred@example.com', codeAssist: {kind: 'free-onboard', project: 'fred-managed-7', polls: 1}},
      vera: {email: 'vera@example.com', codeAssist: {kind: 'validation-required', url: 'https://accounts.google.com/signin/continue?sarp=1'}},
      // A project id is text from the network: escapes in it must never reach the terminal.
      mallory: {email: 'mallory@example.com', codeAssist: {kind: 'project', project: 'evil\u001b]0;PWNED\u0007\u001b[2Jproj'}},
    },
  });
});
after(() => google.close());

async function withCcs(fn: (ccs: TempCcs) => Promise<void>): Promise<void> {
  const ccs = makeTempCcs();
  writeFileSync(ccs.paths.settings, JSON.stringify(google.settings()));
  try {
    await fn(ccs);
  } finally {
    ccs.cleanup();
  }
}

const ssh = (ccs: TempCcs) => ({...ccs.env, SSH_CONNECTION: '10.0.0.2 50000 10.0.0.1 22'});

/** `login <provider>` over SSH: the code from Google's page (or the whole landing URL) pasted on stdin. */
function pasteLogin(ccs: TempCcs, provider: string, user: string, paste: (landing: URL) => string) {
  return runInteractive(['login', provider], ssh(ccs), async (stdout, stdin) => {
    const url = /Open: (\S+)/.exec(stdout)?.[1];
    if (!url || !stdout.includes('paste')) return false;
    stdin.end(`${paste(new URL(await google.approve(url, user)))}\n`);
    return true;
  });
}

test('gemini over SSH: paste the code from the Code Assist page; the account is listed with email and project; quota reads that project', () =>
  withCcs(async (ccs) => {
    const run = await pasteLogin(ccs, 'gemini', 'alice', (landing) => landing.searchParams.get('code')!);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /Open: http:\/\/127\.0\.0\.1:\d+\/o\/oauth2\/v2\/auth\?.*redirect_uri=https%3A%2F%2Fcodeassist\.google\.com%2Fauthcode/);
    assert.match(run.stdout, /Added gemini account alice@example\.com \(project alice-proj-1\) \(default\)/);
    const table = (await runBin(['accounts'], ccs.env)).stdout;
    assert.match(table, /EMAIL +PROJECT +STATE/);
    assert.match(table, /alice@example\.com +alice-proj-1 /);
    const list = JSON.parse((await runBin(['accounts', '--json'], ccs.env)).stdout) as Array<Record<string, string>>;
    assert.equal(list.length, 1);
    assert.equal(list[0]!.email, 'alice@example.com');
    assert.equal(list[0]!.projectId, 'alice-proj-1');
    const quota = await runBin(['quota', '--provider', 'gemini', '--refresh'], ccs.env);
    assert.equal(quota.code, 0, quota.stderr);
    assert.match(quota.stdout, /gemini +alice@example\.com +.*gemini-2\.5-flash.*75%/);
  }));

test('a project id with escape sequences is printed without them (login, accounts)', () =>
  withCcs(async (ccs) => {
    const run = await pasteLogin(ccs, 'gemini', 'mallory', (landing) => landing.searchParams.get('code')!);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /Added gemini account mallory@example\.com \(project evil.*proj\)/);
    assert.doesNotMatch(run.stdout + run.stderr, /\u001b/, JSON.stringify(run.stdout));
    const table = await runBin(['accounts'], ccs.env);
    assert.doesNotMatch(table.stdout, /\u001b/, JSON.stringify(table.stdout));
  }));

test('antigravity by loopback: the browser comes back to the callback port; free-tier onboarding gives the project', () =>
  withCcs(async (ccs) => {
    const port = await freePort();
    // A desktop session (DISPLAY set) uses the loopback callback; --no-browser keeps any real browser shut.
    const desktop = {...ccs.env, DISPLAY: ':99'};
    const run = await runInteractive(['login', 'antigravity', '--no-browser', '--port', String(port)], desktop, async (stdout) => {
      const url = /Open: (\S+)/.exec(stdout)?.[1];
      if (!url || !stdout.includes('Waiting for the browser')) return false;
      const landing = await google.approve(url, 'fred');
      await fetch(landing.replace('//localhost:', '//127.0.0.1:'));
      return true;
    });
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /Added antigravity account fred@example\.com \(project fred-managed-7\)/);
    const [account] = JSON.parse((await runBin(['accounts', '--json'], ccs.env)).stdout) as Array<Record<string, string>>;
    assert.equal(account!.projectId, 'fred-managed-7');
    const quota = await runBin(['quota', '--provider', 'antigravity', '--json', '--refresh'], ccs.env);
    const [row] = JSON.parse(quota.stdout) as Array<{windows: Array<{kind: string; usedPct: number | null}>; error: unknown}>;
    assert.equal(row!.error, null);
    assert.deepEqual(row!.windows.map((w) => w.kind).sort(), ['5h', '5h:3p', 'weekly', 'weekly:3p']);
  }));

test('an account Google wants verified: exit 1 with the verification URL, nothing stored', () =>
  withCcs(async (ccs) => {
    const run = await pasteLogin(ccs, 'gemini', 'vera', (landing) => landing.searchParams.get('code')!);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /Google asks you to verify this account first.*Open https:\/\/accounts\.google\.com\/signin\/continue\?sarp=1 in a browser.*no account stored/);
    assert.equal(JSON.parse((await runBin(['accounts', '--json'], ccs.env)).stdout).length, 0);
  }));

test('vertex from --key-file: stored, refreshed by JWT bearer for quota, quota shown as unknown', () =>
  withCcs(async (ccs) => {
    const keyFile = path.join(ccs.paths.root, 'sa.json');
    writeFileSync(keyFile, JSON.stringify(google.addServiceAccount('vertex-proj-9')), {mode: 0o600});
    const missing = await runBin(['login', 'vertex', '--key-file', `${keyFile}.nope`], ccs.env);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /--key-file .*sa\.json\.nope: no such file/);
    const run = await runBin(['login', 'vertex', '--key-file', keyFile], ccs.env);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /Added vertex account ccs-tui-test@vertex-proj-9\.iam\.gserviceaccount\.com/);
    // The same key file again stores nothing new; a new key of that service account replaces its key.
    const same = await runBin(['login', 'vertex', '--key-file', keyFile], ccs.env);
    assert.equal(same.code, 0, same.stderr);
    assert.match(same.stdout, /^Same key again for vertex account ccs-tui-test@vertex-proj-9\.iam\.gserviceaccount\.com: already stored \(project vertex-proj-9\)/);
    const newKey = google.addServiceAccount('vertex-proj-9');
    const replaced = await runBin(['login', 'vertex'], ccs.env, JSON.stringify(newKey));
    assert.equal(replaced.code, 0, replaced.stderr);
    assert.match(replaced.stdout, /^Key of vertex account ccs-tui-test@vertex-proj-9\.iam\.gserviceaccount\.com replaced \(project vertex-proj-9\)/);
    const accounts = JSON.parse((await runBin(['accounts', '--json'], ccs.env)).stdout) as Array<{provider: string}>;
    assert.equal(accounts.filter((a) => a.provider === 'vertex').length, 1);
    const quota = await runBin(['quota', '--provider', 'vertex'], ccs.env);
    assert.equal(quota.code, 0, quota.stderr);
    assert.match(quota.stdout, /vertex +ccs-tui-test@vertex-proj-9\.iam\.gserviceaccount\.com +unknown \(no quota source\)/);
  }));

test('a path typed with ~ (quoted, so no shell expanded it) is the home dir: --key-file "~/sa.json", CCS_DIR="~/.ccs"', () =>
  withCcs(async (ccs) => {
    const home = ccs.env.HOME!;
    writeFileSync(path.join(home, 'sa.json'), JSON.stringify(google.addServiceAccount('vertex-proj-7')), {mode: 0o600});
    const missing = await runBin(['login', 'vertex', '--key-file', '~/nope.json'], ccs.env);
    assert.equal(missing.code, 2);
    assert.equal(missing.stderr.trim(), `ccs-tui: --key-file ~/nope.json (${path.join(home, 'nope.json')}): no such file`);
    const run = await runBin(['login', 'vertex', '--key-file', '~/sa.json'], ccs.env);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /Added vertex account ccs-tui-test@vertex-proj-7\.iam\.gserviceaccount\.com/);
    // The CCS dir named with ~ is the same dir: the account just added is listed.
    const listed = await runBin(['accounts', '--json'], {...ccs.env, CCS_DIR: '~/.ccs'});
    assert.equal(listed.code, 0, listed.stderr);
    assert.deepEqual((JSON.parse(listed.stdout) as {provider: string}[]).map((a) => a.provider), ['vertex']);
  }));
