// The frame around every screen: title bar, problem banner, status line, key-hint bar, the `?`
// overlay and the too-small screen. All key texts come from the keymap table.
import {Box} from 'ink';
import {Text} from './Text.js';
import {actionKey, bindingsFor, keyLabel, type KeyScope} from '../../core/keymap.js';
import {sanitizeLine} from '../../core/sanitize.js';
import type {StatusKind} from '../../core/app-state.js';
import {useTheme} from '../theme.js';

export const MIN_COLUMNS = 80;
export const MIN_ROWS = 24;

const TABS: ReadonlyArray<[string, string]> = [['1', 'Accounts'], ['2', 'Quota'], ['3', 'Models'], ['4', 'Proxy']];

export function TitleBar({title, width, activeTab}: {title: string; width: number; activeTab?: string}) {
  const theme = useTheme();
  return (
    <Box width={width} justifyContent="space-between">
      <Text bold color={theme.accent} wrap="truncate">
        ccs-tui · {title}
      </Text>
      <Text wrap="truncate">
        {TABS.map(([key, name]) => (
          <Text key={key} bold={key === activeTab} color={key === activeTab ? theme.accent : theme.muted}>
            {key === activeTab ? `[${key} ${name}]` : ` ${key} ${name} `}
          </Text>
        ))}
      </Text>
    </Box>
  );
}

/** The last action's result first (it matters most), then the counts and the CCS dir (cut from its start). */
export function StatusLine(props: {width: number; counts: string; dir: string; message?: {text: string; kind: StatusKind}; emphasize?: boolean}) {
  const {width, counts, dir, message, emphasize} = props;
  const theme = useTheme();
  const color = message?.kind === 'error' ? theme.error : message?.kind === 'ok' ? theme.ok : undefined;
  const text = message ? `${message.kind === 'error' ? 'error: ' : ''}${sanitizeLine(message.text)}` : '';
  const room = width - text.length - (text ? 3 : 0);
  const right = [counts, dir].join(' · ');
  const shownRight = room < 8 ? '' : right.length <= room ? right : `…${right.slice(right.length - room + 1)}`;
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

/** Problems (corrupt files and their backups): each one on at most two lines. */
export function bannerLines(problems: readonly string[], width: number): string[] {
  const lines: string[] = [];
  const shown = problems.length > 2 ? [problems[0]!, `${problems.length - 1} more problems (see ccs-tui accounts)`] : problems;
  for (const problem of shown) {
    const text = `! ${sanitizeLine(problem)}`;
    if (text.length <= width) {
      lines.push(text);
      continue;
    }
    const space = text.lastIndexOf(' ', width);
    const cut = space > width / 2 ? space : width;
    const rest = text.slice(cut).trimStart();
    lines.push(text.slice(0, cut));
    lines.push(rest.length > width - 2 ? `  ${rest.slice(0, width - 3)}…` : `  ${rest}`);
  }
  return lines;
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

/** The bottom bar: hints of the active scopes from the keymap table; help and quit always at the right. */
export function HintBar({width, scopes}: {width: number; scopes: readonly KeyScope[]}) {
  const theme = useTheme();
  const all = bindingsFor(scopes);
  // A dialog has no hint labels: show its keys with their descriptions.
  const hints = all.some((b) => b.hint) ? all.filter((b) => b.hint) : all.map((b) => ({...b, keys: [b.keys.map(keyLabel).join('/')], hint: b.description}));
  const pinned = hints.filter((b) => b.action === 'back' || b.action === 'help' || b.action === 'quit');
  // Whole hints only: the ones that do not fit are left to the `?` overlay, never cut mid-word.
  const hintWidth = (b: (typeof hints)[number]) => keyLabel(b.keys[0]!).length + 1 + b.hint!.length + 2;
  let room = width - pinned.reduce((sum, b) => sum + hintWidth(b), 0) - 1;
  const shown = hints.filter((b) => !pinned.includes(b)).filter((b) => (room -= hintWidth(b)) >= 0);
  const render = (list: typeof hints) =>
    list.map((b, i) => (
      <Text key={b.action}>
        {i > 0 ? '  ' : ''}
        <Text bold color={theme.accent}>
          {keyLabel(b.keys[0]!)}
        </Text>
        {` ${b.hint}`}
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

/** Every key of the active scopes, in two columns when they do not fit in one. */
export function HelpOverlay({width, height, scopes}: {width: number; height: number; scopes: readonly KeyScope[]}) {
  const theme = useTheme();
  const bindings = bindingsFor(scopes);
  const rows = Math.max(1, height - 3);
  const columns = Math.ceil(bindings.length / rows);
  const columnWidth = Math.floor((width - 4) / Math.max(1, columns));
  const chunks = Array.from({length: columns}, (_, c) => bindings.slice(c * rows, (c + 1) * rows));
  return (
    <Box flexDirection="column" width={width} height={height} borderStyle="round" borderColor={theme.accent} paddingX={1}>
      <Text bold>{`Keys (${actionKey('back')} or ${actionKey('help')} closes)`}</Text>
      <Box>
        {chunks.map((chunk, c) => (
          <Box key={c} flexDirection="column" width={columnWidth} paddingRight={1}>
            {chunk.map((b) => (
              <Text key={b.action} wrap="truncate">
                <Text bold color={theme.accent}>
                  {b.keys.map(keyLabel).join(' ').padEnd(10)}
                </Text>
                {` ${b.description}`}
              </Text>
            ))}
          </Box>
        ))}
      </Box>
    </Box>
  );
}

export function TooSmall({columns, rows}: {columns: number; rows: number}) {
  return (
    <Box flexDirection="column" width={columns} height={rows}>
      <Text wrap="wrap">Terminal too small</Text>
      <Text wrap="wrap">{`It is ${columns}×${rows}; ccs-tui needs at least ${MIN_COLUMNS}×${MIN_ROWS}.`}</Text>
      <Text wrap="wrap">{`Enlarge the window, or press ${actionKey('quit')} to quit.`}</Text>
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
