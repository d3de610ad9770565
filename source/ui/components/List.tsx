// A windowed list: only the rows that fit are rendered, whatever the list length.
import {Box} from 'ink';
import {Text} from './Text.js';
import {useRef, type ReactNode} from 'react';
import {listWindow, type ListWindow} from '../../core/list-window.js';

export interface ListProps<T> {
  items: readonly T[];
  /** Selected index, -1 for none. */
  cursor: number;
  height: number;
  renderRow(item: T, index: number, selected: boolean): ReactNode;
  keyOf(item: T): string;
  emptyText?: string;
  /** The rows to draw, when the screen works them out itself (useListWindow: it needs to know them too). */
  window?: ListWindow;
}

/**
 * The visible rows of a list of `total` with the cursor at `cursor`: the window moves only when the
 * cursor would leave it, so it remembers its previous start across renders.
 */
export function useListWindow(total: number, cursor: number, height: number): ListWindow {
  const start = useRef(0);
  const window = listWindow(total, cursor, height, start.current);
  start.current = window.start;
  return window;
}

export function List<T>({items, cursor, height, renderRow, keyOf, emptyText, window: given}: ListProps<T>) {
  const own = useListWindow(items.length, cursor, height);
  const window = given ?? own;
  if (items.length === 0) {
    return (
      // Word by word, wrapped by the layout: Ink's own wrapping starts a line with the space it broke at.
      <Box height={height} flexWrap="wrap" columnGap={1}>
        {(emptyText ?? '(empty)').split(' ').map((word, index) => (
          <Text key={index} dimColor wrap="truncate">
            {word}
          </Text>
        ))}
      </Box>
    );
  }
  const rows: ReactNode[] = [];
  for (let index = window.start; index < window.end; index++) {
    const item = items[index]!;
    rows.push(<Box key={keyOf(item)}>{renderRow(item, index, index === cursor)}</Box>);
  }
  return (
    <Box flexDirection="column" height={height}>
      {rows}
    </Box>
  );
}
