// Pure account rules: identity, lookup by what a person types, and which account comes next.
import {MIN_SECRET_LENGTH} from './redact.js';
import {holdsCredential, maskCredentialsIn, quoted, sanitizeLine} from './sanitize.js';
import {actionKey, type KeyAction} from './keymap.js';
import {shellOption, shellWord} from './quote.js';
import {formatCooldown, formatLocalTime} from './relative-time.js';
import type {Account, ErrorAdvice, ErrorSurface, TokenFile} from './types.js';
import {UserError} from './types.js';

/**
 * The one word for an account whose refresh token is dead (health `needs-login`): the table, the
 * quota screen, the key hint and every error say it the same way.
 */
export const NEEDS_LOGIN = 're-login';

/**
 * The words for an account's health, the same in the TUI and `ccs-tui accounts`: an access token
 * past its expiry is "refresh due" (the next use refreshes it), never "expired" in one place and
 * "due" in another.
 */
export const HEALTH_TEXT: Record<Account['health'], string> = {
  ok: 'ok',
  expired: 'refresh due',
  'needs-login': `! ${NEEDS_LOGIN}`,
  'missing-token': '! no token',
  unreadable: '! unreadable',
  'refresh-unknown': '? refresh unknown',
  'refresh-failed': '! refresh failed',
  'key-rejected': '! key rejected',
  cooling: '⏳ cooldown',
};

/**
 * Shorter words for the narrowest tables (a 60-column terminal), same meaning and markers; the
 * re-login word stays whole and gives up its marker instead (the row keeps its attention colour).
 */
export const HEALTH_SHORT: Record<Account['health'], string> = {
  ok: 'ok',
  expired: 'due',
  'needs-login': NEEDS_LOGIN,
  'missing-token': '! no file',
  unreadable: '! bad file',
  'refresh-unknown': '? unknown',
  'refresh-failed': '! refresh',
  'key-rejected': '! key',
  cooling: '⏳ cool',
};

/**
 * The status of an account of a token type ccs-tui does not know (`"type": "kiro"`): whatever its file
 * says, it is never served, refreshed or checked, so it is not "ok" (its health stays as read, for
 * `accounts --json`). The short form for the narrowest tables.
 */
export const UNSUPPORTED_TYPE = {text: '✕ unsupported type', short: '✕ unsupported'} as const;

/** Why an account of an unknown token type shows UNSUPPORTED_TYPE, after its status. */
export const unsupportedTypeDetail = (provider: string): string => `type "${sanitizeLine(provider)}" is unknown to ccs-tui: listed only, never served, refreshed or checked`;

/** A health that needs the person (a new login or key, a broken file): marked `!` or `?`, in the attention colour, counted as "needs attention". */
export const needsAttention = (health: Account['health']): boolean =>
  health === 'needs-login' || health === 'refresh-unknown' || health === 'refresh-failed' || health === 'key-rejected' || health === 'missing-token' || health === 'unreadable';

/** A paused account's status, in the TUI's lists and in both quota views. */
export const PAUSED_TEXT = '⏸ paused';

/**
 * What a quota row says of the account itself, before (or instead of) its numbers: paused, a
 * health that needs the person (`! key rejected`), or a cooldown it waits out now (`cooling 12m
 * (until 14:05:00)`, the proxy's after a limit, as `ccs-tui accounts` says it); undefined when none.
 * The quota screen and `ccs-tui quota` say it in these words. `now`: ms since the epoch.
 */
export function quotaAccountState(account: Pick<Account, 'paused' | 'health' | 'coolingUntil'>, now: number): string | undefined {
  if (account.paused) return PAUSED_TEXT;
  if (needsAttention(account.health)) return HEALTH_TEXT[account.health];
  return coolingNow(account, now) ? `cooling ${formatCooldown(account.coolingUntil!, now)}` : undefined;
}

/** The table's word for a health without its marker: `re-login`, `refresh due`. */
export const stateWord = (health: Account['health']) => HEALTH_TEXT[health].replace(/^[!?\u23f3]\s*/u, '');

/**
 * Whether the account rests now: a server's rest (health `cooling`), or a quota or rate-limit
 * cooldown the local proxy keeps for an otherwise healthy account (`coolingUntil` still ahead).
 */
