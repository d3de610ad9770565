// The frame around every screen: title bar, problem banner, status line, key-hint bar, the `?`
// overlay and the too-small screen. All key texts come from the keymap table.
import {Box} from 'ink';
import {Text} from './Text.js';
import {useEffect, type ReactNode} from 'react';
import {actionKey, bindingsFor, keyLabel, pairedWith, type KeyAction, type KeyBinding, type KeyScope} from '../../core/keymap.js';
import {sanitizeLine} from '../../core/sanitize.js';
import {cellWidth, lastCells, truncateCells, wrapWords} from '../../core/cells.js';
import type {StatusKind} from '../../core/app-state.js';
import {useTheme} from '../theme.js';
import type {ScreenHints} from '../hints.js';

export const MIN_COLUMNS = 60;
export const MIN_ROWS = 20;

const TABS: ReadonlyArray<[string, string]> = [['1', 'Accounts'], ['2', 'Quota'], ['3', 'Models'], ['4', 'Proxy']];

/** `target`: the live target's name (local or a remote server), always shown. */
export function TitleBar({title, width, activeTab, target}: {title: string; width: number; activeTab?: string; target: string}) {
  const theme = useTheme();
  const label = (key: string, name: string, compact: boolean) => (key === activeTab ? `[${key} ${name}]` : compact ? ` ${key} ` : ` ${key} ${name} `);
  const full = TABS.map(([key, name]) => label(key, name, false)).join('');
  // Narrow terminals: the other tabs show only their number, so the title keeps its room.
  const compact = cellWidth(`ccs-tui · ${title} · @${target}`) + cellWidth(full) + 1 > width;
  return (
    <Box width={width} justifyContent="space-between">
      <Text bold color={theme.accent} wrap="truncate">
        ccs-tui · {title} · <Text color={target === 'local' ? undefined : theme.warn}>@{sanitizeLine(target)}</Text>
      </Text>
      <Text wrap="truncate">
        {TABS.map(([key, name]) => (
          <Text key={key} bold={key === activeTab} color={key === activeTab ? theme.accent : theme.muted}>
            {label(key, name, compact)}
          </Text>
        ))}
      </Text>
    </Box>
  );
}

/** The fewest rows a question may take in the status area (the screen above gives them up while it is asked). */
export const PROMPT_MAX_ROWS = 4;

/** The rows a question may take on a terminal of `rows` rows: a quarter of them, at least PROMPT_MAX_ROWS. */
export const promptMaxRows = (rows: number): number => Math.max(PROMPT_MAX_ROWS, Math.floor(rows / 4));

/**
 * A question (`prompt`) and its choices (`choices`: `[y/N, s: keep mine]`) in rows of `width` cells:
 * wrapped at spaces, the choices whole and last. One row when it fits; past `maxRows` the start
 * of the reason is cut (…), never the question at its end nor the choices.
 */
export function promptRows(prompt: string, choices: string, width: number, maxRows = PROMPT_MAX_ROWS): string[] {
  const text = sanitizeLine(prompt);
  if (cellWidth(`${text} ${choices}`) <= width) return [`${text} ${choices}`];
  const rows = wrapWords(text, width);
  const last = rows[rows.length - 1]!;
  if (cellWidth(`${last} ${choices}`) <= width) rows[rows.length - 1] = `${last} ${choices}`;
  else rows.push(truncateCells(choices, width));
  if (rows.length <= maxRows) return rows;
  const kept = rows.slice(-maxRows);
  kept[0] = `…${lastCells(kept[0]!, width - 1)}`;
  return kept;
}

