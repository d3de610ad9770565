// `ccs-tui login` as a user runs it (the built binary, no terminal), against oidc-provider and stdin.
import assert from 'node:assert/strict';
import {generateKeyPairSync} from 'node:crypto';
import {chmodSync, mkdirSync, readFileSync, statSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {after, before, test} from 'node:test';
import {runBin, runInteractive} from '../helpers/cli.js';
import {makeTempCcs, type TempCcs} from '../helpers/ccs.js';
import {oidcSettingsFor, startOidcServer, type OidcServer} from '../helpers/oidc.js';

let oidc: OidcServer;
before(async () => {
  oidc = await startOidcServer({deviceInterval: 1});
});
after(async () => {
  await oidc.close();
});

/** Runs `fn` with a fresh CCS dir, removed afterwards whatever happens. */
async function withTempCcs(fn: (ccs: TempCcs) => Promise<void>): Promise<void> {
  const ccs = makeTempCcs();
  try {
    await fn(ccs);
  } finally {
    ccs.cleanup();
  }
}

/**
 * `login xai --no-browser` against oidc-provider; `answer` gets the device verification URL once printed
 * (on stderr with `--json`).
 */
function deviceLogin(ccs: TempCcs, answer: (verificationUriComplete: string) => Promise<void>, extra: string[] = []) {
  writeFileSync(ccs.paths.settings, JSON.stringify(oidcSettingsFor(oidc, 'xai')));
  const watch = extra.includes('--json') ? 'stderr' : 'stdout';
  return runInteractive(['login', 'xai', '--no-browser', ...extra], ccs.env, (output) => {
    const complete = /or open directly: (\S+)/.exec(output)?.[1];
    if (!complete) return false;
    void answer(complete);
    return true;
  }, {watch});
}

/** tui.json pointing codex at oidc-provider with its loopback callback on `port` (a free one by default). */
async function codexOnPort(ccs: TempCcs, port?: number): Promise<number> {
  const {freePort} = await import('../helpers/fake-providers/server.js');
  const chosen = port ?? (await freePort());
  const settings = oidcSettingsFor(oidc, 'codex') as {login: Record<string, unknown>};
  settings.login.callbackPorts = {codex: chosen};
  writeFileSync(ccs.paths.settings, JSON.stringify(settings));
  return chosen;
}

test('API key from stdin (never argv): tried against the provider, stored 0600, listed, printed masked nowhere', () =>
  withTempCcs(async (ccs) => {
    const key = 'AIzaSyExampleExampleExample1234567890';
    const {fakeKeyedApi} = await import('../helpers/fake-providers/providers.js');
    const studio = await fakeKeyedApi(key, '/v1beta/openai');
    after(() => studio.close());
    writeFileSync(ccs.paths.settings, JSON.stringify({endpoints: {aistudio: {api: studio.url}}}));
    const refused = await runBin(['login', 'aistudio'], ccs.env, 'AIzaSyNotTheKey000000000000\n');
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /Google AI Studio refused the key AIza…\(redacted\) \(HTTP 401 .*; nothing was stored/);
    assert.ok(!refused.stderr.includes('AIzaSyNotTheKey000000000000'), refused.stderr);
    assert.equal(JSON.parse((await runBin(['accounts', '--json'], ccs.env)).stdout).length, 0);
    const run = await runBin(['login', 'aistudio', '--nickname', 'studio'], ccs.env, `${key}\n`);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /Added aistudio account studio/);
    assert.ok(!run.stdout.includes(key) && !run.stderr.includes(key));
    const list = JSON.parse((await runBin(['accounts', '--json'], ccs.env)).stdout) as Array<{provider: string; tokenFile: string}>;
    const row = list.find((a) => a.provider === 'aistudio')!;
    const file = path.join(ccs.paths.authDir, row.tokenFile);
    assert.equal(JSON.parse(readFileSync(file, 'utf8')).api_key, key);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    const bob = await runBin(['login', 'bob'], ccs.env, 'some-key\n');
    assert.equal(bob.code, 2);
    assert.match(bob.stderr, /needs a base URL \(--base-url URL\)/);
    const empty = await runBin(['login', 'aistudio'], ccs.env, '');
    assert.equal(empty.code, 2);
    // Says where it was read from and how to give one.
    assert.equal(empty.stderr, 'ccs-tui: no Google AI Studio API key: stdin was empty (the key is read from stdin, never from the command line); pipe it in, e.g. ccs-tui login aistudio < key.txt, or run ccs-tui login aistudio in a terminal and paste it\n');
    const {freePort} = await import('../helpers/fake-providers/server.js');
    const closed = await freePort();
    const unreachable = await runBin(['login', 'bob', '--base-url', `http://127.0.0.1:${closed}/v1`], ccs.env, 'bob-key-0123456789\n');
    assert.equal(unreachable.code, 1);
    assert.match(unreachable.stderr, new RegExp(`cannot reach 127\\.0\\.0\\.1:${closed}/v1/models: .*; the key bob-…\\(redacted\\) was not checked and nothing was stored`));
    assert.ok(!unreachable.stderr.includes('bob-key-0123456789'));
  }));

