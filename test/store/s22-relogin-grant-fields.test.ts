// A new OAuth login stored over an account's token file (the same identity logging in again) is a
// new grant: the fields that came with the previous grant and that the login did not bring (Qwen's
// `resource_url`, Copilot's API host, an expiry, an id_token) are not left beside the new tokens,
// while the account's own options (`priority`, `note`, keys ccs-tui does not know) stay. Qwen names no
// account (the person's label is its identity), so the grant a login replaces may be another Qwen
// account's: it is kept under tui/login-kept/ (0600) unless the provider had refused it already.
import assert from 'node:assert/strict';
import {existsSync, readdirSync, readFileSync, statSync} from 'node:fs';
import path from 'node:path';
import {afterEach, beforeEach, describe, test} from 'node:test';
import {AccountStore} from '../../source/store/accounts.js';
import {makeTempCcs, tokenFixture, type TempCcs} from '../helpers/ccs.js';

const later = (ms: number) => new Date(Date.now() + ms).toISOString();

describe('a new login over an account keeps no field of the grant it replaces', () => {
  let ccs: TempCcs;
  let store: AccountStore;
  const keptDir = () => path.join(ccs.paths.state, 'login-kept');
  const kept = () => (existsSync(keptDir()) ? readdirSync(keptDir()) : []);
  const readToken = (name: string) => JSON.parse(readFileSync(path.join(ccs.paths.authDir, name), 'utf8'));

  beforeEach(() => {
    ccs = makeTempCcs();
    store = new AccountStore(ccs.paths);
  });
  afterEach(() => ccs.cleanup());

  const qwenBefore = () =>
    ccs.writeToken('qwen-work.json', {
      ...tokenFixture('qwen', 'work', {access_token: 'qwen-at-old-0123456789', refresh_token: 'qwen-rt-old-0123456789', resource_url: 'old-region.qwen.example'}),
      priority: 5,
      note: 'the team one',
    });
  // What a Qwen login whose token answer named no resource_url stores (services/oauth/token-file.ts).
  const qwenLogin = {type: 'qwen', email: 'work', access_token: 'qwen-at-new-0123456789', refresh_token: 'qwen-rt-new-0123456789', expired: later(6 * 3600_000), last_refresh: new Date().toISOString()};

  test("qwen: another grant's resource_url is not kept; the replaced grant is kept aside, 0600", async () => {
    qwenBefore();
    const stored = await store.saveLogin({provider: 'qwen', token: qwenLogin as never, nickname: 'work'});
    assert.equal(stored.tokenFile, 'qwen-work.json', 'the same label is the same account');
    const file = readToken('qwen-work.json');
    assert.equal(file.resource_url, undefined, 'requests go to the default host, not the previous grant\'s');
    assert.equal(file.refresh_token, 'qwen-rt-new-0123456789');
    assert.equal(file.priority, 5, 'the account\'s own options stay');
    assert.equal(file.note, 'the team one');
    assert.equal(kept().length, 1, 'the replaced grant is kept');
    const copy = path.join(keptDir(), kept()[0]!);
    assert.match(kept()[0]!, /^qwen-work-[0-9a-f]{8}\.json$/);
    assert.equal(JSON.parse(readFileSync(copy, 'utf8')).refresh_token, 'qwen-rt-old-0123456789');
    assert.equal(JSON.parse(readFileSync(copy, 'utf8')).resource_url, 'old-region.qwen.example');
    assert.equal(statSync(copy).mode & 0o777, 0o600);
    assert.equal(stored.keptGrant, copy, 'the login says where');
  });

  test('qwen: a grant the provider refused already (needs login) is not kept', async () => {
    qwenBefore();
    await store.setNeedsLogin('qwen', 'work', 'invalid_grant', 'qwen-rt-old-0123456789');
    const stored = await store.saveLogin({provider: 'qwen', token: qwenLogin as never, nickname: 'work'});
    assert.deepEqual(kept(), []);
    assert.equal(stored.keptGrant, undefined);
    assert.equal(readToken('qwen-work.json').resource_url, undefined);
  });

  test("qwen: a login that brings its resource_url stores it; the same grant again keeps nothing aside", async () => {
    qwenBefore();
    await store.saveLogin({provider: 'qwen', token: {...qwenLogin, resource_url: 'new-region.qwen.example'} as never, nickname: 'work'});
    assert.equal(readToken('qwen-work.json').resource_url, 'new-region.qwen.example');
    const before = kept().length;
    await store.saveLogin({provider: 'qwen', token: {...qwenLogin, resource_url: 'new-region.qwen.example'} as never, nickname: 'work'});
    assert.equal(kept().length, before, 'nothing of a grant the file still holds is lost');
  });

  test("copilot: the previous API token's host is not kept when the new one names none", async () => {
    ccs.writeToken('github-copilot-octocat.json', {
      ...tokenFixture('github-copilot', 'octocat@example.com', {username: 'octocat', refresh_token: undefined, copilot_token: 'tid=old;exp=1', copilot_api_base: 'https://api.business.githubcopilot.com'}),
    });
    await store.saveLogin({
      provider: 'copilot',
      token: {type: 'github-copilot', email: 'octocat@example.com', username: 'octocat', access_token: 'gho_new0123456789', copilot_token: 'tid=new;exp=2', expired: later(1500_000), last_refresh: new Date().toISOString()} as never,
    });
    const file = readToken('github-copilot-octocat.json');
    assert.equal(file.copilot_token, 'tid=new;exp=2');
    assert.equal(file.copilot_api_base, undefined);
  });

  test("claude: the previous grant's expiry and id_token are not kept; a refresh token stays when the login brought none (the same account's)", async () => {
    ccs.writeToken('claude-a@example.com.json', tokenFixture('claude', 'a@example.com', {id_token: 'old.id.token', account_uuid: 'acct-1', organization_uuid: 'org-1', note: 'mine'}));
    await store.saveLogin({
      provider: 'claude',
      token: {type: 'claude', email: 'a@example.com', account_uuid: 'acct-1', organization_uuid: 'org-1', access_token: 'sk-ant-oat01-new-0123456789', last_refresh: new Date().toISOString()} as never,
    });
    const file = readToken('claude-a@example.com.json');
    assert.equal(file.access_token, 'sk-ant-oat01-new-0123456789');
    assert.equal(file.expired, undefined, 'an expiry of the previous access token would be a wrong one');
    assert.equal(file.id_token, undefined);
    assert.equal(file.refresh_token, 'rt-claude-a@example.com-0123456789abcdef');
    assert.equal(file.note, 'mine');
    assert.deepEqual(kept(), [], 'an account the provider names loses nothing: the new grant is its own');
  });
});
