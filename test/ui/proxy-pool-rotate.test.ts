// The proxy screen's `r` on a pool (`S` on Claude, then `4`, then `r`): the screen, the log tail and
// the requests agree on the account serving, and keep agreeing after the proxy's next status. A run
// on one account (`e`, `ccs-tui run claude work`) switches the running proxy to it: the screen says
// it is served alone, never "pool". The real proxy child under the real supervisor, a fake upstream.
import {renderTui, type TuiHandle} from '../helpers/ink.js';
import assert from 'node:assert/strict';
import {afterEach, test} from 'node:test';
import {serveOnRunningProxy} from '../../source/services/proxy/control.js';
import {askClaude, stopSupervised, supervisedProxy, type SupervisedProxy} from './supervised-proxy.js';
import {runBin} from '../helpers/cli.js';
import type {Route} from '../../source/core/app-state.js';

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

/** The UI fixture's accounts reaching a fake upstream, the real proxy child under the real supervisor, the TUI on `route`. */
async function proxyTui(route?: Route) {
  const {ccs, supervisor} = await supervisedProxy(API_KEY, started);
  const tui = (started.tui = await renderTui({paths: ccs.paths, width: 160, height: 40, route, services: {proxy: supervisor}}));
  return {ccs, supervisor, tui};
}

test('`r` on a pool: the screen, the log tail and every later request agree on the new account; a run on one account shows it pinned', async () => {
  const {ccs, supervisor, tui} = await proxyTui({screen: 'proxy', params: {provider: 'claude'}});
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
  await tui.waitFor("claude now serves only work (pinned: the pool's other accounts are not used)", 5000);
  const pinned = await tui.waitFor(/Serving\s+claude \/ work\s/, 5000);
  assert.doesNotMatch(pinned, /Serving .*pool/);
  assert.equal(await ask(port), tokenOf('alice@example.com'));
});

// `r` on a proxy serving every provider rotates the provider selected on the accounts screen, and
// the status line says the proxy's own answer: the account now first, or why none (one account only).
test('every provider served: `r` rotates the selected provider and says so; a provider of one account gets the proxy\'s refusal', async () => {
  const {supervisor, tui} = await proxyTui();
  await tui.waitFor('alice@example.com');
  await tui.press('4');
  await tui.waitFor('○ stopped');
  await tui.press('s');
  await tui.waitFor('● running', 15_000);
  assert.equal(supervisor.current.target.provider, undefined, 'serving every provider');
  // Claude is selected on the accounts screen (the first provider): its pool moves on.
  await tui.press('r');
  let frame = await tui.waitFor('rotated: claude now serves bob@example.com first', 5000);
  assert.doesNotMatch(frame, /error:/);
  assert.match(frame, /claude now serves bob@example\.com/, 'the log tail says the same');
  // Codex (one account) selected: the proxy's answer, not a success.
  await tui.press('1', 'j');
  await tui.waitFor(/› Codex/);
  await tui.press('4', 'r');
  // On the status line (the log tail has the proxy's line too).
  const statusLine = (f: string) => f.split('\n').at(-2) ?? '';
  frame = await tui.waitFor((f) => statusLine(f).includes('codex: no other healthy account to rotate to'), 5000);
  assert.doesNotMatch(statusLine(frame), /rotated:|error:/, 'an answer, said as information');
  // A refused rotate is the person's answer, no error of the proxy: the Error row stays a dash (in
  // the frame that says it, and after the proxy's next status), the log says it was refused.
  const errorRow = (f: string) => f.split('\n').find((l) => /^\W*Error\s/.test(l)) ?? '';
  assert.match(errorRow(frame), /Error\s+—\s*\W*$/, errorRow(frame));
  frame = await tui.waitFor(/warning: rotate refused: codex: no other healthy account to rotate to/, 5000);
  await new Promise((resolve) => setTimeout(resolve, 1200));
  assert.match(errorRow(tui.frame()), /Error\s+—\s*\W*$/, errorRow(tui.frame()));
});

test('the Error row: an upstream error shows until a request succeeds after it, then a dash first and the error as history', async () => {
  const {supervisor, tui} = await proxyTui({screen: 'proxy', params: {provider: 'claude'}});
  await tui.press('s');
  await tui.waitFor('● running', 15_000);
  const port = supervisor.current.port!;
  const upstream = started.upstream!;
  const answer = upstream.handler;
  upstream.handler = (_req, res) => void res.writeHead(400, {'content-type': 'application/json'}).end(JSON.stringify({type: 'error', error: {type: 'invalid_request_error', message: 'bad thing'}}));
  await askClaude(port, API_KEY).then((res) => res.text());
  const errorRow = (f: string) => f.split('\n').find((l) => /^\W*Error\s/.test(l)) ?? '';
  let frame = await tui.waitFor((f) => /Error\s+(just now|\d+s ago)/.test(errorRow(f)), 5000);
  assert.doesNotMatch(errorRow(frame), /succeeded/);
  upstream.handler = answer;
  assert.equal((await askClaude(port, API_KEY)).status, 200);
  frame = await tui.waitFor((f) => errorRow(f).includes('— requests have succeeded since the last error, '), 5000);
  assert.match(errorRow(frame), /the last error, (just now|\d+s ago) \(at (?:\d{4}-\d\d-\d\d )?\d\d:\d\d:\d\d\): claude\//);
  // `proxy status` says the same, in its words and in --json.
  const text = await runBin(['proxy', 'status'], started.ccs!.env);
  assert.match(text.stdout, /last error (just now|\d+s ago) \(at (?:\d{4}-\d\d-\d\d )?\d\d:\d\d:\d\d\), requests have succeeded since: claude\//, text.stdout + text.stderr);
  const json = JSON.parse((await runBin(['proxy', 'status', '--json'], started.ccs!.env)).stdout) as {lastErrorAt: string; lastErrorServedSince: string};
  assert.ok(Date.parse(json.lastErrorServedSince) >= Date.parse(json.lastErrorAt), JSON.stringify(json));
});
