// "quota ?" always says why: never fetched, fetching…, the last error's short cause, no quota source
// (issue 13, screens #6), on the detail screen and the quota screen.
import {renderTui, type TuiHandle} from '../helpers/ink.js';
import assert from 'node:assert/strict';
import {afterEach, test} from 'node:test';
import {tokenFixture} from '../helpers/ccs.js';
import {makeQuotaFixture} from '../services/quota/fixture.js';
import {makeUiCcs} from './fixtures.js';
import {AccountStore} from '../../source/store/accounts.js';
import {QuotaPoller} from '../../source/services/quota/service.js';

let tui: TuiHandle | undefined;
let cleanup: (() => unknown) | undefined;
afterEach(async () => {
  tui?.unmount();
  tui = undefined;
  await cleanup?.();
  cleanup = undefined;
});

/** The detail screen's Quota row (not the title bar's tab). */
const quotaRow = (frame: string) => frame.split('\n').find((l) => /│\s+Quota\s/.test(l)) ?? '';

test('detail: never fetched and no quota source are said, not a bare ?', async () => {
  const ccs = makeUiCcs();
  ccs.writeToken('qwen-q@example.com.json', tokenFixture('qwen', 'q@example.com'));
  cleanup = ccs.cleanup;
  tui = await renderTui({paths: ccs.paths, width: 100, height: 30, route: {screen: 'detail', params: {provider: 'claude', accountId: 'alice@example.com'}}, services: {quota: undefined}});
  let frame = await tui.waitFor((f) => quotaRow(f) !== '');
  if (process.env.DUMP) console.log(frame);
  assert.match(quotaRow(frame), /Quota\s+\? never fetched \(R reads it\)/);
  tui.unmount();
  tui = await renderTui({paths: ccs.paths, width: 100, height: 30, route: {screen: 'detail', params: {provider: 'qwen', accountId: 'q@example.com'}}, services: {quota: undefined}});
  frame = await tui.waitFor((f) => quotaRow(f) !== '');
  assert.match(quotaRow(frame), /Quota\s+\? no quota source for qwen/);
});

test('detail and quota screen: a 401 from the usage endpoint reads "401 re-login", a hanging fetch "fetching…"', async () => {
  const fx = await makeQuotaFixture();
  cleanup = fx.close;
  fx.serve('claude', {error: 'unauthorized'}, 401);
  const store = new AccountStore(fx.ccs.paths);
  const quota = new QuotaPoller({paths: fx.ccs.paths, store});
  tui = await renderTui({paths: fx.ccs.paths, width: 100, height: 30, route: {screen: 'detail', params: {provider: 'claude', accountId: 'user@example.com'}}, services: {quota}});
  const frame = await tui.waitFor((f) => /Quota\s+\? 401 re-login/.test(f));
  assert.doesNotMatch(quotaRow(frame), /never fetched/);
  tui.unmount();
  tui = await renderTui({paths: fx.ccs.paths, width: 100, height: 30, route: {screen: 'quota', params: {provider: 'claude'}}, services: {quota}});
  await tui.waitFor((f) => /^\s+\? 401 re-login/m.test(f));
  quota.stop();
});

test('detail: while the usage request hangs the row says fetching…', async () => {
  const fx = await makeQuotaFixture();
  const {createServer} = await import('node:http');
  // A usage endpoint that accepts the request and never answers.
  const sockets = new Set<import('node:net').Socket>();
  const hang = createServer(() => undefined);
  hang.on('connection', (s) => sockets.add(s));
  await new Promise<void>((resolve) => hang.listen(0, '127.0.0.1', resolve));
  const port = (hang.address() as import('node:net').AddressInfo).port;
  fx.ccs.writeRaw('tui.json', JSON.stringify({endpoints: {claude: {usage: `http://127.0.0.1:${port}/usage`}}}));
  const quota = new QuotaPoller({paths: fx.ccs.paths, store: new AccountStore(fx.ccs.paths)});
  cleanup = async () => {
    quota.stop();
    for (const s of sockets) s.destroy();
    await new Promise((resolve) => hang.close(resolve));
    await fx.close();
  };
  tui = await renderTui({paths: fx.ccs.paths, width: 100, height: 30, route: {screen: 'detail', params: {provider: 'claude', accountId: 'user@example.com'}}, services: {quota}});
  await tui.waitFor((f) => /Quota\s+\? fetching…/.test(f));
});
