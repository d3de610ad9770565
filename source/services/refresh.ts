// Keeps access tokens fresh without ever burning a refresh token.
//
// Refresh tokens rotate, and presenting an old one can revoke the whole grant. So:
// - one refresh at a time per grant, across every process (an owned lock under tui/locks/ named by the
//   refresh token the token file holds, stale only when its holder is gone: store/grant-lock.ts), and
//   inside the lock the token file is read again: when another process refreshed meanwhile, its
//   result is used and no request is made. The token file is followed by its name, never by the
//   account's id (an unregistered file's id changes when a second file of its email appears);
// - a refresh token is sent at most once, whatever happens to the answer (services/refresh-attempt.ts):
//   a lost answer is reported as "refresh outcome unknown", never retried;
// - the rotated refresh token is written to disk before the new access token is returned, and only
//   over the grant it was refreshed from: a file that holds another grant by then (a login stored
//   without the lock, by another tool) is left as it is and the result kept beside (keepRefreshed);
// - an answer without an access token but with a new refresh token (the one sent is spent) is saved
//   as a refresh is, its refresh token alone, and then reported: the new one is all there is of the grant;
// - a 429 waits once for a short Retry-After (grant-lock.ts MAX_RETRY_AFTER_SECONDS), else fails as
//   rate limited at once; `invalid_grant` / `refresh_token_reused` marks the account
//   "needs login", after which no refresh is attempted until a new login clears the mark;
// - a server's error text may quote any account's credentials: masked before it is recorded
//   (attempt record, account-state.json) or thrown.
import {UserError, type Account, type TokenFile} from '../core/types.js';
import {baseAdapter} from '../providers/adapters/base.js';
import {findProvider, type RefreshContext} from '../providers/table.js';
import {TokenFieldError} from '../providers/types.js';
import {grantFieldNames, type AccountStore} from '../store/accounts.js';
import type {TuiSettings} from '../store/settings.js';
import {systemClock, type Clock} from './clock.js';
import type {ServiceNeeds} from './deps.js';
import {bodyExcerpt, jsonBody, undiciHttpClient, UnexpectedResponseError, type HttpClient} from './http.js';
import {authEndpoints} from './oauth/endpoints.js';
import {endpoint, knownClients, resolveProvider, type ResolvedProvider} from './oauth/provider-config.js';
import {NotTokenResponseError, OAuthError, postToken} from './oauth/token-endpoint.js';
import {errorTextMasker, maskError} from './credential-redactor.js';
import {tokenFieldsFrom} from './oauth/token-file.js';
import {attemptFile, keptGrantOf, legacyAttemptFile, NeedsLoginError, NotSentError, pruneAttemptRecords, RefreshOutcomeUnknownError, RefreshRefusedError, sendOnce, settleFoundAnswer, unansweredSend} from './refresh-attempt.js';
import {nativeTokensInsteadOfRefresh} from './native/sync.js';
import {nativeFormat} from './native/formats.js';
import {grantKey, MAX_RATE_LIMIT_WAITS, MAX_RETRY_AFTER_SECONDS, refreshLockBounds, withAccountGrantLock, type RefreshLockBounds} from './refresh-lock.js';
import {ACCOUNT_ID_FIELDS, ccsAccountId} from '../core/accounts.js';
import fs from 'node:fs/promises';
import path from 'node:path';
import {keepTokenCopy} from '../store/files.js';
import {processGone} from '../store/process-identity.js';
import {readTokenFile, tokenWriteTarget} from '../store/tokens.js';
import {tokenFilePrefixesOf} from '../providers/table.js';

/**
 * A refresh was granted but its token file could not take the grant (written meanwhile, removed, not
 * writable): the message says where the grant is now (tui/refresh-kept/, or a temp file the next
 * refresh adopts). Shown wherever a refresh is made, never taken for "try the old token".
 */
export class GrantNotSavedError extends UserError {
  constructor(
    message: string,
    /** The grant's name in tui/refresh-kept/, when it was kept there (AttemptRecord.keptIn). */
    readonly keptIn?: string,
  ) {
    super(message);
    this.name = 'GrantNotSavedError';
  }
}

export {NeedsLoginError, RefreshOutcomeUnknownError, RefreshRefusedError} from './refresh-attempt.js';
export {refreshLockBounds} from './refresh-lock.js';

/** The dependency bag's part a refresh uses (services/deps.ts). */
export type RefreshDeps = ServiceNeeds;


/**
 * Marks the account `refresh-failed` when the provider refused its refresh with an answer
 * (OAuthError, UnexpectedResponseError) that did not end the grant (those mark needs-login in the
 * refresh itself), or a refresh was not sent because it had refused that refresh token before
 * (RefreshRefusedError: the mark may have been lost), so its row says so while the token file holds that refresh token (a later
 * successful refresh ends it: refreshOnce). An unreachable endpoint marks nothing (the network, not
 * the account), nor does a rate limit (429: the token was not refused, refresh-attempt.ts
 * classifyFailure says not-sent; the next refresh may well pass). Resolves whether it marked; throws the
 * store's error when the mark cannot be written. The TUI's `t` and the proxy's own refreshes.
 */
