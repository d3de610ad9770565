// ATTACK (review of issue 15): native mode loses a grant when the agent's credential file moves
// between two `use --native` calls (CODEX_HOME / CLAUDE_CONFIG_DIR differ), and when the agent logged
// in itself as someone else (formats without an account key: claude, gemini, qwen).
import assert from 'node:assert/strict';
import {readFileSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {describe, it} from 'node:test';
import {ensureFreshToken} from '../../source/services/refresh.js';
import {switchNative, syncNative} from '../../source/services/native/sync.js';
import {AccountStore} from '../../source/store/accounts.js';
import {loadSettings} from '../../source/store/settings.js';
import {tokenFixture, withTempHome} from '../helpers/ccs.js';
import {spawnAgentStandin} from '../helpers/agent-standin.js';
import {runBin} from '../helpers/cli.js';
import {codexTokenFile, twoCodexGrants, withOidcServer, withTwoCodexGrants, type OidcServer} from '../helpers/oidc.js';



function agentRefresh(authFile: string, oidc: OidcServer): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawnAgentStandin(authFile, oidc, 'refresh');
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(out))));
  });
}

describe('ATTACK native mode: the agent file moves between switches', () => {
  it('CODEX_HOME differs between `use --native` calls: the outgoing account\'s refreshed tokens are saved and its grant survives', {timeout: 120_000}, async () => {
    await withOidcServer({deviceInterval: 1}, async (oidc, ccs) => {
      await twoCodexGrants(oidc, ccs);
      const home1 = path.join(ccs.env.HOME!, 'codex-1');
      const home2 = path.join(ccs.env.HOME!, 'codex-2');
      const first = await runBin(['use', '--native', 'codex', 'alice@example.test'], {...ccs.env, CODEX_HOME: home1}, undefined, 60_000);
      assert.equal(first.code, 0, first.stderr);
      // Codex (in home1) refreshes alice: the newest refresh token is only in home1/auth.json.
      const rotated = (JSON.parse(await agentRefresh(path.join(home1, 'auth.json'), oidc)) as {refresh_token: string}).refresh_token;
      // Another shell with another CODEX_HOME switches to bob.
      const second = await runBin(['use', '--native', 'codex', 'bob@example.test'], {...ccs.env, CODEX_HOME: home2}, undefined, 60_000);
      assert.equal(second.code, 0, second.stderr);
      // alice is no longer native: ccs-tui's refresher now refreshes her from her token file.
      const store = new AccountStore(ccs.paths);
      const {settings} = await loadSettings(ccs.paths);
      assert.equal(codexTokenFile(ccs, "alice").refresh_token, rotated, "alice's token file holds the refresh token the agent rotated to (else the next refresh reuses a spent one)");
      await ensureFreshToken({store, settings}, "codex", "alice@example.test", {force: true}).catch(() => undefined);
      const check = await oidc.refreshWorks(codexTokenFile(ccs, 'alice').refresh_token!);
      assert.ok(check.ok, `alice's grant is alive: ${JSON.stringify(check.body)}`);
    });
  });
});


describe('ATTACK native mode: rotate while the agent is mid-refresh', () => {
  it('the agent refreshed alice and writes its file just after `use --native bob`: alice\'s grant survives', {timeout: 120_000}, async () => {
    await withTwoCodexGrants(async ({oidc, ccs, env, authFile}) => {
      const first = await runBin(['use', '--native', 'codex', 'alice@example.test'], env, undefined, 60_000);
      assert.equal(first.code, 0, first.stderr);
      const agent = spawnAgentStandin(authFile, oidc, 'refresh-late', '3000');
      let out = '';
      agent.stdout.on('data', (d) => (out += d));
      const done = new Promise((resolve) => agent.on('close', resolve));
      while (!out.includes('refreshed')) await new Promise((r) => setTimeout(r, 20));
      // The agent has spent alice's refresh token; ccs-tui (rotate, TUI key) switches to bob now.
      const second = await runBin(['use', '--native', 'codex', 'bob@example.test'], env, undefined, 60_000);
      assert.equal(second.code, 0, second.stderr);
      await done;
      // The agent wrote alice's rotated tokens over bob's. ccs-tui syncs (native, the watcher).
      const sync = await runBin(['native'], env, undefined, 60_000);
      console.log('ATTACK native after the agent wrote:', sync.stdout.trim());
      const back = await runBin(['use', '--native', 'codex', 'alice@example.test'], env, undefined, 60_000);
      console.log('ATTACK switch back:', back.stdout.trim(), back.stderr.trim());
      for (const login of ['alice', 'bob']) {
        const check = await oidc.refreshWorks(codexTokenFile(ccs, login).refresh_token!);
        assert.ok(check.ok, `${login}'s grant is alive: ${JSON.stringify(check.body)}`);
      }
    });
  });
});

describe('ATTACK native mode: pause of the native account', () => {
  it('pause the native account, switch to another, resume it: its grant is alive', {timeout: 120_000}, async () => {
    await withTwoCodexGrants(async ({oidc, ccs, env, authFile}) => {
      const run = async (...args: string[]) => {
        const r = await runBin(args, env, undefined, 60_000);
        assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
        return r;
      };
      await run('use', '--native', 'codex', 'alice@example.test');
      await agentRefresh(authFile, oidc);
      await run('pause', 'codex', 'alice@example.test');
      const switched = await run('use', '--native', 'codex', 'bob@example.test');
      console.log('ATTACK switch output:', switched.stdout, switched.stderr);
      await run('resume', 'codex', 'alice@example.test');
      const store = new AccountStore(ccs.paths);
      const {settings} = await loadSettings(ccs.paths);
      await ensureFreshToken({store, settings}, 'codex', 'alice@example.test', {force: true}).catch((e) => console.log('ATTACK refresh of alice:', String(e)));
      const check = await oidc.refreshWorks(codexTokenFile(ccs, 'alice').refresh_token!);
      assert.ok(check.ok, `alice's grant is alive: ${JSON.stringify(check.body)}`);
    });
  });
});

describe('ATTACK native mode: the agent logged in itself as another account', () => {
  it('claude: a login the agent made itself (no account key in the format) is not written into the native account\'s token file', async () => {
    await withTempHome(async ({ccs, env, store}) => {
      ccs.writeToken('claude-a.json', tokenFixture('claude', 'a@example.com', {expired: '2030-01-01T00:00:00.000Z'}));
      const result = await switchNative(store, 'claude', 'a@example.com', env);
      // The person runs `claude /login` as c@example.com: the agent writes a brand-new grant's tokens.
      const file = JSON.parse(readFileSync(result.file, 'utf8'));
      file.claudeAiOauth = {...file.claudeAiOauth, accessToken: 'at-of-c-new-login', refreshToken: 'rt-of-c-new-login'};
      writeFileSync(result.file, JSON.stringify(file));
      await syncNative(store, 'claude');
      const a = JSON.parse(readFileSync(path.join(ccs.paths.authDir, 'claude-a.json'), 'utf8'));
      assert.equal(a.refresh_token, 'rt-claude-a@example.com-0123456789abcdef', "a's only refresh token was overwritten by c's: a's grant is gone and the proxy serves c as a");
    });
  });
});
