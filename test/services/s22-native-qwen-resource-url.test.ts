// An account switched into an agent's credential file does not inherit the previous login's
// per-grant fields: Qwen Code sends the token to the host `resource_url` names, so another login's
// host (an account switched out, the person's own login) would be the wrong account's endpoint.
import assert from 'node:assert/strict';
import {mkdirSync, readFileSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {describe, it} from 'node:test';
import {switchNative, syncNative} from '../../source/services/native/sync.js';
import {findProvider} from '../../source/providers/table.js';
import {tokenFixture, withTempHome} from '../helpers/ccs.js';

const readJson = (file: string) => JSON.parse(readFileSync(file, 'utf8'));

function writeAgentFile(file: string, content: unknown): void {
  mkdirSync(path.dirname(file), {recursive: true, mode: 0o700});
  writeFileSync(file, JSON.stringify(content), {mode: 0o600});
}

describe("an account switched in does not take the previous login's per-grant fields", () => {
  it("Qwen Code: another account's resource_url is not left in oauth_creds.json", async () => {
    await withTempHome(async ({ccs, store, env}) => {
      ccs.writeToken('qwen-a.json', tokenFixture('qwen', 'a@example.com', {resource_url: 'a-region.qwen.example'}));
      ccs.writeToken('qwen-b.json', tokenFixture('qwen', 'b@example.com'));
      const first = await switchNative(store, 'qwen', 'a@example.com', env);
      assert.equal(readJson(first.file).resource_url, 'a-region.qwen.example');
      await switchNative(store, 'qwen', 'b@example.com', env);
      // Qwen Code sends b's token to the host the file names: a's would be the wrong account's endpoint.
      assert.equal(readJson(first.file).resource_url, 'portal.qwen.ai');
    });
  });

  it("Qwen Code: the person's own login's resource_url is not left for the account switched in", async () => {
    await withTempHome(async ({ccs, home, store, env}) => {
      ccs.writeToken('qwen-b.json', tokenFixture('qwen', 'b@example.com'));
      const file = path.join(home, '.qwen', 'oauth_creds.json');
      writeAgentFile(file, {access_token: 'own-at-0123456789', refresh_token: 'own-rt-0123456789', token_type: 'Bearer', resource_url: 'own-region.qwen.example', expiry_date: Date.now() + 3600_000});
      const result = await switchNative(store, 'qwen', 'b@example.com', env);
      assert.equal(readJson(file).resource_url, 'portal.qwen.ai');
      assert.equal(readJson(result.foreignBackup!).resource_url, 'own-region.qwen.example', 'the own login is kept whole');
    });
  });

  it('Qwen Code: the same account written again keeps the resource_url the file had', async () => {
    await withTempHome(async ({ccs, store, env}) => {
      ccs.writeToken('qwen-b.json', tokenFixture('qwen', 'b@example.com'));
      const first = await switchNative(store, 'qwen', 'b@example.com', env);
      // Qwen Code learnt b's host on its own refresh; ccs-tui's token file does not name one.
      const held = readJson(first.file);
      writeFileSync(first.file, JSON.stringify({...held, resource_url: 'b-region.qwen.example'}));
      await switchNative(store, 'qwen', 'b@example.com', env);
      assert.equal(readJson(first.file).resource_url, 'b-region.qwen.example');
    });
  });

  it("Qwen Code's own refresh that names another host: the account takes it with the refreshed tokens, and its requests go there", async () => {
    await withTempHome(async ({ccs, store, env}) => {
      const soon = new Date(Date.now() + 60_000).toISOString();
      ccs.writeToken('qwen-a.json', tokenFixture('qwen', 'a@example.com', {expired: soon, resource_url: 'a-region.qwen.example'}));
      const {file} = await switchNative(store, 'qwen', 'a@example.com', env);
      // Qwen Code refreshed (the access token was due): Qwen's answer named another host.
      writeFileSync(file, JSON.stringify({access_token: 'at-refreshed-0123456789', refresh_token: 'rt-refreshed-0123456789', token_type: 'Bearer', resource_url: 'b-region.qwen.example', expiry_date: Date.now() + 6 * 3600_000}));
      assert.equal((await syncNative(store, 'qwen')).saved, true);
      const token = readJson(path.join(ccs.paths.authDir, 'qwen-a.json'));
      assert.equal(token.refresh_token, 'rt-refreshed-0123456789');
      assert.equal(token.resource_url, 'b-region.qwen.example', 'the host the refreshed token is valid for');
      const target = findProvider('qwen')!.adapter.upstreamTarget!({token, secret: token.access_token, protocol: 'openai-chat', method: 'create'} as never);
      assert.match(target.url, /^https:\/\/b-region\.qwen\.example\/v1\//);
      // A refresh that names no host keeps the one the account has.
      writeFileSync(file, JSON.stringify({access_token: 'at-refreshed-0123456789', refresh_token: 'rt-refreshed-2-0123456789', token_type: 'Bearer', expiry_date: Date.now() + 6 * 3600_000}));
      assert.equal((await syncNative(store, 'qwen')).saved, true);
      assert.equal(readJson(path.join(ccs.paths.authDir, 'qwen-a.json')).resource_url, 'b-region.qwen.example');
    });
  });
});