export async function markRefreshRefused(store: AccountStore, provider: string, account: Pick<Account, 'id' | 'tokenFile' | 'paused'>, error: unknown): Promise<boolean> {
  if (!(error instanceof OAuthError || error instanceof UnexpectedResponseError || error instanceof RefreshRefusedError)) return false;
  if (error instanceof OAuthError && error.status === 429) return false;
  const token = await store.readToken(account).catch(() => undefined);
  const held = token?.refresh_token;
  if (typeof held !== 'string' || held === '') return false;
  // Read after the refusal: another process's granted refresh (or a login) may have replaced it since.
  const refused = refusedRefreshToken.get(error);
  if (refused !== undefined && refused !== held) return false;
  await store.setRefreshFailed(provider, {tokenFile: account.tokenFile}, errorTextMasker(store.paths, token, refused)((error as Error).message), held);
  return true;
}

/** The refresh token a refusal (an error of a refresh) was the answer to, when the refresh spent one. */
const refusedRefreshToken = new WeakMap<object, string>();

/** OAuth errors after which retrying the same refresh token can only make things worse. */
const FATAL_REFRESH_ERRORS = new Set(['invalid_grant', 'refresh_token_reused', 'refresh_token_expired', 'refresh_token_invalidated', 'invalid_client', 'unauthorized_client']);
const DEFAULT_RETRY_AFTER_SECONDS = 5;

/**
 * Refreshes in flight in this process, by the grant they refresh (store/grant-lock.ts grantKey, as
 * the lock is named), so concurrent callers share one whatever they call the account (two ids of one
 * token file, a forced and a due refresh); the lock covers other processes. `force`: the one in flight is forced.
 */
const inFlight = new Map<string, {work: Promise<Fresh>; force: boolean}>();

/**
 * How the token came to be what a refresh returned, for a person asked to refresh (`t`): only
 * `refreshed` means a refresh was sent from here and granted.
 * - `another`: the token file held a newer grant once the lock was had (another process refreshed,
 *   or a login was stored meanwhile); nothing was sent.
 * - `agent`: the account is in an agent's credential file (native mode, `use --native`): the agent
 *   refreshes it, and ccs-tui never sends its refresh token; `took` says whether the agent's newer
 *   tokens were taken into the token file.
 * - `not-due` (not forced, the token still good), `cannot` (nothing to refresh with: an API key, no refresh token).
 */
export type RefreshOutcome = {kind: 'refreshed' | 'another' | 'not-due' | 'cannot'} | {kind: 'agent'; agent: string; took: boolean};

/** A token file as a refresh left it, and how (RefreshOutcome). */
export interface Fresh {
  token: TokenFile;
  outcome: RefreshOutcome;
}

/**
 * The account's token file with an access token that is good for at least the provider's lead time.
 * `force` refreshes even when the token is not near expiry (a 401 upstream, or `t` in the TUI).
 */
export async function ensureFreshToken(deps: RefreshDeps, provider: string, accountId: string, options: {force?: boolean} = {}): Promise<TokenFile> {
  return (await ensureFresh(deps, provider, accountId, options)).token;
}

/** ensureFreshToken, saying how the token came (RefreshOutcome): the proxy logs a refresh only when one happened. */
export function ensureFresh(deps: RefreshDeps, provider: string, accountId: string, options: {force?: boolean} = {}): Promise<Fresh> {
  return freshToken(deps, provider, accountId, Boolean(options.force));
}

/** `t`: a forced refresh, saying how its token came (a refresh sent, the agent's, another process's). */
export function refreshNow(deps: RefreshDeps, provider: string, accountId: string): Promise<Fresh> {
  return freshToken(deps, provider, accountId, true);
}

async function freshToken(deps: RefreshDeps, provider: string, accountId: string, force: boolean): Promise<Fresh> {
  const before = await currentAccount(deps.store, provider, accountId);
  const key = grantKey(provider, before.account.tokenFile, before.token);
  const running = inFlight.get(key);
  if (running && (running.force || !force)) return running.work;
  // A forced refresh meeting a not-forced one in flight shares its failure, and its result when it
  // refreshed (the token saved differs from `before`: refreshOnce); only one that found nothing due
  // to do is followed by the forced refresh.
  const work: Promise<Fresh> = (running ? running.work : Promise.resolve())
    .then(() => refreshOnce(deps, provider, accountId, force, before))
    // Whatever it quotes (a server's words, a reason recorded earlier), no credential leaves in full.
    .catch((error: unknown) => {
      throw maskError(error, errorTextMasker(deps.store.paths, before.token));
    })
    .finally(() => {
      if (inFlight.get(key)?.work === work) inFlight.delete(key);
    });
  inFlight.set(key, {work, force});
  return work;
}

async function currentAccount(store: AccountStore, provider: string, accountId: string): Promise<{account: Account; token: TokenFile}> {
  const account = await store.loadAccount(provider, {id: accountId});
  return {account, token: present(store, account, await store.readToken(account))};
}

function present(store: AccountStore, account: Account, token: TokenFile | undefined): TokenFile {
  if (!token) throw new Error(`${store.tokenPath(account)}: token file not found`);
  return token;
}

/** Same grant: the same access and refresh token (what a refresh started from is still there). */
const sameGrant = (a: TokenFile, b: TokenFile) => a.access_token === b.access_token && a.refresh_token === b.refresh_token;

/**
 * Where earlier versions may have recorded this token file's refresh attempts: under each id the
 * account has had or may have had (the ids CCS derives from its email and file name, and the ones
 * this process knew it by).
 */
function legacyAttemptFiles(deps: RefreshDeps, resolved: ResolvedProvider, account: Account, ...ids: string[]): string[] {
  const email = typeof account.email === 'string' ? account.email : undefined;
  const prefixes = tokenFilePrefixesOf(resolved.row);
  const derived = [false, true].map((shared) => ccsAccountId(account.tokenFile, email, prefixes, shared));
  return [...new Set([...ids, ...derived])].map((id) => legacyAttemptFile(deps.store.paths.state, resolved.row.id, id));
}

