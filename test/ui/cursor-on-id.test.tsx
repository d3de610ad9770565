// The cursor follows the item when a list changes (hooks/useCursorOnId.ts), and a key that moved it
// in the same render as the change (an accounts reload while the person presses j) is kept.
import assert from 'node:assert/strict';
import {test} from 'node:test';
import {Text} from 'ink';
import {render} from 'ink-testing-library';
import type {AppAction} from '../../source/core/app-state.js';
import {useCursorOnId} from '../../source/ui/hooks/useCursorOnId.js';

function Probe({ids, stored, moves = 0, dispatched}: {ids: readonly string[]; stored: number; moves?: number; dispatched: AppAction[]}) {
  const at = useCursorOnId('providers', ids, stored, moves, (action) => dispatched.push(action));
  return <Text>{`on ${ids[at] ?? '-'}`}</Text>;
}

/**
 * The row shown after rendering `before` (the reducer's cursor at `from`), then `ids` with the
 * reducer's cursor at `stored`, in one render; `moved`: a key moved it (else the reducer set it: a filter's reset).
 */
function after(before: readonly string[], from: number, ids: readonly string[], stored: number, moved = stored !== from): string {
  const dispatched: AppAction[] = [];
  const view = render(<Probe ids={before} stored={from} dispatched={dispatched} />);
  view.rerender(<Probe ids={ids} stored={stored} moves={moved ? 1 : 0} dispatched={dispatched} />);
  const frame = view.lastFrame() ?? '';
  view.unmount();
  return frame;
}

const PROVIDERS = ['claude', 'codex', 'gemini'];

test('the list changes under a still cursor: it stays on its item', () => {
  assert.equal(after(PROVIDERS, 0, [...PROVIDERS], 0), 'on claude');
  assert.equal(after(PROVIDERS, 1, ['antigravity', ...PROVIDERS], 1), 'on codex');
  assert.equal(after(PROVIDERS, 1, ['claude', 'gemini'], 1), 'on gemini', 'its item gone: the same row');
  // H: a shorter list, the reducer's cursor past its end (no key moved it): still its item.
  const all = ['claude', 'codex', 'gemini', 'antigravity', 'qwen', 'iflow', 'kimi'];
  assert.equal(after(all, 4, ['claude', 'codex', 'qwen', 'kimi'], 4), 'on qwen');
  // A filter: the reducer puts the cursor back to the top, the list narrows; its item is still there.
  assert.equal(after(all, 4, ['gemini', 'qwen'], 0, false), 'on qwen');
  assert.equal(after(all, 4, ['gemini', 'kimi'], 0, false), 'on gemini', 'its item filtered out: the top');
});

test('a key moves the cursor in the same render as the list changes (a reload): the move is kept', () => {
  // j from claude, and the same providers as a new array (the accounts reloaded).
  assert.equal(after(PROVIDERS, 0, [...PROVIDERS], 1), 'on codex');
  // j from claude while a provider appeared before it: codex, the row below claude as the person saw it.
  assert.equal(after(PROVIDERS, 0, ['antigravity', ...PROVIDERS], 1), 'on codex');
  // k from gemini while claude went away: codex.
  assert.equal(after(PROVIDERS, 2, ['codex', 'gemini'], 1), 'on codex');
  // Moved onto an item that went away in the same render: the reducer's row.
  assert.equal(after(PROVIDERS, 0, ['claude', 'gemini'], 1), 'on gemini');
});

test('a key moves the cursor in an unchanged list: it goes where the key sent it', () => {
  const dispatched: AppAction[] = [];
  const view = render(<Probe ids={PROVIDERS} stored={0} dispatched={dispatched} />);
  view.rerender(<Probe ids={PROVIDERS} stored={2} moves={1} dispatched={dispatched} />);
  assert.equal(view.lastFrame(), 'on gemini');
  view.unmount();
  assert.deepEqual(dispatched, [], 'nothing to correct in the reducer');
});
