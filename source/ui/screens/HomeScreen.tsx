// Home: providers (account count, status) beside the selected provider's accounts.
import {Box, Text} from 'ink';
import {useMemo, type ReactNode} from 'react';
import {accountLabel} from '../../core/accounts.js';
import {accountsListKey, cursorIn, matchesFilter, type Pane} from '../../core/app-state.js';
import {actionKey} from '../../core/keymap.js';
import {formatRelative} from '../../core/relative-time.js';
import type {TextDraft} from '../../core/text-edit.js';
import type {Account, QuotaWindow} from '../../core/types.js';
import type {ProviderAccounts} from '../../store/accounts.js';
import {useAccountActions} from '../actions/useActions.js';
import {List} from '../components/List.js';
import {QuotaSummary, quotaSummaryWidth} from '../components/QuotaSummary.js';
import {DraftText} from '../components/TextField.js';
import {useAccounts} from '../hooks/useAccounts.js';
import {cursorKeyHandlers, useScreenKeys} from '../keys.js';
import type {ScreenProps} from '../screen-types.js';
import {useServices} from '../services.js';
import {useShell} from '../shell.js';
import {useTheme, type Theme} from '../theme.js';
import {useNativeHolders} from '../hooks/useNativeHolders.js';
import {accountStatus, nativeLine, providerStatus} from './account-format.js';
import {useQuota} from './quota/useQuota.js';

