// Home: providers (account count, status) beside the selected provider's accounts.
import {useCursorOnId} from '../hooks/useCursorOnId.js';
import {Box} from 'ink';
import {Text} from '../components/Text.js';
import {memo, useEffect, useMemo, useRef, type ReactNode} from 'react';
import {accountLabel, maskedNickname, nextCoolingEnd, PAUSED_TEXT} from '../../core/accounts.js';
import {accountsListKey, filterOf, matchesFilter, type AppAction, type StatusKind} from '../../core/app-state.js';
import {nextOrder, sortAccounts, type AccountOrder} from '../../core/account-order.js';
import {actionKey} from '../../core/keymap.js';
import {formatLocalClock, formatRelative} from '../../core/relative-time.js';
import {poolRest} from '../../core/rotation.js';
import {cachedWindows, type QuotaCache} from '../../services/quota/cache.js';
import {cellWidth, fitCell, truncateName} from '../../core/cells.js';
import type {TextDraft} from '../../core/text-edit.js';
import type {Account, QuotaWindow} from '../../core/types.js';
import type {ProviderAccounts} from '../../store/accounts.js';
import {useAccountActions} from '../actions/useActions.js';
import {List, useListWindow} from '../components/List.js';
import {QuotaSummary, quotaSummaryWidth} from '../components/QuotaSummary.js';
import {DraftText} from '../components/TextField.js';
import {FilterLine, useFilterShown} from '../components/FilterLine.js';
import {useAccounts} from '../hooks/useAccounts.js';
import {cursorKeyHandlers, useScreenKeys} from '../keys.js';
import type {ScreenProps} from '../screen-types.js';
import {useServices} from '../services.js';
import {useShell} from '../shell.js';
import {useTheme, type Theme} from '../theme.js';
import {listHides, useScreenHints} from '../hints.js';
import {useNativeHolders} from '../hooks/useNativeHolders.js';
import {useProxyServing} from '../hooks/useProxyServing.js';
import {useSettings} from '../hooks/useSettings.js';
import {keyOf} from '../../core/quota-dashboard.js';
import {DEFAULT_SETTINGS} from '../../store/settings.js';
import {useRedrawAt} from '../hooks/useRedrawAt.js';
import {useServedNext} from '../hooks/useServedNext.js';
import {accountHints, accountStatus, BEST_MARK, nativeLine, providerStatus, shownProviders} from './account-format.js';
import {useQuota} from './quota/useQuota.js';
import {quotaCause} from './quota/quota-cause.js';
import {rulesScreenFor} from './models/open.js';

