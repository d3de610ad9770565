// One account in full. Enter or u makes it the default; n renames in place; p, d, r as on home.
import {Box} from 'ink';
import {Text} from '../components/Text.js';
import {useMemo, type ReactNode} from 'react';
import {accountLabel, HEALTH_TEXT, maskedNickname, nextCoolingEnd, REFUSAL_REST} from '../../core/accounts.js';
import {actionKey} from '../../core/keymap.js';
import {formatCooldown, formatLocalTime, formatRelative} from '../../core/relative-time.js';
import {apiKeyPlainHttp, plainHttpHost} from '../../core/plain-http.js';
import {maskCredentialsIn, maskedUrl, sanitizeLine} from '../../core/sanitize.js';
import {wrapWords} from '../../core/cells.js';
import {fitRows, hiddenNote} from '../../core/fit-rows.js';
import {useAccountActions} from '../actions/useActions.js';
import {DraftText} from '../components/TextField.js';
import {useAccounts} from '../hooks/useAccounts.js';
import {useRedrawAt} from '../hooks/useRedrawAt.js';
import {useTimeText} from '../hooks/useTimeText.js';
import {useTarget} from '../hooks/useTarget.js';
import {LOCAL_TARGET} from '../../store/targets.js';
import {apiOverrideOf} from '../../store/settings.js';
import {useSettings} from '../hooks/useSettings.js';
import {useScreenKeys} from '../keys.js';
import type {ScreenProps} from '../screen-types.js';
import {useServices} from '../services.js';
import {useShell} from '../shell.js';
import {useTheme} from '../theme.js';
import {accountHints, accountStatus, lastUse, noUseRecorded, statusDetail} from './account-format.js';
import {useScreenHints} from '../hints.js';
import {QuotaSummary} from '../components/QuotaSummary.js';
import {useQuota} from './quota/useQuota.js';
import {hasQuotaSource} from '../../services/quota/service.js';
import {summaryWindows} from '../../core/quota-dashboard.js';
import {currentWindows} from '../../core/quota.js';
import {quotaCause, shortQuotaError} from './quota/quota-cause.js';
import {rulesScreenFor} from './models/open.js';

/** The Base URL row: the URL, marked when it is plain http:// to another machine (the note under the rows says what that means). */
function baseUrlText(url: string): string {
  return `${sanitizeLine(url)}${plainHttpHost(url) === undefined ? '' : '  ! plain http'}`;
}

/** The note under the rows for a plain http:// base URL (allowed at login with --allow-insecure-http): wrapped, so it is read whole at any width. */
function baseUrlNote(url: string | undefined): string | undefined {
  const host = url === undefined ? undefined : plainHttpHost(url);
  return host === undefined ? undefined : `! Base URL: ${apiKeyPlainHttp(sanitizeLine(host), 'crosses')}`;
}