export function coolingNow(account: Pick<Account, 'health' | 'coolingUntil'>, now: number): boolean {
  return (account.health === 'cooling' || account.health === 'ok' || account.health === 'expired') && account.coolingUntil !== undefined && Date.parse(account.coolingUntil) > now;
}

/**
 * The earliest instant (ms since the epoch) at which one of `accounts` stops cooling (coolingNow),
 * undefined when none cools: when a screen listing them must draw their state again.
 */
export function nextCoolingEnd(accounts: readonly Pick<Account, 'health' | 'coolingUntil'>[], now: number): number | undefined {
  let next: number | undefined;
  for (const account of accounts) {
    if (!coolingNow(account, now)) continue;
    const until = Date.parse(account.coolingUntil!);
    if (next === undefined || until < next) next = until;
  }
  return next;
}

/**
 * An account's state in a sentence, for errors: the table's word without its marker, then the
 * recorded cause (`re-login: refresh token revoked (invalid_grant)`).
 */
export function healthWords(account: Pick<Account, 'health' | 'healthDetail'>): string {
  const word = stateWord(account.health);
  return account.healthDetail ? `${word}: ${account.healthDetail}` : word;
}

/**
 * Why an account whose last refresh got no answer (health `refresh-unknown`, services/refresh-attempt.ts)
 * needs a new login, after the table's word for it: the refresh token is never sent again, since the
 * server may have spent it. `detail`: what happened to the refresh (the account's healthDetail).
 * `expiresAt` (RFC 3339): its access token's expiry, when it is about the account itself (not a
 * hand-off): while that is ahead, the account still serves, and the login can wait until then.
 */
export function refreshUnknownWords(detail: string | undefined, expiresAt?: string, now = Date.now()): string {
  const alive = expiresAt !== undefined && Date.parse(expiresAt) > now;
  const until = alive ? ` once its access token expires (${formatLocalTime(expiresAt)}); it serves until then` : '';
  return `${stateWord('refresh-unknown')}${detail ? ` (${detail})` : ''}: the refresh token may have been spent, so it is never sent again; a new login is needed${until}`;
}

/**
 * What is left of an account's access token once no refresh will renew it (its refresh was refused):
 * `the access token serves until 14:05:00`, `the access token expired at 10:00:00`, or, with no
 * expiry known, `the access token serves until it expires`. `expiresAt`: RFC 3339; `now`: ms since
 * the epoch.
 */
export function accessTokenLeftWords(expiresAt: string | undefined, now = Date.now()): string {
  const at = expiresAt === undefined ? Number.NaN : Date.parse(expiresAt);
  if (Number.isNaN(at)) return 'the access token serves until it expires';
  return at > now ? `the access token serves until ${formatLocalTime(expiresAt!)}` : `the access token expired at ${formatLocalTime(expiresAt!)}`;
}

/**
 * Why an account marked needs-login (its refresh token refused, revoked or missing) is handed to
 * nothing that refreshes on its own (an agent's credential file, a server), after the table's word
 * for it. `detail`: why (the account's healthDetail).
 */
export function needsLoginWords(detail: string | undefined): string {
  return `${stateWord('needs-login')}${detail ? ` (${detail})` : ''}: its refresh token no longer works, so whatever is given it cannot refresh it; a new login is needed`;
}

/**
 * Why an account whose refresh was not accepted (health `refresh-failed`) is handed to nothing
 * that refreshes on its own, after the table's word for it: that refresh token is never sent again.
 * `detail`: the refusal (the account's healthDetail).
 */
export function refreshFailedWords(detail: string | undefined): string {
  return `${stateWord('refresh-failed')}${detail ? ` (${detail})` : ''}: its refresh token was not accepted, so it is never sent again; a new login is needed`;
}

/** How long (ms) the proxy rests an account whose credential the upstream refused (core/pool.ts COOLDOWN_MS.auth); a new key or login in its file ends the rest at once. */
export const CREDENTIAL_REFUSAL_REST_MS = 30 * 60_000;

/** CREDENTIAL_REFUSAL_REST_MS in words: "30 min". */
export const REFUSAL_REST = `${CREDENTIAL_REFUSAL_REST_MS / 60_000} min`;

/**
 * Why an API-key account shows `key-rejected`, for the command line: when, what the upstream said
 * (the account's healthDetail), and the ways out.
 */