export function HomeScreen({width, height, navigate}: ScreenProps) {
  const {state, dispatch, setStatus} = useShell();
  const {snapshot} = useAccounts();
  const {clock} = useServices();
  const theme = useTheme();
  // Quota summaries need no seconds: the home screen redraws for them twice a minute.
  const quota = useQuota(snapshot?.accounts, {tickMs: 30_000});

  const providers = useMemo(() => shownProviders(snapshot?.providers ?? [], state), [snapshot, state.filters.providers, state.hideEmpty]);
  const providerIds = useMemo(() => providers.map((p) => p.provider.id), [providers]);
  const providerIndex = useCursorOnId('providers', providerIds, state.cursors.providers, state.cursorMoves, dispatch);
  const selected = providers[providerIndex];
  /** A provider's accounts as the list shows them: the accounts filter, then the chosen order. */
  const shownAccounts = (entry: ProviderAccounts | undefined) =>
    sortAccounts(
      (entry?.accounts ?? []).filter((a) => matchesFilter(filterOf(state, 'accounts'), [a.nickname, a.email, a.id])),
      state.order,
      (a) => quota.cache?.accounts[a.provider]?.[a.id]?.windows,
      quota.now,
    );
  const accounts = useMemo(() => shownAccounts(selected), [selected, state.filters.accounts, state.order, state.order === 'headroom' ? quota.cache : undefined]);
  const accountsKey = accountsListKey(selected?.provider.id ?? '');
  const accountIds = useMemo(() => accounts.map((a) => a.id), [accounts]);
  const accountIndex = useCursorOnId(accountsKey, accountIds, state.cursors[accountsKey], state.cursorMoves, dispatch);
  const account = accounts[accountIndex];

  // The providers pane is as wide as its longest row (names whole), within a share of the terminal:
  // compact below 80 columns (a 160-column terminal split in two).
  const leftWidth = useMemo(() => providersPaneWidth(width, providers), [width, providers]);
  const rightWidth = width - leftWidth;
  const providersFiltered = useFilterShown('providers');
  const accountsFiltered = useFilterShown('accounts');
  // Border (2) + pane title (1) + column header (accounts) + filter line when shown.
  const providersListHeight = height - 3 - (providersFiltered ? 1 : 0);
  const accountsListHeight = height - 4 - (accountsFiltered ? 1 : 0) - (state.modal?.kind === 'jump' ? 1 : 0);
  const accountsWindow = useListWindow(accounts.length, accountIndex, accountsListHeight);

  const focusedList = state.pane === 'providers' ? {key: 'providers', total: providers.length, page: providersListHeight} : {key: accountsKey, total: accounts.length, page: accountsListHeight};
  const provider = selected?.provider.id;
  // With the providers pane focused the actions are about the provider (its pool), as their context says.
  const actions = useAccountActions(provider, state.pane === 'accounts' ? account : undefined);
  // No account selected: the providers pane opens a provider's accounts; an empty provider offers `a`.
  const empty = selected !== undefined && selected.accounts.length === 0;
  const hints = accountHints(state.pane === 'accounts' ? account : undefined, empty ? ['account.login'] : state.pane === 'providers' ? ['account.open', 'account.login'] : [], snapshot ? (selected?.accounts.length ?? 0) : undefined, provider);
  // The focused pane's list: no move in a list of one, no open or filter in an empty one.
  const listKeys = snapshot ? listHides(focusedList.total, filterOf(state, state.pane === 'providers' ? 'providers' : 'accounts') !== '', 'account.open') : [];
  useScreenHints({...hints, hide: [...(hints.hide ?? []), ...listKeys]});
  const native = useNativeHolders();
  // ★ (in the default's place) as on the quota screen: each provider's account its pool serves next.
  const strategy = (useSettings()?.settings ?? DEFAULT_SETTINGS).rotation.strategy;
  const servedNow = useProxyServing(snapshot?.accounts)?.next;
  const served = useServedNext(snapshot?.accounts, quota.cache, strategy, servedNow);
  // Whole seconds (the finest the TOKEN column shows) and memoised columns: memoised rows keep their
  // props between keypresses, so a frame re-renders only the rows that changed.
  const now = Math.floor(clock.now() / 1000) * 1000;
  // The names' widths once per list; STATUS and TOKEN follow the clock.
  const names = useMemo(() => nameWidths(accounts), [accounts]);
  // The same object while the widths are the same: every row takes it, and a new one each second
  // (the clock moving the STATUS and TOKEN texts, seldom their widths) drew every row again.
  const columns = useSameColumns(useMemo(() => accountColumns(rightWidth - 4, accounts, now, names), [rightWidth, accounts, now, names]));
  // A cooldown that ends turns its row's status back (`ok`) with no file changing: draw again then.
  useRedrawAt(useMemo(() => nextCoolingEnd(providers.flatMap((p) => p.accounts), now), [providers, now]));
  // Ordered by headroom, any result may move rows; otherwise only the drawn rows' numbers matter, and
  // the ★'s own account's (on screen or not): its window running out moves the ★ (most-headroom). An
  // account off screen that gains headroom does so at its reset, which useServedNext redraws for.
  const starred = useMemo(() => selected?.accounts.filter((a) => served.has(keyOf(a))) ?? [], [selected, served]);
  if (state.order !== 'headroom') {
    const rows = columns.quota ? accounts.slice(accountsWindow.start, accountsWindow.end) : [];
    quota.drawing([...rows, ...starred]);
  }

  useScreenKeys({
    ...cursorKeyHandlers(dispatch, focusedList.key, focusedList.total, focusedList.page),
    'pane.next': () => dispatch({type: 'pane', pane: 'next'}),
    'pane.left': () => dispatch({type: 'pane', pane: 'providers'}),
    'pane.right': () => dispatch({type: 'pane', pane: 'accounts'}),
    'account.open': () => {
      if (state.pane === 'providers') return dispatch({type: 'pane', pane: 'accounts'});
      if (account) navigate('detail', {provider: account.provider, accountId: account.id});
    },
    ...actions.keys,
    // The rules of what is selected: the provider, or the account when the accounts pane has the keys.
    'screen.models': () => dispatch(rulesScreenFor(provider, state.pane === 'accounts' ? account?.id : undefined)),
    'providers.hideEmpty': () => {
      dispatch({type: 'toggleHideEmpty'});
      setStatus(state.hideEmpty ? 'showing every provider' : `hiding providers without accounts (${actionKey('providers.hideEmpty', 'home')} shows them)`);
    },
    'accounts.sort': () => {
      dispatch({type: 'cycleOrder'});
      setStatus(`accounts ordered ${ORDER_WORDS[nextOrder(state.order)]}`);
    },
    jump: () => dispatch({type: 'jumpStart'}),
  });
  useJump(snapshot?.providers ?? [], providers, shownAccounts, dispatch, setStatus);

  if (!snapshot) {
    return (
      <Box width={width} height={height}>
        <Text>Loading accounts…</Text>
      </Box>
    );
  }

  const rename = state.modal?.kind === 'rename' ? state.modal : undefined;
  return (
    <Box width={width} height={height}>
      <Pane title={`Providers (${providers.length})`} focused={state.pane === 'providers'} width={leftWidth} height={height} theme={theme}>
        <List
          items={providers}
          cursor={providerIndex}
          height={providersListHeight}
          keyOf={(p) => p.provider.id}
          emptyText={hiddenProvidersText(state.hideEmpty, filterOf(state, 'providers'))}
          renderRow={(p, _i, isSelected) => <ProviderRow entry={p} selected={isSelected} focused={state.pane === 'providers'} width={leftWidth - 4} theme={theme} now={now} />}
        />
        <FilterLine list="providers" />
      </Pane>
      <Pane
        title={
          selected
            ? `${selected.provider.displayName} accounts (${accounts.length}${accounts.length !== selected.accounts.length ? ` of ${selected.accounts.length}` : ''})${selected.accounts.length ? ` · ${titleStatus(selected.accounts, quota.cache, now)}` : ''}${nativeLine(selected.accounts, native[selected.provider.id]?.account)}`
            : 'Accounts'
        }
        focused={state.pane === 'accounts'}
        width={rightWidth}
        height={height}
        theme={theme}
      >
        <Text dimColor wrap="truncate">
          {headerRow(columns)}
        </Text>
        <List
          items={accounts}
          cursor={accountIndex}
          height={accountsListHeight}
          window={accountsWindow}
          keyOf={(a) => a.id}
          emptyText={
            // Worked out only when shown: it filters every other provider's accounts.
            accounts.length > 0
              ? ''
              : selected && selected.accounts.length === 0
                ? `No ${selected.provider.displayName} account yet. Press ${actionKey('account.login', 'home')} to add one.`
                : !selected && state.hideEmpty && !snapshot.providers.some((p) => p.accounts.length > 0)
                  ? `No account yet. Press ${actionKey('account.login', 'home')} to add one (${actionKey('providers.hideEmpty', 'home')} shows every provider).`
                  : noMatchText(selected, providers, shownAccounts)
          }
          renderRow={(a, _i, isSelected) => (
            <AccountRow
              account={a}
              siblings={selected?.accounts ?? []}
              selected={isSelected}
              focused={state.pane === 'accounts'}
              served={served.has(keyOf(a))}
              columns={columns}
              now={now}
              quota={columns.quota ? quota.cache?.accounts[a.provider]?.[a.id]?.windows : undefined}
              quotaCause={columns.quota && quota.cache?.accounts[a.provider]?.[a.id] ? quotaCause(a, quota.cache.accounts[a.provider]![a.id], quota.fetching(a), quota.now) : undefined}
              quotaNow={quota.now}
              theme={theme}
              renameDraft={rename && rename.provider === a.provider && rename.accountId === a.id ? rename.draft : undefined}
            />
          )}
        />
        <FilterLine list="accounts" />
        {state.modal?.kind === 'jump' ? (
          <Box>
            <Text>:</Text>
            <DraftText draft={state.modal.draft} focus />
          </Box>
        ) : null}
      </Pane>
    </Box>
  );
}

