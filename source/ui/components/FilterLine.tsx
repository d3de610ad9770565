// The `/` filter line under a list: the field while it is being typed, then the kept filter with
// how to clear it. One per filter key (core/app-state.ts filterKeyOf); nothing when unused.
import {Box} from 'ink';
import {Text} from './Text.js';
import {filterOf} from '../../core/app-state.js';
import {actionKey} from '../../core/keymap.js';
import {holdsCredential} from '../../core/sanitize.js';
import {useShell} from '../shell.js';
import {DraftText} from './TextField.js';

/** True when the filter line of `list` takes a row (being typed, or a filter is kept). */
export function useFilterShown(list: string): boolean {
  const {state} = useShell();
  return state.filterEditing?.list === list || filterOf(state, list) !== '';
}

export function FilterLine({list}: {list: string}) {
  const {state} = useShell();
  const editing = state.filterEditing?.list === list ? state.filterEditing : undefined;
  const text = filterOf(state, list);
  if (!editing && !text) return null;
  return (
    <Box>
      <Text>/</Text>
      {editing ? <DraftText draft={editing.draft} focus /> : <Text wrap="truncate">{`${holdsCredential(text) ? '•'.repeat(text.length) : text}  (${actionKey('back')} clears)`}</Text>}
    </Box>
  );
}