/** `before`: the account and its token as the caller read them (what a refresh by someone else meanwhile is told from). */
async function refreshOnce(deps: RefreshDeps, provider: string, accountId: string, force: boolean, before: {account: Account; token: TokenFile}): Promise<Fresh> {
  const clock = deps.clock ?? systemClock;
  const resolved = resolveProvider(deps.settings, provider);
  if (before.account.health === 'needs-login') {
    throw new NeedsLoginError(provider, before.account.id, before.account.healthDetail ?? 'refresh token no longer valid');
  }
  if (!canRefresh(resolved, before.token)) return {token: before.token, outcome: {kind: 'cannot'}};
  if (!force && !refreshDue(resolved, before.token, clock.now())) return {token: before.token, outcome: {kind: 'not-due'}};

  const bounds = refreshLockBounds(deps.settings);
  // Followed by its token file, under the lock of the grant the file holds (not by id: it can change).
  return withAccountGrantLock(deps.store, provider, {tokenFile: before.account.tokenFile}, async (lock, found) => {
    const inside = {account: found.account, token: present(deps.store, found.account, found.token)};
    if (inside.account.health === 'needs-login') {
      throw new NeedsLoginError(provider, accountId, inside.account.healthDetail ?? 'refresh token no longer valid');
    }
    // Native mode (services/native/): the agent refreshes this account itself; take its latest tokens.
    const native = await nativeTokensInsteadOfRefresh(deps.store, provider, inside.account, inside.token);
    if (native) {
      const agent = nativeFormat(provider)?.displayName ?? 'its agent';
      return {token: native, outcome: {kind: 'agent', agent, took: !sameGrant(native, inside.token)}};
    }
    // Someone else refreshed while we waited for the lock: theirs is used, unless it is still due (their
    // answer brought a new refresh token and no access token): then it is refreshed, under its own lock.
    const theirs = !sameGrant(inside.token, before.token);
    if ((theirs || !force) && !refreshDue(resolved, inside.token, clock.now())) return {token: inside.token, outcome: {kind: theirs ? 'another' : 'not-due'}};
    // A refresh killed while it saved its answer left the new grant beside the file: taken, not refreshed again.
    const recordFile = attemptFile(deps.store.paths.state, provider, spentRefreshToken(resolved, inside.token) ?? '');
    const adopted = (await adoptInterruptedSave(deps, provider, inside.account, inside.token, recordFile)) ?? (await adoptKeptGrant(deps, provider, inside.account, inside.token, recordFile));
    if (adopted) return {token: adopted, outcome: {kind: 'another'}};
    // Marked sent without an answer: never sent again, even where its attempt record (sendOnce) was
    // lost or cleaned away; the mark holds only while the file holds that refresh token.
    if (inside.account.health === 'refresh-unknown') {
      throw new RefreshOutcomeUnknownError(provider, accountId, inside.account.healthDetail ?? 'an earlier refresh of this refresh token got no answer');
    }
    const spends = spentRefreshToken(resolved, inside.token);
    const mask = errorTextMasker(deps.store.paths, inside.token, resolved.clientSecret);
    const target = {
      file: attemptFile(deps.store.paths.state, provider, spends ?? ''),
      legacyFiles: legacyAttemptFiles(deps, resolved, inside.account, accountId, inside.account.id),
      provider,
      accountId,
      spends,
      mask,
      now: () => clock.now(),
      ...(inside.account.expiresAt ? {expiresAt: inside.account.expiresAt} : {}),
    };
    const fileRef = {tokenFile: inside.account.tokenFile};
    const send = async (): Promise<{updates: Partial<TokenFile>; unusable?: NotTokenResponseError}> => {
      // Claimed (sendOnce), and only now is the native mark read again: a `use --native` that lost this
      // lock while held up marks the account before it reads the attempt record (switchNative), so
      // either it sees this claim or this sees its mark, and the agent is never given a token sent here.
      if (await nativeTokensInsteadOfRefresh(deps.store, provider, inside.account, inside.token)) {
        throw new NotSentError(`${provider} account ${accountId}: not refreshed: it was just put in an agent's credential file (native mode), which refreshes it from now on`);
      }
      // Held up past the lock's bound, this process may hold a claim made again after the spent token's
      // record was cleaned away (pruneAttemptRecords): only a token its file still holds is sent.
      if (spends !== undefined && !(await lock.stillHeld()) && (await deps.store.readToken(inside.account).catch(() => undefined))?.refresh_token !== spends) {
        throw new NotSentError(`${provider} account ${accountId}: not refreshed: its token file changed while this refresh was held up (suspended?); try again`);
      }
      try {
        return {updates: await requestRefresh(deps, resolved, inside.account, inside.token, clock, bounds.timeoutMs, mask)};
      } catch (error) {
        // Answered without an access token, but with a new refresh token: the one sent is spent, and
        // the new one is all there is of the grant. Saved as a granted refresh is, then reported.
        const fresh = error instanceof NotTokenResponseError ? error.refreshToken : undefined;
        if (spends !== undefined && fresh !== undefined && fresh !== spends) return {updates: {refresh_token: fresh}, unusable: error as NotTokenResponseError};
        throw error;
      }
    };
    const {result, settled} = await sendOnce(target, send).catch(
      async (error: unknown) => {
        maskError(error, mask);
        if (spends !== undefined && typeof error === 'object' && error !== null) refusedRefreshToken.set(error, spends);
        // The account says so wherever it is listed (TUI row, `accounts`): this token is never sent again.
        if (error instanceof RefreshOutcomeUnknownError && spends !== undefined) {
          await deps.store.setRefreshUnknown(provider, fileRef, error.detail, spends).catch(() => undefined);
        }
        throw error;
      },
    );
    const {updates, unusable} = result;
    let keptIn: string | undefined;
    const rotated = spends !== undefined && typeof updates.refresh_token === 'string' && updates.refresh_token !== spends;
    // The record says why a refresh that spent its token brought no access token.
    const noAccess = unusable && `no access token from the refresh (${unusable.message})`;
    // A holder suspended past the lock's bound lost it: the grant's lock is taken again to write.
    const save = () => saveRefreshed(deps, provider, accountId, inside, updates, (keptIn) => settled(rotated, noAccess, keptIn), noAccess);
    // Copies of the file still hold the spent token: marked, so nothing hands it to an agent or a server;
    // also when no file took the new grant (kept beside): the token sent is spent all the same.
    const saved = await ((await lock.stillHeld()) ? save() : withAccountGrantLock(deps.store, provider, fileRef, save, bounds)).catch((error: unknown) => {
      // Kept in tui/refresh-kept/: the copies (the file the refresh was for among them) say where it is.
      if (error instanceof GrantNotSavedError && error.keptIn) keptIn = error.keptIn;
      throw error;
    }).finally(
      () => rotated && markSpentCopies(deps.store, provider, spends, updates.refresh_token as string, keptIn),
    );
    if (noAccess) {
      throw new UserError(`${provider} account ${accountId}: ${noAccess}; the new refresh token it brought was saved in ${inside.account.tokenFile} (the one sent is spent), so the next refresh sends it`);
    }
    // A refusal met earlier (markRefreshRefused) is over: a refresh token that does not rotate (Google's)
    // would otherwise keep the account "refresh failed" until the next login.
    if (inside.account.health === 'refresh-failed') await deps.store.clearRefreshFailed(provider, fileRef);
    if (spends !== undefined) pruneAttemptsSometimes(deps, bounds);
    return {token: saved, outcome: {kind: 'refreshed'}};
  }, bounds);
}