const ORDER_WORDS: Record<AccountOrder, string> = {
  registered: 'as registered',
  name: 'by name',
  expiry: 'by token expiry (soonest first)',
  headroom: 'by quota headroom (most room first)',
};

/**
 * `:` then a name and Enter: selects the provider whose id or name starts with it, else an account
 * (any provider) whose nickname, email or id contains it, and focuses it. Several matches: the
 * status says which one of how many, and `:` Enter with the field empty goes to the next (k9s-like).
 */
function useJump(
  all: readonly ProviderAccounts[],
  visible: readonly ProviderAccounts[],
  shownAccounts: (entry: ProviderAccounts) => Account[],
  dispatch: (a: AppAction) => void,
  setStatus: (text: string, kind?: StatusKind) => void,
) {
  const {state} = useShell();
  const jump = state.modal?.kind === 'jump' && state.modal.submitted ? state.modal : undefined;
  /** The last query and which of its matches is selected, for `:` Enter again. */
  const last = useRef<{query: string; index: number} | undefined>(undefined);
  useEffect(() => {
    if (!jump) return;
    dispatch({type: 'closeModal'});
    const typed = jump.draft.text.trim();
    const again = !typed && last.current ? last.current : undefined;
    const query = again?.query ?? typed;
    const wanted = query.toLowerCase();
    if (!wanted) return;
    const matches: Array<{provider: number; account?: {at: number; id: string}; name: string}> = [];
    for (const [index, entry] of visible.entries()) {
      if (entry.provider.id.startsWith(wanted) || entry.provider.displayName.toLowerCase().startsWith(wanted)) matches.push({provider: index, name: entry.provider.displayName});
    }
    for (const [index, entry] of visible.entries()) {
      for (const [at, a] of shownAccounts(entry).entries()) {
        if ([a.nickname, a.email, a.id].some((f) => f?.toLowerCase().includes(wanted))) matches.push({provider: index, account: {at, id: a.id}, name: `${entry.provider.displayName} / ${accountLabel(a)}`});
      }
    }
    if (matches.length === 0) {
      last.current = undefined;
      const hidden = all.length !== visible.length ? ' (some providers are hidden or filtered out)' : '';
      setStatus(`no provider or account matches "${query}"${hidden}`, 'error');
      return;
    }
    const index = again ? (again.index + 1) % matches.length : 0;
    last.current = {query, index};
    const hit = matches[index]!;
    // With the ids: accounts that reload in the same render (a quota poll) do not undo the jump.
    const provider = visible[hit.provider]!.provider.id;
    dispatch({type: 'setCursor', list: 'providers', index: hit.provider, id: provider});
    if (hit.account === undefined) dispatch({type: 'pane', pane: 'providers'});
    else {
      dispatch({type: 'setCursor', list: accountsListKey(provider), index: hit.account.at, id: hit.account.id});
      dispatch({type: 'pane', pane: 'accounts'});
    }
    // Always a status: it replaces an earlier jump's "no … matches" and says where the cursor went.
    const more = matches.length > 1 ? ` — ${index + 1} of ${matches.length} matching "${query}"; ${actionKey('jump', 'home')} then Enter for the next` : '';
    setStatus(`jumped to ${hit.name}${more}`, 'ok');
  }, [jump]);
}

