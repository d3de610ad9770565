// The help overlay's columns never run into each other: at every width from 80 (and at 60×20, the
// compact minimum) each description, read back from the screen up to the gap before the next
// column, is the keymap's description whole, and nothing of the next column is glued to it.
import {cleanUp, renderTui, type TuiHandle} from '../helpers/ink.js';
import assert from 'node:assert/strict';
import {afterEach, test} from 'node:test';
import type {Route} from '../../source/core/app-state.js';
import {bindingsFor, KEY_PAIRS, keyLabel} from '../../source/core/keymap.js';
import {routeScopes} from '../../source/ui/router.js';
import type {TempCcs} from '../helpers/ccs.js';
import {makeUiCcs} from './fixtures.js';

let ccs: TempCcs | undefined;
let tui: TuiHandle | undefined;
afterEach(() => ([tui, ccs] = cleanUp(tui, ccs)));

/** The key column of a help row (Chrome.tsx HelpOverlay), in cells. */
const KEY_COLUMN = 11;

/**
 * Reads every binding shown in a help frame back: the row whose key slot holds its keys, the text
 * right of it up to two spaces or the border, and the rows below it with an empty key slot.
 * Returns the bindings read (action → text read) that differ from their description.
 */
function misread(frame: string, route: Route): {found: number; wrong: string[]} {
  const rows = frame.split('\n');
  const wrong: string[] = [];
  let found = 0;
  const textAt = (row: string, x: number) => (/^(.*?)(?: {2,}|│|$)/.exec(row.slice(x))![1] ?? '').trim();
  for (const binding of bindingsFor(routeScopes(route))) {
    const slot = binding.keys.map(keyLabel).join(' ').padEnd(KEY_COLUMN);
    let at: {r: number; x: number} | undefined;
    for (const [r, row] of rows.entries()) {
      for (let x = row.indexOf(slot); x >= 0 && !at; x = row.indexOf(slot, x + 1)) {
        if (row[x - 1] === ' ' && row[x + KEY_COLUMN] !== ' ') at = {r, x};
      }
      if (at) break;
    }
    if (!at) continue;
    found++;
    const words = [textAt(rows[at.r]!, at.x + KEY_COLUMN)];
    for (let r = at.r + 1; r < rows.length && rows[r]!.slice(at.x, at.x + KEY_COLUMN).trim() === '' && rows[r]![at.x + KEY_COLUMN] !== ' '; r++) {
      const more = textAt(rows[r]!, at.x + KEY_COLUMN);
      if (!more || /^[↑↓]/.test(more)) break;
      words.push(more);
    }
    const read = words.join(' ');
    if (read !== binding.description) wrong.push(`${binding.action}: read "${read}"`);
  }
  return {found, wrong};
}

for (const route of [{screen: 'home', params: {}}, {screen: 'models', params: {provider: 'claude'}}, {screen: 'quota', params: {}}, {screen: 'proxy', params: {}}] as Route[]) {
  test(`help on ${route.screen}: columns never run into each other at 60×20 and at every width from 80 to 200`, async () => {
    ccs = makeUiCcs();
    tui = await renderTui({paths: ccs.paths, width: 60, height: 20, route});
    await tui.waitFor(/Claude accounts|Models \d+|claude · work|Proxy/);
    await tui.press('?');
    await tui.waitFor('Keys (');
    const sizes: Array<[number, number]> = [[60, 20]];
    for (let width = 80; width <= 200; width += 3) sizes.push([width, 40]);
    sizes.push([120, 40], [120, 30], [100, 30], [160, 24]);
    for (const [width, height] of sizes) {
      await tui.resize(width, height);
      const frame = await tui.waitFor('Keys (');
      const {found, wrong} = misread(frame, route);
      assert.ok(found >= 5, `${width}×${height}: only ${found} bindings found\n${frame}`);
      assert.deepEqual(wrong, [], `${width}×${height}\n${frame}`);
    }
  });
}

test('help keeps pairs together: k ↑ / j ↓ (and every other pair) in one column, one under the other, at every size', async () => {
  ccs = makeUiCcs();
  tui = await renderTui({paths: ccs.paths, width: 120, height: 40, route: {screen: 'home', params: {}}});
  await tui.waitFor('Claude accounts');
  await tui.press('?');
  await tui.waitFor('Keys (');
  const bindings = bindingsFor(routeScopes({screen: 'home', params: {}}));
  const where = (frame: string, action: string): {r: number; x: number} | undefined => {
    const binding = bindings.find((b) => b.action === action);
    if (!binding) return undefined;
    const slot = binding.keys.map(keyLabel).join(' ').padEnd(KEY_COLUMN);
    for (const [r, row] of frame.split('\n').entries()) {
      const x = row.indexOf(` ${slot}`);
      if (x >= 0 && row[x + 1 + KEY_COLUMN] !== ' ') return {r, x};
    }
    return undefined;
  };
  const sizes = [100, 120, 160].flatMap((w) => Array.from({length: 27}, (_, i) => [w, 24 + i] as const));
  for (const [w, h] of sizes) {
    await tui.resize(w, h);
    const frame: string = await tui.waitFor('Keys (');
    for (const [first, second] of KEY_PAIRS) {
      const [a, b] = [where(frame, first), where(frame, second)];
      if (!a || !b) continue;
      assert.equal(b.x, a.x, `${first} and ${second} in different columns at ${w}×${h}:\n${frame}`);
      assert.ok(b.r > a.r, `${second} not under ${first} at ${w}×${h}:\n${frame}`);
    }
  }
});

test('help that scrolls (60×20): G and End show the last page, full; k then moves up at once; g goes back to the top', async () => {
  ccs = makeUiCcs();
  tui = await renderTui({paths: ccs.paths, width: 60, height: 20});
  await tui.waitFor('work · alice');
  const bindings = bindingsFor(routeScopes({screen: 'home', params: {}} as Route));
  const last = bindings.at(-1)!;
  const first = bindings[0]!;
  const keyOf = (b: typeof last) => b.keys.map(keyLabel).join(' ');
  for (const bottom of ['G', 'end'] as const) {
    await tui.press('?');
    await tui.waitFor(/more · j\/k scroll/);
    await tui.press(bottom);
    const frame = await tui.waitFor((f) => f.includes(`│ ${keyOf(last).padEnd(KEY_COLUMN)}`) || f.includes(` ${keyOf(last).padEnd(KEY_COLUMN)}${last.description.slice(0, 10)}`));
    assert.doesNotMatch(frame, /↓ \d+ more/, `${bottom}: nothing below the last page`);
    const above = Number(/↑ (\d+) above/.exec(frame)?.[1]);
    assert.ok(above > 0, frame);
    // The page is full: one entry up would not fit below, so k shows exactly one more above.
    await tui.press('k');
    await tui.waitFor(`↑ ${above - 1} above`);
    await tui.press('g');
    await tui.waitFor((f) => !/↑ \d+ above/.test(f) && f.includes(keyOf(first)));
    await tui.press('escape');
    await tui.waitFor('work · alice');
  }
});
