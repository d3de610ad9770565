// NODE_EXTRA_CA_CERTS through the `ccs-tui` command (bin/ccs-tui): the script hands the file over so
// that Node 20 does not read it at start, and ccs-tui trusts its certificates at its first TLS
// connection (services/extra-ca-certs.ts); every program it starts gets the variable back. Against
// real TLS servers on 127.0.0.1 whose certificates a private CA signed.
import assert from 'node:assert/strict';
import {spawnSync} from 'node:child_process';
import {chmodSync, mkdirSync, readFileSync, realpathSync, symlinkSync, writeFileSync} from 'node:fs';
import {createServer, type Server} from 'node:https';
import type {AddressInfo} from 'node:net';
import path from 'node:path';
import {after, before, test} from 'node:test';
import {proxyPidFilePath} from '../../source/services/proxy/pid-file.js';
import {makeTempCcs, type TempCcs} from '../helpers/ccs.js';
import {binPath, commandPath, killAll, runBin, withThisNode} from '../helpers/cli.js';
import {startTmux, tmuxSkipReason} from '../helpers/tmux.js';
import {startFakeCliproxy, type FakeCliproxy} from '../helpers/fake-cliproxy/server.js';
import {MANAGEMENT_KEY} from '../helpers/fake-cliproxy/target.js';
import {makeTestCa, testCaSkip, type TestCa} from '../helpers/test-ca.js';
import {quotaToken} from '../services/quota/fixture.js';

const skip = testCaSkip;

let ccs: TempCcs;
let ca: TestCa;
/** The CA's certificate between two others, as a system or corporate bundle holds it. */
let bundle: string;
let usage: Server;
let usageAsked = 0;
before(async () => {
  if (skip) return;
  ccs = makeTempCcs();
  ca = makeTestCa(ccs.paths.root);
  const other = makeTestCa(ccs.paths.root, 'another CA');
  bundle = path.join(ccs.paths.root, 'corporate bundle.pem');
  writeFileSync(bundle, [readFileSync(other.caFile, 'utf8'), '# a comment line\n', readFileSync(ca.caFile, 'utf8'), other.server.cert].join('\n'));
  usage = createServer(ca.server, (_req, res) => {
    usageAsked++;
    res.writeHead(200, {'content-type': 'application/json'});
    res.end(JSON.stringify({five_hour: {utilization: 12, resets_at: null}, seven_day: {utilization: 34, resets_at: null}}));
  });
  await new Promise<void>((resolve) => usage.listen(0, '127.0.0.1', resolve));
  ccs.writeToken('claude-user@example.com.json', quotaToken('claude', 'user@example.com'));
  ccs.writeRaw('tui.json', JSON.stringify({endpoints: {claude: {usage: `https://127.0.0.1:${(usage.address() as AddressInfo).port}/usage`}}}));
});
after(async () => {
  if (skip) return;
  await new Promise((resolve) => usage.close(resolve));
  ccs.cleanup();
});

const quotaRows = (stdout: string) => JSON.parse(stdout) as {account: string; windows: {kind: string; usedPct: number | null}[]; error: {kind: string; message: string} | null}[];

test('quota over TLS: the command trusts the CA in NODE_EXTRA_CA_CERTS, and refuses the server without it', {skip}, async () => {
  const env = {...ccs.env, NODE_EXTRA_CA_CERTS: bundle};
  const trusted = await runBin(['quota', '--provider', 'claude', '--json', '--refresh'], env, undefined, 20_000, {viaCommand: true});
  assert.equal(trusted.code, 0, trusted.stderr);
  assert.equal(trusted.stderr, '');
  const [row] = quotaRows(trusted.stdout);
  assert.equal(row?.error, null, trusted.stdout);
  assert.deepEqual(row?.windows.map((w) => [w.kind, w.usedPct]), [['5h', 12], ['weekly', 34]]);
  assert.equal(usageAsked, 1);

  // The same through the entry run by hand: Node reads the file itself.
  const byHand = await runBin(['quota', '--provider', 'claude', '--json', '--refresh'], env);
  assert.equal(byHand.code, 0, byHand.stderr);
  assert.equal(quotaRows(byHand.stdout)[0]?.error, null, byHand.stdout);

  const plain = {...ccs.env};
  delete plain.NODE_EXTRA_CA_CERTS;
  const refused = await runBin(['quota', '--provider', 'claude', '--json', '--refresh'], plain, undefined, 20_000, {viaCommand: true});
  const [refusedRow] = quotaRows(refused.stdout);
  assert.equal(refusedRow?.error?.kind, 'network', refused.stdout);
  assert.match(refusedRow!.error!.message, /certificate/, refused.stdout);
  assert.equal(usageAsked, 2, 'the untrusted server got no request');
});

