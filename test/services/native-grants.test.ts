// Native mode against a real authorization server (oidc-provider: rotating refresh tokens, the whole
// grant revoked when an old one is reused). Two codex accounts are switched into the agent's auth.json
// A → B → A … from several processes at once, while a stand-in for Codex refreshes its file in
// between and ccs-tui's own refresher runs too. No grant may be lost: at the end both refresh tokens
// on disk still work, and every token file holds the newest tokens.
import assert from 'node:assert/strict';
import {readFileSync} from 'node:fs';
import path from 'node:path';
import {describe, it} from 'node:test';
import {watchNativeFiles} from '../../source/services/native/sync.js';
import {ensureFreshToken} from '../../source/services/refresh.js';
import {loadSettings} from '../../source/store/settings.js';
import type {TempCcs} from '../helpers/ccs.js';
import {spawnAgentStandin} from '../helpers/agent-standin.js';
import {runBin} from '../helpers/cli.js';
import {codexTokenFile, refreshCalls, withTwoCodexGrants, type OidcServer} from '../helpers/oidc.js';

const ACCOUNTS = ['alice@example.test', 'bob@example.test'] as const;


function runStandin(authFile: string, oidc: OidcServer, mode: 'refresh' | 'rewrite-slowly', onHalf?: (kill: () => void) => void): Promise<{code: number | null; out: string}> {
  return new Promise((resolve, reject) => {
    const child = spawnAgentStandin(authFile, oidc, mode);
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      if (out.includes('half') && onHalf) onHalf(() => child.kill('SIGKILL'));
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({code, out}));
  });
}

const waitUntil = async (check: () => boolean, what: string, ms = 10_000) => {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
};

async function assertGrantsAlive(oidc: OidcServer, ccs: TempCcs, authFile: string) {
  const state = JSON.parse(readFileSync(path.join(ccs.paths.state, 'native.json'), 'utf8')) as {codex: {account: string}};
  const nativeLogin = state.codex.account.split('@')[0]!;
  const auth = JSON.parse(readFileSync(authFile, 'utf8')) as {tokens: Record<string, string>};
  assert.equal(codexTokenFile(ccs, nativeLogin).refresh_token, auth.tokens.refresh_token, "the native account's token file holds the agent's newest tokens");
  for (const login of ['alice', 'bob']) {
    const check = await oidc.refreshWorks(codexTokenFile(ccs, login).refresh_token!);
    assert.ok(check.ok, `${login}'s grant is alive: ${JSON.stringify(check.body)}`);
  }
}

describe('native mode keeps every grant alive', () => {
  it('A → B → A from several processes while the agent and the refresher refresh in between', {timeout: 240_000}, async () => {
    await withTwoCodexGrants(async ({oidc, ccs, env, authFile, store}) => {
      const {settings} = await loadSettings(ccs.paths);
      let agentRefreshes = 0;
      for (let round = 0; round < 6; round++) {
        // Three processes switch at once (the registry of the last one wins; none may lose a grant).
        const targets = [0, 1, 2].map((i) => ACCOUNTS[(round + i) % 2]!);
        const results = await Promise.all(targets.map((account) => runBin(['use', '--native', 'codex', account, '--json'], env, undefined, 60_000)));
        for (const result of results) assert.equal(result.code, 0, result.stderr);
        // The agent refreshes whatever account its file holds.
        const agent = await runStandin(authFile, oidc, 'refresh');
        assert.equal(agent.code, 0, agent.out);
        agentRefreshes++;
        // ccs-tui's refresher, forced: the native account is left to the agent (no request, the
        // agent's tokens), the other one is refreshed at the server.
        const nativeId = JSON.parse(readFileSync(path.join(ccs.paths.state, 'native.json'), 'utf8')).codex.account as string;
        const otherId = ACCOUNTS.find((a) => a !== nativeId)!;
        const calls = refreshCalls(oidc);
        const fromAgent = await ensureFreshToken({store, settings}, 'codex', nativeId, {force: true});
        assert.equal(refreshCalls(oidc), calls, 'no refresh of a native account behind the agent');
        assert.equal(fromAgent.refresh_token, (JSON.parse(readFileSync(authFile, 'utf8')) as {tokens: {refresh_token: string}}).tokens.refresh_token);
        await ensureFreshToken({store, settings}, 'codex', otherId, {force: true});
        assert.equal(refreshCalls(oidc), calls + 1);
      }
      assert.ok(agentRefreshes >= 6);
      const last = await runBin(['native', '--json'], env);
      assert.equal(last.code, 0, last.stderr);
      await assertGrantsAlive(oidc, ccs, authFile);
    });
  });

  it('the agent killed in the middle of writing its file: nothing half-written reaches a token file, the switch goes on', {timeout: 240_000}, async () => {
    await withTwoCodexGrants(async ({oidc, ccs, env, authFile, store}) => {
      // The TUI (or the proxy child) watches the file while an account is native.
      const picked: string[] = [];
      let stop = () => {};
      try {
        for (let round = 0; round < 4; round++) {
          const target = ACCOUNTS[round % 2]!;
          const login = target.split('@')[0]!;
          const switched = await runBin(['use', '--native', 'codex', target], env, undefined, 60_000);
          assert.equal(switched.code, 0, switched.stderr);
          if (round === 0) stop = watchNativeFiles(store, (r) => picked.push(r.account ?? ''), 500);
          const agent = await runStandin(authFile, oidc, 'refresh');
          const rotated = (JSON.parse(agent.out) as {refresh_token: string}).refresh_token;
          // The watcher saves the agent's rotated refresh token into the account's token file.
          await waitUntil(() => codexTokenFile(ccs, login).refresh_token === rotated, `${login}'s token file to take the agent's refresh`);
          // Then the agent dies half-way through rewriting its file.
          const killed = await runStandin(authFile, oidc, 'rewrite-slowly', (kill) => kill());
          assert.equal(killed.code, null, 'killed');
          assert.throws(() => JSON.parse(readFileSync(authFile, 'utf8')), 'the file is half-written');
          assert.equal(codexTokenFile(ccs, login).refresh_token, rotated, 'the half-written file never reaches the token file');
        }
      } finally {
        stop();
      }
      assert.ok(picked.length >= 4, `watcher synced ${picked.length} times`);
      const last = await runBin(['use', '--native', 'codex', ACCOUNTS[0]], env, undefined, 60_000);
      assert.equal(last.code, 0, last.stderr);
      assert.match(last.stderr, /was not valid JSON; kept a copy at .*auth\.json\.corrupt-/);
      await assertGrantsAlive(oidc, ccs, authFile);
    });
  });
});