test('vertex: a service-account key on stdin is validated before it is stored', () =>
  withTempCcs(async (ccs) => {
    const {privateKey} = generateKeyPairSync('rsa', {modulusLength: 2048});
    const good = {type: 'service_account', project_id: 'proj-1', client_email: 'sa@proj-1.iam.gserviceaccount.com', private_key: privateKey.export({type: 'pkcs8', format: 'pem'})};
    const bad = await runBin(['login', 'vertex'], ccs.env, JSON.stringify({...good, type: 'authorized_user'}));
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /field "type" is "authorized_user", expected "service_account"/);
    const missing = await runBin(['login', 'vertex'], ccs.env, JSON.stringify({...good, client_email: undefined}));
    assert.match(missing.stderr, /field "client_email" is missing/);
    // A key (not a key file) pasted by mistake: the error says where the JSON breaks, none of the key.
    for (const secret of ['AIzaSyD4-not-a-key-file-0123456789abcdef', 'sk-ant-oat01-notakeyfile0123456789abcdef', '{"private_key": sk-ant-oat01-notakeyfile0123456789']) {
      const pasted = await runBin(['login', 'vertex'], ccs.env, `${secret}\n`);
      const jsonError = await runBin(['login', 'vertex', '--json'], ccs.env, `${secret}\n`);
      assert.equal(pasted.code, 1, pasted.stderr);
      assert.match(pasted.stderr, /^ccs-tui: stdin:1:\d+: invalid JSON \(/);
      for (const output of [pasted.stdout + pasted.stderr, jsonError.stdout + jsonError.stderr]) {
        assert.ok(!/AIzaSy|sk-ant-o|notakey/.test(output), output);
      }
    }
    const ok = await runBin(['login', 'vertex'], ccs.env, JSON.stringify(good));
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /Added vertex account sa@proj-1\.iam\.gserviceaccount\.com/);
  }));

test('device login without a terminal: prints code and URL (no QR), exits 0 once the account is stored', () =>
  withTempCcs(async (ccs) => {
    const run = await deviceLogin(ccs, (complete) => oidc.approveDevice(complete, 'erin'));
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /Code: {2}[A-Z]{4}-[A-Z]{4}/);
    assert.match(run.stdout, /Open: {2}http:\/\/127\.0\.0\.1:\d+\/device/);
    assert.ok(!run.stdout.includes('█'), 'no QR when stdout is not a terminal');
    assert.match(run.stdout, /Added xai account erin@example\.test \(default\)/);
    // Each wait on the provider is said as it starts: before the code, and after the approval.
    assert.match(run.stderr, /^Asking Grok \(xAI\) for a device code…\n(.*\n)*Approved; finishing the login with Grok \(xAI\) and storing the account…$/m);
  }));