/** How often a process cleans the attempt records of a CCS dir (refresh-attempt.ts pruneAttemptRecords). */
const PRUNE_ATTEMPTS_EVERY_MS = 3600_000;
/** When this process last started a clean-up of each CCS dir's attempt records, and the one under way. */
const attemptPrunes = new Map<string, {at: number; running?: Promise<void>}>();

/**
 * Starts a clean-up of the attempt records (one record per rotated token is left behind) unless this
 * process started one in the last hour; not waited for. Records younger than the lock's bound stay.
 */
function pruneAttemptsSometimes(deps: RefreshDeps, bounds: RefreshLockBounds): void {
  const {paths} = deps.store;
  const last = attemptPrunes.get(paths.state);
  if (last && (last.running || Date.now() - last.at < PRUNE_ATTEMPTS_EVERY_MS)) return;
  const prune: {at: number; running?: Promise<void>} = {at: Date.now()};
  // After this refresh's own work: the token dirs' scan (when needed) is synchronous.
  prune.running = new Promise<void>((resolve) => setImmediate(resolve))
    .then(async () => void (await pruneAttemptRecords(paths, () => deps.store.refreshTokensHeld(), bounds.staleMs, bounds)))
    .catch(() => undefined)
    .finally(() => (prune.running = undefined));
  attemptPrunes.set(paths.state, prune);
}

/** The clean-up of `store`'s attempt records under way (pruneAttemptsSometimes), if any. One cut short by an exit leaves nothing half done (each file goes whole, a record after its claims). */
export async function settleAttemptPrunes(store: AccountStore): Promise<void> {
  await attemptPrunes.get(store.paths.state)?.running;
}

/**
 * Writes a granted refresh into the token file, only if the file still holds the grant the refresh
 * started from (persisted first: the rotated refresh token must be on disk before anyone uses the new
 * access token). A file renamed or removed meanwhile (by CCS, by another tool; `remove` waits for the
 * lock) is looked for by the grant it holds. A file that holds another grant by now (a login stored by
 * another tool, a process that took the lock over from a suspended holder), or none holding it, is
 * left as it is: the new grant is kept beside (keepRefreshed) and the error says where, since it is
 * the only copy of a live grant.
 */
