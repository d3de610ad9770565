// `use --native` puts a grant into the agent's file: the mark that tells ccs-tui's refresher to leave
// it to the agent (tui/native.json) must exist before the file holds it, and a mark whose file write
// never happened (or never got confirmed) must be settled on the next run, never lost.
import assert from 'node:assert/strict';
import {spawnSync} from 'node:child_process';
import {existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, symlinkSync, writeFileSync, lstatSync} from 'node:fs';
import path from 'node:path';
import {describe, it} from 'node:test';
import {tokenFingerprint} from '../../source/core/fingerprint.js';
import {switchNative, syncNative} from '../../source/services/native/sync.js';
import {makeTempCcs, tokenFixture, withTempHome, type TempCcs} from '../helpers/ccs.js';
import {binPath, runBin} from '../helpers/cli.js';
import {startFakeServer} from '../helpers/fake-providers/server.js';

const statePath = (ccs: TempCcs) => path.join(ccs.paths.state, 'native.json');
const readState = (ccs: TempCcs) => JSON.parse(readFileSync(statePath(ccs), 'utf8')) as {claude: {account: string; files: {account: string; pending?: unknown}[]}};

function twoClaudeAccounts(ccs: TempCcs): void {
  for (const who of ['a', 'b']) ccs.writeToken(`claude-${who}@example.com.json`, tokenFixture('claude', `${who}@example.com`));
}

const hasStrace = spawnSync('strace', ['-V']).status === 0;