/** The last action's result first (it matters most), then the counts and the CCS dir (cut from its start). */
export function StatusLine(props: {width: number; counts: string; dir: string; message?: {text: string; kind: StatusKind}; emphasize?: boolean; keep?: string; typing?: boolean; promptRowsMax?: number}) {
  const {width, counts, dir, message, emphasize, keep, typing, promptRowsMax} = props;
  const theme = useTheme();
  const color = message?.kind === 'error' ? theme.error : message?.kind === 'ok' ? theme.ok : undefined;
  // A question too long for the line is wrapped (promptRows): its reason, question and choices all show.
  if (message && keep && cellWidth(`${sanitizeLine(message.text)} ${keep}`) > width) {
    return (
      <Box width={width} flexDirection="column">
        {promptRows(message.text, keep, width, promptRowsMax).map((row, i) => (
          <Text key={i} wrap="truncate" color={color} bold={emphasize}>
            {row}
          </Text>
        ))}
      </Box>
    );
  }
  const full = message ? `${message.kind === 'error' ? 'error: ' : ''}${sanitizeLine(message.text)}` : '';
  // `keep` (a prompt's [y/N]) always shows; a message longer than the line says where to read it whole
  // (while a text field is open, its key types into the field: it is said for after).
  const readWhole = typing ? `(${actionKey('messages')} once the field closes)` : `(${actionKey('messages')})`;
  const tail = keep ? ` ${keep}` : '';
  const text =
    cellWidth(full + tail) <= width ? full + tail
    : keep ? `${truncateCells(full, width - cellWidth(tail))}${tail}`
    : `${truncateCells(full, width - cellWidth(readWhole) - 1)} ${readWhole}`;
  const room = width - cellWidth(text) - (text ? 3 : 0);
  const right = [counts, dir].join(' · ');
  // Short of room, the dir is cut from its start (its end names it), then left out; then the counts'
  // last parts (`12 accounts · 3/11 providers` → `12 accounts`), never a number cut in the middle.
  const dirRoom = room - cellWidth(`${counts} · …`);
  const shownRight =
    room < 8 ? ''
    : cellWidth(right) <= room ? right
    : dirRoom >= 8 ? `${counts} · …${lastCells(dir, dirRoom)}`
    : wholePartsWithin(counts, room);
  return (
    <Box width={width} justifyContent="space-between">
      <Box flexShrink={1}>
        <Text wrap="truncate" color={color} bold={emphasize}>
          {text}
        </Text>
      </Box>
      {shownRight ? (
        <Box flexShrink={0} marginLeft={text ? 1 : 0}>
          <Text color={theme.muted}>{shownRight}</Text>
        </Box>
      ) : null}
    </Box>
  );
}

/** The longest run of `text`'s first ` · `-separated parts that fits in `width` cells; '' when not even the first does. */
function wholePartsWithin(text: string, width: number): string {
  const parts = text.split(' · ');
  while (parts.length > 0 && cellWidth(parts.join(' · ')) > width) parts.pop();
  return parts.join(' · ');
}

/**
 * Rows the banner may take in a terminal `rows` tall: 4 from 24 rows up, else 2, so that every
 * screen keeps the rows it needs down to MIN_ROWS (M lists every problem whole).
 */
export function bannerRows(rows: number): number {
  return rows >= 24 ? 4 : 2;
}

/**
 * Problems (corrupt files and their backups, files left readable), most pressing first, in at most
 * `maxRows` rows: every one on up to two rows when all fit (one row each when two rows do not);
 * else the first on the rows left and a last row counting the rest.
 */
export function bannerLines(problems: readonly string[], width: number, maxRows = 4): string[] {
  const texts = problems.map((problem) => `! ${sanitizeLine(problem)}`);
  const whole = texts.flatMap((text) => problemRows(text, width, 2));
  if (whole.length <= maxRows) return whole;
  if (texts.length <= maxRows && texts.length <= 2) return texts.map((text) => problemRows(text, width, 1)[0]!);
  const more = texts.length - 1;
  return [...problemRows(texts[0]!, width, Math.min(2, maxRows - 1)), `! ${more} more problem${more === 1 ? '' : 's'} (${actionKey('messages')} lists them all)`];
}

/** One problem's text on at most `rows` rows (1 or 2) of `width` cells, cut with … when longer. */
function problemRows(text: string, width: number, rows: number): string[] {
  if (cellWidth(text) <= width) return [text];
  if (rows < 2) return [truncateCells(text, width)];
  // The first line ends at the last space that fits (in cells), else it is cut hard.
  const hard = truncateCells(text, width, '');
  const space = hard.lastIndexOf(' ');
  const first = cellWidth(hard.slice(0, space)) > width / 2 ? hard.slice(0, space) : hard;
  const rest = text.slice(first.length).trimStart();
  return [first, `  ${truncateCells(rest, width - 2)}`];
}

export function Banner({width, lines}: {width: number; lines: string[]}) {
  const theme = useTheme();
  return (
    <Box width={width} flexDirection="column">
      {lines.map((line, i) => (
        <Text key={i} color={theme.warn} wrap="truncate">
          {line}
        </Text>
      ))}
    </Box>
  );
}