export function keyRejectedWords(account: Pick<Account, 'provider' | 'id' | 'nickname' | 'healthDetail' | 'healthSince'>): string {
  const when = account.healthSince ? ` at ${formatLocalTime(account.healthSince)}` : '';
  // A key login given the account's nickname (or, without one, its id) replaces its key (store
  // saveLogin replacesKeyOfNickname); without either it would add another account.
  const login = `ccs-tui login ${account.provider} ${shellOption('nickname', account.nickname ?? account.id)}`;
  // The proxy rests it COOLDOWN_MS.auth after a refusal (core/pool.ts), not forever: said, or "still tried" reads as at once.
  return `${stateWord('key-rejected')}${when}${account.healthDetail ? ` (${account.healthDetail})` : ''}: the proxy tries it again ${REFUSAL_REST} after a refusal (at once after a new key), and a request that succeeds ends this; a new key: ${login}`;
}

/** Only a new login helps: the command line names `ccs-tui login <provider>`, the TUI its re-login key (store/errors.ts withAdvice). */
export const reloginAdvice = (provider: string): ErrorAdvice => ({command: `ccs-tui login ${provider}`, action: 'account.relogin', scope: 'home'});

/**
 * Whether the account can serve a request at `now` (ms): the one answer for the proxy's pools, its
 * 503s and `/v1/models`, `ccs-tui run`/`env`, rotation and where a default moves. An access token
 * past its expiry still serves (the next use refreshes it); an account whose refresh failed or got
 * no answer (`refresh-failed`, `refresh-unknown`) serves only until its access token expires. An
 * API key (no expiry) never expires.
 */
export function canServeNow(account: Pick<Account, 'paused' | 'health' | 'expiresAt'>, now: number): boolean {
  if (account.paused) return false;
  // `key-rejected`: still tried (a key the upstream refused once may be let in again); the proxy's cooldown rests it meanwhile.
  if (account.health === 'ok' || account.health === 'expired' || account.health === 'key-rejected') return true;
  // A refresh that failed or got no answer: its access token serves until it expires, and then
  // nothing can make it serve again (the refresh token is not sent, or was refused) but a login.
  if (account.health === 'refresh-failed' || account.health === 'refresh-unknown') return account.expiresAt === undefined || !(Date.parse(account.expiresAt) <= now);
  return false;
}

/**
 * What keeps an account from serving well now, or undefined: why an agent launched on it
 * (launchCaution, services/agents/launch.ts) or a proxy serving it alone (`s`, ui/actions/accounts.ts) is asked about first.
 */
export function accountTrouble(account: Account, now: number): string | undefined {
  if (account.paused) return 'is paused';
  if (!canServeNow(account, now)) return `cannot serve (${healthWords(account)})`;
  const until = account.coolingUntil ? Date.parse(account.coolingUntil) : Number.NaN;
  if (until > now) return `is cooling down ${formatCooldown(account.coolingUntil!, now)}${account.coolingReason ? ` (${sanitizeLine(account.coolingReason)})` : ''}: served alone, its requests would be refused until then`;
  if (account.health === 'refresh-failed') return `cannot refresh its token (${healthWords(account)}): it stops serving when its access token expires`;
  // Its refresh token may have been spent: never sent again, so only a new login keeps it serving.
  if (account.health === 'refresh-unknown') return `cannot refresh its token (${healthWords(account)}; the refresh token may have been spent, so it is never sent again): it stops serving when its access token expires`;
  return undefined;
}

/**
 * Why an account whose key the upstream refused (`key-rejected`) will likely fail when it serves
 * alone, or undefined for any other health. Not part of accountTrouble: such a key is still tried
 * (canServeNow), so `s` asks and a launch warns, and neither refuses.
 */
export function keyRefusedTrouble(account: Pick<Account, 'health' | 'provider' | 'id' | 'nickname' | 'healthDetail' | 'healthSince'>): string | undefined {
  return account.health === 'key-rejected' ? `has its key refused (${healthWords(account)}): the proxy rests it ${REFUSAL_REST} after a refusal, and a new key ends the rest at once` : undefined;
}

/**
 * Why a provider's pool cannot serve a request, or undefined when it has a usable account: the one
 * answer the proxy gives (its 503) and `ccs-tui run` / the launch key refuse with before starting.
 * `accounts`: every account of every provider (only the provider's are looked at). `surface`: where
 * it is shown; the way out names the command (`cli`) or the accounts screen's key (`tui`).
 */
