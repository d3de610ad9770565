// An API-key account's detail says what applies to a key: it does not expire, its file is a key file,
// its last use is the key stored (never "refreshed or issued"), and it names no email; OAuth
// accounts keep their words.
import {cleanUp, renderTui, type TuiHandle} from '../helpers/ink.js';
import assert from 'node:assert/strict';
import {afterEach, test} from 'node:test';
import {makeTempCcs, type TempCcs} from '../helpers/ccs.js';
import {makeUiCcs} from './fixtures.js';

let ccs: TempCcs | undefined;
let tui: TuiHandle | undefined;
afterEach(() => ([tui, ccs] = cleanUp(tui, ccs)));

const row = (frame: string, label: string) => frame.split('\n').map((l) => l.replace(/[│┃]/g, '').trim()).find((l) => l.startsWith(`${label} `)) ?? '';
const ID = 'key-443c8191a092';

test('API-key account: "API key does not expire", a key file, the key stored as its last use; no OAuth words', async () => {
  ccs = makeTempCcs();
  ccs.writeToken(`aistudio-${ID}.json`, {type: 'aistudio', api_key: 'AIzaSyTestKeyTestKeyTestKeyTestKey0001', account_id: ID, last_refresh: new Date().toISOString()});
  tui = await renderTui({paths: ccs.paths, width: 160, height: 40, route: {screen: 'detail', params: {provider: 'aistudio', accountId: ID}}});
  const frame = await tui.waitFor('Last used');
  assert.match(row(frame, 'API key'), /^API key\s+does not expire$/);
  assert.match(row(frame, 'Key file'), new RegExp(`^Key file\\s+.*aistudio-${ID}\\.json$`));
  assert.match(row(frame, 'Last used'), /\((just now|\d+s ago)\), its key stored$/);
  assert.match(row(frame, 'Email'), /^Email\s+none \(an API key names no one\)$/);
  assert.doesNotMatch(frame, /Token expires|Token file|refreshed or issued|token refresh|not said in the token file/, frame);
});

test('API-key account never used: "Last used" names what would count for a key (no token refresh)', async () => {
  ccs = makeTempCcs();
  ccs.writeToken(`aistudio-${ID}.json`, {type: 'aistudio', api_key: 'AIzaSyTestKeyTestKeyTestKeyTestKey0001', account_id: ID});
  tui = await renderTui({paths: ccs.paths, width: 160, height: 40, route: {screen: 'detail', params: {provider: 'aistudio', accountId: ID}}});
  const frame = await tui.waitFor('Last used');
  assert.match(row(frame, 'Last used'), /^Last used\s+none recorded \(ccs-tui records a request through its proxy, the key being stored, being made the default\)$/);
});

test('an OAuth account keeps its token words', async () => {
  ccs = makeUiCcs();
  tui = await renderTui({paths: ccs.paths, width: 160, height: 40, route: {screen: 'detail', params: {provider: 'claude', accountId: 'bob@example.com'}}});
  const frame = await tui.waitFor('Last used');
  assert.match(row(frame, 'Token expires'), /^Token expires\s+\d{4}-/);
  assert.match(row(frame, 'Token file'), /claude-bob@example\.com\.json$/);
  assert.match(row(frame, 'Last used'), /its token refreshed or issued$/);
});

test('R on an account of a provider that reports no quota says so as information, not as an error', async () => {
  ccs = makeTempCcs();
  ccs.writeToken(`aistudio-${ID}.json`, {type: 'aistudio', api_key: 'AIzaSyTestKeyTestKeyTestKeyTestKey0001', account_id: ID});
  tui = await renderTui({paths: ccs.paths, width: 160, height: 40, route: {screen: 'quota', params: {provider: 'aistudio'}}});
  await tui.waitFor(ID);
  await tui.press('R');
  const frame = await tui.waitFor('does not report quota');
  assert.match(frame, /aistudio does not report quota: there is none to refresh/);
  assert.doesNotMatch(frame, /error: aistudio/);
});
