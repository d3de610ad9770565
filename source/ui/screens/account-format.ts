// Words and markers for account and provider state. Never colour alone: these texts carry the meaning.
import {accountLabel, coolingNow, HEALTH_SHORT, HEALTH_TEXT, needsAttention, PAUSED_TEXT, UNSUPPORTED_TYPE, unsupportedTypeDetail} from '../../core/accounts.js';
import {sanitizeLine} from '../../core/sanitize.js';
import type {Account} from '../../core/types.js';
import type {ScreenHints} from '../hints.js';
import type {KeyAction} from '../../core/keymap.js';
import {cursorIn, filterOf, matchesFilter, type AppState} from '../../core/app-state.js';
import type {ProviderAccounts} from '../../store/accounts.js';
import {knownType, UNKNOWN_TYPE_ACTIONS} from '../actions/unknown-type.js';
import {hasQuotaSource} from '../../services/quota/service.js';
import {unsupportedType} from '../../providers/table.js';

/**
 * The accounts screen's providers list as it shows them: empty ones left out after `H`, then its
 * filter (which also finds a provider by its accounts' names).
 */
export function shownProviders(providers: readonly ProviderAccounts[], state: AppState): ProviderAccounts[] {
  return providers.filter(
    (p) =>
      !(state.hideEmpty && p.accounts.length === 0) &&
      matchesFilter(filterOf(state, 'providers'), [p.provider.id, p.provider.displayName, ...p.accounts.flatMap((a) => [a.nickname, a.email, a.id])]),
  );
}

/** The provider selected on the accounts screen (its providers list's cursor), undefined before the accounts load. */
export function selectedProvider(providers: readonly ProviderAccounts[] | undefined, state: AppState): string | undefined {
  const shown = shownProviders(providers ?? [], state);
  return shown[cursorIn(state, 'providers', shown.length)]?.provider.id;
}

/**
 * `short`: the narrow table's words (`re-login`, `due`). An otherwise healthy account that the local
 * proxy is waiting out (its `coolingUntil` still ahead: a quota or rate-limit cooldown) reads as cooling;
 * a server's rest (health `cooling`) whose end has passed reads as ok until the server's next list.
 */
export function accountStatus(account: Account, short = false, now = Date.now()): {text: string; attention: boolean} {
  const attention = accountAttention(account);
  const words = short ? HEALTH_SHORT : HEALTH_TEXT;
  // A type ccs-tui does not know is never served or checked: not "ok" (a broken or missing file still says so).
  if (unsupportedType(account)) {
    const unsupported = short ? UNSUPPORTED_TYPE.short : UNSUPPORTED_TYPE.text;
    return {text: account.paused ? `⏸ ${unsupported}` : unsupported, attention};
  }
  if (account.paused) return {text: attention ? `⏸ ${words[account.health]}` : PAUSED_TEXT, attention};
  if (coolingNow(account, now)) return {text: words.cooling, attention};
  return {text: words[restEnded(account, now) ? 'ok' : account.health], attention};
}

/** accountStatus's `attention` alone, without its words (the providers list asks it of every account on each redraw). */
export function accountAttention(account: Pick<Account, 'provider' | 'health'>): boolean {
  // A type ccs-tui does not know: nothing to be done about it in ccs-tui.
  return needsAttention(account.health) && !unsupportedType(account);
}

/** A server's rest (health `cooling`, its next_retry_after) that is over by `now`. */
function restEnded(account: Account, now: number): boolean {
  return account.health === 'cooling' && !coolingNow(account, now);
}

/** The recorded cause shown after the status word; none for a server's rest that is over (it said until when). */
export function statusDetail(account: Account, now = Date.now()): string | undefined {
  if (unsupportedType(account)) return unsupportedTypeDetail(account.provider);
  return restEnded(account, now) ? undefined : account.healthDetail;
}

/** `marker` is one column wide for the providers list: `!` needs attention, `⏸` all paused, `·` none. */
export function providerStatus(accounts: readonly Account[], now = Date.now()): {text: string; marker: string; attention: boolean} {
  if (accounts.length === 0) return {text: 'no accounts', marker: ' ', attention: false};
  const broken = accounts.filter(accountAttention).length;
  // Accounts resting (a server's next_retry_after, or the local proxy's cooldown): not broken, but not "ok" either.
  const cooling = accounts.filter((a) => !a.paused && coolingNow(a, now)).length;
  const coolingText = `${cooling} cooling down`;
  // Both said: "1 needs attention" alone hid that the others wait too (none may serve now).
  if (broken > 0) return {text: `${broken} ${broken === 1 ? 'needs' : 'need'} attention${cooling > 0 ? ` · ${coolingText}` : ''}`, marker: '!', attention: true};
  if (accounts.every((a) => a.paused)) return {text: 'all paused', marker: '⏸', attention: false};
  // One provider, one type: all its accounts or none are of a type ccs-tui does not know.
  if (accounts.some(unsupportedType)) return {text: UNSUPPORTED_TYPE.text, marker: '✕', attention: false};
  if (cooling > 0) return {text: coolingText, marker: ' ', attention: false};
  return {text: 'ok', marker: ' ', attention: false};
}