describe('use --native: the mark before the agent file', () => {
  it('the mark cannot be written: the agent file is left as it was and the error names native.json, not a temp file', async () => {
    const ccs = makeTempCcs();
    try {
      twoClaudeAccounts(ccs);
      const agentDir = path.join(ccs.env.HOME!, '.claude');
      const env = {...ccs.env, CLAUDE_CONFIG_DIR: agentDir};
      mkdirSync(statePath(ccs), {recursive: true});
      const run = await runBin(['use', '--native', 'claude', 'a@example.com'], env);
      assert.equal(run.code, 1, run.stdout);
      assert.match(run.stderr, /tui\/native\.json: a directory where a file is expected/);
      assert.doesNotMatch(run.stderr, /\.tmp/, 'the error names the real file');
      assert.equal(existsSync(path.join(agentDir, '.credentials.json')), false, "the agent's file holds no grant ccs-tui did not mark as the agent's");
      rmdirSync(statePath(ccs));
      const native = await runBin(['native'], env);
      assert.match(native.stdout, /no account is in native mode/);
    } finally {
      ccs.cleanup();
    }
  });

  it('killed between the replace and the confirmation: `native` confirms the mark and `quota --refresh` leaves the grant to the agent', {skip: !hasStrace && 'needs strace', timeout: 60_000}, async () => {
    const ccs = makeTempCcs();
    const server = await startFakeServer({
      '/token': () => ({json: {access_token: 'at-new-0123456789', refresh_token: 'rt-new-0123456789', expires_in: 3600}}),
      '/usage': () => ({json: {five_hour: {utilization: 10, resets_at: new Date(Date.now() + 3600_000).toISOString()}}}),
    });
    try {
      // a's access token has expired: the refresher would refresh it, were it not the agent's.
      ccs.writeToken('claude-a@example.com.json', tokenFixture('claude', 'a@example.com', {expired: new Date(Date.now() - 60_000).toISOString()}));
      ccs.writeRaw('tui.json', JSON.stringify({endpoints: {claude: {token: `${server.url}/token`, usage: `${server.url}/usage`}}}));
      const agentDir = path.join(ccs.env.HOME!, '.claude');
      mkdirSync(agentDir, {recursive: true, mode: 0o700});
      const agentFile = path.join(agentDir, '.credentials.json');
      const env = {...ccs.env, CLAUDE_CONFIG_DIR: agentDir};
      // SIGKILL at the chmod that follows the rename into the agent's file.
      const killed = spawnSync('strace', ['-f', '-qq', '-o', '/dev/null', '-P', agentFile, '-e', 'trace=chmod', '-e', 'inject=chmod:signal=SIGKILL', process.execPath, binPath, 'use', '--native', 'claude', 'a@example.com'], {env, encoding: 'utf8'});
      assert.ok(killed.signal === 'SIGKILL' || killed.status === 137, `killed: ${killed.status} ${killed.signal} ${killed.stderr}`);
      assert.match(readFileSync(agentFile, 'utf8'), /rt-claude-a@example\.com/, 'the kill came after the rename');
      const native = await runBin(['native'], env);
      assert.match(native.stdout, /claude: a@example\.com in .*\.credentials\.json/);
      assert.equal(readState(ccs).claude.files.length, 1);
      assert.equal(readState(ccs).claude.files[0]!.pending, undefined, 'confirmed');
      await runBin(['quota', '--provider', 'claude', '--refresh'], env, undefined, 30_000);
      assert.deepEqual(server.on('/token').map((r) => r.fields.refresh_token), [], "ccs-tui sent no refresh of the grant the agent's file holds");
    } finally {
      await server.close();
      ccs.cleanup();
    }
  });

  it('a switch that never replaced the file (killed before): the intent is withdrawn, the file keeps its account marked', async () => {
    await withTempHome(async ({ccs, env, store}) => {
      twoClaudeAccounts(ccs);
      const {file} = await switchNative(store, 'claude', 'a@example.com', env);
      // The state as a switch to b leaves it when killed after writing its mark, before the replace.
      const state = JSON.parse(readFileSync(statePath(ccs), 'utf8'));
      const b = tokenFixture('claude', 'b@example.com');
      state.claude.files.push({file, account: 'b@example.com', synced: tokenFingerprint(`${b.access_token}\n${b.refresh_token}`), since: new Date().toISOString(), pending: {before: tokenFingerprint(readFileSync(file, 'utf8'))}});
      writeFileSync(statePath(ccs), JSON.stringify(state));
      const result = await syncNative(store, 'claude');
      assert.equal(result.problem, undefined);
      const after = readState(ccs).claude;
      assert.deepEqual(after.files.map((e) => [e.account, e.pending]), [['a@example.com', undefined]], 'only a, which the file holds, is left to the agent');
      assert.equal(after.account, 'a@example.com');
    });
  });

  it('a switch interrupted and the file written since: both accounts stay marked and `native` says how to end it', async () => {
    await withTempHome(async ({ccs, env, store}) => {
      twoClaudeAccounts(ccs);
      const {file} = await switchNative(store, 'claude', 'a@example.com', env);
      const state = JSON.parse(readFileSync(statePath(ccs), 'utf8'));
      state.claude.files.push({file, account: 'b@example.com', synced: 'written-by-the-switch', since: new Date().toISOString(), pending: {before: 'what-the-file-held-before'}});
      writeFileSync(statePath(ccs), JSON.stringify(state));
      const result = await syncNative(store, 'claude');
      assert.match(result.problem ?? '', /switch of .*\.credentials\.json to claude account b@example\.com was interrupted .*ccs-tui use --native claude <account>/);
      assert.deepEqual(readState(ccs).claude.files.map((e) => e.account).sort(), ['a@example.com', 'b@example.com']);
      // Naming the account ends it: one entry, the one the file holds.
      await switchNative(store, 'claude', 'b@example.com', env);
      assert.deepEqual(readState(ccs).claude.files.map((e) => [e.account, e.pending]), [['b@example.com', undefined]]);
    });
  });
});

describe('use --native: the temp file beside the agent file', () => {
  it('symlinks planted at temp names are never written through; the agent file is a regular file', async () => {
    await withTempHome(async ({ccs, env, store}) => {
      twoClaudeAccounts(ccs);
      const agentDir = path.join(env.HOME!, '.claude');
      mkdirSync(agentDir, {recursive: true, mode: 0o700});
      const outside = path.join(env.HOME!, 'outside.json');
      writeFileSync(outside, '');
      // The names the temp file had (pid-based) and would have: every one a link to a file outside.
      for (let pid = Math.max(1, process.pid - 50); pid < process.pid + 50; pid++) symlinkSync(outside, path.join(agentDir, `..credentials.json.ccs-tui-${pid}.tmp`));
      const {file} = await switchNative(store, 'claude', 'a@example.com', env);
      assert.equal(readFileSync(outside, 'utf8'), '', 'no token was written outside the agent dir');
      assert.ok(lstatSync(file).isFile(), 'the agent file is a regular file, not a link');
      assert.match(readFileSync(file, 'utf8'), /rt-claude-a@example\.com/);
      assert.deepEqual(readdirSync(agentDir).filter((n) => n.endsWith('.tmp') && !lstatSync(path.join(agentDir, n)).isSymbolicLink()), [], 'no temp file left');
    });
  });
});