async function saveRefreshed(
  deps: RefreshDeps,
  provider: string,
  accountId: string,
  inside: {account: Account; token: TokenFile},
  updates: Partial<TokenFile>,
  /** Records the refresh as answered; `keptIn`: the name in tui/refresh-kept/ of the grant no file took. */
  settled: (keptIn?: string) => Promise<void>,
  /** Set when the answer brought a new refresh token alone (no access token): what the error says first. */
  noAccess?: string,
): Promise<TokenFile> {
  const started = inside.account.tokenFile;
  const tokenFile = (await deps.store.loadAccount(provider, {tokenFile: started}).then(() => started, () => undefined)) ?? (await fileHoldingGrant(deps.store, provider, inside.token));
  let movedOn = tokenFile === undefined;
  let saved: TokenFile | undefined;
  let failed: Error | undefined;
  // Writes of the grant that were refused (a file changed meanwhile, CCS's lock held too long): their
  // temp files stay until the grant is on disk elsewhere, the only copies a process killed meanwhile leaves
  // (adoptInterruptedSave takes one while the record says the send had no answer).
  let unsaved: string[] = [];
  try {
    if (tokenFile !== undefined) {
      saved = await deps.store.updateToken(
        provider,
        {tokenFile},
        (current) => {
          movedOn = !sameGrant(current, inside.token);
          return movedOn ? current : {...current, ...updates};
        },
        {refusedTemps: (temps) => (unsaved = temps)},
      );
    }
  } catch (error) {
    failed = error as Error;
  }
  const dropUnsaved = () => Promise.all(unsaved.map((temp) => fs.rm(temp, {force: true})));
  if (!movedOn && !failed) {
    // Granted: this refresh token is spent.
    await settled();
    await dropUnsaved();
    return saved!;
  }
  let kept: string;
  try {
    kept = await keepRefreshed(deps, started, {...inside.token, ...updates});
  } catch (error) {
    // Not kept: the temp files are all there is of the grant; the record stays unanswered, so once this
    // process is gone the next refresh adopts one. Without any, the refresh token is spent all the same.
    if (unsaved.length === 0) await settled();
    else {
      const why = failed ? `could not be written (${failed.message})` : 'changed while its refresh was in flight';
      throw new GrantNotSavedError(`${provider} account ${accountId}: ${started} ${why}, and the refreshed grant could not be kept in ${deps.store.paths.refreshKept} either (${(error as Error).message}); it stays in ${unsaved[unsaved.length - 1]}, which the next refresh of the account takes once this process has ended`);
    }
    throw error;
  }
  // Granted, and kept: this refresh token is spent, and its record says where the grant went (a file
  // that still holds the spent token takes it from there at its next refresh: adoptKeptGrant).
  await settled(path.basename(kept));
  await dropUnsaved();
  const what =
    failed !== undefined
      ? `could not be written (${failed.message})`
      : tokenFile === undefined
        ? 'is gone (removed?)'
        : 'changed while its refresh was in flight (a new login, or another tool wrote it); it was left as it is';
  const cause = noAccess ? `${noAccess}, only a new refresh token (the one sent is spent); ` : '';
  throw new GrantNotSavedError(`${provider} account ${accountId}: ${cause}${started} ${what}, and ${noAccess ? 'the new refresh token' : 'the refreshed grant'} was kept in ${kept}${failed !== undefined ? '; the next refresh of the account puts it back once the file can be written' : ''}`, path.basename(kept));
}

/** The token file of `provider` that holds `token`'s grant (same access and refresh token), if any: a full read, for rare paths. */
async function fileHoldingGrant(store: AccountStore, provider: string, token: TokenFile): Promise<string | undefined> {
  for (const account of (await store.load()).accounts.filter((a) => a.provider === provider)) {
    const held = await store.readToken(account).catch(() => undefined);
    if (held && sameGrant(held, token)) return account.tokenFile;
  }
  return undefined;
}

/**
 * Marks `refresh-unknown` every token file still holding `spent`, a refresh token just rotated
 * through another file (a copy under another name, in auth/ and auth-paused/): an agent
 * (`use --native`) or a server (`push`) given it would present it again, and the provider may revoke
 * the whole grant, the new token in the other file too. A file that is not an account of `provider`
 * is left alone.
 *
 * The scan stats every token file (1,000 in a big poll): the first after a quiet second runs at once
 * and is waited for; refreshes within the next second are marked together in one scan at its end.
 * Meanwhile no copy can present a spent token: its attempt record says it was spent (sendOnce, and
 * handOffRefusal for `use --native` and `push`).
 */
function markSpentCopies(store: AccountStore, provider: string, spent: string, fresh: string, keptIn?: string): Promise<void> {
  let scan = copyScans.get(store);
  if (!scan) copyScans.set(store, (scan = {lastAt: Number.NEGATIVE_INFINITY, pending: []}));
  scan.pending.push({provider, spent, fresh, tries: 0, ...(keptIn ? {keptIn} : {})});
  if (scan.timer) return Promise.resolve();
  const wait = scan.lastAt + COPY_SCAN_EVERY_MS - Date.now();
  if (wait <= 0) return scanForSpentCopies(store, scan);
  scanLater(store, scan, wait);
  return Promise.resolve();
}

const COPY_SCAN_EVERY_MS = 1000;
/** Scans a batch of rotations may fail (a token dir unreadable a moment) before its marks are given up. */
const COPY_SCAN_TRIES = 3;

/** `keptIn`: no token file took the fresh grant; it is kept in tui/refresh-kept/ under this name. */
type Rotation = {provider: string; spent: string; fresh: string; tries: number; keptIn?: string};
/** markSpentCopies' rotated tokens not yet looked for, per store, when it last looked, and the scan under way. */
const copyScans = new WeakMap<AccountStore, {lastAt: number; pending: Rotation[]; timer?: NodeJS.Timeout; running?: Promise<void>}>();
type CopyScan = NonNullable<ReturnType<typeof copyScans.get>>;

/** Runs the scan at the end of the quiet second (markSpentCopies), unless one is due already. */
function scanLater(store: AccountStore, scan: CopyScan, wait: number): void {
  scan.timer ??= setTimeout(() => {
    scan.timer = undefined;
    void scanForSpentCopies(store, scan);
  }, wait);
}

