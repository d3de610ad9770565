// An agent's credential file that holds only an access token (no refresh token) is still a live
// login until that token expires: `use --native` over it keeps it beside the file
// (`<file>.ccs-tui-kept-<hash>`, 0600), as any login no account holds. One whose stated expiry has
// passed grants nothing any more (no refresh token to renew it) and is not kept.
import assert from 'node:assert/strict';
import {mkdirSync, readdirSync, readFileSync, statSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {describe, it} from 'node:test';
import {switchNative} from '../../source/services/native/sync.js';
import {tokenFixture, withTempHome} from '../helpers/ccs.js';

const readJson = (file: string) => JSON.parse(readFileSync(file, 'utf8'));
const keptBeside = (file: string) => readdirSync(path.dirname(file)).filter((name) => name.startsWith(`${path.basename(file)}.ccs-tui-kept-`));

function writeAgentFile(file: string, content: unknown): string {
  mkdirSync(path.dirname(file), {recursive: true, mode: 0o700});
  const text = JSON.stringify(content);
  writeFileSync(file, text, {mode: 0o600});
  return text;
}

describe('use --native over an access-only login', () => {
  it('Claude Code: a .credentials.json with an access token and no refresh token is kept, not lost', async () => {
    await withTempHome(async ({ccs, home, store, env}) => {
      ccs.writeToken('claude-a.json', tokenFixture('claude', 'a@example.com'));
      const file = path.join(home, '.claude', '.credentials.json');
      const before = writeAgentFile(file, {claudeAiOauth: {accessToken: 'sk-ant-oat01-own-access-token-0123456789', expiresAt: Date.now() + 8 * 3600_000, scopes: ['user:inference']}});
      const result = await switchNative(store, 'claude', 'a@example.com', env);
      assert.equal(readJson(file).claudeAiOauth.accessToken, 'at-claude-a@example.com-0123456789abcdef', 'the account is switched in');
      assert.ok(result.foreignBackup, 'the switch says where the login went');
      assert.deepEqual(keptBeside(file), [path.basename(result.foreignBackup)]);
      assert.equal(readFileSync(result.foreignBackup, 'utf8'), before);
      assert.equal(statSync(result.foreignBackup).mode & 0o777, 0o600);
    });
  });

  const alsoKept = [
    {what: 'Claude Code: one with no expiry stated is kept too', provider: 'claude', file: ['.claude', '.credentials.json'], login: {claudeAiOauth: {accessToken: 'sk-ant-oat01-own-access-token-0123456789'}}},
    {what: 'Qwen Code: an oauth_creds.json with only an access token is kept', provider: 'qwen', file: ['.qwen', 'oauth_creds.json'], login: {access_token: 'own-qwen-access-token-0123456789', token_type: 'Bearer', resource_url: 'own.qwen.example', expiry_date: Date.now() + 3600_000}},
  ];
  for (const {what, provider, file: parts, login} of alsoKept) {
    it(what, async () => {
      await withTempHome(async ({ccs, home, store, env}) => {
        ccs.writeToken(`${provider}-a.json`, tokenFixture(provider, 'a@example.com'));
        const before = writeAgentFile(path.join(home, ...parts), login);
        const result = await switchNative(store, provider, 'a@example.com', env);
        assert.equal(readFileSync(result.foreignBackup!, 'utf8'), before);
      });
    });
  }

  it('an access-only login whose expiry has passed grants nothing: not kept', async () => {
    await withTempHome(async ({ccs, home, store, env}) => {
      ccs.writeToken('claude-a.json', tokenFixture('claude', 'a@example.com'));
      const file = path.join(home, '.claude', '.credentials.json');
      writeAgentFile(file, {claudeAiOauth: {accessToken: 'sk-ant-oat01-own-access-token-0123456789', expiresAt: Date.now() - 60_000}});
      const result = await switchNative(store, 'claude', 'a@example.com', env);
      assert.equal(result.foreignBackup, undefined);
      assert.deepEqual(keptBeside(file), []);
    });
  });

  it('switching back and forth between accounts ccs-tui holds keeps nothing', async () => {
    await withTempHome(async ({ccs, store, env}) => {
      ccs.writeToken('claude-a.json', tokenFixture('claude', 'a@example.com'));
      ccs.writeToken('claude-b.json', tokenFixture('claude', 'b@example.com'));
      const first = await switchNative(store, 'claude', 'a@example.com', env);
      const second = await switchNative(store, 'claude', 'b@example.com', env);
      await switchNative(store, 'claude', 'a@example.com', env);
      assert.equal(second.foreignBackup, undefined);
      assert.deepEqual(keptBeside(first.file), []);
    });
  });
});
