// What k9s and lazygit users look for first: H hides empty providers, o orders the accounts,
// : jumps to a provider or account by name.
import {cleanUp, renderTui, type TuiHandle} from '../helpers/ink.js';
import assert from 'node:assert/strict';
import {afterEach, test} from 'node:test';
import {sortAccounts} from '../../source/core/account-order.js';
import type {Account, QuotaWindow} from '../../source/core/types.js';
import {makeTempCcs, tokenFixture, type TempCcs} from '../helpers/ccs.js';
import {makeUiCcs} from './fixtures.js';

let ccs: TempCcs | undefined;
let tui: TuiHandle | undefined;
afterEach(() => ([tui, ccs] = cleanUp(tui, ccs)));

async function open() {
  ccs = makeUiCcs();
  tui = await renderTui({paths: ccs.paths, width: 100, height: 30});
  await tui.waitFor('alice@example.com');
  return tui;
}

test('H hides providers without accounts and shows them again', async () => {
  const t = await open();
  assert.match(t.frame(), /Gemini\s+0/);
  await t.press('H');
  let frame = await t.waitFor('Providers (2)');
  assert.doesNotMatch(frame, /Gemini/);
  assert.match(frame, /hiding providers without accounts/);
  await t.press('H');
  frame = await t.waitFor('Providers (12)');
  assert.match(frame, /Gemini\s+0/);
});

test('H, filters and o keep the cursor on the same provider and account (by id), not the same row', async () => {
  ccs = makeUiCcs();
  ccs.writeToken('qwen-quinn@example.com.json', tokenFixture('qwen', 'quinn@example.com'));
  ccs.writeToken('kimi-kim@example.com.json', tokenFixture('kimi', 'kim@example.com'));
  tui = await renderTui({paths: ccs.paths, width: 100, height: 30});
  const t = tui;
  await t.waitFor('alice@example.com');
  await t.press('j', 'j', 'j', 'j');
  await t.waitFor('Qwen accounts');
  await t.press('H'); // Qwen moves from row 5 to row 3
  let frame = await t.waitFor('Providers (4)');
  assert.match(frame, /› Qwen/);
  await t.press('H');
  frame = await t.waitFor('Providers (12)');
  assert.match(frame, /› Qwen/);
  // A filter that keeps the provider keeps the cursor on it.
  await t.press('/');
  await t.type('e');
  frame = await t.waitFor('/e');
  assert.match(frame, /› Qwen/);
  await t.press('escape');
  frame = await t.waitFor((f) => !f.includes('/e') && f.includes('Providers (12)'));
  assert.match(frame, /› Qwen/);
  await t.press('g');
  await t.waitFor('Claude accounts');
  await t.press('l');
  frame = await t.waitFor('▶ Claude accounts');
  assert.match(frame, /›[*★]?\s+work\s+alice@/);
  await t.press('o'); // by name: bob first; the cursor stays on work (alice)
  frame = await t.waitFor('accounts ordered by name');
  assert.ok(frame.indexOf('bob@example.com') < frame.indexOf('alice@example.com'));
  assert.match(frame, /›[*★]?\s+work\s+alice@/);
});

test('o orders the accounts: by name puts bob before work', async () => {
  const t = await open();
  await t.press('l');
  let frame = await t.waitFor('▶ Claude accounts');
  const order = (f: string) => [f.indexOf('alice@example.com'), f.indexOf('bob@example.com')];
  let [alice, bob] = order(frame);
  assert.ok(alice < bob, 'registered order: alice (work) first');
  await t.press('o');
  frame = await t.waitFor('accounts ordered by name');
  [alice, bob] = order(frame);
  assert.ok(bob < alice, 'by name: bob@… before work');
});