function scanForSpentCopies(store: AccountStore, scan: CopyScan): Promise<void> {
  const rotations = scan.pending.splice(0);
  scan.lastAt = Date.now();
  const run = (async () => {
    const holding = await store.tokenFilesHolding(rotations.flatMap(({spent, fresh}) => [spent, fresh])).catch(() => undefined);
    if (!holding) {
      // Not looked at: tried again a second later (the attempt record refuses the spent token meanwhile).
      const again = rotations.filter((r) => ++r.tries < COPY_SCAN_TRIES);
      if (again.length > 0) {
        scan.pending.unshift(...again);
        scanLater(store, scan, COPY_SCAN_EVERY_MS);
      }
      return;
    }
    for (const {provider, spent, fresh, keptIn} of rotations) {
      const now = holding.get(fresh)?.[0];
      // Never "remove this one" while no token file holds the grant: the file the refresh was for is
      // where the kept grant goes back (adoptKeptGrant), and removing it would leave the grant in
      // refresh-kept/ alone.
      const reason =
        now === undefined && keptIn ? `its refresh was granted, but no token file could take the new grant: it is kept in tui/refresh-kept/${keptIn}, and the next refresh of the account puts it back here (the quota screen's R, ccs-tui quota --refresh)`
        : `its refresh token was spent refreshing ${now ?? 'another token file'}, a copy of it that holds the grant now: remove this one`;
      for (const copy of holding.get(spent) ?? []) await store.setRefreshUnknown(provider, {tokenFile: copy}, reason, spent).catch(() => undefined);
    }
  })();
  const tracked: Promise<void> = run.catch(() => undefined).finally(() => {
    if (scan.running === tracked) scan.running = undefined;
  });
  scan.running = tracked;
  return run;
}

/**
 * Runs now the copy scan markSpentCopies put off to the end of its second (and waits for one under
 * way): a process that stops (the proxy) would otherwise leave its last rotations' copies unmarked.
 */
export async function settleSpentCopyScans(store: AccountStore): Promise<void> {
  const scan = copyScans.get(store);
  if (!scan) return;
  await scan.running;
  if (scan.timer) {
    clearTimeout(scan.timer);
    scan.timer = undefined;
  }
  if (scan.pending.length > 0) await scanForSpentCopies(store, scan);
  // One that failed now is not waited for again: the attempt record refuses the spent token anyway.
  if (scan.timer) {
    clearTimeout(scan.timer);
    scan.timer = undefined;
  }
}

/**
 * A refresh killed between writing its answer beside the token file and renaming it into place
 * (store/files.ts writeTempBeside: `.<file>.<pid>.<random>.tmp`) left the only copy of the new grant
 * there. When the held refresh token's attempt record says a process on this machine sent it and
 * recorded nothing after, and that process is gone for certain (process-identity.ts processGone: its
 * pid has no process, or one that started at another time; a process of another pid namespace is
 * never judged), such a temp file of that process (a regular file
 * written after the send) that parses as a token of the same type and account with another refresh
 * token is its answer: written into the token file (while it still holds the grant sent), as the killed
 * process would have, the temp file removed, the record settled and copies of the spent token marked. Returns the token
 * now held, or undefined (nothing found: the send stays unanswered, never repeated).
 */
async function adoptInterruptedSave(deps: RefreshDeps, provider: string, account: Account, token: TokenFile, recordFile: string): Promise<TokenFile | undefined> {
  const spent = token.refresh_token;
  if (typeof spent !== 'string' || spent === '') return undefined;
  const sender = await unansweredSend(recordFile, spent);
  // Gone for certain: on this host and in this pid namespace, its pid has no process or another one
  // (a container restarted under the same host name gives pids again; another's pids name none here).
  if (!sender || processGone(sender) === undefined) return undefined;
  const file = deps.store.tokenPath(account);
  // A token file that is a link within the token dirs is written through (tokens.ts tokenWriteTarget):
  // its answer was written beside the file the link leads to, named after it.
  let into = file;
  try {
    into = tokenWriteTarget(file);
  } catch {
    // A link out of the token dirs: never written through, so nothing of it is looked for there.
  }
  const prefixes = [...new Set([file, into].map((name) => `.${path.basename(name)}.${sender.pid}.`))];
  // Looked for in both token dirs: the file may have been paused or resumed (by CCS, whose lock its
  // write waited for) after the killed process wrote its answer beside it.
  const dirs = [...new Set([...[false, true].map((paused) => path.dirname(deps.store.tokenPath({...account, paused}))), path.dirname(into)])];
  const temps = await Promise.all(dirs.map(async (dir) => (await fs.readdir(dir).catch(() => [] as string[])).filter((name) => prefixes.some((prefix) => name.startsWith(prefix)) && name.endsWith('.tmp')).map((name) => path.join(dir, name))));
  for (const temp of temps.flat()) {
    const name = path.basename(temp);
    // Its answer is a private regular file (writeTempBeside makes it 0600; a link would make the token
    // file one) written after the send: an older one is a dead process's of the same pid (pids are
    // reused), never this send's answer.
    const stat = await fs.lstat(temp).catch(() => undefined);
    if (!stat?.isFile() || (stat.mode & 0o077) !== 0 || stat.mtimeMs < sender.atMs - CLOCK_SLACK_MS) continue;
    const found = await readTokenFile(temp).catch(() => undefined);
    if (!isSuccessorGrant(found, token, spent)) continue;
    // Written as the killed process would have: under the store's lock and CCS's, and only over the
    // grant it was refreshed from (a file holding another by now keeps it, and this one stays).
    let taken = false;
    const saved = await deps.store.updateToken(provider, {tokenFile: account.tokenFile}, (current) => {
      taken = sameGrant(current, token);
      return taken ? found : current;
    });
    if (!taken) return undefined;
    await fs.rm(temp, {force: true});
    await settleFoundAnswer(recordFile, spent, `answered; saved from ${name}, left by process ${sender.pid} (it ended before renaming it into place)`);
    await markSpentCopies(deps.store, provider, spent, found.refresh_token);
    return saved;
  }
  return undefined;
}