test('a bundle ccs-tui reads only in part (a key before the CA): the CA is not trusted, and stderr says where it stopped and the way out', {skip}, async () => {
  const partial = path.join(ccs.paths.root, 'key then CA.pem');
  writeFileSync(partial, `-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIA==\n-----END PRIVATE KEY-----\n${readFileSync(ca.caFile, 'utf8')}`);
  const run = await runBin(['quota', '--provider', 'claude', '--json', '--refresh'], {...ccs.env, NODE_EXTRA_CA_CERTS: partial}, undefined, 20_000, {viaCommand: true});
  assert.equal(quotaRows(run.stdout)[0]?.error?.kind, 'network', run.stdout);
  assert.equal(
    run.stderr,
    `Warning: ccs-tui trusts 0 certificates of NODE_EXTRA_CA_CERTS \`${partial}\`, none after where it stopped: line 1 is not -----BEGIN CERTIFICATE----- (-----BEGIN PRIVATE KEY-----). ` +
      "Keep only PEM certificates in it (or run node on ccs-tui's dist/source/cli/main.js, which lets Node read it).\n",
  );
  // The way out it names: Node reads the file itself.
  const byNode = await runBin(['quota', '--provider', 'claude', '--json', '--refresh'], {...ccs.env, NODE_EXTRA_CA_CERTS: partial});
  assert.equal(quotaRows(byNode.stdout)[0]?.error, null, byNode.stdout);
});

test('a remote CLIProxyAPI server over TLS (--target, no caFile): trusted through NODE_EXTRA_CA_CERTS as well', {skip}, async () => {
  const stand: FakeCliproxy = await startFakeCliproxy({key: MANAGEMENT_KEY, tls: ca.server});
  try {
    stand.addFile('codex-a.json', quotaToken('codex', 'a@example.com'));
    ccs.writeRaw('team.key', MANAGEMENT_KEY);
    const settings = readFileSync(ccs.paths.settings, 'utf8');
    writeFileSync(ccs.paths.settings, JSON.stringify({...JSON.parse(settings), targets: {team: {url: stand.url, managementKeyFile: path.join(ccs.paths.root, 'team.key')}}}));
    try {
      const trusted = await runBin(['accounts', '--json', '--target', 'team'], {...ccs.env, NODE_EXTRA_CA_CERTS: bundle}, undefined, 20_000, {viaCommand: true});
      assert.equal(trusted.code, 0, trusted.stderr);
      assert.equal((JSON.parse(trusted.stdout) as {email: string}[])[0]?.email, 'a@example.com');
      const refused = await runBin(['accounts', '--json', '--target', 'team'], ccs.env, undefined, 20_000, {viaCommand: true});
      assert.equal(refused.code, 1);
      assert.match(refused.stderr, /the TLS certificate is not trusted/);
    } finally {
      writeFileSync(ccs.paths.settings, settings);
    }
  } finally {
    await stand.close();
  }
});