test('login --json: the code and URL go to stderr, stdout is the stored account as accounts --json lists it', () =>
  withTempCcs(async (ccs) => {
    const run = await deviceLogin(ccs, (complete) => oidc.approveDevice(complete, 'erin'), ['--json']);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, /Code: {2}[A-Z]{4}-[A-Z]{4}/);
    assert.match(run.stderr, /Open: {2}http:\/\/127\.0\.0\.1:\d+\/device/);
    const answer = JSON.parse(run.stdout) as {provider: string; account: Record<string, unknown>};
    const [listed] = JSON.parse((await runBin(['accounts', '--json'], ccs.env)).stdout) as Array<Record<string, unknown>>;
    assert.deepEqual(answer, {provider: 'xai', account: listed});
    assert.equal(answer.account.email, 'erin@example.test');
    assert.equal(answer.account.default, true);
  }));

test('login --json that fails answers {error, exitCode} on stdout', () =>
  withTempCcs(async (ccs) => {
    const run = await deviceLogin(ccs, (complete) => oidc.denyDevice(complete), ['--json']);
    assert.equal(run.code, 1);
    const answer = JSON.parse(run.stdout) as {error: string; exitCode: number};
    assert.match(answer.error, /access denied.*no account stored/);
    assert.equal(answer.exitCode, 1);
  }));

test('device login denied: exit 1, says so, stores nothing', () =>
  withTempCcs(async (ccs) => {
    const run = await deviceLogin(ccs, (complete) => oidc.denyDevice(complete));
    assert.equal(run.code, 1);
    assert.match(run.stderr, /access denied.*no account stored/);
    assert.equal(JSON.parse((await runBin(['accounts', '--json'], ccs.env)).stdout).length, 0);
  }));

test('auth-code login over SSH: the loopback server listens and a pasted redirect URL is read from stdin too', () =>
  withTempCcs(async (ccs) => {
    // A free port, not codex's 1455: another login on this machine may hold that one.
    const port = await codexOnPort(ccs);
    const env = {...ccs.env, SSH_CONNECTION: '10.0.0.2 50000 10.0.0.1 22'};
    const run = await runInteractive(['login', 'codex'], env, async (stdout, stdin) => {
      const url = /Open: (\S+)/.exec(stdout)?.[1];
      if (!url || !stdout.includes('paste')) return false;
      const redirect = await oidc.authorize(url, 'frank');
      stdin.end(`${redirect}\n`);
      return true;
    });
    assert.equal(run.code, 0, run.stderr);
    assert.ok(run.stdout.includes(`ssh -L ${port}:localhost:${port} 10.0.0.1`), run.stdout);
    assert.match(run.stdout, /Added codex account frank@example\.test/);
    assert.match(run.stderr, /^Pasted; checking the code with Codex…$/m);
  }));

test('codex over SSH: the ssh -L hint names the port ccs-tui listens on; a browser coming back through it completes the login', () =>
  withTempCcs(async (ccs) => {
    const port = await codexOnPort(ccs);
    const env = {...ccs.env, SSH_CONNECTION: '10.0.0.2 50000 10.0.0.1 22'};
    let page: number | undefined;
    // stdin stays open and silent: only the forwarded callback can end this login.
    const run = await runInteractive(['login', 'codex', '--no-browser'], env, async (stdout) => {
      const url = /Open: (\S+)/.exec(stdout)?.[1];
      const forwarded = /ssh -L (\d+):localhost:(\d+) 10\.0\.0\.1/.exec(stdout);
      if (!url || !forwarded) return false;
      // What the forwarded browser does: the provider redirects it to localhost:<port>, which the
      // tunnel delivers to that port here.
      const redirect = new URL(await oidc.authorize(url, 'gina'));
      assert.equal(redirect.port, forwarded[1]);
      redirect.hostname = '127.0.0.1';
      page = (await fetch(redirect)).status;
      return true;
    });
    assert.equal(run.code, 0, run.stderr);
    assert.equal(page, 200);
    assert.match(run.stdout, new RegExp(`ssh -L ${port}:localhost:${port} 10\\.0\\.0\\.1`));
    assert.match(run.stderr, new RegExp(`--no-browser: no browser is opened; open the address in a browser yourself \\(it comes back to http://localhost:${port}/auth/callback, where ccs-tui listens on this machine\\), then wait here or paste`));
    assert.match(run.stdout, /Added codex account gina@example\.test/);
    assert.match(run.stderr, /over SSH a device code needs no port and no paste: ccs-tui login codex --device/);
    assert.match(run.stderr, /^The browser came back; checking the code with Codex…$/m);
  }));

