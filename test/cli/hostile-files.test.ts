// Attacks through the files the product reads (issue 11): names from files are data, bad files get
// one clear line, and an edit on a broken registry is deliberate. Every test runs the built binary.
import assert from 'node:assert/strict';
import {execFileSync} from 'node:child_process';
import {chmodSync, existsSync, mkdirSync, readFileSync, statSync, rmSync, truncateSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {afterEach, beforeEach, describe, test} from 'node:test';
import {AccountStore} from '../../source/store/accounts.js';
import {loadCliproxyConfig} from '../../source/store/cliproxy-config.js';
import {makeTempCcs, tokenFixture, type TempCcs} from '../helpers/ccs.js';
import {runBin} from '../helpers/cli.js';
import {renderTui} from '../helpers/ink.js';

const ESC = '\u001b';
/** A window-title change and an OSC 52 clipboard write, as an attacker would plant them. */
const TITLE = `${ESC}]0;pwned\u0007`;
const CLIPBOARD = `${ESC}]52;c;ZWNobyBwd25lZA==\u0007`;

function assertNoEscapes(text: string, where: string) {
  assert.ok(!text.includes(ESC) && !text.includes('\u009b') && !text.includes('\u0007'), `${where} carries raw control characters: ${JSON.stringify(text)}`);
}

describe('hostile files', () => {
  let ccs: TempCcs;
  beforeEach(() => {
    ccs = makeTempCcs();
  });
  afterEach(() => ccs.cleanup());

  test('a registry tokenFile outside the token dirs is reported and ignored; remove deletes nothing outside', async () => {
    const outside = path.join(ccs.paths.root, 'elsewhere');
    mkdirSync(outside, {recursive: true});
    const victim = path.join(outside, 'file.json');
    writeFileSync(victim, JSON.stringify(tokenFixture('codex', 'victim@example.com')));
    ccs.writeRegistry({version: 1, providers: {codex: {default: 'evil', accounts: {evil: {tokenFile: '../../elsewhere/file.json'}, good: {tokenFile: 'codex-good.json'}}}}});
    ccs.writeToken('codex-good.json', tokenFixture('codex', 'good@example.com'));
    const list = await runBin(['accounts', '--json'], ccs.env);
    assert.equal(list.code, 0, list.stderr);
    assert.match(list.stderr, /"evil".*"\.\.\/\.\.\/elsewhere\/file\.json", which is not a plain file name in auth\/; ignored/);
    assert.deepEqual((JSON.parse(list.stdout) as {id: string}[]).map((a) => a.id), ['good']);
    const removed = await runBin(['remove', 'codex', 'evil', '--yes'], ccs.env);
    assert.notEqual(removed.code, 0);
    assert.ok(existsSync(victim), 'the file outside the token dirs is still there');
  });

  test('a FIFO and a directory named *.json in auth/ are skipped with a warning; listing does not hang', async () => {
    ccs.writeToken('codex-good.json', tokenFixture('codex', 'good@example.com'));
    execFileSync('mkfifo', [path.join(ccs.paths.authDir, 'pipe.json')]);
    mkdirSync(path.join(ccs.paths.authDir, 'dir.json'));
    // The registry may name the FIFO too: reading it must not block.
    ccs.writeRegistry({version: 1, providers: {codex: {accounts: {piped: {tokenFile: 'pipe.json'}}}}});
    for (const args of [['accounts'], ['accounts', '--json'], ['quota', '--json']]) {
      const run = await runBin(args, ccs.env, undefined, 10_000);
      assert.notEqual(run.code, null, `${args.join(' ')} hung`);
      if (args[0] === 'quota') continue;
      assert.match(run.stderr, /pipe\.json: (not a regular file; skipped|is a named pipe)/, `${args.join(' ')}: ${run.stderr}`);
      assert.match(run.stderr, /dir\.json: not a regular file; skipped/);
    }
  });

  test('escape sequences in file names and registry ids never reach the terminal', async () => {
    ccs.writeRegistry({version: 1, providers: {codex: {default: `id${TITLE}`, accounts: {[`id${TITLE}`]: {tokenFile: 'codex-a.json'}, [`b${CLIPBOARD}`]: {tokenFile: 'codex-b.json'}}}}});
    ccs.writeToken('codex-a.json', tokenFixture('codex', ''));
    ccs.writeToken('codex-b.json', tokenFixture('codex', ''));
    writeFileSync(path.join(ccs.paths.authDir, `x${CLIPBOARD}.json`), JSON.stringify(tokenFixture('codex', '')));
    const table = await runBin(['accounts'], ccs.env);
    assert.equal(table.code, 0, table.stderr);
    assertNoEscapes(table.stdout + table.stderr, 'accounts');
    // The whole sequence is dropped, not only its ESC: no "]0;pwned" left to confuse a reader.
    assert.match(table.stdout, /^codex\s+\*\s+id\s/m);
    const json = await runBin(['accounts', '--json'], ccs.env);
    assertNoEscapes(json.stdout + json.stderr, 'accounts --json');
    // JSON stays data: the id parses back exactly.
    assert.ok((JSON.parse(json.stdout) as {id: string}[]).some((a) => a.id === `id${TITLE}`));
    const rotated = await runBin(['rotate', 'codex'], ccs.env);
    assert.equal(rotated.code, 0, rotated.stderr);
    assertNoEscapes(rotated.stdout + rotated.stderr, 'rotate');
    const missing = await runBin(['use', 'codex', `nobody${TITLE}`], ccs.env);
    assertNoEscapes(missing.stdout + missing.stderr, 'use (error)');
  });

  // ATTACK (s39): a bidi control (U+202E) went out raw in --json output, where a terminal shows the
  // name reversed; JSON.stringify escapes only C0 controls.
  test('bidi controls and line separators in names are escaped in --json output, and parse back exactly', async () => {
    const id = 'ev\u202eil\u2066x\u2028y@example.com';
    ccs.writeRegistry({version: 1, providers: {codex: {default: id, accounts: {[id]: {tokenFile: 'codex-a.json'}}}}});
    ccs.writeToken('codex-a.json', tokenFixture('codex', ''));
    const json = await runBin(['accounts', '--json'], ccs.env);
    assert.doesNotMatch(json.stdout, /[\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/, 'a raw bidi control or line separator');
    assert.match(json.stdout, /ev\\u202eil\\u2066x\\u2028y@example\.com/);
    const [account] = JSON.parse(json.stdout) as Array<{id: string}>;
    assert.equal(account!.id, id);
  });

  // ATTACK (s39): a token file of type " CLA\u001b[2Jude " was listed under `claude` (its escape
  // stripped), beside the real Claude accounts, with a second default star.
  test('a token type with control or invisible characters is a broken file, never listed as another provider', async () => {
    for (const type of [' CLA\u001b[2Jude ', 'cla\u200bude', 'claude\u0000']) {
      ccs.writeToken('claude-spoof.json', {...tokenFixture('claude', 'spoof@example.com'), type});
      const table = await runBin(['accounts'], ccs.env);
      assert.doesNotMatch(table.stdout, /spoof@example\.com/, `listed: ${table.stdout}`);
      assert.match(table.stderr, /claude-spoof\.json: field "type" \(the provider\) holds characters no provider id has/);
    }
  });

  test('ids __proto__ and constructor are ordinary ids: a rename sticks', async () => {
    ccs.writeToken('__proto__.json', tokenFixture('codex', ''));
    ccs.writeToken('constructor.json', tokenFixture('codex', ''));
    for (const id of ['__proto__', 'constructor']) {
      const run = await runBin(['rename', 'codex', id, `nick-${id}`], ccs.env);
      assert.equal(run.code, 0, run.stderr);
    }
    const list = JSON.parse((await runBin(['accounts', '--json'], ccs.env)).stdout) as {id: string; nickname: string}[];
    assert.deepEqual(list.map((a) => [a.id, a.nickname]).sort(), [['__proto__', 'nick-__proto__'], ['constructor', 'nick-constructor']]);
    const registry = readFileSync(ccs.paths.registry, 'utf8');
    assert.equal(JSON.parse(registry).providers.codex.accounts.__proto__.nickname, 'nick-__proto__');
  });

  test('use/rename on a corrupt accounts.json refuse with file:line:col and the backup; --force rebuilds and says so', async () => {
    const broken = '{"version": 1, "providers": {"codex": {\n  "default": "b@example.com",\n  oops\n}}';
    ccs.writeRaw('cliproxy/accounts.json', broken);
    ccs.writeToken('codex-a.json', tokenFixture('codex', 'a@example.com'));
    ccs.writeToken('codex-b.json', tokenFixture('codex', 'b@example.com'));
    for (const args of [['use', 'codex', 'a@example.com'], ['rename', 'codex', 'a@example.com', 'alpha']]) {
      const run = await runBin(args, ccs.env);
      assert.equal(run.code, 1, `${args[0]}: ${run.stdout}`);
      assert.match(run.stderr, /accounts\.json:3:\d+: invalid JSON/);
      assert.match(run.stderr, /accounts\.json\.corrupt-[0-9a-f]{8}/);
      assert.match(run.stderr, /--force/);
      assert.equal(readFileSync(ccs.paths.registry, 'utf8'), broken, `${args[0]} left the file alone`);
    }
    // A forced edit that fails writes nothing, and says nothing was written.
    const failed = await runBin(['rename', 'codex', 'nosuch@example.com', 'x', '--force'], ccs.env);
    assert.notEqual(failed.code, 0);
    assert.doesNotMatch(failed.stderr, /written anew/);
    assert.equal(readFileSync(ccs.paths.registry, 'utf8'), broken);
    const forced = await runBin(['use', 'codex', 'a@example.com', '--force'], ccs.env);
    assert.equal(forced.code, 0, forced.stderr);
    assert.match(forced.stderr, /error: .*accounts\.json:3:\d+: invalid JSON.*listed from the token files \(a copy is kept at .*corrupt-/);
    assert.match(forced.stderr, /--force: .*accounts\.json was written anew from the accounts listed above/);
    const list = JSON.parse((await runBin(['accounts', '--json'], ccs.env)).stdout) as {id: string; default: boolean}[];
    assert.deepEqual(list.map((a) => [a.id, a.default]), [['a@example.com', true], ['b@example.com', false]]);
  });

  test('a truncated accounts.json: the rebuild keeps what the file still holds (default, nicknames, dates, unknown fields)', async () => {
    const full = JSON.stringify(
      {
        version: 1,
        providers: {
          codex: {
            default: 'b@example.com',
            accounts: {
              'a@example.com': {email: 'a@example.com', nickname: 'alpha', tokenFile: 'codex-a.json', createdAt: '2025-01-01T00:00:00.000Z', ccsOnly: {keep: true}},
              'b@example.com': {email: 'b@example.com', nickname: 'beta', tokenFile: 'codex-b.json'},
            },
          },
        },
      },
      null,
      2,
    );
    ccs.writeRaw('cliproxy/accounts.json', full.slice(0, -8)); // a write cut short
    ccs.writeToken('codex-a.json', tokenFixture('codex', 'a@example.com'));
    ccs.writeToken('codex-b.json', tokenFixture('codex', 'b@example.com'));
    const list = await runBin(['accounts', '--json'], ccs.env);
    assert.match(list.stderr, /accounts\.json:\d+:\d+: invalid JSON.*and the 2 account entries the file still held/);
    const rows = JSON.parse(list.stdout) as {id: string; nickname: string | null; default: boolean}[];
    assert.deepEqual(rows.map((a) => [a.id, a.nickname, a.default]), [['a@example.com', 'alpha', false], ['b@example.com', 'beta', true]]);
    const renamed = await runBin(['rename', 'codex', 'alpha', 'first', '--force'], ccs.env);
    assert.equal(renamed.code, 0, renamed.stderr);
    const written = JSON.parse(readFileSync(ccs.paths.registry, 'utf8'));
    assert.equal(written.providers.codex.default, 'b@example.com');
    assert.deepEqual(written.providers.codex.accounts['a@example.com'], {email: 'a@example.com', nickname: 'first', tokenFile: 'codex-a.json', createdAt: '2025-01-01T00:00:00.000Z', ccsOnly: {keep: true}});
  });

  test('a corrupt token file is named with its position and cannot be made the default', async () => {
    ccs.writeRegistry({version: 1, providers: {codex: {default: 'a@example.com', accounts: {'a@example.com': {tokenFile: 'codex-a.json'}, 'b@example.com': {tokenFile: 'codex-b.json'}}}}});
    ccs.writeToken('codex-a.json', tokenFixture('codex', 'a@example.com'));
    ccs.writeRaw('cliproxy/auth/codex-b.json', '{"type": "codex",\n  "access_token": }');
    const list = await runBin(['accounts'], ccs.env);
    assert.match(list.stderr, /codex-b\.json:2:\d+: invalid JSON/);
    const use = await runBin(['use', 'codex', 'b@example.com'], ccs.env);
    assert.equal(use.code, 1);
    assert.match(use.stderr, /cannot be the default: .*codex-b\.json:2:\d+/);
    assert.equal(JSON.parse(readFileSync(ccs.paths.registry, 'utf8')).providers.codex.default, 'a@example.com');
  });

  // ATTACK (s39): a 600 MB file in auth/ failed every listing with `Cannot create a string longer
  // than …`, naming no file; a 300 MB one was read whole (660 MB of memory) at every listing.
  test('a token file far larger than any token is named with its size, never read; the other accounts list', async () => {
    ccs.writeRegistry({version: 1, providers: {codex: {default: 'a@example.com', accounts: {'a@example.com': {tokenFile: 'codex-a.json'}, 'b@example.com': {tokenFile: 'codex-huge.json'}}}}});
    ccs.writeToken('codex-a.json', tokenFixture('codex', 'a@example.com'));
    const huge = path.join(ccs.paths.authDir, 'codex-huge.json');
    writeFileSync(huge, '');
    truncateSync(huge, 600 * 1024 * 1024);
    chmodSync(huge, 0o600);
    const list = await runBin(['accounts'], ccs.env);
    assert.equal(list.code, 0, list.stderr);
    assert.match(list.stderr, /codex-huge\.json: is 600\.0 MB, too large for what it should hold \(at most 4 MB\); not read/);
    assert.doesNotMatch(list.stderr, /Cannot create a string/);
    assert.match(list.stdout, /a@example\.com/);
    // The word is true of any file that cannot be read (not JSON, too large, or permission denied, as a non-root user meets).
    assert.match(list.stdout, /b@example\.com.*! unreadable/);
    const json = JSON.parse((await runBin(['accounts', '--json'], ccs.env)).stdout) as Array<{tokenFile: string; health: string}>;
    assert.equal(json.find((a) => a.tokenFile === 'codex-huge.json')?.health, 'unreadable');
  });

  // ATTACK (s39): `"access_token": [...]` was listed ok, and then `quota` said the field was missing.
  for (const [field, value, kind] of [
    ['access_token', ['a', 'b'], 'an array'],
    ['refresh_token', {value: 'x'}, 'an object'],
    ['expired', 42, 'a number'],
    ['email', true, 'a boolean'],
  ] as const) {
    test(`a token file whose "${field}" is ${kind} is listed corrupt, naming the field`, async () => {
      ccs.writeRegistry({version: 1, providers: {codex: {default: 'a@example.com', accounts: {'a@example.com': {tokenFile: 'codex-a.json'}}}}});
      ccs.writeToken('codex-a.json', {...tokenFixture('codex', 'a@example.com'), [field]: value});
      const list = await runBin(['accounts', '--json'], ccs.env);
      const [account] = JSON.parse(list.stdout) as Array<{health: string; healthDetail?: string}>;
      assert.equal(account!.health, 'unreadable', list.stdout);
      assert.match(account!.healthDetail ?? list.stderr, new RegExp(`codex-a\\.json: field "${field}" is ${kind}, not a string`));
    });
  }

  test('a directory where a file should be, and a YAML anchor bomb, give one "file: reason" line', async () => {
    mkdirSync(ccs.paths.registry, {recursive: true});
    const run = await runBin(['accounts'], ccs.env);
    assert.equal(run.code, 0);
    assert.equal(run.stderr.trim().split('\n').length, 1, run.stderr);
    assert.match(run.stderr, /accounts\.json: is a directory, not a file/);
    assert.doesNotMatch(run.stderr, /\n\s+at /);
    const lines = ['a0: &a0 ["x","x","x","x","x","x","x","x","x","x"]'];
    for (let i = 1; i < 10; i++) lines.push(`a${i}: &a${i} [${Array(10).fill(`*a${i - 1}`).join(',')}]`);
    ccs.writeRaw('cliproxy/config.yaml', lines.join('\n'));
    await assert.rejects(loadCliproxyConfig(ccs.paths), /config\.yaml: invalid YAML: .*alias/i);
  });

  test('a group/world-readable token file is reported, and is 0600 after its next write', async () => {
    const file = ccs.writeToken('codex-a.json', tokenFixture('codex', 'a@example.com'));
    chmodSync(file, 0o644);
    const run = await runBin(['accounts'], ccs.env);
    assert.match(run.stderr, /codex-a\.json: readable by group and others \(mode 0644\)/);
    await new AccountStore(ccs.paths).updateToken('codex', 'a@example.com', (t) => ({...t, note: 'x'}));
    assert.equal(statSync(file).mode & 0o777, 0o600);
  });

  test('a group/world-readable config.yaml holding api-keys is reported in the same words, in the CLI and the TUI banner, and is 0600 after its next write', async () => {
    ccs.writeRaw('cliproxy/config.yaml', 'port: 8317\napi-keys:\n  # clients\n  - "sk-local-0123456789"\n');
    chmodSync(ccs.paths.config, 0o644);
    const warning = /config\.yaml: readable by group and others \(mode 0644\); it holds api-keys \(secrets\) and is rewritten 0600 on its next write \(or now: chmod 600 \S*config\.yaml\)/;
    let run = await runBin(['accounts'], ccs.env);
    assert.match(run.stderr, new RegExp(`^ccs-tui: warning: \\S*${warning.source}$`, 'm'));
    assert.doesNotMatch(run.stderr, /sk-local/);
    const tui = await renderTui({paths: ccs.paths, width: 200, height: 30});
    try {
      await tui.waitFor((frame) => warning.test(frame));
    } finally {
      tui.unmount();
    }
    run = await runBin(['exclude', 'add', 'claude', 'x*'], ccs.env);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(statSync(ccs.paths.config).mode & 0o777, 0o600);
    assert.doesNotMatch((await runBin(['accounts'], ccs.env)).stderr, /config\.yaml: readable/);
  });

  test('a readable config.yaml without api-keys is no secret and not reported; a new one is created 0600', async () => {
    ccs.writeRaw('cliproxy/config.yaml', 'port: 8317\napi-keys: []\n');
    chmodSync(ccs.paths.config, 0o644);
    assert.doesNotMatch((await runBin(['accounts'], ccs.env)).stderr, /config\.yaml/);
    rmSync(ccs.paths.config);
    const run = await runBin(['alias', 'add', 'claude', 'claude-opus-4-6', 'big'], ccs.env);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(statSync(ccs.paths.config).mode & 0o777, 0o600);
  });
});