/** Why the providers list is empty: its filter matches none, or `H` hides them all (none has an account), or both. */
function hiddenProvidersText(hideEmpty: boolean, filter: string): string {
  const shows = `${actionKey('providers.hideEmpty', 'home')} shows every provider`;
  if (!filter) return hideEmpty ? `no provider has an account (${shows})` : 'no provider';
  return hideEmpty ? `no provider with accounts matches the filter (${shows})` : 'no provider matches the filter';
}

/**
 * The accounts filter matches none of this provider's accounts: says which other providers (as the
 * providers pane lists them) have accounts it matches, so a name filtered on the wrong provider is found.
 */
function noMatchText(selected: ProviderAccounts | undefined, providers: readonly ProviderAccounts[], shownAccounts: (entry: ProviderAccounts) => Account[]): string {
  const elsewhere = providers.filter((p) => p !== selected).flatMap((p) => {
    const count = shownAccounts(p).length;
    return count > 0 ? [`${p.provider.displayName} (${count})`] : [];
  });
  const none = selected ? `no ${selected.provider.displayName} account matches` : 'no account matches the filter';
  return elsewhere.length > 0 ? `${none} · found in ${elsewhere.join(', ')} (${actionKey('pane.left', 'home')}: providers)` : none;
}

function Pane(props: {title: string; focused: boolean; width: number; height: number; theme: Theme; children: ReactNode}) {
  const {title, focused, width, height, theme, children} = props;
  return (
    <Box flexDirection="column" width={width} height={height} borderStyle={focused ? 'bold' : 'round'} borderColor={focused ? theme.accent : theme.muted} paddingX={1}>
      <Text bold={focused} wrap="truncate">
        {focused ? '▶ ' : '  '}
        {title}
      </Text>
      {children}
    </Box>
  );
}