test('a program the command starts (the background proxy) has NODE_EXTRA_CA_CERTS back, and no trace of the hand-over', {skip: skip || (process.platform !== 'linux' && 'reads /proc')}, async () => {
  ccs.writeRaw('cliproxy/config.yaml', 'port: 8317\napi-keys:\n  - "sk-test-extra-ca-0123456789"\n');
  const started: number[] = [];
  try {
    const start = await runBin(['proxy', 'start', '--port', '0'], {...ccs.env, NODE_EXTRA_CA_CERTS: bundle}, undefined, 20_000, {viaCommand: true});
    assert.equal(start.code, 0, start.stderr);
    const pid = (JSON.parse(readFileSync(proxyPidFilePath(ccs.paths), 'utf8')) as {pid: number}).pid;
    started.push(pid);
    const environ = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
    assert.ok(environ.includes(`NODE_EXTRA_CA_CERTS=${bundle}`), 'NODE_EXTRA_CA_CERTS as it was set');
    assert.equal(environ.filter((entry) => entry.startsWith('CCS_TUI_EXTRA_CA_CERTS=')).length, 0);
    assert.equal((await runBin(['proxy', 'stop'], ccs.env)).code, 0);
  } finally {
    killAll(started);
  }
});

test('bin/ccs-tui, linked as npm links it: runs the entry on PATH\'s node with the arguments as given, and hands over only a file it can read', {skip: process.platform === 'win32' && 'a POSIX shell script'}, () => {
  const dir = makeTempCcs();
  try {
    const root = dir.paths.root;
    // PATH's `node`: says what it was given.
    const fakeBin = path.join(root, 'fake-bin');
    mkdirSync(fakeBin);
    writeFileSync(
      path.join(fakeBin, 'node'),
      '#!/bin/sh\nfor a in "$@"; do printf "arg=[%s]\\n" "$a"; done\nprintf "NODE_EXTRA_CA_CERTS=%s\\n" "${NODE_EXTRA_CA_CERTS-unset}"\nprintf "CCS_TUI_EXTRA_CA_CERTS=%s\\n" "${CCS_TUI_EXTRA_CA_CERTS-unset}"\n',
    );
    chmodSync(path.join(fakeBin, 'node'), 0o755);
    // npm's layout: <prefix>/bin/ccs-tui → ../lib/node_modules/ccs-tui/bin/ccs-tui, and a linked
    // package's dir itself a link to the checkout.
    mkdirSync(path.join(root, 'prefix/bin'), {recursive: true});
    mkdirSync(path.join(root, 'prefix/lib/node_modules'), {recursive: true});
    symlinkSync(path.dirname(path.dirname(commandPath)), path.join(root, 'prefix/lib/node_modules/ccs-tui'));
    symlinkSync('../lib/node_modules/ccs-tui/bin/ccs-tui', path.join(root, 'prefix/bin/ccs-tui'));
    const certs = path.join(root, 'certs with space.pem');
    writeFileSync(certs, '-----BEGIN CERTIFICATE-----\nx\n-----END CERTIFICATE-----\n');
    const noCertificate = path.join(root, 'not a bundle.pem');
    writeFileSync(noCertificate, 'hello\n');
    const unreadable = path.join(root, 'unreadable.pem');
    writeFileSync(unreadable, readFileSync(certs));
    chmodSync(unreadable, 0);
    const run = (env: Record<string, string>, file = path.join(root, 'prefix/bin/ccs-tui')) => {
      const result = spawnSync(file, ['a b', '$HOME', '', '--x=*'], {env: {PATH: `${fakeBin}:/usr/bin:/bin`, ...env}, encoding: 'utf8'});
      assert.equal(result.status, 0, result.stderr);
      const lines = result.stdout.trim().split('\n');
      const args = lines.filter((line) => line.startsWith('arg=')).map((line) => line.slice(5, -1));
      return {entry: args[0]!, args: args.slice(1), extra: lines.at(-2), handed: lines.at(-1)};
    };

    const handed = run({NODE_EXTRA_CA_CERTS: certs});
    assert.equal(realpathSync(handed.entry), realpathSync(binPath));
    assert.deepEqual(handed.args, ['a b', '$HOME', '', '--x=*']);
    assert.equal(handed.extra, 'NODE_EXTRA_CA_CERTS=unset');
    assert.equal(handed.handed, `CCS_TUI_EXTRA_CA_CERTS=${certs}`);
    // Run by its own path, and by a relative one.
    assert.equal(realpathSync(run({}, commandPath).entry), realpathSync(binPath));
    const relative = spawnSync('./ccs-tui', [], {cwd: path.dirname(commandPath), env: {PATH: `${fakeBin}:/usr/bin:/bin`}, encoding: 'utf8'});
    assert.equal(realpathSync(path.resolve(path.dirname(commandPath), /arg=\[(.*)\]/.exec(relative.stdout)![1]!)), realpathSync(binPath));

    // Left to Node, which says what is wrong or knows how to mix the stores.
    for (const env of <Record<string, string>[]>[
      {NODE_EXTRA_CA_CERTS: path.join(root, 'missing.pem')},
      {NODE_EXTRA_CA_CERTS: root},
      // root reads any file: the mode is what a person's account would meet.
      ...(process.getuid?.() === 0 ? [] : [{NODE_EXTRA_CA_CERTS: unreadable}]),
      {NODE_EXTRA_CA_CERTS: certs, NODE_OPTIONS: '--use-openssl-ca'},
      {NODE_EXTRA_CA_CERTS: certs, NODE_USE_SYSTEM_CA: '1'},
      // Node 22's own HTTPS proxy: its dispatcher is not replaced, so the file stays Node's.
      {NODE_EXTRA_CA_CERTS: certs, NODE_USE_ENV_PROXY: '1'},
      {NODE_EXTRA_CA_CERTS: certs, NODE_OPTIONS: '--max-old-space-size=512 --use-env-proxy'},
    ]) {
      const left = run(env);
      assert.equal(left.extra, `NODE_EXTRA_CA_CERTS=${env.NODE_EXTRA_CA_CERTS}`, JSON.stringify(env));
      assert.equal(left.handed, 'CCS_TUI_EXTRA_CA_CERTS=unset', JSON.stringify(env));
    }
    // A file without a certificate is handed over too: Node says nothing of one, nor does ccs-tui.
    assert.equal(run({NODE_EXTRA_CA_CERTS: noCertificate}).handed, `CCS_TUI_EXTRA_CA_CERTS=${noCertificate}`);
    const none = run({});
    assert.deepEqual([none.extra, none.handed], ['NODE_EXTRA_CA_CERTS=unset', 'CCS_TUI_EXTRA_CA_CERTS=unset']);
    // A file named like an option is a file.
    const optionLike = path.join(root, '-v');
    writeFileSync(optionLike, readFileSync(certs));
    const dashed = spawnSync(path.join(root, 'prefix/bin/ccs-tui'), [], {cwd: root, env: {PATH: `${fakeBin}:/usr/bin:/bin`, NODE_EXTRA_CA_CERTS: '-v'}, encoding: 'utf8', input: '', timeout: 5000});
    assert.equal(dashed.status, 0, dashed.stderr);
    assert.match(dashed.stdout, /^CCS_TUI_EXTRA_CA_CERTS=-v$/m);
    // Without readlink on PATH (a bare container): ls says where npm's links lead.
    const bare = path.join(root, 'bare-bin');
    mkdirSync(bare);
    for (const tool of ['ls']) symlinkSync(spawnSync('sh', ['-c', `command -v ${tool}`], {encoding: 'utf8'}).stdout.trim(), path.join(bare, tool));
    symlinkSync(path.join(fakeBin, 'node'), path.join(bare, 'node'));
    const noReadlink = spawnSync(path.join(root, 'prefix/bin/ccs-tui'), [], {env: {PATH: bare}, encoding: 'utf8'});
    assert.equal(noReadlink.status, 0, noReadlink.stderr);
    assert.equal(realpathSync(/arg=\[(.*)\]/.exec(noReadlink.stdout)![1]!), realpathSync(binPath));
    // The hand-over variable is the script's alone: set from outside, it is dropped (or replaced).
    const stray = run({CCS_TUI_EXTRA_CA_CERTS: certs});
    assert.deepEqual([stray.extra, stray.handed], ['NODE_EXTRA_CA_CERTS=unset', 'CCS_TUI_EXTRA_CA_CERTS=unset']);
    const missing = path.join(root, 'missing.pem');
    const strayLeft = run({CCS_TUI_EXTRA_CA_CERTS: certs, NODE_EXTRA_CA_CERTS: missing});
    assert.deepEqual([strayLeft.extra, strayLeft.handed], [`NODE_EXTRA_CA_CERTS=${missing}`, 'CCS_TUI_EXTRA_CA_CERTS=unset']);
    const strayReplaced = run({CCS_TUI_EXTRA_CA_CERTS: noCertificate, NODE_EXTRA_CA_CERTS: certs});
    assert.deepEqual([strayReplaced.extra, strayReplaced.handed], ['NODE_EXTRA_CA_CERTS=unset', `CCS_TUI_EXTRA_CA_CERTS=${certs}`]);
  } finally {
    dir.cleanup();
  }
});