/**
 * The bottom bar: hints of the active scopes from the keymap table; help and quit always at the right.
 * `overrides`: what the screen says is true now (hints.tsx). `unavailable`: keys the live target does
 * not offer, shown struck through with `✕` (pressing one says why).
 */
export function HintBar(props: {width: number; scopes: readonly KeyScope[]; overrides?: ScreenHints; unavailable?: ReadonlySet<KeyAction>; extra?: readonly KeyBinding[]}) {
  const {width, scopes, overrides = {}, unavailable, extra = []} = props;
  const theme = useTheme();
  const typing = overrides.typing && !scopes.includes('confirm');
  // While a text field has the keys, only the field's keys mean anything.
  const all = typing
    ? [
        {action: 'login.retry' as const, keys: ['enter'], scopes: [], description: '', hint: 'done'},
        ...bindingsFor(['field']).filter((b) => overrides.fieldKeys?.includes(b.action)),
        {action: 'back' as const, keys: ['escape'], scopes: [], description: '', hint: overrides.escape ?? 'cancel'},
        {action: 'quit' as const, keys: ['ctrl+c'], scopes: [], description: '', hint: 'quit'},
      ]
    : [...bindingsFor(scopes), ...extra]
        .filter((b) => !overrides.hide?.includes(b.action))
        .map((b) => (overrides.labels?.[b.action] ? {...b, hint: overrides.labels[b.action]} : b));
  // A dialog has no hint labels: show its keys with their descriptions.
  const hints = all.some((b) => b.hint) ? all.filter((b) => b.hint) : all.map((b) => ({...b, keys: [b.keys.map(keyLabel).join('/')], hint: b.description}));
  const pinned = hints.filter((b) => b.action === 'back' || b.action === 'help' || b.action === 'quit');
  // The state's way out first (hints.tsx `first`), then the keymap's order; the bar is cut from the end.
  const rank = (b: (typeof hints)[number]) => {
    const at = overrides.first?.indexOf(b.action) ?? -1;
    return at < 0 ? Number.MAX_SAFE_INTEGER : at;
  };
  const ranked = hints.filter((b) => !pinned.includes(b)).sort((a, b) => rank(a) - rank(b));
  // Whole hints only: the ones that do not fit are left to the `?` overlay, never cut mid-word.
  const off = (b: (typeof hints)[number]) => unavailable?.has(b.action) === true;
  const hintWidth = (b: (typeof hints)[number]) => keyLabel(b.keys[0]!).length + 1 + b.hint!.length + 2 + (off(b) ? 1 : 0);
  let room = width - pinned.reduce((sum, b) => sum + hintWidth(b), 0) - 1;
  const shown = ranked.filter((b) => (room -= hintWidth(b)) >= 0);
  const render = (list: typeof hints) =>
    list.map((b, i) => (
      <Text key={b.action}>
        {i > 0 ? '  ' : ''}
        <Text bold color={off(b) ? theme.muted : theme.accent} strikethrough={off(b)}>
          {keyLabel(b.keys[0]!)}
        </Text>
        {off(b) ? (
          <Text color={theme.muted} strikethrough>{` ${b.hint}✕`}</Text>
        ) : (
          ` ${b.hint}`
        )}
      </Text>
    ));
  return (
    <Box width={width}>
      <Box flexGrow={1} flexShrink={1}>
        <Text wrap="truncate">{render(shown)}</Text>
      </Box>
      <Box flexShrink={0} marginLeft={1}>
        <Text>{render(pinned)}</Text>
      </Box>
    </Box>
  );
}

/** Lines `text` takes when wrapped at `width` cells (the rows WrappedText draws). */
function wrappedLines(text: string, width: number): number {
  return wrapWords(text, width).length;
}

/** `text` wrapped at `width` cells by wrapWords: continuation rows start at the left edge, no space. */
function WrappedText({text, width, color}: {text: string; width: number; color?: string}) {
  return (
    <Box flexDirection="column">
      {wrapWords(text, width).map((line, i) => (
        <Text key={i} wrap="truncate" color={color}>
          {line}
        </Text>
      ))}
    </Box>
  );
}


/**
 * Shows `entries` (each `lines` rows tall once wrapped) from `offset` while they fit `room` rows;
 * the last row says how to scroll when some do not fit.
 */