/** Cells around a provider's name in its row: borders and padding (4), `› ` (2), gap and `!  3` (5). */
const PROVIDER_ROW_EXTRA = 11;

/**
 * The providers pane's width: its longest row whole (and its title), at most 22 cells below 80
 * columns, 28 below 100, 32 above, so the accounts pane keeps the rest.
 */
function providersPaneWidth(width: number, providers: readonly ProviderAccounts[]): number {
  const need = Math.max(cellWidth(`Providers (${providers.length})`) + 6, ...providers.map((p) => cellWidth(p.provider.displayName) + PROVIDER_ROW_EXTRA));
  return Math.min(need, width >= 100 ? 32 : width >= 80 ? 28 : 22);
}

// Rows are memoised (React.memo): a frame re-renders only the rows whose props changed (the cursor's
// two rows on a keypress, the rows whose quota entry changed on a poll result), not every visible row.
const ProviderRow = memo(function ProviderRow({entry, selected, focused, width, theme, now}: {entry: ProviderAccounts; selected: boolean; focused: boolean; width: number; theme: Theme; now: number}) {
  const status = providerStatus(entry.accounts, now);
  // Count and a one-character status marker; the words are in the accounts pane title and rows.
  const right = `${status.marker}${String(entry.accounts.length).padStart(3)}`;
  const line = `${selected ? '›' : ' '} ${cell(entry.provider.displayName, Math.max(0, width - 2 - cellWidth(right)))}${right}`;
  return (
    <Text wrap="truncate" bold={selected && focused} inverse={selected && focused && !theme.color} backgroundColor={selected && focused ? theme.selectionBg : undefined} color={selected && focused ? theme.selectionFg : status.attention ? theme.warn : entry.accounts.length === 0 ? theme.muted : undefined}>
      {line}
    </Text>
  );
});

interface AccountColumns {
  name: number;
  email: number;
  status: number;
  expiry: number;
  /** The 5 h / weekly summary, on wide terminals only (0: not shown). */
  quota: number;
  /** Narrow: STATUS and TOKEN in short words (`re-login`, `in 4h`) so the names keep their room. */
  short: boolean;
}

/** What each account row shows in its text columns (the same strings AccountRow draws). */
function accountCells(account: Account, now: number, wide: boolean, siblings: readonly Account[], short = false) {
  const {status, expiry} = rowClockTexts(account, now, short);
  return {...nameCells(account, wide, siblings), status: status.text, expiry};
}