export function noUsableAccount(provider: {id: string; displayName: string}, accounts: readonly Account[], now: number, surface: ErrorSurface = 'cli'): string | undefined {
  const own = accounts.filter((a) => a.provider === provider.id);
  if (own.some((a) => canServeNow(a, now))) return undefined;
  const tui = surface === 'tui';
  const onAccounts = (action: KeyAction) => `${actionKey(action, 'home')} on the accounts screen`;
  if (own.length === 0) return `no ${provider.displayName} account (${tui ? `${onAccounts('account.login')} adds one` : `ccs-tui login ${provider.id}`})`;
  if (own.every((a) => a.paused)) {
    return `every ${provider.displayName} account is paused (${own.map((a) => accountLabel(a, own)).join(', ')}): resume one with: ${tui ? onAccounts('account.pause') : `ccs-tui resume ${provider.id} <account>`}`;
  }
  const states = own.map((a) => `${accountLabel(a, own)}: ${a.paused ? 'paused' : stateWord(a.health)}`).join(', ');
  const relogin = tui ? `${onAccounts('account.relogin')}, or resume a paused one with ${actionKey('account.pause', 'home')}` : `ccs-tui login ${provider.id}, or resume a paused one`;
  return `no usable ${provider.displayName} account (${states}; log in again with: ${relogin})`;
}

type Labelled = Pick<Account, 'nickname' | 'email' | 'id'> & Partial<Pick<Account, 'provider' | 'tokenFile'>>;

/**
 * A nickname as data leaves ccs-tui (a list, `--json`): every key or token in it masked
 * (maskCredentialsIn). `rename` refuses one, but a registry written by hand or by another tool may hold one.
 */
export const maskedNickname = (nickname: string): string => maskCredentialsIn(nickname);

const baseLabel = (account: Labelled) => (account.nickname && maskedNickname(account.nickname)) || account.email || account.id;

/**
 * What a person calls this account: nickname, else email, else id (stripped of escapes: ids come
 * from files). `siblings` are the accounts it is listed or confirmed among (any providers; only the
 * same provider's count): when that name also names another of them (its label, email, id or token
 * file: two logins of one email, CCS's `email#suffix` ids, a nickname that is another account's
 * email), the label is the account's id, which tells them apart and is what `use`, `pause`, …
 * accept; when even the id names another, the token file is added.
 */
export function accountLabel(account: Labelled, siblings: readonly Labelled[] = NO_SIBLINGS): string {
  let cached = labellers.get(siblings);
  // A list that grew since (one being built) is labelled anew.
  if (cached?.length !== siblings.length) labellers.set(siblings, (cached = {length: siblings.length, labeller: accountLabeller(siblings)}));
  return cached.labeller(account);
}

const NO_SIBLINGS: readonly Labelled[] = Object.freeze([]);

/**
 * The labeller of each siblings list (the same array from one account snapshot): the TUI labels
 * every visible row of a provider's 1,000 accounts on each frame, and building the list's names
 * once per row made a frame cost the square of the accounts.
 */
const labellers = new WeakMap<readonly Labelled[], {length: number; labeller: (account: Labelled) => string}>();

/**
 * accountLabel for many accounts among the same `siblings`, in time linear in their number (a
 * proxy's pool or a table of 1,000 accounts labels each row). Returns the labelling function.
 */
export function accountLabeller(siblings: readonly Labelled[]): (account: Labelled) => string {
  // provider + lower-case name → the ids of the accounts that name names (two are enough to tell).
  const namers = new Map<string, string[]>();
  const note = (provider: string | undefined, name: string | undefined, id: string) => {
    if (!name) return;
    const key = `${provider ?? ''}\u0000${name.toLowerCase()}`;
    const ids = namers.get(key);
    if (!ids) namers.set(key, [id]);
    else if (ids.length < 2 && !ids.includes(id)) ids.push(id);
  };
  for (const other of siblings) {
    for (const name of [baseLabel(other), other.email, other.id, other.tokenFile, other.tokenFile?.replace(/\.json$/i, '')]) note(other.provider, name, other.id);
  }
  const namesAnother = (account: Labelled, name: string) => (namers.get(`${account.provider ?? ''}\u0000${name.toLowerCase()}`) ?? []).some((id) => id !== account.id);
  return (account) => {
    const base = baseLabel(account);
    if (!namesAnother(account, base)) return sanitizeLine(base);
    // The id, unless it too names another (another account's nickname, by hand in the registry).
    if (!namesAnother(account, account.id)) return sanitizeLine(account.id);
    return sanitizeLine(account.tokenFile ? `${account.id} (${account.tokenFile})` : account.id);
  };
}