function scrollWindow<T>(entries: readonly T[], lines: (entry: T) => number, room: number, offset: number): {shown: T[]; start: number; more: number} {
  const total = entries.reduce((sum, e) => sum + lines(e), 0);
  const budget = total <= room ? room : room - 1;
  // The last page is full: no start later than the one whose entries to the end fill the room.
  let lastStart = entries.length;
  for (let used = 0; lastStart > 0 && (used += lines(entries[lastStart - 1]!)) <= budget; ) lastStart--;
  const start = Math.max(0, Math.min(offset, lastStart, entries.length - 1));
  const shown: T[] = [];
  let used = 0;
  for (const entry of entries.slice(start)) {
    if (used + lines(entry) > budget && shown.length > 0) break;
    shown.push(entry);
    used += lines(entry);
  }
  return {shown, start, more: entries.length - start - shown.length};
}

function ScrollNote({start, more}: {start: number; more: number}) {
  if (start === 0 && more === 0) return null;
  return <Text dimColor>{`${start > 0 ? `↑ ${start} above · ` : ''}${more > 0 ? `↓ ${more} more · ` : ''}${actionKey('cursor.down')}/${actionKey('cursor.up')} scroll`}</Text>;
}

const KEY_COLUMN = 11;
/** Blank cells between two help columns: one space would read a description on into the next key. */
const COLUMN_GAP = 3;

/**
 * Every key of the active scopes. Descriptions wrap instead of being cut: in up to three columns
 * when all fit the height, else in one column that scrolls (j/k, PgUp/PgDn).
 */
/**
 * Gives an overlay's offset back to the start it shows (`onClamp(by)`: the change) when the offset
 * went past it (G, or j at the end): else k would first have to climb back the keys pressed past it.
 */
function useClampedOffset(offset: number, shownStart: number, onClamp: ((by: number) => void) | undefined): void {
  useEffect(() => {
    if (offset > shownStart) onClamp?.(shownStart - offset);
  }, [offset, shownStart, onClamp]);
}

export function HelpOverlay({width, height, scopes, offset = 0, onClamp}: {width: number; height: number; scopes: readonly KeyScope[]; offset?: number; onClamp?: (by: number) => void}) {
  const theme = useTheme();
  const bindings = bindingsFor(scopes);
  const room = Math.max(1, height - 3);
  const layout = (columns: number) => {
    // Inside the border and padding (4 cells), the columns and the gaps between them.
    const columnWidth = Math.floor((width - 4 - COLUMN_GAP * (columns - 1)) / columns);
    const textWidth = Math.max(10, columnWidth - KEY_COLUMN);
    const chunks: (typeof bindings)[] = [[]];
    let used = 0;
    // A pair (k ↑ / j ↓) is placed as one: a column never ends between its two halves.
    const units: (typeof bindings)[] = [];
    for (const b of bindings) {
      const last = units.at(-1);
      if (last?.length === 1 && pairedWith(last[0]!.action, b.action)) last.push(b);
      else units.push([b]);
    }
    for (const unit of units) {
      const lines = unit.reduce((sum, b) => sum + wrappedLines(b.description, textWidth), 0);
      if (used + lines > room && chunks.at(-1)!.length > 0) {
        chunks.push([]);
        used = 0;
      }
      chunks.at(-1)!.push(...unit);
      used += lines;
    }
    return {columnWidth, textWidth, chunks};
  };
  const fitting = [1, 2, 3].map(layout).find((l, i) => l.chunks.length <= i + 1 && l.textWidth >= 16);
  const textWidth = Math.max(10, width - 4 - KEY_COLUMN);
  const view = fitting ? undefined : scrollWindow(bindings, (b) => wrappedLines(b.description, textWidth), room, offset);
  useClampedOffset(offset, view?.start ?? 0, onClamp);
  const row = (textWidth: number) => (b: (typeof bindings)[number]) => (
    <Box key={b.action}>
      <Box width={KEY_COLUMN} flexShrink={0}>
        <Text bold color={theme.accent} wrap="truncate">
          {b.keys.map(keyLabel).join(' ')}
        </Text>
      </Box>
      <WrappedText text={b.description} width={textWidth} />
    </Box>
  );
  const title = <Text bold>{`Keys (${actionKey('back')} or ${actionKey('help')} closes)`}</Text>;
  const frame = (children: ReactNode) => (
    <Box flexDirection="column" width={width} height={height} borderStyle="round" borderColor={theme.accent} paddingX={1}>
      {title}
      {children}
    </Box>
  );
  if (fitting) {
    return frame(
      <Box>
        {fitting.chunks.map((chunk, c) => (
          <Box key={c} flexDirection="column" width={fitting.columnWidth} flexShrink={0} marginLeft={c === 0 ? 0 : COLUMN_GAP}>
            {chunk.map(row(fitting.textWidth))}
          </Box>
        ))}
      </Box>,
    );
  }
  return frame(
    <>
      {view!.shown.map(row(textWidth))}
      <ScrollNote start={view!.start} more={view!.more} />
    </>,
  );
}