/**
 * What an account row draws from the clock: its STATUS (words, and whether they warn) and TOKEN
 * texts. AccountRow reads the clock through this alone (sameAccountRow).
 */
function rowClockTexts(account: Account, now: number, short: boolean): {status: {text: string; attention: boolean}; expiry: string} {
  // Past expiry reads "5m ago"; the STATUS column says what it means (refresh due).
  return {status: accountStatus(account, short, now), expiry: formatRelative(account.expiresAt, now, short)};
}

/** An account row's NAME and EMAIL texts (one ACCOUNT text in `name` when not `wide`). */
function nameCells(account: Account, wide: boolean, siblings: readonly Account[]): {name: string; email: string} {
  // Neither nickname nor email (an API key added without a name, a hand-copied token file): the id
  // names it, in the NAME column (as the command line's ACCOUNT column), never under EMAIL.
  const idOnly = !account.nickname && !account.email;
  const nickname = account.nickname === undefined ? undefined : maskedNickname(account.nickname);
  // Narrow: nickname and email share one column.
  const name = wide ? (nickname ?? (idOnly ? accountLabel(account, siblings) : '')) : nickname && account.email ? `${nickname} · ${account.email}` : accountLabel(account, siblings);
  // No nickname: the EMAIL column shows the label (the email, or the id that tells two logins of one
  // email apart), never a blank row.
  const email = account.nickname || idOnly ? (account.email ?? '') : accountLabel(account, siblings);
  return {name, email};
}

/**
 * The one-column name for a row `width` cells wide: `nickname · email`, its email cut with … when
 * the nickname stays whole beside a few of its characters; else the label that alone tells the
 * account apart (the nickname, else the email or id), cut only when even that does not fit.
 */
function narrowName(account: Account, siblings: readonly Account[], full: string, width: number): string {
  const label = accountLabel(account, siblings);
  return cellWidth(full) <= width - 1 || cellWidth(label) + cellWidth(' · ') + 4 <= width - 1 ? full : label;
}

/**
 * Column widths shared by need: the names (what identifies an account) get room first. STATUS and
 * TOKEN are as wide as their longest cell, with two cells of padding, then one, then in short words
 * (`re-login`, `in 4h`), taking the first of these steps where the names fit whole (else the last);
 * the quota summary only where there is room to spare. Names are cut with … only when they do not
 * fit even then, with one exception: an unusually long email (over LONG_EMAIL cells) does not cost
 * the QUOTA column. Where QUOTA fits beside every other name whole and at least LONG_EMAIL_ROOM cells
 * of EMAIL, QUOTA stays and that email alone is cut.
 */
const widest = (header: string, cells: string[], pad: number) => Math.max(cellWidth(header), ...cells.map(cellWidth)) + pad;

/**
 * An email (or the label in its column) wider than this is unusually long: it is cut to keep the
 * QUOTA column rather than QUOTA given up for it. Most emails are well under it (`first.last@company.com`).
 */
const LONG_EMAIL = 32;
/** The least EMAIL room an unusually long email keeps beside QUOTA: enough to tell it apart. */
const LONG_EMAIL_ROOM = 20;

/** The widths the names need (NAME, EMAIL, or both in one ACCOUNT column): of the accounts alone, not of the clock. */
function nameWidths(accounts: readonly Account[]): {nick: number; email: number; usualEmail: number; combined: number; named: boolean} {
  const wideCells = accounts.map((a) => nameCells(a, true, accounts));
  // One column: the longest name a row would show whole (nickname · email, else its label).
  const labels = accounts.map((a) => accountLabel(a, accounts));
  const emails = wideCells.map((c) => c.email);
  return {
    nick: widest('NAME', wideCells.map((c) => c.name), 2),
    email: widest('EMAIL', emails, 2),
    // The EMAIL column's need without the unusually long ones (cut beside QUOTA: accountColumns).
    usualEmail: widest('EMAIL', emails.filter((e) => cellWidth(e) <= LONG_EMAIL), 2),
    combined: widest('ACCOUNT', accounts.map((a, i) => nameCells(a, false, accounts).name || labels[i]!), 1),
    // Whether any row has a NAME cell (a nickname, or an id that names it): else that column is blank.
    named: wideCells.some((c) => c.name !== ''),
  };
}