test(': jumps to an account in any provider, or to a provider by name', async () => {
  const t = await open();
  await t.press(':');
  await t.type('carol');
  let frame = await t.waitFor(':carol');
  assert.match(frame.split('\n').at(-1)!, /Enter done/);
  await t.press('enter');
  frame = await t.waitFor('▶ Codex accounts (1)');
  assert.match(frame, /›[*★]\s+carol@example.com/);
  await t.press(':');
  await t.type('gem');
  await t.press('enter');
  frame = await t.waitFor('Gemini accounts');
  assert.match(frame, /› Gemini/);
  await t.press(':');
  await t.type('nobody');
  await t.press('enter');
  await t.waitFor('no provider or account matches "nobody"');
  // A later jump that succeeds replaces that error, and says where it went.
  await t.press(':');
  await t.type('cod');
  await t.press('enter');
  frame = await t.waitFor('jumped to Codex');
  assert.doesNotMatch(frame, /no provider or account matches/);
  // Several matches: which one of how many, and `:` Enter (field empty) goes to the next.
  await t.press(':');
  await t.type('example');
  await t.press('enter');
  frame = await t.waitFor('1 of 3 matching "example"');
  assert.match(frame, /jumped to Claude \/ work — 1 of 3 matching "example"; : then Enter for the next/);
  assert.match(frame, /›[*★]?\s+work\s+alice@/);
  await t.press(':', 'enter');
  frame = await t.waitFor('2 of 3 matching "example"');
  assert.match(frame, /›\s+bob@example\.com/);
  await t.press(':', 'enter');
  frame = await t.waitFor('3 of 3 matching "example"');
  assert.match(frame, /›[*★]\s+carol@example\.com/);
});

test('the accounts filter says which other providers have accounts it matches', async () => {
  const t = await open();
  await t.press('l');
  await t.waitFor('▶ Claude accounts');
  await t.press('/');
  await t.type('carol');
  let frame = await t.waitFor('no Claude account matches');
  assert.match(frame, /no Claude account matches · found in Codex \(1\) \(h: providers\)/);
  await t.press('enter', 'h', 'j');
  frame = await t.waitFor('Codex accounts');
  assert.match(frame, /carol@example\.com/);
  await t.press('escape');
  await t.press('k', 'l', '/');
  await t.type('nobody');
  frame = await t.waitFor('no Claude account matches');
  assert.doesNotMatch(frame, /found in/);
});

test('sortAccounts: expiry soonest first, headroom most room first, unknown last, ties stable', () => {
  const now = Date.parse('2026-11-29T12:00:00Z');
  const account = (id: string, expiresAt?: string): Account => ({id, provider: 'claude', email: id, expiresAt, default: false, paused: false, health: 'ok', registered: true, tokenFile: `${id}.json`}) as Account;
  const a = account('a', '2026-11-29T15:00:00Z');
  const b = account('b', '2026-11-29T13:00:00Z');
  const c = account('c');
  assert.deepEqual(sortAccounts([a, b, c], 'expiry', () => undefined, now).map((x) => x.id), ['b', 'a', 'c']);
  const w = (used: number): QuotaWindow[] => [{kind: '5h', usedPct: used, resetsAt: '2026-11-29T14:00:00Z', windowSeconds: 18000, source: 'api', observedAt: '2026-11-29T11:59:00Z'} as QuotaWindow];
  const windows: Record<string, QuotaWindow[]> = {a: w(90), b: w(10)};
  assert.deepEqual(sortAccounts([a, b, c], 'headroom', (x) => windows[x.id], now).map((x) => x.id), ['b', 'a', 'c']);
  assert.deepEqual(sortAccounts([c, b, a], 'registered', () => undefined, now).map((x) => x.id), ['c', 'b', 'a']);
});

// Newcomer (s44): on an empty CCS dir, H left "no provider ma…" cut in a narrow pane and said "no
// account matches the filter" though no filter was set.
test('H on an empty CCS dir says no provider has an account, how to show them, and how to add one; whole, wrapped at the word, down to 60×20', async () => {
  for (const [width, height] of [[100, 24], [80, 24], [60, 20]]) {
    ccs = makeTempCcs();
    tui = await renderTui({paths: ccs.paths, width, height});
    await tui.waitFor('Providers (12)');
    await tui.press('H');
    const frame = await tui.waitFor('Providers (0)');
    // Each pane's text apart: the left one is a column of its own.
    const pane = (index: number) => frame.split('\n').map((line) => line.split(/[│┃]/)[index] ?? '').join(' ').replace(/\s+/g, ' ');
    assert.match(pane(1), /no provider has an account \(H shows every provider\)/, frame);
    assert.match(pane(3), /No account yet\. Press a to add one \(H shows every provider\)\./, frame);
    assert.doesNotMatch(frame, /matches the filter|no provider ma…/, frame);
    // Wrapped at the word, no line begun with the space it broke at (a column out of line).
    assert.deepEqual(frame.split('\n').flatMap((line) => line.split(/[│┃]/).filter((cell) => /^  \S/.test(cell))), [], frame);
    [tui, ccs] = cleanUp(tui, ccs);
  }
});
