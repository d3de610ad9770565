// The cursor follows the item when a list changes (hooks/useCursorOnId.ts), and a key that moved it
// in the same render as the change (an accounts reload while the person presses j) is kept: the
// move is made again from where the item is now.
import assert from 'node:assert/strict';
import {test} from 'node:test';
import {Text} from 'ink';
import {render} from 'ink-testing-library';
import {moveCursor, type AppAction, type CursorMove, type CursorMoveMade} from '../../source/core/app-state.js';
import {useCursorOnId} from '../../source/ui/hooks/useCursorOnId.js';

function Probe({ids, stored, moved, dispatched}: {ids: readonly string[]; stored: number; moved?: CursorMoveMade; dispatched: AppAction[]}) {
  const at = useCursorOnId('providers', ids, stored, moved, (action) => dispatched.push(action));
  return <Text>{`on ${ids[at] ?? '-'}`}</Text>;
}

/**
 * The row shown after rendering `before` with the cursor on row `from`, then `ids` in one render
 * with the reducer's cursor as `change` left it: a key's move (made on `before`, as the reducer
 * makes it), or a row the reducer set (a filter's reset to the top).
 */
function after(before: readonly string[], from: number, ids: readonly string[], change: {move: CursorMove} | {set: number}): string {
  const dispatched: AppAction[] = [];
  const view = render(<Probe ids={before} stored={from} dispatched={dispatched} />);
  if ('move' in change) {
    const stored = moveCursor(from, change.move, before.length, 2);
    view.rerender(<Probe ids={ids} stored={stored} moved={{move: change.move, page: 2}} dispatched={dispatched} />);
  } else view.rerender(<Probe ids={ids} stored={change.set} dispatched={dispatched} />);
  const frame = view.lastFrame() ?? '';
  view.unmount();
  return frame;
}

const PROVIDERS = ['claude', 'codex', 'gemini'];
const ALL = ['claude', 'codex', 'gemini', 'antigravity', 'qwen', 'iflow', 'kimi'];

test('the list changes under a still cursor: it stays on its item', () => {
  assert.equal(after(PROVIDERS, 0, [...PROVIDERS], {set: 0}), 'on claude');
  assert.equal(after(PROVIDERS, 1, ['antigravity', ...PROVIDERS], {set: 1}), 'on codex');
  assert.equal(after(PROVIDERS, 1, ['claude', 'gemini'], {set: 1}), 'on gemini', 'its item gone: the same row');
  // H: a shorter list, the reducer's cursor past its end (no key moved it): still its item.
  assert.equal(after(ALL, 4, ['claude', 'codex', 'qwen', 'kimi'], {set: 4}), 'on qwen');
  // A filter: the reducer puts the cursor back to the top, the list narrows; its item is still there.
  assert.equal(after(ALL, 4, ['gemini', 'qwen'], {set: 0}), 'on qwen');
  assert.equal(after(ALL, 4, ['gemini', 'kimi'], {set: 0}), 'on gemini', 'its item filtered out: the top');
});

test('a key moves the cursor in the same render as the list changes (a reload): the move is made from where its item is now', () => {
  // j from claude, and the same providers as a new array (the accounts reloaded).
  assert.equal(after(PROVIDERS, 0, [...PROVIDERS], {move: 'down'}), 'on codex');
  // j from claude while a provider appeared before it: the row below claude.
  assert.equal(after(PROVIDERS, 0, ['antigravity', ...PROVIDERS], {move: 'down'}), 'on codex');
  // k from gemini while claude went away: codex.
  assert.equal(after(PROVIDERS, 2, ['codex', 'gemini'], {move: 'up'}), 'on codex');
  // j from claude while codex went away: the row below claude now.
  assert.equal(after(PROVIDERS, 0, ['claude', 'gemini'], {move: 'down'}), 'on gemini');
  // j from c while the row below it went and two came above: never above c.
  assert.equal(after(['a', 'b', 'c', 'd'], 2, ['x', 'y', 'a', 'b', 'c'], {move: 'down'}), 'on c');
  // G and g go to the ends of the list as it is now.
  assert.equal(after(['a', 'b', 'c'], 0, ['a', 'b', 'c', 'd', 'e'], {move: 'bottom'}), 'on e');
  assert.equal(after(['a', 'b', 'c'], 2, ['x', 'a', 'b', 'c'], {move: 'top'}), 'on x');
  // PgDn (a page of 2 here) from a while a row came above it.
  assert.equal(after(['a', 'b', 'c', 'd'], 0, ['x', 'a', 'b', 'c', 'd'], {move: 'pageDown'}), 'on c');
});

test('a key moves the cursor in an unchanged list: it goes where the key sent it', () => {
  const dispatched: AppAction[] = [];
  const view = render(<Probe ids={PROVIDERS} stored={0} dispatched={dispatched} />);
  view.rerender(<Probe ids={PROVIDERS} stored={2} moved={{move: 'bottom', page: 2}} dispatched={dispatched} />);
  assert.equal(view.lastFrame(), 'on gemini');
  view.unmount();
  assert.deepEqual(dispatched, [], 'nothing to correct in the reducer');
});

test('a jump to an item lands on it even when the list changes in the same render, and acts once', () => {
  const dispatched: AppAction[] = [];
  const view = render(<Probe ids={PROVIDERS} stored={0} dispatched={dispatched} />);
  // `:` gemini computed row 2; a provider appeared above it in the same render.
  const jump: CursorMoveMade = {to: 'gemini'};
  view.rerender(<Probe ids={['antigravity', ...PROVIDERS]} stored={2} moved={jump} dispatched={dispatched} />);
  assert.equal(view.lastFrame(), 'on gemini');
  assert.deepEqual(dispatched.at(-1), {type: 'setCursor', list: 'providers', index: 3}, 'the reducer is told the row');
  // Later reloads follow the item as usual; the old jump does not pull the cursor back after a key.
  view.rerender(<Probe ids={['antigravity', ...PROVIDERS]} stored={3} moved={jump} dispatched={dispatched} />);
  view.rerender(<Probe ids={['antigravity', 'claude', 'codex', 'gemini', 'kimi']} stored={4} moved={{move: 'down', page: 2}} dispatched={dispatched} />);
  assert.equal(view.lastFrame(), 'on kimi');
  view.unmount();
});

test('a move recorded before the list was drawn (the screen came back) is not made again', () => {
  const dispatched: AppAction[] = [];
  const jump: CursorMoveMade = {to: 'claude'};
  // The cursor moved on from claude since that jump, without a key (a filter's reset to the top).
  const view = render(<Probe ids={PROVIDERS} stored={1} moved={jump} dispatched={dispatched} />);
  view.rerender(<Probe ids={[...PROVIDERS]} stored={1} moved={jump} dispatched={dispatched} />);
  assert.equal(view.lastFrame(), 'on codex');
  view.unmount();
});
