// The rules screen asked for a provider's live list (L) says the same thing in the header, the list
// and the warnings line: with no account chosen, that none was asked and that Tab picks one (never
// "live list" above "static list" and "no warnings"); once had, live everywhere; failed, said so.
import {cleanUp, renderTui, type TuiHandle} from '../helpers/ink.js';
import assert from 'node:assert/strict';
import {afterEach, test} from 'node:test';
import {makeTempCcs, type TempCcs} from '../helpers/ccs.js';
import {sendJson, startFakeUpstream, type FakeUpstream} from '../helpers/fake-upstreams.js';

let ccs: TempCcs | undefined;
let tui: TuiHandle | undefined;
let upstream: FakeUpstream | undefined;
afterEach(async () => {
  [tui, ccs] = cleanUp(tui, ccs);
  await upstream?.close();
  upstream = undefined;
});

const header = (frame: string) => frame.split('\n')[1]!;
const hintBar = (frame: string) => frame.split('\n').at(-1)!;

test('bob (a live list only): L without an account, then Tab, then a refused list', async () => {
  let status = 200;
  upstream = await startFakeUpstream((req, res) => (status === 200 && req.path === '/v1/models' ? sendJson(res, 200, {object: 'list', data: [{id: 'granite-code'}]}) : sendJson(res, status, {error: {message: 'invalid key'}})));
  ccs = makeTempCcs();
  ccs.writeToken('bob-main.json', {type: 'bob', email: 'main@bob.example', api_key: 'bob-key-0123456789', base_url: `${upstream.url}/v1`});
  tui = await renderTui({paths: ccs.paths, width: 120, height: 30, route: {screen: 'models', params: {provider: 'bob'}}});
  let frame = await tui.waitFor('Models 0/0 visible (static list)');
  assert.match(header(frame), /· static list \[L\]$/);
  assert.match(frame, /L asks the/);

  await tui.press('L');
  frame = await tui.waitFor('live list: needs an account [L]');
  assert.match(frame, /Models 0\/0 visible \(static list\)/);
  assert.match(frame, /^! no live list yet: it is asked with an account's credentials; Tab picks an account to ask bob with/m);
  assert.doesNotMatch(frame, /no warnings/);
  // L would put the live list away: the list no longer offers it as the way.
  assert.doesNotMatch(frame, /L asks the/);
  // Picking an account is what asks the list: the hint bar offers it first.
  await tui.waitFor((f) => /^Tab account/.test(hintBar(f)));

  await tui.press('tab');
  frame = await tui.waitFor('Models 1/1 visible (live list)');
  assert.match(header(frame), /· live list \[L\]$/);
  assert.match(frame, /^no warnings/m);

  // Asked again with the list refused: the header, the list and the warnings line all say it was not had.
  status = 401;
  await tui.press('L');
  await tui.waitFor(/· static list \[L\]$/m);
  await tui.press('L');
  frame = await tui.waitFor('live list: not had, static shown [L]');
  assert.match(frame, /! no live list: .*401/);
  assert.match(frame, /^! no live list: bob did not give it \(why: above the list\); the static list is shown/m);
});

test('bob with no account: the warnings line says to log one in, not to press Tab', async () => {
  ccs = makeTempCcs();
  tui = await renderTui({paths: ccs.paths, width: 120, height: 30, route: {screen: 'models', params: {provider: 'bob'}}});
  await tui.waitFor('Models 0/0 visible');
  await tui.press('L');
  const frame = await tui.waitFor('live list: needs an account [L]');
  assert.doesNotMatch(frame, /Tab: account|Tab picks/);
  assert.match(frame, /^! no live list yet: bob has no account to ask it with; log one in: 1, then a$/m);
});