/**
 * The STATUS column is always as wide as a paused account's status: pausing one (`p`) or resuming
 * it does not move the columns beside it. (Longer states, which come by themselves, widen it.)
 */
const STEADY_STATUS = [PAUSED_TEXT];

function accountColumns(width: number, accounts: readonly Account[], now: number, names: ReturnType<typeof nameWidths>): AccountColumns {
  const {nick, email, usualEmail, combined, named} = names;
  const steps = [
    {pad: 2, short: false},
    {pad: 1, short: false},
    {pad: 1, short: true},
  ];
  const layout = (step: (typeof steps)[number]) => {
    const cells = accounts.map((a) => accountCells(a, now, false, accounts, step.short));
    const status = widest('STATUS', [...cells.map((c) => c.status), ...STEADY_STATUS], step.pad);
    // The short step's TOKEN is the row's last cell (no quota follows): no padding after it.
    const expiry = widest('TOKEN', cells.map((c) => c.expiry), step.short ? 0 : step.pad);
    const fixed = 3 + status + expiry;
    // QUOTA when 60 cells are left for it and the names, or fewer that still hold every name whole
    // beside it (long STATUS words, short emails: EMAIL took the room and QUOTA went).
    const quotaCells = quotaSummaryWidth(0) + 1;
    const room = width - fixed;
    const quota = !step.short && step.pad === 2 && (room >= 60 || room - quotaCells >= Math.min(nick + email, combined)) ? quotaCells : 0;
    return {status, expiry, quota, rest: Math.max(8, width - fixed - quota), short: step.short, pad: step.pad};
  };
  const whole = (l: ReturnType<typeof layout>) => nick + email <= l.rest || combined <= l.rest;
  // QUOTA kept over an unusually long email: every other name whole, that email cut to the rest.
  const first = layout(steps[0]!);
  const keepQuota = first.quota > 0 && !whole(first) && email > usualEmail && nick + usualEmail <= first.rest && first.rest - nick >= LONG_EMAIL_ROOM;
  // When no step makes every name whole, the names get the most room there is (short words): a name
  // is never cut while STATUS or TOKEN keep cells they could give up (but for the email above).
  // The next steps are laid out only when needed: each formats every account's cells (1,000 before the first frame).
  let chosen = first;
  for (const step of steps.slice(1)) {
    if (keepQuota || whole(chosen)) break;
    chosen = layout(step);
  }
  const {status, expiry, quota, rest, short} = chosen;
  // Side by side when both fit whole, or when there is room to give each a fair share and one
  // column would not show them whole either. Where no row has a NAME cell, a cut name gets the
  // blank column's cells too: one ACCOUNT column.
  if (nick + email <= rest || (named && (keepQuota || (rest >= 44 && combined > rest)))) {
    const name = Math.min(nick, Math.max(Math.floor(rest * 0.4), rest - (keepQuota ? usualEmail : email)));
    return {name, email: rest - name, status, expiry, quota, short};
  }
  return {name: rest, email: 0, status, expiry, quota, short};
}

/** `columns`, or the object given before when its widths are the same. */
function useSameColumns(columns: AccountColumns): AccountColumns {
  const kept = useRef(columns);
  const before = kept.current;
  if ((Object.keys(columns) as (keyof AccountColumns)[]).some((key) => columns[key] !== before[key])) kept.current = columns;
  return kept.current;
}

const cell = fitCell;

function headerRow(c: AccountColumns): string {
  return `   ${cell(c.email ? 'NAME' : 'ACCOUNT', c.name)}${c.email ? cell('EMAIL', c.email) : ''}${cell('STATUS', c.status)}${cell('TOKEN', c.expiry, !c.quota)}${c.quota ? 'QUOTA USED' : ''}`;
}

