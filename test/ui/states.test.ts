// Every state offers its way out and the hints match it: re-login from home and detail, the detail
// screen's quota, "resume" on a paused account, Enter after a failed login, a field's own keys.
import {cleanUp, renderTui, type TuiHandle} from '../helpers/ink.js';
import assert from 'node:assert/strict';
import {writeFileSync} from 'node:fs';
import {afterEach, test} from 'node:test';
import {AccountStore} from '../../source/store/accounts.js';
import type {TempCcs} from '../helpers/ccs.js';
import {FakeClock} from '../helpers/fake-clock.js';
import {makeUiCcs} from './fixtures.js';
import {dashboardCcs} from './quota-fixtures.js';

let ccs: TempCcs | undefined;
let tui: TuiHandle | undefined;
afterEach(() => ([tui, ccs] = cleanUp(tui, ccs)));

const hintBar = (frame: string) => frame.split('\n').at(-1) ?? '';

test('an account marked re-login: L appears in the hints on home and detail and opens the login as that account', async () => {
  ccs = makeUiCcs();
  await new AccountStore(ccs.paths).setNeedsLogin('claude', 'bob@example.com', 'refresh token revoked');
  tui = await renderTui({paths: ccs.paths, width: 120, height: 30});
  await tui.waitFor('alice@example.com');
  await tui.press('l');
  let frame = await tui.waitFor('▶ Claude accounts');
  assert.doesNotMatch(hintBar(frame), /re-login/, 'alice is fine: no re-login hint');
  await tui.press('j');
  frame = await tui.waitFor((f) => /L re-login/.test(hintBar(f)));
  await tui.press('enter');
  frame = await tui.waitFor('! re-login: L logs in as it again');
  assert.match(frame, /L logs in as it/);
  await tui.press('L');
  frame = await tui.waitFor('Claude — log in again as bob@example.com');
});

test('the detail screen shows the account quota', async () => {
  const now = Date.now();
  ccs = dashboardCcs(now);
  tui = await renderTui({paths: ccs.paths, width: 100, height: 30, services: {clock: new FakeClock(now)}, route: {screen: 'detail', params: {provider: 'claude', accountId: 'alice@example.com'}}});
  const frame = await tui.waitFor(/Quota\s+5h/);
  assert.match(frame, /Quota\s+5h .*42%.*week .*81%/);
});

test('a paused account: the hint says resume, not pause; ? on detail lists Enter with u', async () => {
  ccs = makeUiCcs();
  tui = await renderTui({paths: ccs.paths, width: 120, height: 30});
  await tui.waitFor('alice@example.com');
  await tui.press('l');
  let frame = await tui.waitFor('▶ Claude accounts');
  assert.match(hintBar(frame), /p pause/);
  await tui.press('j', 'p');
  frame = await tui.waitFor((f) => /p resume/.test(hintBar(f)));
  await tui.press('enter');
  await tui.waitFor('Account id');
  assert.match(hintBar(tui.frame()), /p resume/);
  await tui.press('?');
  frame = await tui.waitFor('Keys (');
  assert.match(frame, /u Enter\s+Make the account the default/);
});

test('while a field is open the hints are the field\'s own; after a failed login Enter says try again', async () => {
  ccs = makeUiCcs();
  tui = await renderTui({paths: ccs.paths, width: 100, height: 30});
  await tui.waitFor('alice@example.com');
  await tui.press('/');
  let frame = await tui.waitFor('Enter done');
  // Esc in the filter field clears the filter (the `?` overlay: "Esc clears").
  assert.match(hintBar(frame), /Enter done\s+Esc clear/);
  assert.doesNotMatch(hintBar(frame), /u use|rename/);
  await tui.press('escape');
  tui.unmount();
  ccs.cleanup();
  ccs = makeUiCcs();
  // Nothing listens there: the key's check fails.
  writeFileSync(ccs.paths.settings, JSON.stringify({endpoints: {aistudio: {api: 'http://127.0.0.1:9'}}}));
  tui = await renderTui({paths: ccs.paths, width: 100, height: 30, route: {screen: 'login', params: {provider: 'aistudio'}}});
  await tui.waitFor('Enter skips');
  await tui.press('enter');
  await tui.waitFor('API key');
  assert.match(hintBar(tui.frame()), /Enter done/);
  await tui.type('AIzaSyNoServerNoServerNoServer000001');
  await tui.press('enter');
  frame = await tui.waitFor('Login failed');
  assert.match(hintBar(frame), /Enter try again/);
  assert.doesNotMatch(hintBar(frame), /c copy|o open|v paste|j move/);
});

test('at 80 and 60 columns the state\'s way out is never the hint cut off: re-login, resume, add, save', async () => {
  ccs = makeUiCcs();
  await new AccountStore(ccs.paths).setNeedsLogin('claude', 'bob@example.com', 'refresh token revoked');
  await new AccountStore(ccs.paths).setPaused('codex', {id: 'carol@example.com'}, true);
  for (const width of [80, 60]) {
    tui = await renderTui({paths: ccs.paths, width, height: 24});
    await tui.waitFor('Claude accounts (2)');
    // The providers pane: opening a provider and adding an account come first.
    assert.match(hintBar(tui.frame()), /^Enter open {2}a add/, `${width}: ${hintBar(tui.frame())}`);
    assert.doesNotMatch(hintBar(tui.frame()), /u use|n rename/, 'no one-account keys without an account');
    await tui.press('l', 'j');
    let frame = await tui.waitFor((f) => /L re-login/.test(hintBar(f)));
    assert.match(hintBar(frame), /^L re-login/);
    await tui.press('enter');
    frame = await tui.waitFor('! re-login: L logs in as it again');
    assert.match(hintBar(frame), /^L re-login/);
    await tui.press('escape', 'h', 'j', 'l');
    frame = await tui.waitFor((f) => /▶ Codex accounts/.test(f) && /p resume/.test(hintBar(f)));
    assert.match(hintBar(frame), /^p resume/);
    // An empty provider: `a` adds its first account.
    await tui.press('h', 'j');
    frame = await tui.waitFor((f) => /No \w+ account yet/.test(f));
    assert.match(hintBar(frame), /^a add/);
    tui.unmount();
    // Unsaved rules: s saves comes first.
    tui = await renderTui({paths: ccs.paths, width, height: 24, route: {screen: 'models', params: {provider: 'claude'}}});
    await tui.waitFor(/Models \d+\/\d+ visible/);
    await tui.press('a');
    await tui.type('x');
    await tui.press('enter');
    frame = await tui.waitFor('* unsaved');
    assert.match(hintBar(frame), /^s save/, `${width}: ${hintBar(frame)}`);
    tui.unmount();
    tui = undefined;
  }
});