/**
 * What storing a login did (store saveLogin): `added` a new account; `logged-in-again` the same
 * identity logged in, its grant replaced by the new one; for a key the person gave (an API key, a
 * service-account key file): `key-replaced` an account's key replaced by a new one (the key account
 * the login's nickname names, or a new key file of the same service account), `same-key` the key it
 * already held given again (nothing but its date and nickname can change), `same-key-new-base-url` the
 * same API key with another base URL.
 */
export type LoginOutcome = 'added' | 'logged-in-again' | 'key-replaced' | 'same-key' | 'same-key-new-base-url';

/** A login's nickname given to an account that was there already: its nickname before (none: absent) and now. */
export interface NicknameChange {
  from?: string;
  to: string;
}

/**
 * What a key login did to the unreadable token file of the account it replaced the key of (store
 * saveLogin `corrupt`): `error` names the file and where it was broken; `copy`, where its bytes are.
 */
export const corruptKeyFileText = ({error, copy}: {error: string; copy: string}) => `the account's token file could not be read (${error}); the new key replaced it, and the broken file is kept at ${copy}`;

/** What `remove` did with a token file that could not be read (store remove `corruptCopy`): kept, not lost. */
export const removedCorruptText = (copy: string) => `its token file could not be read, so the broken file is kept at ${sanitizeLine(copy)}`;

/**
 * What a login did with the grant it replaced in the account's token file when that grant may be
 * another account's (store saveLogin `keptGrant`: the provider names no account, only the label is shared).
 */
export const keptGrantText = (copy: string) => `the previous login of this name may have been another account (the provider does not say who logs in): it is kept at ${sanitizeLine(copy)}`;

/**
 * The sentence that ends a login, in the TUI and on the command line alike (`named`: "aistudio
 * account work"); the caller adds the project and "(default)" when the login made it the default (StoredLogin `madeDefault`). `renamed`: the login gave the
 * account it turned out to be (one there already) another nickname, said with the outcome.
 */
export function loginOutcomeText(outcome: LoginOutcome, named: string, renamed?: NicknameChange): string {
  const rename = renamed
    ? renamed.from === undefined
      ? `; its nickname set to "${sanitizeLine(renamed.to)}" (it had none)`
      : `; its nickname changed from "${sanitizeLine(renamed.from)}" to "${sanitizeLine(renamed.to)}"`
    : '';
  switch (outcome) {
    case 'added':
      return `Added ${named}${rename}`;
    case 'logged-in-again':
      return `Logged in again as ${named}${rename}`;
    case 'key-replaced':
      return `Key of ${named} replaced${rename}`;
    case 'same-key':
      return `Same key again for ${named}: already stored${rename}`;
    case 'same-key-new-base-url':
      return `Same key again for ${named}: its base URL replaced${rename}`;
  }
}

/**
 * The Google Cloud project of an account (Gemini, Antigravity, Vertex): its token file's top-level
 * `project_id`, as CLIProxyAPI writes it (also in its nested layout), else the `project_id` of the
 * service-account key a Vertex file holds, else `recorded` (the registry's `projectId`, which CCS
 * writes at login; the token file names none, or could not be read). The one reading for what is
 * shown, what the proxy sends upstream (`"project"` in a Cloud Code request, the project in a
 * Vertex URL) and what the quota request names: a project recorded only in the registry is sent
 * too, since Cloud Code needs one (CLIProxyAPI refuses an Antigravity request without one) and the
 * registry's is the account's own, from its login.
 */
export function accountProject(token: TokenFile | undefined, recorded?: string): string | undefined {
  const key = token?.service_account;
  const text = (value: unknown) => (typeof value === 'string' && value !== '' ? value : undefined);
  return text(token?.project_id) ?? (key !== null && typeof key === 'object' ? text((key as Record<string, unknown>).project_id) : undefined) ?? text(recorded);
}