export function DetailScreen({width, height, params, back}: ScreenProps) {
  const {snapshot} = useAccounts();
  const {clock} = useServices();
  const target = useTarget();
  const store = target.accounts;
  const {state, dispatch} = useShell();
  const theme = useTheme();
  const account = snapshot?.accounts.find((a) => a.provider === params.provider && a.id === params.accountId);
  const provider = params.provider ?? '';
  const actions = useAccountActions(provider, account);
  useScreenHints(accountHints(account, [], snapshot?.accounts.filter((a) => a.provider === provider).length));
  const watched = useMemo(() => (account ? [account] : undefined), [account]);
  const quota = useQuota(watched, {tickMs: 30_000});
  quota.drawing(watched ?? []);
  const windows = account ? quota.cache?.accounts[account.provider]?.[account.id] : undefined;
  // A cooldown that ends changes the status and the Cooldown row with no file changing: draw again then.
  useRedrawAt(account ? nextCoolingEnd([account], clock.now()) : undefined);
  const loadedSettings = useSettings();
  const apiOverride = loadedSettings && account ? apiOverrideOf(loadedSettings.settings, account.provider) : undefined;
  // The Cooldown row counts down by the second while the screen is open (nothing else need redraw it).
  const now = useTimeText((at) => (account?.coolingUntil ? formatCooldown(account.coolingUntil, at) : ''));

  useScreenKeys({
    ...actions.keys,
    // The rules of this account (its token file's, with the global ones).
    'screen.models': () => dispatch(rulesScreenFor(params.provider, params.accountId)),
    'account.remove': async () => {
      if (await actions.perform('account.remove')) back();
    },
  });

  if (!snapshot) return <Text>Loading…</Text>;
  if (!account) {
    return (
      <Box width={width} height={height} borderStyle="round" paddingX={1} flexDirection="column">
        <Text>{`The ${sanitizeLine(provider)} account ${sanitizeLine(params.accountId)} is gone (removed or renamed on disk). ${actionKey('back')} goes back.`}</Text>
      </Box>
    );
  }
  const rename = state.modal?.kind === 'rename' && state.modal.accountId === account.id ? state.modal : undefined;
  const status = accountStatus(account, false, now);
  // Numbers to show, else why not (never fetched, fetching…, the last error, no quota source).
  // Old numbers stay beside a failed or running fetch (they say how things stood, with the cause).
  const quotaShown = hasQuotaSource(account.provider) && summaryWindows(currentWindows(windows?.windows ?? [], quota.now)).length > 0;
  const quotaNote = windows?.error ? `  (last fetch: ${shortQuotaError(windows.error, quota.now)})` : quota.fetching(account) ? '  fetching…' : '';
  const used = lastUse(account);
  // A value that is not there says why in words, never a bare dash.
  const when = (iso: string | undefined, missing: string) => (iso ? `${formatLocalTime(iso)}  (${formatRelative(iso, now)})` : missing);
  // Where a missing value would have been: a remote server lists its accounts, it shows no token file.
  const source = target.name === LOCAL_TARGET ? 'the token file' : "the server's list";
  const rows: Array<[string, ReactNode, number?]> = [
    ['Provider', account.provider],
    ['Account id', sanitizeLine(account.id)],
    ['Email', account.email ?? (account.apiKey ? 'none (an API key names no one)' : `none in ${source}`)],
    ['Nickname', rename ? <DraftText draft={rename.draft} focus /> : (account.nickname === undefined ? undefined : maskedNickname(account.nickname)) ?? `none (${actionKey('account.rename', 'detail')} gives one)`, rename ? 0 : 2],
    ['Default', account.default ? '* yes' : 'no', 3],
    ['Status', status.text + (statusDetail(account, now) ? ` — ${sanitizeLine(statusDetail(account, now)!)}` : '')],
    // An API key has no expiry and no token: its row says so, in its own words.
    account.apiKey && !account.expiresAt ? ['API key', 'does not expire'] : ['Token expires', when(account.expiresAt, `not said in ${source}`)],
    [account.apiKey ? 'Key file' : 'Token file', store.tokenLocation(account), 4],
    ...(account.coolingUntil ? [['Cooldown', formatCooldown(account.coolingUntil, now)] as [string, string]] : []),
    ['Registered', account.registered ? 'yes' : 'no (found in auth/, registered on first change)', 5],
    ['Created', when(account.createdAt, 'not recorded'), 6],
    ['Last used', used ? `${when(used.at, '')}, ${used.what}` : noUseRecorded(account), 7],
    ['Paused since', account.paused ? when(account.pausedAt, 'paused, time not recorded') : 'not paused', account.paused ? 0 : 8],
    ...(account.tier ? [['Tier', sanitizeLine(account.tier)] as [string, string]] : []),
    ...(account.projectId ? [['Project', sanitizeLine(account.projectId)] as [string, string]] : []),
    // tui.json's endpoints.<provider>.api replaces it: said, as the requests go there (the adapters' apiOverride).
    ...(account.baseUrl
      ? [['Base URL', `${baseUrlText(account.baseUrl)}${apiOverride ? `  (unused: tui.json endpoints.${account.provider}.api replaces it)` : ''}`] as [string, string]]
      : apiOverride && account.apiKey
        ? // None of its own: the one its requests go to.
          [['Base URL', `${baseUrlText(maskCredentialsIn(maskedUrl(apiOverride)))}  (tui.json endpoints.${account.provider}.api)`] as [string, string]]
        : []),
    [
      'Quota',
      quotaShown ? (
        <>
          <QuotaSummary windows={windows!.windows} now={quota.now} barWidth={8} />
          {quotaNote}
        </>
      ) : (
        `? ${quotaCause(account, windows, quota.fetching(account), quota.now)}`
      ),
    ],
  ];
  // The notes under the rows, as many rows as they wrap to; the rows give way to them (fitRows).
  const inner = Math.max(10, width - 4);
  const notes: Array<{text: string; color?: string}> = [
    ...(rename ? [{text: 'Enter saves the nickname (empty: removes it), Esc cancels'}] : []),
    ...(baseUrlNote(account.baseUrl) && !rename ? [{text: baseUrlNote(account.baseUrl)!, color: theme.warn}] : []),
    ...(account.health === 'needs-login' && !rename ? [{text: `${HEALTH_TEXT['needs-login']}: ${actionKey('account.relogin', 'detail')} logs in as it again`, color: theme.warn}] : []),
    ...(account.health === 'key-rejected' && !rename
      ? [{text: `! the provider refused this API key${account.healthSince ? ` at ${formatLocalTime(account.healthSince)} (${formatRelative(account.healthSince, now)})` : ''}; the proxy tries it again ${REFUSAL_REST} after a refusal (a success ends this). ${actionKey('account.test', 'detail')} asks the provider again; ${actionKey('account.relogin', 'detail')} replaces the key (tried at once)`, color: theme.warn}]
      : []),
    ...(account.health === 'refresh-unknown' && !rename
      ? [{text: `? the last refresh got no answer, so its refresh token is never sent again: requests work until the access token expires; ${actionKey('account.relogin', 'detail')} logs in again as it`, color: theme.warn}]
      : []),
  ].flatMap((note) => wrapWords(note.text, inner).map((text) => ({text, color: note.color})));
  // Border (2) and the title row.
  const fitted = fitRows(
    rows.map(([label, value, drop = 0]) => ({value: [label, value] as const, drop, label})),
    height - 3 - notes.length,
  );
  const note = hiddenNote(fitted);
  return (
    <Box width={width} height={height} borderStyle="round" borderColor={theme.accent} paddingX={1} flexDirection="column" overflow="hidden">
      <Text bold wrap="truncate">
        {`${account.default ? '* ' : ''}${accountLabel(account, snapshot.accounts)}`}
      </Text>
      {fitted.shown.map(([label, value]) => (
        <Box key={label} flexShrink={0}>
          <Box width={16} flexShrink={0}>
            <Text dimColor>{label}</Text>
          </Box>
          <Text wrap="truncate">{value}</Text>
        </Box>
      ))}
      {note ? (
        <Text dimColor wrap="truncate">
          {note}
        </Text>
      ) : null}
      {notes.map((line, i) => (
        <Text key={`note:${i}`} color={line.color} wrap="truncate">
          {line.text}
        </Text>
      ))}
    </Box>
  );
}
