// The TUI's `L` on a Qwen account whose refresh was refused (not dead: no invalid_grant): the login
// may be another Qwen account under the same name (Qwen does not say who logs in), so the result
// screen says where the grant it replaced was kept.
import assert from 'node:assert/strict';
import {existsSync, readdirSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {afterEach, test} from 'node:test';
import {cleanUp, renderTui, type TuiHandle} from '../helpers/ink.js';
import {AccountStore} from '../../source/store/accounts.js';
import {makeTempCcs, tokenFixture, type TempCcs} from '../helpers/ccs.js';
import {fakeQwen, type FakeProvider} from '../helpers/fake-providers/providers.js';

let ccs: TempCcs | undefined;
let tui: TuiHandle | undefined;
let fake: FakeProvider | undefined;
afterEach(async () => {
  [tui, ccs] = cleanUp(tui, ccs);
  await fake?.server.close();
});

test('L on a Qwen account: the result says where the replaced grant is kept', async () => {
  fake = await fakeQwen(['ok'], undefined, {access_token: 'qwen-at-new-0123456789', refresh_token: 'qwen-rt-new-0123456789', expires_in: 21600, token_type: 'Bearer'});
  ccs = makeTempCcs();
  ccs.writeToken('qwen-work.json', tokenFixture('qwen', 'work', {refresh_token: 'qwen-rt-old-0123456789', resource_url: 'old-region.qwen.example'}));
  writeFileSync(ccs.paths.settings, JSON.stringify(fake.settings));
  await new AccountStore(ccs.paths).setRefreshFailed('qwen', 'work', 'HTTP 500 from the token endpoint', 'qwen-rt-old-0123456789');
  tui = await renderTui({paths: ccs.paths, width: 140, height: 40});
  await tui.waitFor('IBM Bob');
  tui.write(':qwen\r');
  await tui.waitFor(/Qwen accounts \(1\)[^]*work/);
  await tui.press('l');
  await tui.waitFor((f) => /L re-login/.test(f.split('\n').at(-1) ?? ''));
  await tui.press('L');
  await tui.waitFor('Name this account');
  await tui.type('work');
  await tui.press('enter');
  const frame = await tui.waitFor(/kept at/, 20_000);
  const dir = path.join(ccs.paths.state, 'login-kept');
  assert.ok(existsSync(dir));
  const [kept] = readdirSync(dir);
  assert.match(frame.replace(/\n/g, ''), /may have been another account \(the provider does not say who logs in\)/);
  assert.ok(frame.replace(/\s+/g, '').includes(kept!), 'the copy is named');
});