/**
 * The token-file fields by which providers name an account besides its email (claude's organisation
 * and account uuids, codex's ChatGPT account id, an OIDC `sub`, a GitHub user): with the email, what
 * makes two logins the same account (store identityOf) and a login name an account at all.
 */
export const ACCOUNT_ID_FIELDS = ['organization_uuid', 'account_id', 'account_uuid', 'sub', 'username'] as const;

/** How a program names an account it already holds: by its id, exactly, with no guessing. */
export interface AccountIdRef {
  id: string;
}

/**
 * How a program names an account by its token file (the name, in auth/ or auth-paused/): what a
 * grant's writers agree on while an unregistered file's derived id may change (a second file of its
 * email appears or goes).
 */
export interface AccountFileRef {
  tokenFile: string;
}

/** What a person types (id, nickname, email or token file name), a program's exact id or token file. */
export type AccountRef = string | AccountIdRef | AccountFileRef;

/** The refusal when a person's `<account>` matches several accounts; it names every candidate. */
export class AmbiguousAccountError extends UserError {}

const refText = (ref: AccountRef) => (typeof ref === 'string' ? ref : 'id' in ref ? ref.id : ref.tokenFile);

/** Whether a name is as it is shown: sanitizeLine leaves it as it is (no control, bidi or invisible character). */
const typeable = (name: string): boolean => sanitizeLine(name) === name;

/**
 * How a person's text names `account`: its `id`, `token file` (with or without `.json`), `nickname` or
 * `email` (those two case-insensitively); undefined when it does not. One rule for lookups and for
 * which nicknames `rename` accepts.
 */
export function matchedAs(account: Pick<Account, 'id' | 'tokenFile' | 'nickname' | 'email'>, text: string): 'id' | 'token file' | 'nickname' | 'email' | undefined {
  const wanted = text.toLowerCase();
  if (account.id === text) return 'id';
  if (account.tokenFile === text || account.tokenFile === `${text}.json`) return 'token file';
  if (account.nickname?.toLowerCase() === wanted) return 'nickname';
  if (account.email?.toLowerCase() === wanted) return 'email';
  return undefined;
}

/**
 * Finds the account meant by `ref` among a provider's accounts. A program's `{id}` is matched
 * exactly. What a person types is matched against ids, token file names (with or without `.json`),
 * nicknames and emails (the last two case-insensitively), and must name exactly one account: text
 * that names several (a bare email two accounts share, CCS's `email#suffix` ids; a nickname that
 * reads as another account's email or id) is refused as ambiguous, listing every candidate's id and
 * token file, whatever kind of match each is: no reading wins over another, so a command never acts
 * on an account other than the one the person may have meant. Throws a UserError
 * (AmbiguousAccountError for several) otherwise.
 */
export function findAccount(accounts: readonly Account[], provider: string, ref: AccountRef): Account {
  const inProvider = accounts.filter((a) => a.provider === provider);
  if (typeof ref !== 'string') {
    const exact = inProvider.find((a) => ('id' in ref ? a.id === ref.id : a.tokenFile === ref.tokenFile));
    if (exact) return exact;
  } else {
    // Names are kept one line without escapes (store oneLineName): typed text is matched the same way.
    const text = typeable(ref) ? ref : sanitizeLine(ref);
    const matches = inProvider.filter((a) => matchedAs(a, text) !== undefined);
    if (matches.length === 1) return matches[0]!;
    if (matches.length > 1) {
      const named = matches.filter((a) => matchedAs(a, text) === 'nickname');
      throw new AmbiguousAccountError(
        `${quoted(ref)} matches ${matches.length} ${provider} accounts: ${matches.map((a) => `${a.id} (${a.tokenFile})`).join(', ')}; ` +
          'name one by its token file, or by an id, nickname or email only it has' +
          (named.length ? ` (or give ${named.map((a) => a.tokenFile).join(', ')} another nickname: ccs-tui rename ${provider} <token file> <nickname>)` : ''),
        2,
      );
    }
  }
  const known = inProvider.map((a) => accountLabel(a, inProvider));
  // Typed with control characters (a nickname copied from a file another tool wrote): the names are
  // kept and matched as they are shown, on one line without escapes; ids and emails name them too.
  const shown = typeof ref === 'string' && !typeable(ref) && known.length > 0
    ? `; account names are matched as listed, without control characters, or name one by its id or email: ${inProvider.map((a) => sanitizeLine(a.email ?? a.id)).join(', ')}`
    : '';
  // A name that names no account is bad usage (exit 2), as an unknown provider is, on every command.
  throw new UserError(
    `no ${provider} account ${quoted(refText(ref))}` + (known.length ? ` (accounts: ${known.join(', ')})` : ` (${provider} has no accounts)`) + shown,
    2,
  );
}

