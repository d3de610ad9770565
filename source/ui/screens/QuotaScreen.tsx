// The quota dashboard (key 2): one row per account with a bar per window (5 h, weekly, and
// model-scoped, daily or monthly ones where they exist), each with its percentage, a pace marker and
// a reset countdown that ticks locally; rows sorted by headroom within each provider, ★ on the account
// the provider's pool serves next (the proxy's own answer), ◆ on each account's binding window. `R`
// refreshes the selected account now. The cursor stays on its account when rows reorder.
import {cellWidth, packItems, truncateCells, truncateName} from '../../core/cells.js';
import {Box} from 'ink';
import {Text} from '../components/Text.js';
import {useMemo} from 'react';
import {accountLabel, needsAttention, quotaAccountState} from '../../core/accounts.js';
import {filterOf, matchesFilter} from '../../core/app-state.js';
import {actionKey} from '../../core/keymap.js';
import {useListWindow} from '../components/List.js';
import {quotaLayout, quotaRows, type QuotaRow} from '../../core/quota-dashboard.js';
import {formatRunOut, windowLabel} from '../../core/quota-format.js';
import {runOut} from '../../core/quota.js';
import {formatDuration} from '../../core/relative-time.js';
import {sanitizeLine} from '../../core/sanitize.js';
import type {Account} from '../../core/types.js';
import {DEFAULT_SETTINGS} from '../../store/settings.js';
import {useAccountActions} from '../actions/useActions.js';
import {FilterLine, useFilterShown} from '../components/FilterLine.js';
import {useAccounts} from '../hooks/useAccounts.js';
import {useCursorOnId} from '../hooks/useCursorOnId.js';
import {useProxyServing} from '../hooks/useProxyServing.js';
import {useSettings} from '../hooks/useSettings.js';
import {cursorKeyHandlers, useScreenKeys} from '../keys.js';
import type {ScreenProps} from '../screen-types.js';
import {useShell} from '../shell.js';
import {useTheme, type Theme} from '../theme.js';
import {useQuota} from './quota/useQuota.js';
import {listHides, useScreenHints} from '../hints.js';
import {BINDING_MARK, WindowCell} from './quota/WindowCell.js';
import {NO_QUOTA_SOURCE} from '../../services/quota/no-source.js';
import {quotaCause} from './quota/quota-cause.js';
import {BEST_MARK} from './account-format.js';
import {useServedNext} from '../hooks/useServedNext.js';
import {hasQuotaSource} from '../../services/quota/service.js';
import {quotaErrorText} from '../../services/quota/errors.js';
import {rulesScreenFor} from './models/open.js';

const LIST = 'quota';
/** The provider's default account (as on the accounts screen), where ★ does not take its place. */
const DEFAULT_MARK = '*';

/** What the legend's first row begins with. */
const LEGEND_LEAD = 'marks: ';

