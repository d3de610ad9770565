// The cursor follows the item when a list changes (hooks/useCursorOnId.ts), and a key that moved it
// in the same render as the change (an accounts reload while the person presses j) is kept: the
// move is made again from where the item is now.
import assert from 'node:assert/strict';
import {test} from 'node:test';
import {Text} from 'ink';
import {render} from 'ink-testing-library';
import {moveCursor, type AppAction, type CursorMove, type CursorMoveMade} from '../../source/core/app-state.js';
import {useCursorOnId} from '../../source/ui/hooks/useCursorOnId.js';

/** A key's move made before the probe mounted: the person has moved this cursor (it keeps to its item). */
const EARLIER: CursorMoveMade = {move: 'down', page: 2};

function Probe(props: {list?: string; ids: readonly string[]; stored: number; moved?: CursorMoveMade | null; others?: Record<string, CursorMoveMade>; untouched?: 'item' | 'row'; dispatched: AppAction[]}) {
  const {list = 'providers', ids, stored, moved = EARLIER, others, untouched, dispatched} = props;
  const at = useCursorOnId(list, ids, stored, {...others, ...(moved ? {[list]: moved} : {})}, (action) => dispatched.push(action), {untouched});
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

test('a cursor no one has moved follows its item, or with untouched: row (the quota dashboard) stays on its row', () => {
  for (const [untouched, expected] of [['item', 'on claude'], ['row', 'on codex']] as const) {
    const dispatched: AppAction[] = [];
    const view = render(<Probe ids={PROVIDERS} stored={0} moved={null} untouched={untouched} dispatched={dispatched} />);
    view.rerender(<Probe ids={['codex', 'gemini', 'claude']} stored={0} moved={null} untouched={untouched} dispatched={dispatched} />);
    assert.equal(view.lastFrame(), expected, untouched);
    view.unmount();
  }
  // Once moved, it follows its item there too.
  const dispatched: AppAction[] = [];
  const view = render(<Probe ids={PROVIDERS} stored={1} untouched="row" dispatched={dispatched} />);
  view.rerender(<Probe ids={['codex', 'gemini', 'claude']} stored={1} untouched="row" dispatched={dispatched} />);
  assert.equal(view.lastFrame(), 'on codex');
  view.unmount();
});

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

test('a jump recorded for another list before the hook mounted is old when that list comes (another provider\'s accounts, after a screen change)', () => {
  const dispatched: AppAction[] = [];
  // `:` bob jumped to claude's bob; then the cursor went on to dave without a key (bob filtered
  // out, the filter cleared), the person selected codex, and the screen changed and came back.
  const moves = {'accounts:claude': {to: 'bob'} as CursorMoveMade};
  const view = render(<Probe list="accounts:codex" ids={['carol']} stored={0} others={moves} dispatched={dispatched} />);
  // k: claude again, its cursor on dave.
  view.rerender(<Probe list="accounts:claude" ids={['alice', 'bob', 'dave']} stored={2} moved={null} others={moves} dispatched={dispatched} />);
  assert.equal(view.lastFrame(), 'on dave');
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

test('a jump made for when the list shows (a login\'s new account) is made when it shows, and once only: kept as a plain jump, old to the next mount', () => {
  const dispatched: AppAction[] = [];
  const jump: CursorMoveMade = {to: 'erin', whenShown: {until: Date.now() + 60_000}};
  const read = ['alice', 'erin', 'bob'];
  // Made while the login screen showed; the list comes back before the files are read again, then with it.
  const view = render(<Probe list="accounts:claude" ids={['alice', 'bob']} stored={0} moved={jump} dispatched={dispatched} />);
  assert.equal(view.lastFrame(), 'on alice');
  view.rerender(<Probe list="accounts:claude" ids={read} stored={0} moved={jump} dispatched={dispatched} />);
  assert.equal(view.lastFrame(), 'on erin');
  // The reducer is told to keep it as a plain jump.
  const kept = dispatched.find((a) => a.type === 'setCursor' && a.id === 'erin');
  assert.deepEqual(kept, {type: 'setCursor', list: 'accounts:claude', index: 1, id: 'erin'});
  // Made once: the cursor set on bob afterwards (the reducer's, the list unchanged) stays there.
  view.rerender(<Probe list="accounts:claude" ids={read} stored={2} moved={jump} dispatched={dispatched} />);
  assert.equal(view.lastFrame(), 'on bob');
  view.unmount();
  // The screen comes back later, the cursor moved on without a key (a filter's reset): the plain jump is old.
  const back = render(<Probe list="accounts:claude" ids={read} stored={2} moved={{to: 'erin'}} dispatched={dispatched} />);
  assert.equal(back.lastFrame(), 'on bob');
  back.unmount();
  // Made for another provider's list: made when that list comes (k onto claude), not at mount.
  const other = render(<Probe list="accounts:codex" ids={['carol']} stored={0} moved={null} others={{'accounts:claude': jump}} dispatched={dispatched} />);
  other.rerender(<Probe list="accounts:claude" ids={['alice', 'bob', 'erin']} stored={0} moved={null} others={{'accounts:claude': jump}} dispatched={dispatched} />);
  assert.equal(other.lastFrame(), 'on erin');
  other.unmount();
  // Its item not listed (filtered out) when its wait is over: dropped, kept as a plain jump all the same (never made later).
  const over: CursorMoveMade = {to: 'erin', whenShown: {until: Date.now() - 1}};
  const count = dispatched.length;
  const hidden = render(<Probe list="accounts:claude" ids={['alice', 'bob']} stored={1} moved={over} dispatched={dispatched} />);
  assert.equal(hidden.lastFrame(), 'on bob');
  assert.ok(dispatched.slice(count).some((a) => a.type === 'setCursor' && a.id === 'erin' && !('whenShown' in a)));
  hidden.rerender(<Probe list="accounts:claude" ids={read} stored={1} moved={over} dispatched={dispatched} />);
  assert.equal(hidden.lastFrame(), 'on bob');
  hidden.unmount();
});
