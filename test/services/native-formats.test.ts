// The agents' own credential files as native mode writes them: each agent's exact shape (sources in
// services/native/formats.ts), unknown fields kept, 0600 files in 0700 dirs, the home each agent uses.
import assert from 'node:assert/strict';
import {existsSync, mkdirSync, readFileSync, statSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {describe, it} from 'node:test';
import {nativeFormat} from '../../source/services/native/formats.js';
import {readNativeState, switchNative, syncNative} from '../../source/services/native/sync.js';
import {tokenFixture, withTempHome} from '../helpers/ccs.js';

const EXPIRES = '2030-01-02T03:04:05.000Z';
const EXPIRES_MS = Date.parse(EXPIRES);

const readJson = (file: string) => JSON.parse(readFileSync(file, 'utf8'));

const mode = (file: string) => statSync(file).mode & 0o777;

describe('native credential files', () => {
  it('Claude Code: ~/.claude/.credentials.json claudeAiOauth with ms expiry; other keys kept; CLAUDE_CONFIG_DIR honoured', async () => {
    await withTempHome(async ({ccs, home, store, env}) => {
      ccs.writeToken('claude-a.json', tokenFixture('claude', 'a@example.com', {expired: EXPIRES}));
      mkdirSync(path.join(home, '.claude'), {recursive: true});
      writeFileSync(path.join(home, '.claude', '.credentials.json'), JSON.stringify({mcpOAuth: {server: {token: 'keep'}}}));
      const result = await switchNative(store, 'claude', 'a@example.com', env);
      assert.equal(result.file, path.join(home, '.claude', '.credentials.json'));
      const file = readJson(result.file);
      assert.deepEqual(file, {
        mcpOAuth: {server: {token: 'keep'}},
        claudeAiOauth: {
          accessToken: 'at-claude-a@example.com-0123456789abcdef',
          refreshToken: 'rt-claude-a@example.com-0123456789abcdef',
          expiresAt: EXPIRES_MS,
          scopes: ['user:profile', 'user:inference', 'user:sessions:claude_code', 'user:mcp_servers', 'user:file_upload'],
        },
      });
      assert.equal(mode(result.file), 0o600);
      // The user's own dir keeps the mode they chose (no silent chmod); they are told it is open.
      assert.equal(mode(path.dirname(result.file)), 0o755);
      assert.match(result.warnings.join('\n'), /\.claude is readable by group and others \(mode 0755\)/);
      assert.equal(existsSync(`${result.file}.ccs-tui-previous`), false, 'the backup goes once the switch succeeded');
      const custom = path.join(home, 'claude-profile');
      const other = await switchNative(store, 'claude', 'a@example.com', {...env, CLAUDE_CONFIG_DIR: custom});
      assert.equal(other.file, path.join(custom, '.credentials.json'));
      // A dir ccs-tui creates is private.
      assert.equal(mode(custom), 0o700);
      assert.deepEqual(other.warnings, []);
    });
  });

  it('Codex: $CODEX_HOME/auth.json with OPENAI_API_KEY null, tokens{id_token, access_token, refresh_token, account_id}, last_refresh', async () => {
    await withTempHome(async ({ccs, home, store, env}) => {
      ccs.writeToken('codex-a.json', tokenFixture('codex', 'a@example.com', {id_token: 'id.a.jwt', account_id: 'acct-a', last_refresh: '2026-11-01T00:00:00.000Z'}));
      const codexHome = path.join(home, 'codex-home');
      mkdirSync(codexHome, {recursive: true});
      writeFileSync(path.join(codexHome, 'auth.json'), JSON.stringify({OPENAI_API_KEY: 'sk-old', auth_mode: 'chatgpt', tokens: {access_token: 'x', refresh_token: 'y', id_token: 'z', account_id: 'acct-old'}}));
      const result = await switchNative(store, 'codex', 'a@example.com', {...env, CODEX_HOME: codexHome});
      assert.equal(result.file, path.join(codexHome, 'auth.json'));
      assert.deepEqual(readJson(result.file), {
        OPENAI_API_KEY: null,
        auth_mode: 'chatgpt',
        tokens: {id_token: 'id.a.jwt', access_token: 'at-codex-a@example.com-0123456789abcdef', refresh_token: 'rt-codex-a@example.com-0123456789abcdef', account_id: 'acct-a'},
        last_refresh: '2026-11-01T00:00:00.000Z',
      });
      assert.equal(readNativeState(ccs.paths).codex?.accountKey, 'acct-a');
      // The login the file held before is nobody's in ccs-tui: it is kept, not lost.
      assert.ok(result.foreignBackup, 'kept the earlier login');
      assert.equal(readJson(result.foreignBackup).tokens.refresh_token, 'y');
      assert.equal(mode(result.foreignBackup), 0o600);
      assert.equal(nativeFormat('codex')!.file(env), path.join(home, '.codex', 'auth.json'));
    });
  });

  it('Gemini CLI: ~/.gemini/oauth_creds.json (google-auth-library Credentials, expiry_date ms), from flat or nested token files', async () => {
    await withTempHome(async ({ccs, home, store, env}) => {
      ccs.writeToken('gemini-a.json', {type: 'gemini', email: 'a@example.com', project_id: 'p1', token: {access_token: 'ya29.a', refresh_token: '1//a', expiry: EXPIRES, token_type: 'Bearer'}});
      const result = await switchNative(store, 'gemini', 'a@example.com', env);
      assert.equal(result.file, path.join(home, '.gemini', 'oauth_creds.json'));
      assert.deepEqual(readJson(result.file), {
        access_token: 'ya29.a',
        refresh_token: '1//a',
        scope: 'https://www.googleapis.com/auth/cloud-platform https://www.googleapis.com/auth/userinfo.email https://www.googleapis.com/auth/userinfo.profile',
        token_type: 'Bearer',
        expiry_date: EXPIRES_MS,
      });
      // The agent refreshes (Google keeps the refresh token): the nested file takes the new tokens where it keeps them.
      writeFileSync(result.file, JSON.stringify({access_token: 'ya29.b', refresh_token: '1//a', scope: 's', token_type: 'Bearer', expiry_date: EXPIRES_MS + 1000}));
      assert.equal((await syncNative(store, 'gemini')).saved, true);
      const token = readJson(path.join(ccs.paths.authDir, 'gemini-a.json'));
      assert.deepEqual(token.token, {access_token: 'ya29.b', refresh_token: '1//a', expiry: new Date(EXPIRES_MS + 1000).toISOString(), token_type: 'Bearer'});
      assert.equal(token.project_id, 'p1');
    });
  });

  it('Qwen Code: ~/.qwen/oauth_creds.json {access_token, refresh_token, token_type, resource_url, expiry_date}', async () => {
    await withTempHome(async ({ccs, home, store, env}) => {
      ccs.writeToken('qwen-a.json', tokenFixture('qwen', 'a@example.com', {expired: EXPIRES, resource_url: 'portal.qwen.ai'}));
      const result = await switchNative(store, 'qwen', 'a@example.com', env);
      assert.equal(result.file, path.join(home, '.qwen', 'oauth_creds.json'));
      assert.deepEqual(readJson(result.file), {
        access_token: 'at-qwen-a@example.com-0123456789abcdef',
        refresh_token: 'rt-qwen-a@example.com-0123456789abcdef',
        token_type: 'Bearer',
        resource_url: 'portal.qwen.ai',
        expiry_date: EXPIRES_MS,
      });
    });
  });

  it('an outgoing account removed meanwhile: its login in the file is kept, the switch goes on', async () => {
    await withTempHome(async ({ccs, home, store, env}) => {
      ccs.writeToken('qwen-a.json', tokenFixture('qwen', 'a@example.com'));
      ccs.writeToken('qwen-b.json', tokenFixture('qwen', 'b@example.com'));
      const first = await switchNative(store, 'qwen', 'a@example.com', env);
      // The agent refreshes a's login, then a is removed from ccs-tui.
      writeFileSync(first.file, JSON.stringify({access_token: 'at-new', refresh_token: 'rt-new', token_type: 'Bearer', expiry_date: EXPIRES_MS}));
      await store.remove('qwen', 'a@example.com');
      const second = await switchNative(store, 'qwen', 'b@example.com', env);
      assert.equal(second.from, undefined);
      assert.ok(second.foreignBackup);
      assert.equal(readJson(second.foreignBackup).refresh_token, 'rt-new');
      assert.equal(readJson(path.join(home, '.qwen', 'oauth_creds.json')).refresh_token, 'rt-qwen-b@example.com-0123456789abcdef');
    });
  });

  it('refuses providers without a native file, and accounts that cannot be used', async () => {
    await withTempHome(async ({ccs, store, env}) => {
      ccs.writeToken('kimi-a.json', tokenFixture('kimi', 'a@example.com'));
      await assert.rejects(switchNative(store, 'kimi', 'a@example.com', env), /native mode knows no credential file for kimi's agent/);
      await assert.rejects(switchNative(store, 'claude', 'nobody', env), /no claude account "nobody"/);
    });
  });
});
