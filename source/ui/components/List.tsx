// A windowed list: only the rows that fit are rendered, whatever the list length.
import {Box} from 'ink';
import {Text} from './Text.js';
import {useRef, type ReactNode} from 'react';
import {listWindow} from '../../core/list-window.js';

export interface ListProps<T> {
  items: readonly T[];
  /** Selected index, -1 for none. */
  cursor: number;
  height: number;
  renderRow(item: T, index: number, selected: boolean): ReactNode;
  keyOf(item: T): string;
  emptyText?: string;
}

export function List<T>({items, cursor, height, renderRow, keyOf, emptyText}: ListProps<T>) {
  const start = useRef(0);
  const window = listWindow(items.length, cursor, height, start.current);
  start.current = window.start;
  if (items.length === 0) {
    return (
      <Box height={height}>
        <Text dimColor wrap="truncate">
          {emptyText ?? '(empty)'}
        </Text>
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