export function HomeScreen({width, height, navigate}: ScreenProps) {
  const {state, dispatch} = useShell();
  const {snapshot} = useAccounts();
  const {clock} = useServices();
  const theme = useTheme();
  // Quota summaries need no seconds: the home screen redraws for them twice a minute.
  const quota = useQuota(snapshot?.accounts, {tickMs: 30_000});

  const providers = useMemo(
    () => (snapshot?.providers ?? []).filter((p) => matchesFilter(state.filters.providers, [p.provider.id, p.provider.displayName])),
    [snapshot, state.filters.providers],
  );
  const providerIndex = cursorIn(state, 'providers', providers.length);
  const selected = providers[providerIndex];
  const accounts = useMemo(
    () => (selected?.accounts ?? []).filter((a) => matchesFilter(state.filters.accounts, [a.nickname, a.email, a.id])),
    [selected, state.filters.accounts],
  );
  const accountsKey = accountsListKey(selected?.provider.id ?? '');
  const accountIndex = cursorIn(state, accountsKey, accounts.length);
  const account = accounts[accountIndex];

  const leftWidth = width >= 100 ? 30 : 26;
  const rightWidth = width - leftWidth;
  const filterRow = (pane: Pane) => state.filterEditing?.pane === pane || state.filters[pane] !== '';
  // Border (2) + pane title (1) + column header (accounts) + filter line when shown.
  const providersListHeight = height - 3 - (filterRow('providers') ? 1 : 0);
  const accountsListHeight = height - 4 - (filterRow('accounts') ? 1 : 0);

  const focusedList = state.pane === 'providers' ? {key: 'providers', total: providers.length, page: providersListHeight} : {key: accountsKey, total: accounts.length, page: accountsListHeight};
  const provider = selected?.provider.id;
  const actions = useAccountActions(provider, account);
  const native = useNativeHolders();

  useScreenKeys({
    ...cursorKeyHandlers(dispatch, focusedList.key, focusedList.total, focusedList.page),
    filter: () => dispatch({type: 'filterStart'}),
    'pane.next': () => dispatch({type: 'pane', pane: 'next'}),
    'pane.left': () => dispatch({type: 'pane', pane: 'providers'}),
    'pane.right': () => dispatch({type: 'pane', pane: 'accounts'}),
    'account.open': () => {
      if (state.pane === 'providers') return dispatch({type: 'pane', pane: 'accounts'});
      if (account) navigate('detail', {provider: account.provider, accountId: account.id});
    },
    ...actions.keys,
    'account.login': () => provider && navigate('login', {provider}),
  });

  if (!snapshot) {
    return (
      <Box width={width} height={height}>
        <Text>Loading accounts…</Text>
      </Box>
    );
  }

  const rename = state.modal?.kind === 'rename' ? state.modal : undefined;
  const columns = accountColumns(rightWidth - 4);
  return (
    <Box width={width} height={height}>
      <Pane title={`Providers (${providers.length})`} focused={state.pane === 'providers'} width={leftWidth} height={height} theme={theme}>
        <List
          items={providers}
          cursor={providerIndex}
          height={providersListHeight}
          keyOf={(p) => p.provider.id}
          emptyText="no provider matches the filter"
          renderRow={(p, _i, isSelected) => <ProviderRow entry={p} selected={isSelected} focused={state.pane === 'providers'} width={leftWidth - 4} theme={theme} />}
        />
        <FilterLine pane="providers" />
      </Pane>
      <Pane
        title={
          selected
            ? `${selected.provider.displayName} accounts (${accounts.length}${accounts.length !== selected.accounts.length ? ` of ${selected.accounts.length}` : ''})${selected.accounts.length ? ` · ${providerStatus(selected.accounts).text}` : ''}${nativeLine(selected.accounts, native[selected.provider.id]?.account)}`
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
          keyOf={(a) => a.id}
          emptyText={
            selected && selected.accounts.length === 0 ? `No ${selected.provider.displayName} account yet. Press ${actionKey('account.login', 'home')} to add one.` : 'no account matches the filter'
          }
          renderRow={(a, _i, isSelected) => (
            <AccountRow
              account={a}
              siblings={selected?.accounts ?? []}
              selected={isSelected}
              focused={state.pane === 'accounts'}
              columns={columns}
              now={clock.now()}
              quota={columns.quota ? quota.cache?.accounts[a.provider]?.[a.id]?.windows : undefined}
              quotaNow={quota.now}
              theme={theme}
              renameDraft={rename && rename.provider === a.provider && rename.accountId === a.id ? rename.draft : undefined}
            />
          )}
        />
        <FilterLine pane="accounts" />
      </Pane>
    </Box>
  );
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

function FilterLine({pane}: {pane: Pane}) {
  const {state} = useShell();
  const editing = state.filterEditing?.pane === pane ? state.filterEditing : undefined;
  if (!editing && !state.filters[pane]) return null;
  return (
    <Box>
      <Text>/</Text>
      {editing ? <DraftText draft={editing.draft} focus /> : <Text wrap="truncate">{`${state.filters[pane]}  (Esc clears)`}</Text>}
    </Box>
  );
}

function ProviderRow({entry, selected, focused, width, theme}: {entry: ProviderAccounts; selected: boolean; focused: boolean; width: number; theme: Theme}) {
  const status = providerStatus(entry.accounts);
  // Count and a one-character status marker; the words are in the accounts pane title and rows.
  const right = `${status.marker}${String(entry.accounts.length).padStart(3)}`;
  const line = `${selected ? '›' : ' '} ${cell(entry.provider.displayName, Math.max(0, width - 2 - right.length))}${right}`;
  return (
    <Text wrap="truncate" bold={selected && focused} inverse={selected && focused && !theme.color} backgroundColor={selected && focused ? theme.selectionBg : undefined} color={selected && focused ? theme.selectionFg : status.attention ? theme.warn : entry.accounts.length === 0 ? theme.muted : undefined}>
      {line}
    </Text>
  );
}

interface AccountColumns {
  name: number;
  email: number;
  status: number;
  expiry: number;
  /** The 5 h / weekly summary, on wide terminals only (0: not shown). */
  quota: number;
}

function accountColumns(width: number): AccountColumns {
  const status = 13;
  const expiry = 9;
  const wide = width - 3 - status - expiry >= 60;
  const quota = wide ? quotaSummaryWidth(0) + 1 : 0;
  const rest = Math.max(8, width - 3 - status - expiry - quota);
  // Narrow: one name column (nickname, else email); wide: nickname and email side by side.
  if (rest < 44) return {name: rest, email: 0, status, expiry, quota};
  const name = Math.floor(rest * 0.4);
  return {name, email: rest - name, status, expiry, quota};
}

const cell = (text: string, width: number) => (text.length > width - 1 ? `${text.slice(0, Math.max(0, width - 2))}…` : text).padEnd(width);

function headerRow(c: AccountColumns): string {
  return `   ${cell(c.email ? 'NICKNAME' : 'ACCOUNT', c.name)}${c.email ? cell('EMAIL', c.email) : ''}${cell('STATUS', c.status)}${cell('TOKEN', c.expiry)}${c.quota ? 'QUOTA' : ''}`;
}

function AccountRow(props: {account: Account; siblings: readonly Account[]; selected: boolean; focused: boolean; columns: AccountColumns; now: number; theme: Theme; renameDraft?: TextDraft; quota?: readonly QuotaWindow[]; quotaNow: number}) {
  const {account, siblings, selected, focused, columns: c, now, theme, renameDraft, quota, quotaNow} = props;
  const status = accountStatus(account);
  const expiry = account.expiresAt ? (Date.parse(account.expiresAt) < now ? 'expired' : formatRelative(account.expiresAt, now)) : '';
  const marks = `${selected ? '›' : ' '}${account.default ? '*' : ' '}`;
  // Narrow: nickname and email share one column.
  const name = c.email ? account.nickname ?? '' : account.nickname && account.email ? `${account.nickname} · ${account.email}` : accountLabel(account, siblings);
  // Two logins of one email: the EMAIL column shows the id that tells them apart.
  const email = !account.nickname && account.email ? accountLabel(account, siblings) : account.email ?? '';
  const highlight = selected && focused;
  const color = highlight ? theme.selectionFg : status.attention ? theme.warn : account.paused ? theme.muted : undefined;
  if (renameDraft) {
    return (
      <Text wrap="truncate">
        {marks}
        <Text bold>rename: </Text>
        <DraftText draft={renameDraft} focus />
        <Text dimColor>{'  Enter saves, Esc cancels'}</Text>
      </Text>
    );
  }
  return (
    <Text wrap="truncate" bold={account.default} inverse={highlight && !theme.color} backgroundColor={highlight ? theme.selectionBg : undefined} color={color}>
      {`${marks} ${cell(name, c.name)}${c.email ? cell(email, c.email) : ''}${cell(status.text, c.status)}${cell(expiry, c.expiry)}`}
      {quota ? <QuotaSummary windows={quota} now={quotaNow} barWidth={0} /> : null}
    </Text>
  );
}