/**
 * The accounts `ref` (what a person types) names across `providers`, at most one of each: an
 * `<account>` given without its provider. Throws AmbiguousAccountError when it names several
 * accounts of one provider: refused, never one of them picked.
 */
export function findAccountAnywhere(accounts: readonly Account[], providers: readonly string[], ref: string): Account[] {
  return providers.flatMap((provider) => {
    try {
      return [findAccount(accounts, provider, ref)];
    } catch (error) {
      if (error instanceof AmbiguousAccountError) throw error;
      return [];
    }
  });
}

/** The address part of a token file name: the name without `.json` and the first matching provider prefix. */
function fileNameStem(fileName: string, prefixes: readonly string[]): string {
  const base = fileName.replace(/\.json$/i, '');
  const lower = base.toLowerCase();
  const prefix = prefixes.find((p) => lower.startsWith(p.toLowerCase()) && base.length > p.length);
  return prefix ? base.slice(prefix.length) : base;
}

/**
 * The id CCS gives an account found as a token file (PROVIDERS.md, "What CCS and CLIProxyAPI write"):
 * - no email: the file name after its provider prefix (`codex-user@mail.example.com.json` →
 *   `user@mail.example.com`, `ghcp-amazon-XYZ789.json` → `amazon-XYZ789`);
 * - an email only this file has: the email;
 * - an email several accounts share: `email#<suffix>`, the suffix being the rest of the file name
 *   (`codex-04a0f049-a@b.c-team.json` → `a@b.c#04a0f049-team`), else the whole stem.
 * `shared` says whether other accounts of the provider have this email.
 */
export function ccsAccountId(fileName: string, email: string | undefined, prefixes: readonly string[], shared: boolean): string {
  const stem = fileNameStem(fileName, prefixes);
  if (!email) return stem;
  if (!shared) return email;
  const at = stem.toLowerCase().indexOf(email.toLowerCase());
  const rest = at < 0 ? stem : [stem.slice(0, at), stem.slice(at + email.length)].map((part) => part.replace(/^[-_.]+|[-_.]+$/g, '')).filter(Boolean).join('-');
  return `${email}#${rest || stem}`;
}

/**
 * Round-robin: the first usable account after the current default, wrapping around. Undefined when
 * no other usable account exists.
 */
export function nextInTurn(accounts: readonly Account[], currentId: string | undefined, now: number): Account | undefined {
  if (accounts.length === 0) return undefined;
  const start = accounts.findIndex((a) => a.id === currentId);
  for (let step = 1; step <= accounts.length; step++) {
    const candidate = accounts[(start + step + accounts.length) % accounts.length]!;
    if (candidate.id !== currentId && canServeNow(candidate, now)) return candidate;
  }
  return undefined;
}

/**
 * Where a provider's default goes when its current default leaves (removed or paused): the next
 * usable account in turn, or none. One rule for `remove`, `pause`, the CLI and the TUI.
 */
export function defaultAfterLeaving(accounts: readonly Account[], leavingId: string, now: number): Account | undefined {
  return nextInTurn(accounts, leavingId, now);
}

/** Why `account` cannot be made the default as it is, or undefined. A paused account serves nothing. */
export function defaultProblem(account: Account): string | undefined {
  if (account.paused) return `${account.provider} account ${accountLabel(account)} is paused, so it cannot be the default`;
  return undefined;
}

/**
 * A provider's default as every surface shows it (the `*` of `accounts`, `default` of --json, the
 * TUI's mark): the account the registry names, unless it is paused; else the first account not
 * paused; none when every account is paused. A paused account serves nothing, so it is never the
 * default, whatever the registry says (CCS may name one). `accounts`: the provider's, in order.
 */