/**
 * ccs-tui's env on "this machine" (a display, no SSH) where no browser opens. No real browser may
 * start: `open` runs its own copy of xdg-open (or one on PATH), which on a desktop-less session asks
 * xdg-mime for a handler, then tries $BROWSER. Stand-ins for all three find none, as xdg-open does on
 * a box with no browser.
 */
function noBrowserEnv(ccs: TempCcs): NodeJS.ProcessEnv {
  const bin = path.join(ccs.paths.root, '..', 'fake-bin');
  mkdirSync(bin, {recursive: true});
  for (const [name, script] of [['xdg-open', 'exit 3'], ['xdg-mime', 'exit 1'], ['no-browser', 'exit 7']]) {
    writeFileSync(path.join(bin, name!), `#!/bin/sh\n${script}\n`);
    chmodSync(path.join(bin, name!), 0o755);
  }
  const env: NodeJS.ProcessEnv = {...ccs.env, DISPLAY: ':99', BROWSER: path.join(bin, 'no-browser'), PATH: `${bin}:${process.env.PATH}`};
  for (const name of ['SSH_CONNECTION', 'SSH_TTY', 'SSH_CLIENT', 'WAYLAND_DISPLAY', 'XDG_CURRENT_DESKTOP', 'DESKTOP_SESSION', 'KDE_FULL_SESSION', 'GNOME_DESKTOP_SESSION_ID', 'MATE_DESKTOP_SESSION_ID']) delete env[name];
  return env;
}

test('on this machine with no browser to open (the opener finds none): login says so on stderr and the address stays to open by hand; the login goes on', () =>
  withTempCcs(async (ccs) => {
    writeFileSync(ccs.paths.settings, JSON.stringify(oidcSettingsFor(oidc, 'xai')));
    const env = noBrowserEnv(ccs);
    // --json: the address and the words both on stderr, watched together.
    const run = await runInteractive(['login', 'xai', '--json'], env, (output) => {
      const complete = /or open directly: (\S+)/.exec(output)?.[1];
      if (!complete || !/no browser opened/.test(output)) return false;
      void oidc.approveDevice(complete, 'ivy');
      return true;
    }, {watch: 'stderr'});
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, /ccs-tui: no browser opened: xdg-open found no browser \(exit 3\); open the address above yourself/);
    assert.equal(JSON.parse(run.stdout).provider, 'xai');
  }));

test('a browser login on this machine with no browser: after "no browser opened" the prompt is said again, so what to do next stays the last line', () =>
  withTempCcs(async (ccs) => {
    await codexOnPort(ccs);
    const env = noBrowserEnv(ccs);
    // --json: the prompt and the words both on stderr, in the order a terminal shows them.
    const run = await runInteractive(['login', 'codex', '--json'], env, async (output, stdin) => {
      const url = /Open: (\S+)/.exec(output)?.[1];
      if (!url || !/no browser opened[^]*paste the address/.test(output)) return false;
      stdin.end(`${await oidc.authorize(url, 'jill')}\n`);
      return true;
    }, {watch: 'stderr'});
    assert.equal(run.code, 0, run.stderr);
    const lines = run.stderr.split('\n');
    const noBrowser = lines.findIndex((line) => /^ccs-tui: no browser opened: xdg-open found no browser \(exit 3\); open the address above yourself$/.test(line));
    assert.ok(noBrowser > 0, run.stderr);
    assert.match(lines[noBrowser + 1]!, /^Waiting for the browser to come back to http:\/\/localhost:\d+\/auth\/callback \(ccs-tui listens there on this machine\), or paste the address the browser ends on \(or the code it shows\) here and press Enter\.$/);
    assert.equal(JSON.parse(run.stdout).account.email, 'jill@example.test');
  }));

