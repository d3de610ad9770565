// Logging in again as a Qwen account (the TUI's `L` on it): Qwen does not say who logs in, so the
// browser may have approved another Qwen account under the same name. The token file afterwards
// holds the new grant and none of the old one's fields (its regional `resource_url`: requests would
// go to the old account's host), and the old grant is kept under tui/login-kept/, the result saying where.
import assert from 'node:assert/strict';
import {readdirSync, readFileSync, statSync} from 'node:fs';
import path from 'node:path';
import {test} from 'node:test';
import {AccountStore} from '../../../source/store/accounts.js';
import {DEFAULT_SETTINGS} from '../../../source/store/settings.js';
import {deviceLogin} from '../../../source/services/oauth/login.js';
import {FakeClock} from '../../helpers/fake-clock.js';
import {makeTempCcs, tokenFixture} from '../../helpers/ccs.js';
import {fakeQwen} from '../../helpers/fake-providers/providers.js';

test('qwen logged in again: the old resource_url is gone, the old grant kept and named', async () => {
  const fake = await fakeQwen(['ok'], undefined, {access_token: 'qwen-at-new-0123456789', refresh_token: 'qwen-rt-new-0123456789', expires_in: 21600, token_type: 'Bearer'});
  const ccs = makeTempCcs();
  try {
    ccs.writeToken('qwen-work.json', tokenFixture('qwen', 'work', {refresh_token: 'qwen-rt-old-0123456789', resource_url: 'old-region.qwen.example'}));
    const store = new AccountStore(ccs.paths);
    const [before] = (await store.load()).accounts;
    const clock = new FakeClock();
    const login = deviceLogin({store, settings: {...DEFAULT_SETTINGS, endpoints: fake.settings.endpoints}, clock}, 'qwen', {nickname: 'work', relogin: before!.id});
    for (let i = 0; i < 200 && !(await Promise.race([login.then(() => true, () => true), new Promise((r) => setTimeout(() => r(false), 5))])); i++) await clock.advance(1000);
    const account = await login;
    assert.equal(account.tokenFile, 'qwen-work.json');
    const file = JSON.parse(readFileSync(path.join(ccs.paths.authDir, 'qwen-work.json'), 'utf8'));
    assert.equal(file.refresh_token, 'qwen-rt-new-0123456789');
    assert.equal(file.resource_url, undefined, "the old grant's host is not where requests go");
    const dir = path.join(ccs.paths.state, 'login-kept');
    const kept = readdirSync(dir);
    assert.equal(kept.length, 1);
    const copy = path.join(dir, kept[0]!);
    assert.equal(JSON.parse(readFileSync(copy, 'utf8')).refresh_token, 'qwen-rt-old-0123456789');
    assert.equal(JSON.parse(readFileSync(copy, 'utf8')).resource_url, 'old-region.qwen.example');
    assert.equal(statSync(copy).mode & 0o777, 0o600);
    assert.equal(account.keptGrant, copy);
  } finally {
    await fake.server.close();
    ccs.cleanup();
  }
});

test('login qwen --nickname work over the account "work" (the command line has no L): that account is logged in again, not refused as another\'s name', async () => {
  const fake = await fakeQwen(['ok'], undefined, {access_token: 'qwen-at-new-0123456789', refresh_token: 'qwen-rt-new-0123456789', expires_in: 21600, token_type: 'Bearer'});
  const ccs = makeTempCcs();
  try {
    ccs.writeToken('qwen-work.json', tokenFixture('qwen', 'work', {refresh_token: 'qwen-rt-old-0123456789'}));
    ccs.writeToken('qwen-home.json', tokenFixture('qwen', 'home', {refresh_token: 'qwen-rt-home-0123456789'}));
    const store = new AccountStore(ccs.paths);
    const clock = new FakeClock();
    const login = deviceLogin({store, settings: {...DEFAULT_SETTINGS, endpoints: fake.settings.endpoints}, clock}, 'qwen', {nickname: ' work '});
    for (let i = 0; i < 200 && !(await Promise.race([login.then(() => true, () => true), new Promise((r) => setTimeout(() => r(false), 5))])); i++) await clock.advance(1000);
    const account = await login;
    assert.equal(account.tokenFile, 'qwen-work.json');
    assert.equal(account.outcome, 'logged-in-again');
    assert.equal(JSON.parse(readFileSync(path.join(ccs.paths.authDir, 'qwen-work.json'), 'utf8')).refresh_token, 'qwen-rt-new-0123456789');
    assert.equal(JSON.parse(readFileSync(path.join(ccs.paths.authDir, 'qwen-home.json'), 'utf8')).refresh_token, 'qwen-rt-home-0123456789', 'the other account is untouched');
    assert.equal((await store.load()).accounts.length, 2);
  } finally {
    await fake.server.close();
    ccs.cleanup();
  }
});