export function effectiveDefault<A extends Pick<Account, 'id' | 'paused'>>(accounts: readonly A[], named: string | undefined): A | undefined {
  return accounts.find((a) => a.id === named && !a.paused) ?? accounts.find((a) => !a.paused);
}

/**
 * What a pause, a resume or a removal did to the default (effectiveDefault), for a status line:
 * `; default is now home`, `; no usable account is left to be the default` (every other account is
 * paused or gone), or '' when it did not move. One that cannot serve says why.
 */
export function defaultMoveNote(movedTo: Account | null | undefined, now: number): string {
  if (movedTo === undefined) return '';
  if (!movedTo) return '; no usable account is left to be the default';
  return `; default is now ${accountLabel(movedTo)}${canServeNow(movedTo, now) ? '' : ` (${healthWords(movedTo)})`}`;
}

/** Why `apiKey` (as typed or given) cannot be a key, whatever the provider: empty, or with spaces or line breaks in it; undefined when it may be one. */
export function apiKeyFormProblem(apiKey: string): string | undefined {
  const key = apiKey.trim();
  if (!key) return 'the API key is empty';
  if (/\s/.test(key)) return 'the API key contains spaces or line breaks; paste only the key';
  // The base URL pasted where the key was asked (IBM Bob asks for both): it would be stored, and sent, as the key.
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(key)) return 'the API key is an address (a URL), not a key; the base URL is given apart (--base-url, or the next step in the TUI)';
  // No provider's key is this short, and one this short could not be masked where it is echoed
  // (MIN_SECRET_LENGTH): refused before it is sent anywhere.
  if (key.length < MIN_SECRET_LENGTH) return `the API key is ${key.length} character${key.length === 1 ? '' : 's'} long, too short to be masked where it is echoed (from ${MIN_SECRET_LENGTH} on; a provider's keys are dozens of characters, a gateway's can be made longer): paste the whole key`;
  return undefined;
}

/** Why no account may have `nickname` (empty, over 50 characters, a control character), whatever the others are called; else undefined. */
export function nicknameFormProblem(nickname: string): string | undefined {
  const trimmed = nickname.trim();
  if (trimmed === '') return 'a nickname cannot be empty';
  if (trimmed.length > 50) return 'a nickname is at most 50 characters';
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(trimmed)) return 'a nickname cannot contain control characters';
  // Every command takes the nickname as an argument, where a leading `-` reads as an option
  // (`ccs-tui resume claude -x` is refused), so each command this tool suggests with it would fail.
  if (trimmed.startsWith('-')) return `a nickname cannot begin with "-" (commands would read ${quoted(trimmed)} as an option)`;
  // A name is shown in every list and stored in clear: a key pasted where the name was asked stays a secret.
  if (holdsCredential(trimmed)) return `a nickname cannot be a key or token (${quoted(maskCredentialsIn(trimmed))} looks like one, and a nickname is shown everywhere)`;
  return undefined;
}

/** Nickname rules: what `rename` accepts. Returns an error message or undefined. */
export function nicknameProblem(nickname: string, others: readonly Account[]): string | undefined {
  const trimmed = nickname.trim();
  const form = nicknameFormProblem(trimmed);
  if (form) return form;
  const clash = others.find((a) => a.nickname?.toLowerCase() === trimmed.toLowerCase());
  if (clash) return `nickname ${quoted(trimmed)} is already used by ${sanitizeLine(clash.email || clash.id)}`;
  return nicknameNamesAnother(trimmed, others);
}

/**
 * Why `nickname` cannot be given: it reads as the id, email or token file of one of `others` (the
 * provider's other accounts), so that text would name two accounts (findAccount refuses it then, and
 * every command meant for the other account would be refused). Undefined when it names none of them.
 */
export function nicknameNamesAnother(nickname: string, others: readonly Account[]): string | undefined {
  const trimmed = nickname.trim();
  for (const other of others) {
    // An id that is the account's email is said as its email: what a person knows it by.
    const as = other.email?.toLowerCase() === trimmed.toLowerCase() ? 'email' : matchedAs(other, trimmed);
    if (as && as !== 'nickname') {
      return `nickname ${quoted(trimmed)} is the ${as} of another ${other.provider} account (${other.id}, ${other.tokenFile}): a nickname must name only its own account`;
    }
  }
  return undefined;
}