export function QuotaScreen({width, height, params}: ScreenProps) {
  const {state, dispatch} = useShell();
  const {snapshot} = useAccounts();
  const theme = useTheme();
  const provider = params.provider;
  const filter = filterOf(state, LIST);
  const accounts = useMemo(
    () =>
      snapshot?.accounts.filter(
        (a) => (!provider || a.provider === provider) && matchesFilter(filter, [a.provider, a.nickname, a.email, a.id]),
      ),
    [snapshot, provider, filter],
  );
  const filterShown = useFilterShown(LIST);
  const quota = useQuota(accounts);
  const strategy = (useSettings()?.settings ?? DEFAULT_SETTINGS).rotation.strategy;
  const servedNow = useProxyServing(snapshot?.accounts)?.next;
  // Over every account (a filter hides some rows, not accounts of the pool).
  const servedNext = useServedNext(snapshot?.accounts, quota.cache, strategy, servedNow);
  const rows = useMemo(
    () => quotaRows(accounts ?? [], (a: Account) => quota.cache?.accounts[a.provider]?.[a.id], quota.now, quota.staleAfterMs, servedNext),
    [accounts, quota.cache, quota.now, quota.staleAfterMs, servedNext],
  );
  const siblings = accounts ?? [];
  const layout = quotaLayout(width, rows);
  // The legend takes a second row rather than lose its last marks on a narrow terminal. Every mark a
  // row can show is in it: ★ (a pool of 2+ serves it next) takes the place of * (the default).
  // Said to be the marks, its second row set under the first: a row beginning `│ even pace` read as
  // a box border, a lone `? unknown` as a stray mark.
  const legend = packItems([`${BEST_MARK} pool serves next`, `${DEFAULT_MARK} default`, `${BINDING_MARK} binding window`, '▲ over pace', '! used up', '│ even pace', '? unknown'], width - LEGEND_LEAD.length).map(
    (row, i) => `${i === 0 ? LEGEND_LEAD : ' '.repeat(LEGEND_LEAD.length)}${row}`,
  );
  // Rows with fewer windows are shorter; counting every row as the tallest never overflows.
  const listHeight = Math.max(1, Math.floor((height - legend.length - 1 - (filterShown ? 1 : 0)) / layout.rowHeight));
  // Rows reorder as results come in (sorted by headroom): a cursor the person moved stays on its
  // account; one no one moved stays on the top row, the top of the dashboard in view.
  const rowIds = useMemo(() => rows.map((row) => `${row.account.provider}/${row.account.id}`), [rows]);
  const cursor = useCursorOnId(LIST, rowIds, state.cursors[LIST], state.cursorMoves, dispatch, {untouched: 'row'});
  const selected = rows[cursor];
  // Rows are several lines tall, so the windowing is done here (List draws one-line rows).
  const window = useListWindow(rows.length, cursor, listHeight);
  const visible = rows.slice(window.start, window.end);
  const actions = useAccountActions(selected?.account.provider ?? provider, selected?.account);

  // Refresh needs a selected account of a provider that reports quota; rotate a provider with another
  // account to move to; moving and filtering need rows (listHides).
  const rotating = selected?.account.provider ?? provider;
  const choices = rotating ? (snapshot?.accounts.filter((a) => a.provider === rotating).length ?? 0) : 0;
  const refreshes = selected !== undefined && hasQuotaSource(selected.account.provider);
  useScreenHints({hide: [...(refreshes ? [] : ['quota.refresh' as const]), ...(choices < 2 ? ['account.rotate' as const] : []), ...(snapshot ? listHides(rows.length, filter !== '') : [])]});
  /** A key acting on the selected account makes the cursor its (as a move would): a result that re-sorts the rows moves it with them. */
  const holdSelected = () => selected && dispatch({type: 'setCursor', list: LIST, index: cursor, id: rowIds[cursor]});
  useScreenKeys({
    ...cursorKeyHandlers(dispatch, LIST, rows.length, listHeight),
    'quota.refresh': () => (selected ? (holdSelected(), actions.perform('quota.refresh')) : actions.noAccount()),
    'account.rotate': () => (selected || provider ? actions.perform('account.rotate') : actions.noAccount()),
    // A server's cooldown, as on the accounts screen (a local target says it has none to clear).
    'account.clearCooldown': () => (selected ? (holdSelected(), actions.perform('account.clearCooldown')) : actions.noAccount()),
    // The rules of the selected row's account.
    'screen.models': () => dispatch(rulesScreenFor(selected?.account.provider ?? provider, selected?.account.id)),
  });

  if (!snapshot) return <Text>Loading accounts…</Text>;
  if (rows.length === 0 && filter) {
    return (
      <Box width={width} height={height} flexDirection="column">
        <Text>no account matches the filter</Text>
        <FilterLine list={LIST} />
      </Box>
    );
  }
  if (rows.length === 0) {
    return (
      <Box width={width} height={height} flexDirection="column">
        <FilterLine list={LIST} />
        <Text>{provider ? `No ${provider} accounts.` : 'No accounts.'}</Text>
        <Text dimColor>{`Press ${actionKey('screen.accounts')} for accounts, ${actionKey('account.login', 'home')} there to add one.`}</Text>
      </Box>
    );
  }
  return (
    <Box width={width} height={height} flexDirection="column">
      {legend.map((line) => (
        <Text key={line} dimColor wrap="truncate">
          {line}
        </Text>
      ))}
      <Text dimColor wrap="truncate">
        {/* Only the keys that act on the selected row, as in the hint bar. */}
        {[
          width >= 100 ? 'most headroom first (each by its least room left in any window)' : 'most headroom first',
          ...(refreshes ? [width >= 100 ? `${actionKey('quota.refresh', 'quota')} refreshes the selected account` : `${actionKey('quota.refresh', 'quota')} refresh`] : []),
          ...(width < 100 && choices >= 2 ? [`${actionKey('account.rotate', 'quota')} rotate`] : []),
        ].join(' · ')}
      </Text>
      <FilterLine list={LIST} />
      <Box flexDirection="column" height={listHeight * layout.rowHeight} flexShrink={0}>
        {visible.map((row, i) => (
          <QuotaAccountRow
            key={`${row.account.provider}/${row.account.id}`}
            row={row}
            cause={row.windows.length === 0 ? quotaCause(row.account, quota.cache?.accounts[row.account.provider]?.[row.account.id], quota.fetching(row.account), quota.now) : undefined}
            siblings={siblings}
            selected={window.start + i === cursor}
            width={width}
            layout={layout}
            now={quota.now}
            theme={theme}
          />
        ))}
      </Box>
    </Box>
  );
}