/** The session's status messages, newest first, each wrapped in full (`M` opens it; j/k scroll). */
export function MessagesOverlay({width, height, messages, offset = 0, onClamp}: {width: number; height: number; messages: ReadonlyArray<{text: string; kind: StatusKind}>; offset?: number; onClamp?: (by: number) => void}) {
  const theme = useTheme();
  const line = (m: {text: string; kind: StatusKind}) => `${m.kind === 'error' ? 'error: ' : ''}${sanitizeLine(m.text)}`;
  const view = scrollWindow([...messages].reverse(), (m) => wrappedLines(line(m), width - 4), Math.max(1, height - 3), offset);
  useClampedOffset(offset, view.start, onClamp);
  return (
    <Box flexDirection="column" width={width} height={height} borderStyle="round" borderColor={theme.accent} paddingX={1}>
      <Text bold>{`Messages, newest first (${actionKey('back')} or ${actionKey('messages')} closes)`}</Text>
      {messages.length === 0 ? <Text dimColor>no messages yet</Text> : null}
      {view.shown.map((m, i) => (
        <WrappedText key={view.start + i} text={line(m)} width={width - 4} color={m.kind === 'error' ? theme.error : m.kind === 'ok' ? theme.ok : undefined} />
      ))}
      <ScrollNote start={view.start} more={view.more} />
    </Box>
  );
}

/**
 * Below MIN_COLUMNS × MIN_ROWS: the accounts list and a login no longer fit even compact.
 * `asking`: a yes/no question is open underneath (`q` with unsaved rules asks one); it waits, unseen.
 * `quitKey`: the key that quits here besides Ctrl-C, when one does.
 */
export function TooSmall({columns, rows, asking = false, quitKey}: {columns: number; rows: number; asking?: boolean; quitKey?: string}) {
  const what = asking ? 'A question is waiting: enlarge the window to answer it' : 'Enlarge the window';
  // `quitKey` (q) quits here only when nothing hidden could take it (core/key-routing.ts quitsWhenTooSmall).
  const quits = quitKey ? `${quitKey} or Ctrl-C` : 'Ctrl-C';
  const full = ['Terminal too small', `It is ${columns}×${rows}; ccs-tui needs at least ${MIN_COLUMNS}×${MIN_ROWS}.`, `${what} (nothing is lost meanwhile), or press ${quits} to quit.`];
  // Too short for all three (a small tmux pane): one sentence. Never more rows than the terminal has:
  // past its last row the terminal scrolls, and the start ("Terminal too small") was what it lost.
  const enlarge = asking ? 'enlarge it to answer the question waiting' : 'enlarge it';
  const texts = full.reduce((n, text) => n + wrappedLines(text, columns), 0) <= rows ? full : [`Terminal too small: ${columns}×${rows}, needs ${MIN_COLUMNS}×${MIN_ROWS}; ${enlarge}, or ${quits} quits.`];
  return (
    <Box flexDirection="column" width={columns} height={rows}>
      {texts
        .flatMap((text) => wrapWords(text, columns))
        .slice(0, rows)
        .map((line, i) => (
          <Text key={i} wrap="truncate">
            {line}
          </Text>
        ))}
    </Box>
  );
}

/** A route whose screen has not landed yet. */
export function NotAvailable({title, width, height}: {title: string; width: number; height: number}) {
  return (
    <Box width={width} height={height} borderStyle="round" flexDirection="column" paddingX={1}>
      <Text bold>{title}</Text>
      <Text>{`This screen is not available yet. ${actionKey('back')} goes back.`}</Text>
    </Box>
  );
}