test('codex over SSH with the callback port taken: no ssh -L hint (nothing of ours listens), the paste still works', () =>
  withTempCcs(async (ccs) => {
    const {createServer} = await import('node:net');
    const squatter = createServer();
    await new Promise<void>((resolve) => squatter.listen(0, '127.0.0.1', resolve));
    const port = (squatter.address() as {port: number}).port;
    try {
      await codexOnPort(ccs, port);
      const env = {...ccs.env, SSH_CONNECTION: '10.0.0.2 50000 10.0.0.1 22'};
      const run = await runInteractive(['login', 'codex'], env, async (stdout, stdin) => {
        const url = /Open: (\S+)/.exec(stdout)?.[1];
        if (!url || !stdout.includes('paste')) return false;
        stdin.end(`${await oidc.authorize(url, 'hank')}\n`);
        return true;
      });
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stderr, new RegExp(`callback port ${port} is busy`));
      assert.doesNotMatch(run.stdout, /ssh -L/);
      assert.match(run.stdout, new RegExp(`Nothing of ccs-tui listens on http://localhost:${port}/auth/callback`));
      assert.match(run.stdout, /Added codex account hank@example\.test/);
    } finally {
      squatter.close();
    }
  }));

test('codex over SSH: a paste that is no code ends the login at once (exit 1, the port let go), nothing stored', () =>
  withTempCcs(async (ccs) => {
    const port = await codexOnPort(ccs);
    const started = Date.now();
    const run = await runInteractive(['login', 'codex'], {...ccs.env, SSH_CONNECTION: '10.0.0.2 50000 10.0.0.1 22'}, async (stdout, stdin) => {
      if (!stdout.includes(`ssh -L ${port}`)) return false;
      stdin.write('http://localhost/elsewhere?foo=bar\n');
      return true;
    });
    assert.equal(run.code, 1, run.stderr);
    assert.match(run.stderr, /that is not a redirect URL or a code/);
    assert.doesNotMatch(run.stderr, /checking the code/i, 'no code, nothing checked');
    assert.ok(Date.now() - started < 15_000, 'exits at once, not at the callback timeout');
    assert.equal(JSON.parse((await runBin(['accounts', '--json'], ccs.env)).stdout).length, 0);
  }));

test('--no-browser says what happens; claude paste mode gives no ssh -L advice (its redirect is not a local port)', () =>
  withTempCcs(async (ccs) => {
    const {fakeClaude} = await import('../helpers/fake-providers/providers.js');
    const fake = await fakeClaude();
    try {
      writeFileSync(ccs.paths.settings, JSON.stringify(fake.settings));
      const env = {...ccs.env, SSH_CONNECTION: '10.0.0.2 50000 10.0.0.1 22'};
      const run = await runInteractive(['login', 'claude', '--no-browser'], env, async (stdout, stdin) => {
        if (!stdout.includes('paste the address')) return false;
        stdin.end('\n');
        return true;
      });
      assert.equal(run.code, 1);
      assert.match(run.stderr, /--no-browser: no browser is opened; open the address in a browser yourself, then paste what it ends on here/);
      assert.doesNotMatch(run.stderr, /checking the code/i, 'nothing pasted, nothing checked');
      assert.doesNotMatch(run.stdout, /ssh -L/);
    } finally {
      await fake.server.close();
    }
  }));

test('bad usage: unknown provider and a bad --port are exit 2 naming them', () =>
  withTempCcs(async (ccs) => {
    const unknown = await runBin(['login', 'nope'], ccs.env);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /unknown provider "nope"/);
    const port = await runBin(['login', 'codex', '--port', 'abc'], ccs.env);
    assert.equal(port.code, 2);
    assert.match(port.stderr, /--port must be a port number/);
  }));