/**
 * A refresh granted earlier whose token file could not take the grant (not writable then, or changed
 * meanwhile) kept it in tui/refresh-kept/ and recorded where (AttemptRecord.keptIn). While this file
 * still holds the refresh token that refresh spent, that kept grant is this file's: written into it
 * (only over the spent grant, under the store's and CCS's locks), the kept copy removed, the record
 * settled. Returns the token now held, or undefined (none kept for it, or it cannot be taken: it then
 * stays where it is, and the account stays marked).
 */
async function adoptKeptGrant(deps: RefreshDeps, provider: string, account: Account, token: TokenFile, recordFile: string): Promise<TokenFile | undefined> {
  const spent = token.refresh_token;
  if (typeof spent !== 'string' || spent === '') return undefined;
  const name = await keptGrantOf(recordFile, spent);
  // Only a plain name in refresh-kept/ (the record is a file on disk: never a path elsewhere).
  if (name === undefined || name !== path.basename(name) || name.startsWith('.')) return undefined;
  const kept = path.join(deps.store.paths.refreshKept, name);
  const found = await readTokenFile(kept).catch(() => undefined);
  if (!isSuccessorGrant(found, token, spent)) return undefined;
  // Only the grant's fields: the rest of the file may have changed since (disabled, a prefix, a note).
  const grant: Partial<TokenFile> = {};
  for (const field of grantFieldNames(findProvider(provider))) if (found[field] !== undefined) grant[field] = found[field];
  let taken = false;
  const saved = await deps.store
    .updateToken(provider, {tokenFile: account.tokenFile}, (current) => {
      taken = current.refresh_token === spent;
      return taken ? {...current, ...grant} : current;
    })
    .catch((error: unknown) => {
      throw new GrantNotSavedError(`${provider} account ${account.id}: ${account.tokenFile} could not be written (${(error as Error).message}); its refreshed grant stays in ${kept} until it can`, name);
    });
  if (!taken) return undefined;
  await fs.rm(kept, {force: true});
  await settleFoundAnswer(recordFile, spent, `answered; the grant kept in tui/refresh-kept/${name} was put back into ${account.tokenFile}`);
  await markSpentCopies(deps.store, provider, spent, found.refresh_token);
  return saved;
}

/** How far a file's time may lag the clock the attempt record's time was read from (coarse kernel clocks). */
const CLOCK_SLACK_MS = 1000;

/**
 * Whether `found` (a token found beside the file or kept aside) can be the grant `token`'s refresh of
 * `spent` brought: the same type and account, an access token, and another refresh token.
 */
function isSuccessorGrant(found: TokenFile | undefined, token: TokenFile, spent: string): found is TokenFile & {refresh_token: string} {
  const fresh = found?.refresh_token;
  return found !== undefined && found.type === token.type && typeof fresh === 'string' && fresh !== '' && fresh !== spent && Boolean(found.access_token) && !otherAccount(found, token);
}

/** Whether two tokens name different accounts: an email or account id both have, differing. */
function otherAccount(a: TokenFile, b: TokenFile): boolean {
  return (['email', ...ACCOUNT_ID_FIELDS] as const).some((field) => {
    const x = a[field];
    const y = b[field];
    return typeof x === 'string' && typeof y === 'string' && x !== '' && y !== '' && x.toLowerCase() !== y.toLowerCase();
  });
}

/** Keeps a refreshed grant no token file could take in `tui/refresh-kept/<file>-<hash>.json` (0600); returns where. */
async function keepRefreshed(deps: RefreshDeps, tokenFile: string, token: TokenFile): Promise<string> {
  return keepTokenCopy(deps.store.paths.refreshKept, tokenFile, `${JSON.stringify(token, null, 2)}\n`);
}

/**
 * The single-use refresh token a refresh of this account presents: the refresh_token grant's. A
 * provider's own refresh (adapter.refresh: Copilot's GitHub token, Vertex's signed JWT) spends none.
 */
function spentRefreshToken(resolved: ResolvedProvider, token: TokenFile): string | undefined {
  if (resolved.row.adapter.refresh) return undefined;
  return token.refresh_token || undefined;
}

/** Whether this kind of account has anything to refresh (the adapter says: refresh token, GitHub token, key file). */
function canRefresh(resolved: ResolvedProvider, token: TokenFile): boolean {
  return resolved.row.adapter.canRefresh(token);
}

/**
 * True when the access token expires within the provider's lead time. Tokens that live shorter than
 * twice the lead (a server with short lifetimes) are refreshed at half their life instead, so a
 * just-refreshed token is never due at once.
 */
export function refreshDue(resolved: ResolvedProvider, token: TokenFile, now: number): boolean {
  if (resolved.row.adapter.refreshAlwaysDue?.(token)) return true;
  if (typeof token.expired !== 'string') return false;
  const expiresAt = expiryOf(token.expired);
  if (Number.isNaN(expiresAt)) return true;
  let leadMs = resolved.row.refreshLeadSeconds * 1000;
  const refreshedAt = typeof token.last_refresh === 'string' ? Date.parse(token.last_refresh) : Number.NaN;
  if (!Number.isNaN(refreshedAt) && expiresAt > refreshedAt) leadMs = Math.min(leadMs, (expiresAt - refreshedAt) / 2);
  return expiresAt - now <= leadMs;
}

/** The last `expired` text parsed, and its time (ms): the proxy asks refreshDue per request, mostly of one token. */
let lastExpiry = {text: '', at: Number.NaN};

