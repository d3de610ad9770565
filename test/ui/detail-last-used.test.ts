// The account detail's "Last used": the latest use ccs-tui knows of and what it was (a request the
// proxy had answered, the token refreshed or issued, made the default), in words when there is none;
// no row of the detail is a bare dash.
import {renderTui, type TuiHandle} from '../helpers/ink.js';
import assert from 'node:assert/strict';
import {readFileSync} from 'node:fs';
import {afterEach, test} from 'node:test';
import {tokenFixture} from '../helpers/ccs.js';
import {askClaude, stopSupervised, supervisedProxy, type SupervisedProxy} from './supervised-proxy.js';
import {makeUiCcs} from './fixtures.js';

const API_KEY = 'last-used-key-0123456789abcdef';
const started: Partial<SupervisedProxy> & {tui?: TuiHandle} = {};
afterEach(() => stopSupervised(started));

const row = (frame: string, label: string) => frame.split('\n').find((l) => l.includes(`${label} `))?.replace(/[│┃]/g, '').trim() ?? '';

test('nothing recorded: "Last used" says so in words, and no row is a bare dash', async () => {
  const ccs = (started.ccs = makeUiCcs());
  // bob: no nickname, never refreshed (no last_refresh), never made the default.
  ccs.writeToken('claude-bob@example.com.json', tokenFixture('claude', 'bob@example.com', {last_refresh: undefined}));
  const tui = (started.tui = await renderTui({paths: ccs.paths, width: 160, height: 40, route: {screen: 'detail', params: {provider: 'claude', accountId: 'bob@example.com'}}}));
  const frame = await tui.waitFor('Last used');
  assert.match(row(frame, 'Last used'), /^Last used\s+none recorded \(ccs-tui records a request through its proxy, a token refresh, being made the default\)$/);
  assert.match(row(frame, 'Nickname'), /^Nickname\s+none \(n gives one\)$/);
  assert.match(row(frame, 'Paused since'), /^Paused since\s+not paused$/);
  for (const line of frame.split('\n')) assert.doesNotMatch(line.replace(/[│┃]/g, ''), /^\s*[A-Z][a-z ]+\s{2,}—\s*$/, `a bare dash: ${line}`);
});

test('the token refreshed, then made the default: "Last used" names the latest', async () => {
  const ccs = (started.ccs = makeUiCcs());
  const tui = (started.tui = await renderTui({paths: ccs.paths, width: 160, height: 40, route: {screen: 'detail', params: {provider: 'claude', accountId: 'bob@example.com'}}}));
  let frame = await tui.waitFor('Last used');
  assert.match(row(frame, 'Last used'), /\((just now|\d+s ago)\), its token refreshed or issued$/);
  await tui.press('u');
  frame = await tui.waitFor((f) => row(f, 'Last used').endsWith(', made the default'));
  assert.match(row(frame, 'Last used'), /\((just now|\d+s ago)\), made the default$/);
});

test('a request through the proxy is recorded (account state `served`) and is the detail\'s "Last used"', async () => {
  const {ccs, supervisor} = await supervisedProxy(API_KEY, started);
  // Refreshed an hour ago: the request is the latest use.
  ccs.writeToken('claude-alice@example.com.json', tokenFixture('claude', 'alice@example.com', {last_refresh: new Date(Date.now() - 3600_000).toISOString()}));
  const tui = (started.tui = await renderTui({paths: ccs.paths, width: 160, height: 40, services: {proxy: supervisor}}));
  await tui.waitFor('alice@example.com');
  await tui.press('l', 'S');
  for (const deadline = Date.now() + 15_000; supervisor.current.phase !== 'running' && Date.now() < deadline; ) await new Promise((resolve) => setTimeout(resolve, 50));
  assert.equal((await askClaude(supervisor.current.port!, API_KEY)).status, 200);
  // S opened the proxy screen: back to the accounts, work under the cursor.
  await tui.press('1');
  await tui.waitFor(/›.*work\s+alice@example\.com/);
  await tui.press('enter');
  const frame = await tui.waitFor((f) => row(f, 'Last used').endsWith(', a request through the proxy'), 5000);
  assert.match(row(frame, 'Last used'), /\((just now|\d+s ago)\), a request through the proxy$/);
  const state = JSON.parse(readFileSync(ccs.paths.accountState, 'utf8')) as Record<string, {served?: string}>;
  assert.ok(Object.values(state).some((entry) => typeof entry.served === 'string'), JSON.stringify(state));
});

test('a screen key pressed while S starts the proxy wins: the proxy screen does not take over when the start ends', async () => {
  const {ccs, supervisor} = await supervisedProxy(API_KEY, started);
  const tui = (started.tui = await renderTui({paths: ccs.paths, width: 160, height: 40, services: {proxy: supervisor}}));
  await tui.waitFor('alice@example.com');
  await tui.press('l', 'S');
  // Before the child listens (it takes a process start): another screen.
  await tui.press('2');
  await tui.waitFor(/\[2 Quota\]/);
  for (const deadline = Date.now() + 15_000; supervisor.current.phase !== 'running' && Date.now() < deadline; ) await new Promise((resolve) => setTimeout(resolve, 50));
  assert.equal(supervisor.current.phase, 'running');
  await new Promise((resolve) => setTimeout(resolve, 500));
  assert.match(tui.frame(), /\[2 Quota\]/, 'the proxy screen took over after another screen was chosen');
});