/** Keys about one account: with none selected (the providers pane, an empty provider) they only say so. */
const ONE_ACCOUNT_ACTIONS: readonly KeyAction[] = [
  'account.default',
  'account.rename',
  'account.pause',
  'account.remove',
  'account.relogin',
  'account.test',
  'account.serve',
  'account.clearCooldown',
];

/**
 * Hint bar for the selected account: `p` says resume on a paused one; re-login only where it is due.
 * The state's way out comes first and is never the hint cut off: re-login for an account marked so,
 * resume for a paused one, remove for one whose token file is missing or corrupt. With no account
 * selected (`none`: what the pane offers instead, e.g. open or add), the one-account keys are left out.
 */
export function accountHints(account: Account | undefined, none: readonly KeyAction[] = [], providerAccounts?: number, provider = account?.provider): ScreenHints {
  const pool = [
    ...(providerAccounts === undefined ? [] : poolHides(providerAccounts)),
    ...(provider !== undefined && !knownType(provider) ? UNKNOWN_TYPE_ACTIONS : []),
    // A provider that reports no quota (AI Studio, Vertex, IBM Bob): R could only say so.
    ...(provider !== undefined && knownType(provider) && !hasQuotaSource(provider) ? (['quota.refresh'] as const) : []),
  ];
  if (!account) return {hide: [...ONE_ACCOUNT_ACTIONS, ...pool], first: none.filter((action) => !pool.includes(action))};
  const first: KeyAction[] = [];
  const relogin = account.health === 'needs-login' || account.health === 'refresh-unknown' || account.health === 'refresh-failed';
  if (relogin) first.push('account.relogin');
  // A refused key: t asks the provider again, L replaces the key (in place; `a` would add an account).
  const keyRejected = account.health === 'key-rejected';
  if (keyRejected) first.push('account.test', 'account.relogin');
  if (account.paused) first.push('account.pause');
  if (account.health === 'missing-token' || account.health === 'unreadable') first.push('account.remove');
  return {
    labels: {...(account.paused ? {'account.pause': 'resume'} : {}), ...(account.apiKey ? {'account.relogin': 'new key'} : {})},
    hide: [...(relogin || keyRejected ? [] : ['account.relogin' as const]), ...pool],
    first,
  };
}

/**
 * Keys about a provider's accounts as a whole, left out of the hints where they would do nothing:
 * without accounts (or no provider selected: `count` 0) nothing can be rotated, run, served,
 * tested or refreshed; with one account there is no other to rotate the default to.
 */
export function poolHides(count: number): KeyAction[] {
  if (count === 0) return ['account.rotate', 'account.launch', 'provider.serve', 'account.test', 'account.native', 'quota.refresh'];
  return count === 1 ? ['account.rotate'] : [];
}

/** ` · native CLI: <account>` for a provider whose agent's own credential file holds one of its accounts. */
export function nativeLine(accounts: readonly Account[], nativeId: string | undefined): string {
  if (!nativeId) return '';
  const account = accounts.find((a) => a.id === nativeId);
  return ` · native CLI: ${account ? accountLabel(account, accounts) : sanitizeLine(nativeId)}`;
}

/** The mark (in the default `*`'s place) of the account its provider's pool serves next, on the accounts list and the quota screen alike (core/quota-dashboard.ts servedNextKeys). */
export const BEST_MARK = '★';

/** The detail's "Last used" when ccs-tui recorded no use of the account: what it would have recorded (an API key is stored, never refreshed). */
export const noUseRecorded = (account: Pick<Account, 'apiKey'>): string =>
  `none recorded (ccs-tui records a request through its proxy, ${account.apiKey ? 'the key being stored' : 'a token refresh'}, being made the default)`;

/**
 * The latest use of an account that ccs-tui knows of, and what it was: a request the local proxy had
 * answered (`servedAt`), its token refreshed or issued (`refreshedAt`, the token file's `last_refresh`;
 * for an API key, when the key was stored: it has no token to refresh), or made the default
 * (`lastUsedAt`, the registry's, which CCS also sets when it uses the account).
 */
export function lastUse(account: Pick<Account, 'servedAt' | 'refreshedAt' | 'lastUsedAt' | 'apiKey'>): {at: string; what: string} | undefined {
  const uses = [
    {at: account.servedAt, what: 'a request through the proxy'},
    {at: account.refreshedAt, what: account.apiKey ? 'its key stored' : 'its token refreshed or issued'},
    {at: account.lastUsedAt, what: 'made the default'},
  ].filter((use): use is {at: string; what: string} => use.at !== undefined && !Number.isNaN(Date.parse(use.at)));
  return uses.sort((a, b) => Date.parse(b.at) - Date.parse(a.at))[0];
}