type AccountRowProps = {account: Account; siblings: readonly Account[]; selected: boolean; focused: boolean; served: boolean; columns: AccountColumns; now: number; theme: Theme; renameDraft?: TextDraft; quota?: readonly QuotaWindow[]; quotaCause?: string; quotaNow: number};

/**
 * React.memo's shallow comparison, except that a new `now` alone does not draw the row again while
 * its clock texts stay the same ("in 3h" for an hour): the clock moves every second, and drawing
 * every visible row and its quota cells again for each tick was a good part of a redraw during a poll.
 */
function sameAccountRow(before: AccountRowProps, after: AccountRowProps): boolean {
  const keys = Object.keys(after) as (keyof AccountRowProps)[];
  if (keys.length !== Object.keys(before).length || keys.some((key) => key !== 'now' && before[key] !== after[key])) return false;
  if (before.now === after.now) return true;
  const then = rowClockTexts(after.account, before.now, after.columns.short);
  const now = rowClockTexts(after.account, after.now, after.columns.short);
  return then.expiry === now.expiry && then.status.text === now.status.text && then.status.attention === now.status.attention;
}

const AccountRow = memo(function AccountRow(props: AccountRowProps) {
  const {account, siblings, selected, focused, served, columns: c, now, theme, renameDraft, quota, quotaNow} = props;
  // From the `now` given, not the clock: a memoised row shows what its props say.
  const {status, expiry} = rowClockTexts(account, now, c.short);
  const cells = nameCells(account, c.email > 0, siblings);
  const {email} = cells;
  const name = c.email > 0 ? cells.name : narrowName(account, siblings, cells.name, c.name);
  // The default stays bold when ★ takes its `*`'s place.
  const marks = `${selected ? '›' : ' '}${served ? BEST_MARK : account.default ? '*' : ' '}`;
  const highlight = selected && focused;
  const color = highlight ? theme.selectionFg : status.attention ? theme.warn : account.paused ? theme.muted : undefined;
  if (renameDraft) {
    // The row still names the account (its email, else its name): the field alone would hide which
    // account is being renamed, and a name being retyped cannot say it.
    return (
      <Text wrap="truncate">
        {`${marks} ${truncateName(email || name, Math.min(Math.max(c.name + c.email, 12) - 1, 24))} `}
        <Text bold>rename: </Text>
        {/* A key pasted as the name is hidden (and refused: core nicknameFormProblem). */}
        <DraftText draft={renameDraft} focus />
        <Text dimColor>{'  Enter saves (empty: no nickname)'}</Text>
      </Text>
    );
  }
  return (
    <Text wrap="truncate" bold={account.default} inverse={highlight && !theme.color} backgroundColor={highlight ? theme.selectionBg : undefined} color={color}>
      {`${marks} ${cell(name, c.name, false, truncateName)}${c.email ? cell(email, c.email, false, truncateName) : ''}${cell(status.text, c.status)}${cell(expiry, c.expiry, !c.quota)}`}
      {quota ? <QuotaSummary windows={quota} now={quotaNow} barWidth={0} cause={props.quotaCause} /> : null}
    </Text>
  );
}, sameAccountRow);

/**
 * The accounts pane title's state of a provider: providerStatus, and first, when every usable account
 * rests (cooling down, or its quota used up by the cache: poolRest), `none free until 09:55`
 * (`none free now` when when is unknown) in place of an `ok` it would contradict. First: a title cut
 * at 80 columns keeps it. A clock time, not a countdown: the title changes only when the rest does.
 */
function titleStatus(accounts: readonly Account[], cache: QuotaCache | undefined, now: number): string {
  const status = providerStatus(accounts, now).text;
  const rest = poolRest(accounts, cachedWindows(cache, accounts), now);
  if (!rest) return status;
  // To the minute, rounded up (never a moment early): a title has little room.
  const none = rest.backAt === undefined ? 'none free now' : `none free until ${formatLocalClock(new Date(Math.ceil(rest.backAt / 60_000) * 60_000).toISOString(), now).slice(0, -3)}`;
  return status === 'ok' ? none : `${none} · ${status}`;
}