test('the TUI started by the command reads quota over TLS from a server NODE_EXTRA_CA_CERTS\'s CA signed', {skip: skip || tmuxSkipReason()}, async () => {
  const dir = makeTempCcs();
  // No quota cache: the TUI asks as it opens.
  dir.writeToken('claude-user@example.com.json', quotaToken('claude', 'user@example.com'));
  dir.writeRaw('tui.json', readFileSync(ccs.paths.settings, 'utf8'));
  const asked = usageAsked;
  const tmux = startTmux([commandPath], {env: withThisNode({...dir.env, NODE_EXTRA_CA_CERTS: bundle}), width: 120, height: 30});
  try {
    const screen = await tmux.waitFor(/12%/, 15_000);
    assert.doesNotMatch(screen, /certificate|cannot reach/);
    assert.ok(usageAsked > asked);
  } finally {
    tmux.kill();
    dir.cleanup();
  }
});

for (const ending of ['q', 'SIGTERM'] as const) {
  test(`the TUI with a bundle it reads only in part: the warning is in the problems list (M), not written under the screen; it is on the terminal once the TUI ends (${ending})`, {skip: skip || tmuxSkipReason()}, async () => {
    const dir = makeTempCcs();
    dir.writeToken('claude-user@example.com.json', quotaToken('claude', 'user@example.com'));
    dir.writeRaw('tui.json', readFileSync(ccs.paths.settings, 'utf8'));
    const partial = path.join(dir.paths.root, 'key then CA.pem');
    writeFileSync(partial, `-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIA==\n-----END PRIVATE KEY-----\n${readFileSync(ca.caFile, 'utf8')}`);
    const tmux = startTmux([commandPath], {env: withThisNode({...dir.env, NODE_EXTRA_CA_CERTS: partial}), width: 160, height: 40});
    try {
      // The quota read fails on the untrusted certificate; the warning says why.
      await tmux.waitFor(/warning/i, 15_000);
      tmux.keys(['M']);
      const list = await tmux.waitFor((screen) => screen.replace(/\s+/g, ' ').includes('ccs-tui trusts 0 certificates of NODE_EXTRA_CA_CERTS'), 10_000);
      assert.doesNotMatch(list, /^Warning: /m, 'not written under the screen');
      assert.match(list.replace(/\s+/g, ' '), /warning: ccs-tui trusts 0 certificates of NODE_EXTRA_CA_CERTS `[^`]*key then CA\.pem`, none after where it stopped: line 1 is not -----BEGIN CERTIFICATE-----/);
      tmux.keys(['Escape']);
      if (ending === 'q') tmux.keys(['q']);
      else process.kill(tmux.programPid(), ending);
      await tmux.waitForExit(10_000);
      const after = tmux.screen({history: true, joined: true});
      assert.equal(after.match(/^Warning: ccs-tui trusts 0 certificates of NODE_EXTRA_CA_CERTS `[^`]*key then CA\.pem`/gm)?.length, 1, `said once on the terminal, the screen given back:\n${after}`);
    } finally {
      tmux.kill();
      dir.cleanup();
    }
  });
}
