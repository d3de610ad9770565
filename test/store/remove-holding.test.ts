// AccountStore.remove with `holding` (push): a token file that holds another grant by now (refreshed
// meanwhile by another process) is not removed; one that still holds it is.
import assert from 'node:assert/strict';
import {existsSync} from 'node:fs';
import {test} from 'node:test';
import {AccountStore} from '../../source/store/accounts.js';
import {makeTempCcs, tokenFixture} from '../helpers/ccs.js';

test('remove(holding) removes only while the file holds the grant given', async (t) => {
  const ccs = makeTempCcs();
  t.after(() => ccs.cleanup());
  const pushed = {access_token: 'sk-ant-oat01-AT1-0123456789', refresh_token: 'sk-ant-ort01-RT1-0123456789'};
  const file = ccs.writeToken('claude-a@x.com.json', tokenFixture('claude', 'a@x.com', {access_token: 'sk-ant-oat01-AT2-0123456789', refresh_token: 'sk-ant-ort01-RT2-0123456789'}));
  const store = new AccountStore(ccs.paths);
  await assert.rejects(store.remove('claude', {id: 'a@x.com'}, undefined, pushed), /claude-a@x\.com\.json holds another grant now \(refreshed meanwhile\); not removed/);
  assert.ok(existsSync(file), 'the file holding the newer grant was removed');
  ccs.writeToken('claude-a@x.com.json', tokenFixture('claude', 'a@x.com', pushed));
  await store.remove('claude', {id: 'a@x.com'}, undefined, pushed);
  assert.ok(!existsSync(file));
});

test('remove(holding) of an account whose token file is gone (removed already: a removal done again after its lock was taken over) removes its entry', async (t) => {
  const ccs = makeTempCcs();
  t.after(() => ccs.cleanup());
  const pushed = {access_token: 'sk-ant-oat01-AT1-0123456789', refresh_token: 'sk-ant-ort01-RT1-0123456789'};
  ccs.writeRegistry({version: 1, providers: {claude: {default: 'a@x.com', accounts: {'a@x.com': {email: 'a@x.com', tokenFile: 'claude-a@x.com.json'}}}}});
  const store = new AccountStore(ccs.paths);
  await store.remove('claude', {id: 'a@x.com'}, undefined, pushed);
  assert.deepEqual((await store.load()).accounts, []);
});