function accountNote(row: QuotaRow, now: number): {text: string; tone: 'error' | 'warn' | 'muted'} {
  // The account's own state first, in `ccs-tui quota`'s words (quotaAccountState), then its quota's error or why there are no numbers.
  const state = quotaAccountState(row.account, now);
  if (row.error) {
    const retry = row.error.retryAt ? ` (next try in ${formatDuration(Date.parse(row.error.retryAt) - now)})` : '';
    // Waits that end by themselves or by a fix elsewhere (a broken tui.json) are warnings, not the account's fault.
    const waits = row.error.kind === 'rate-limited' || row.error.kind === 'network' || row.error.kind === 'settings-unreadable';
    // A refresh that failed (or a pause) is said before the usage error it explains, as `ccs-tui quota` says it.
    const error = `! ${sanitizeLine(quotaErrorText(row.error, 'tui'))}${retry}`;
    // Not said twice: a usage error that says the state itself (`! re-login: …` beside `! re-login`).
    const said = state !== undefined && !error.startsWith(state);
    return {text: said ? `${state} · ${error}` : error, tone: waits && !needsAttention(row.account.health) ? 'warn' : 'error'};
  }
  // A cooldown ends by itself: a warning, as the proxy's waits are.
  const tone = row.account.paused || !state ? 'muted' : needsAttention(row.account.health) ? 'error' : 'warn';
  if (!hasQuotaSource(row.account.provider)) return {text: `${state ? `${state} · ` : ''}unknown (${NO_QUOTA_SOURCE})`, tone};
  if (state) return {text: state, tone};
  // Nothing read yet: the window line below says why (never fetched, fetching…).
  if (row.ageMs === undefined) return {text: '', tone: 'muted'};
  return {text: `${formatDuration(row.ageMs)} ago${row.stale ? ' (stale)' : ''}`, tone: 'muted'};
}

function summaryText(row: QuotaRow, now: number, compact: boolean): string {
  const parts: string[] = [];
  const room = row.headroom === null ? '' : `${Math.round(row.headroom)}%`;
  if (row.exhausted) parts.push('used up');
  else if (room) parts.push(`${compact ? `${room} left` : `headroom ${room}`}${row.binding ? ` ${BINDING_MARK}${windowLabel(row.binding)}` : ''}`);
  // The weekly run-out says when the account stops working at its pace so far.
  const weekly = row.windows.find((w) => w.kind === 'weekly') ?? row.windows.find((w) => w.kind !== '5h' && !w.kind.startsWith('5h:'));
  const out = weekly && formatRunOut(runOut(weekly, now));
  if (out && !row.exhausted) parts.push(`${windowLabel(weekly.kind)} ${out}`);
  return parts.join(' · ');
}

/** `cause`: why the row has no windows to show (quota-cause.ts), when it has none. */
function QuotaAccountRow(props: {row: QuotaRow; cause?: string; siblings: readonly Account[]; selected: boolean; width: number; layout: ReturnType<typeof quotaLayout>; now: number; theme: Theme}) {
  const {row, cause, siblings, selected, width, layout, now, theme} = props;
  const {account} = row;
  const note = accountNote(row, now);
  const marks = `${selected ? '›' : ' '}${row.best ? BEST_MARK : account.default ? DEFAULT_MARK : ' '}`;
  const compact = width < 100;
  // Compact: 26 cells, the label cut so that what tells it apart stays (truncateName).
  const label = accountLabel(account, siblings);
  const name = compact ? truncateCells(`${account.provider} · ${truncateName(label, Math.max(1, 26 - cellWidth(`${account.provider} · `)))}`, 26) : `${account.provider} · ${label}`;
  const summary = summaryText(row, now, compact);
  const lines: (typeof row.windows)[] = [];
  for (let i = 0; i < row.windows.length; i += layout.perLine) lines.push(row.windows.slice(i, i + layout.perLine));
  if (lines.length === 0) lines.push([]);
  const toneColor = note.tone === 'error' ? theme.error : note.tone === 'warn' ? theme.warn : theme.muted;
  return (
    <Box flexDirection="column" width={width} flexShrink={0}>
      <Text wrap="truncate" inverse={selected && !theme.color} backgroundColor={selected ? theme.selectionBg : undefined} color={selected ? theme.selectionFg : undefined}>
        <Text bold={account.default}>{`${marks} ${name}`}</Text>
        {summary ? <Text>{`  ${summary}`}</Text> : null}
        <Text color={selected ? undefined : toneColor}>{`  ${note.text}`}</Text>
      </Text>
      {lines.map((windows, i) => (
        <Box key={i} width={width}>
          <Text>{'   '}</Text>
          {windows.length === 0 && i === 0 ? <Text dimColor>{`? ${cause ?? 'no windows known'}`}</Text> : null}
          {windows.map((w) => (
            <Box key={w.kind} width={layout.cellWidth}>
              <WindowCell window={w} now={now} labelWidth={layout.labelWidth} barWidth={layout.barWidth} binding={row.binding === w.kind} theme={theme} />
            </Box>
          ))}
        </Box>
      ))}
    </Box>
  );
}
