// The proxy screen's `r` on a pool (`S` on Claude, then `4`, then `r`): the screen, the log tail and
// the requests agree on the account serving, and keep agreeing after the proxy's next status. A run
// on one account (`e`, `ccs-tui run claude work`) switches the running proxy to it: the screen says
// it is served alone, never "pool". The real proxy child under the real supervisor, a fake upstream.
import {renderTui, type TuiHandle} from '../helpers/ink.js';
import assert from 'node:assert/strict';
import {afterEach, test} from 'node:test';
import {serveOnRunningProxy} from '../../source/services/proxy/control.js';
import {askClaude, stopSupervised, supervisedProxy, type SupervisedProxy} from './supervised-proxy.js';

const API_KEY = 'pool-rotate-key-0123456789abcdef';
const tokenOf = (email: string) => `Bearer at-claude-${email}-0123456789abcdef`;

/** What the test started, stopped in its `finally` whatever happened. */
const started: Partial<SupervisedProxy> & {tui?: TuiHandle} = {};
afterEach(() => stopSupervised(started));

async function ask(port: number): Promise<string | undefined> {
  const upstream = started.upstream!;
  const before = upstream.requests.length;
  const res = await askClaude(port, API_KEY);
  assert.equal(res.status, 200, await res.text());
  return upstream.requests.slice(before).at(-1)?.headers.authorization as string | undefined;
}

test('`r` on a pool: the screen, the log tail and every later request agree on the new account; a run on one account shows it pinned', async () => {
  const {ccs, supervisor} = await supervisedProxy(API_KEY, started);
  const tui = (started.tui = await renderTui({paths: ccs.paths, width: 160, height: 40, route: {screen: 'proxy', params: {provider: 'claude'}}, services: {proxy: supervisor}}));
  await tui.press('s');
  await tui.waitFor('● running', 15_000);
  await tui.waitFor(/Serving\s+claude \/ pool of 2 · now work/, 5000);
  const port = supervisor.current.port!;
  assert.equal(await ask(port), tokenOf('alice@example.com'));

  await tui.press('r');
  await tui.waitFor('claude now serves bob@example.com', 5000);
  for (let i = 0; i < 3; i++) assert.equal(await ask(port), tokenOf('bob@example.com'), `request ${i} after r`);
  await tui.waitFor(/→ claude\/bob@example\.com 200/, 5000);
  // The proxy's status comes every second: after two, the screen still names the account that serves.
  await new Promise((resolve) => setTimeout(resolve, 2200));
  assert.match(tui.frame(), /Serving\s+claude \/ pool of 2 · now bob@example\.com/);
  assert.equal(await ask(port), tokenOf('bob@example.com'));

  // `e` on an account (or `ccs-tui run claude work`) with this proxy running: it serves that account alone.
  await serveOnRunningProxy(ccs.paths, port, 'claude', 'alice@example.com');
  await tui.waitFor('claude now serves only work (pinned: no other account of the pool)', 5000);
  const pinned = await tui.waitFor(/Serving\s+claude \/ work\s/, 5000);
  assert.doesNotMatch(pinned, /Serving .*pool/);
  assert.equal(await ask(port), tokenOf('alice@example.com'));
});