/** Date.parse of a token's `expired`, the last one remembered (a date parse was a measurable share of a small request: issue 14). */
function expiryOf(text: string): number {
  if (text !== lastExpiry.text) lastExpiry = {text, at: Date.parse(text)};
  return lastExpiry.at;
}

/** `mask`: masks credentials in a failure's text, before it marks the account or is thrown. */
async function requestRefresh(deps: RefreshDeps, resolved: ResolvedProvider, account: Account, token: TokenFile, clock: Clock, timeoutMs: number, mask: (text: string) => string): Promise<Partial<TokenFile>> {
  const http = deps.http ?? undiciHttpClient;
  for (let attempt = 0; ; attempt++) {
    try {
      const {adapter} = resolved.row;
      if (adapter.refresh) return await adapter.refresh(refreshContext(http, resolved, token, clock.now()));
      return await refreshGrant(http, resolved, token, clock.now(), timeoutMs);
    } catch (error) {
      maskError(error, mask);
      if (error instanceof OAuthError && error.status === 429 && attempt < MAX_RATE_LIMIT_WAITS && (error.retryAfter ?? 0) <= MAX_RETRY_AFTER_SECONDS) {
        await clock.sleep((error.retryAfter ?? DEFAULT_RETRY_AFTER_SECONDS) * 1000);
        continue;
      }
      if (error instanceof TokenFieldError) {
        throw new UserError(`${resolved.row.id} account ${account.id} (${deps.store.tokenPath(account)}): ${error.message}`, 1, error.advice);
      }
      if (error instanceof OAuthError && isFatal(error)) {
        const reason = error.reason;
        await deps.store.setNeedsLogin(resolved.row.id, {tokenFile: account.tokenFile}, reason, token.refresh_token);
        throw new NeedsLoginError(resolved.row.id, account.id, reason);
      }
      throw error;
    }
  }
}

/**
 * The refresh_token grant, sent with the OAuth client the account belongs to. The adapter names the
 * candidates (adapter.refreshClients; default: the login's client alone). A refusal as another
 * client's token (`unauthorized_client`) tries the next: only providers whose refresh tokens do not
 * rotate offer several (Google), so a refused try spends nothing. When there were several, the
 * client that worked is recorded in the file.
 */
async function refreshGrant(http: HttpClient, resolved: ResolvedProvider, token: TokenFile, now: number, timeoutMs: number): Promise<Partial<TokenFile>> {
  const {token: tokenUrl} = await authEndpoints(http, resolved);
  const preferred = {clientId: resolved.clientId, clientSecret: resolved.clientSecret};
  const known = [preferred, ...knownClients(resolved.row).filter((c) => c.clientId !== preferred.clientId)];
  const clients = resolved.row.adapter.refreshClients?.(known, token) ?? [preferred];
  for (let i = 0; ; i++) {
    const client = clients[i]!;
    try {
      const response = await postToken(http, {...resolved, ...client}, {
        url: tokenUrl,
        params: {grant_type: 'refresh_token', refresh_token: token.refresh_token!},
        deviceId: typeof token.device_id === 'string' ? token.device_id : undefined,
        timeoutMs,
      });
      const fields = tokenFieldsFrom(resolved.row, response, now);
      return clients.length > 1 ? {...fields, client_id: client.clientId} : fields;
    } catch (error) {
      if (error instanceof OAuthError && error.error === 'unauthorized_client' && i + 1 < clients.length) continue;
      if (error instanceof OAuthError && !known.some((k) => k.clientId === client.clientId)) {
        // The file names a client ccs-tui has no facts for (its refresh token works with that client
        // alone); say which one and what to do, since the server's answer will not. No command here:
        // the text is kept as the account's state and shown in the TUI too (a fatal refusal becomes
        // NeedsLoginError, whose advice each surface words).
        const hint = `the token file's client_id ${client.clientId} is not an OAuth client ccs-tui knows${client.clientSecret ? '' : ' (and it has no client_secret)'}: add its "client_secret" to the token file, or log in again`;
        throw new OAuthError(error.url, error.status, error.error, error.description ? `${error.description.trim().replace(/\.$/, '')}; ${hint}` : hint, error.retryAfter);
      }
      throw error;
    }
  }
}

function isFatal(error: OAuthError): boolean {
  return FATAL_REFRESH_ERRORS.has(error.error) || /refresh_token_reused|invalid_grant/.test(error.description ?? '');
}

/** What a provider's own refresh request (adapter.refresh) needs from this service. */
function refreshContext(http: HttpClient, resolved: ResolvedProvider, token: TokenFile, now: number): RefreshContext {
  return {
    row: resolved.row,
    token,
    now,
    http,
    endpoint: (name) => endpoint(resolved, name),
    postToken: (params, options = {}) =>
      postToken(http, options.withoutClientId ? {...resolved, clientId: ''} : resolved, {url: options.url ?? endpoint(resolved, 'token'), params}),
    tokenFields: (response) => tokenFieldsFrom(resolved.row, response, now),
    revoked: (url, description) => new OAuthError(url, 401, 'invalid_grant', description),
    rateLimited: (url, retryAfter) => new OAuthError(url, 429, 'rate_limited', undefined, retryAfter),
    unexpected: (url, response) => new UnexpectedResponseError(url, response.status, bodyExcerpt(response)),
    json: (response, url) => jsonBody({...response, headers: {}}, url),
  };
}

/**
 * The secret an upstream request carries for this account: the Copilot API token, iFlow's API key,
 * an API-key account's key, else the OAuth access token.
 */
export function bearerFor(provider: string, token: TokenFile): string | undefined {
  return (findProvider(provider)?.adapter ?? baseAdapter(provider)).bearer(token);
}
