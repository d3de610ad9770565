// One refresh attempt per refresh token, across every process and every outcome.
//
// A rotating refresh token is spent the moment the authorization server processes the request; if
// the answer is lost (timeout, dropped connection, crash, a suspended holder), presenting the same
// token again makes servers such as oidc-provider or OpenAI's revoke the whole grant. So, under the
// grant's refresh lock and BEFORE the request is sent, the attempt is recorded in a file of that
// refresh token, `tui/refresh/rt-<grant fingerprint: sha256 of provider and token, 16 hex>.json`:
//   {fingerprint: sha256 of the refresh token (16 hex), outcome, at, pid, host, detail?, rotated?, sends}
// The lock alone cannot make a send the only one (a holder suspended past its bound loses it and wakes
// up to send), so each send is claimed by creating a file exclusively: the record itself for the
// first, `rt-<…>.send-<n>` for a retry after a send that did not spend the token. One process wins.
// Keyed by the token, not by the account: an unregistered token file's account id changes when a
// second file of its email appears, and a record under the old id would be forgotten. Records of
// earlier versions (`tui/refresh/<provider>-<account id hash>.json`) are still read, never written.
// A process that finds the token it holds already `sent` or `unknown`, or refreshed and rotated
// (`ok` with `rotated`: a copy of the file still holds the spent one), never sends it again: it reports
// "refresh outcome unknown", and only a new login (a new refresh token) or another tool's refresh
// (the file's token changes) moves on. One the server refused (`refused`: it answered no) is not
// sent again either: the refusal was the one refresh, and the account needs a new login. An
// unreadable record is copied aside and blocks only the token held when it was found. Only outcomes
// that prove the request was never taken up allow another: it never left (connection refused, host
// not found), or the server put it off unread (429 rate limited, 408 request timeout).
// Records no token file's token can meet any more are cleaned away (pruneAttemptRecords).
import {formatLocalTime} from '../core/relative-time.js';
import fs from 'node:fs/promises';
import path from 'node:path';
import {backupCorruptFile, createFileExclusive, readJsonFile, tempBeside, writeJsonAtomic} from '../store/files.js';
import {recordedIdentity, thisProcess, type ProcessIdentity} from '../store/process-identity.js';
import {outsideGrantLocks, withGrantLock, type RefreshLockBounds} from '../store/grant-lock.js';
import {LockBusyError, type OwnedLock} from '../store/owned-lock.js';
import type {CcsPaths} from '../store/paths.js';
import {NetworkError} from './http.js';
import {OAuthError} from './oauth/token-endpoint.js';
import {grantFingerprint, tokenFingerprint} from '../core/fingerprint.js';
import {UserError, type Account} from '../core/types.js';
import {accessTokenLeftWords, NEEDS_LOGIN, needsLoginWords, refreshFailedWords, refreshUnknownWords, reloginAdvice} from '../core/accounts.js';

export type AttemptOutcome = 'sent' | 'ok' | 'refused' | 'not-sent' | 'unknown';

/** The process that made the last change is `pid` on `host` (with its start and pid namespace, where known: process-identity.ts). */
export interface AttemptRecord extends ProcessIdentity {
  fingerprint: string;
  outcome: AttemptOutcome;
  /** ISO time of the last change. */
  at: string;
  detail?: string;
  /** On `ok`: the answer brought another refresh token (this one is spent; Google's do not rotate). */
  rotated?: boolean;
  /** How many sends of this refresh token were claimed (sendClaimFile); absent in earlier versions' records: 1. */
  sends?: number;
  /**
   * On `not-sent` after a 429: when the token endpoint asked to be left alone until (ISO), and which
   * endpoint. No process sends this refresh token before then (sendOnce): a request at each proxy
   * request or poll would only prolong the limit.
   */
  rateLimitedUntil?: string;
  endpoint?: string;
  /**
   * On `ok`: the refreshed grant no token file took (the file could not be written, or changed
   * meanwhile) was kept in tui/refresh-kept/ under this name (refresh.ts keepRefreshed); the next
   * refresh of a file that still holds this spent token takes it from there (adoptKeptGrant).
   */
  keptIn?: string;
}

/**
 * The refresh was sent and its answer was lost: the refresh token may be spent. Never retried. The way
 * out is advice (a new login, if the next request fails), so each surface says it its own way.
 */
export class RefreshOutcomeUnknownError extends UserError {
  constructor(
    readonly provider: string,
    readonly accountId: string,
    readonly detail: string,
    /** What a person calls the account (accountLabel); `account <id>` when the caller has no better name. */
    label = `account ${accountId}`,
  ) {
    super(`${provider} ${label}: refresh outcome unknown (${detail}); log in again only if the next request fails`, 1, reloginAdvice(provider));
    this.name = 'RefreshOutcomeUnknownError';
  }
}

/**
 * Only a new login helps: the refresh token was revoked, reused, refused or is missing. The message
 * names the account once; the way out is advice, so the TUI says its key and the command line the command.
 */
export class NeedsLoginError extends UserError {
  constructor(
    readonly provider: string,
    readonly accountId: string,
    readonly reason: string,
    /** What a person calls the account (accountLabel); the id when the caller has no better name. */
    label: string = accountId,
  ) {
    super(`${provider} ${label}: ${NEEDS_LOGIN}: ${reason}`, 1, reloginAdvice(provider));
    this.name = 'NeedsLoginError';
  }
}

/**
 * Not sent: the provider refused this refresh token when it was sent before (the attempt record says
 * `refused`), and a refusal is the one refresh. The access token serves until it expires; a new login
 * is the way out.
 */
export class RefreshRefusedError extends UserError {
  constructor(
    readonly provider: string,
    readonly accountId: string,
    readonly detail: string,
    /** What a person calls the account (accountLabel); `account <id>` when the caller has no better name. */
    label = `account ${accountId}`,
    /** Its access token's expiry (RFC 3339), when known: said as a time (accessTokenLeftWords). */
    expiresAt?: string,
  ) {
    super(`${provider} ${label}: not refreshed: ${detail}; log in again (${accessTokenLeftWords(expiresAt)})`, 1, reloginAdvice(provider));
    this.name = 'RefreshRefusedError';
  }
}

/** A send given up before anything left this machine (its claim was made): the token may be sent later. */
export class NotSentError extends UserError {
  constructor(message: string) {
    super(message);
    this.name = 'NotSentError';
  }
}

export {tokenFingerprint} from '../core/fingerprint.js';

/** The record of the refresh attempt of one refresh token of `provider`. */
export function attemptFile(stateDir: string, provider: string, refreshToken: string): string {
  return path.join(stateDir, 'refresh', `rt-${grantFingerprint(provider, refreshToken)}.json`);
}

/** Names in tui/refresh/ of a token's record (attemptFile) and of its later sends' claims (sendClaimFile). */
const RECORD_NAME = /^(rt-[0-9a-f]{16})\.json$/;
const CLAIM_NAME = /^(rt-[0-9a-f]{16})\.send-([1-9][0-9]*)$/;

/**
 * The claim of send number `n` (0: the first) of the refresh token whose record is `recordFile`, a
 * file created exclusively (createFileExclusive) just before the send, removed only once it can stop
 * no send (pruneAttemptRecords): for the first send, the record itself; for a later one (the earlier
 * ones were refused, never left, or did not rotate the token), one beside it.
 */
function sendClaimFile(recordFile: string, n: number): string {
  return n === 0 ? recordFile : recordFile.replace(/\.json$/, `.send-${n}`);
}

/** Where earlier versions recorded an account's last refresh attempt, by account id (which can change): read, never written. */
export function legacyAttemptFile(stateDir: string, provider: string, accountId: string): string {
  return path.join(stateDir, 'refresh', `${provider}-${tokenFingerprint(accountId)}.json`);
}

/** The record, or `{unreadable}` saying what is wrong with the file (it is not trusted either way). */
async function readRecord(file: string): Promise<AttemptRecord | {unreadable: string} | undefined> {
  try {
    const data = (await readJsonFile(file)) as Partial<AttemptRecord> | undefined;
    if (data === undefined) return undefined;
    if (typeof data.fingerprint === 'string' && typeof data.outcome === 'string') return data as AttemptRecord;
    return {unreadable: `${file}: not a refresh attempt record`};
  } catch (error) {
    return {unreadable: (error as Error).message};
  }
}

/**
 * The process that sent `refreshToken` and recorded nothing after (outcome `sent`), as the record
 * `file` names it, and when it sent it (`atMs`): a refresh cut off before it recorded its answer
 * (killed, or still waiting for it).
 */
export async function unansweredSend(file: string, refreshToken: string): Promise<(ProcessIdentity & {atMs: number}) | undefined> {
  const record = await readRecord(file);
  if (!record || 'unreadable' in record || record.fingerprint !== tokenFingerprint(refreshToken) || record.outcome !== 'sent') return undefined;
  const atMs = Date.parse(record.at);
  if (!Number.isFinite(atMs) || !Number.isInteger(record.pid) || record.pid <= 0 || typeof record.host !== 'string') return undefined;
  return {pid: record.pid, host: record.host, ...recordedIdentity(record), atMs};
}

/**
 * Settles a send whose answer was found after all (refresh.ts adoptInterruptedSave, adoptKeptGrant):
 * refreshed, the token rotated, and the record no longer points at where the answer was.
 */
export async function settleFoundAnswer(file: string, refreshToken: string, detail: string): Promise<void> {
  await writeJsonAtomic(file, {fingerprint: tokenFingerprint(refreshToken), outcome: 'ok', at: new Date().toISOString(), ...thisProcess(), detail, rotated: true} satisfies AttemptRecord);
}

/**
 * A record that cannot be read may have been about the refresh token held now: that token is treated
 * as sent (never resent). The file is copied aside and replaced by a record naming that token only,
 * so a new login (a new refresh token) refreshes normally, as the message promises.
 */
async function replaceUnreadable(target: AttemptTarget, unreadableFile: string, fingerprint: string, unreadable: string): Promise<never> {
  const backup = await backupCorruptFile(unreadableFile).catch(() => undefined);
  const detail = `the attempt record was unreadable (${unreadable})${backup ? `; copied to ${backup}` : ''}`;
  try {
    await writeJsonAtomic(target.file, {fingerprint, outcome: 'unknown', at: new Date().toISOString(), ...thisProcess(), detail} satisfies AttemptRecord);
    // An earlier version's record (an account's) is now this token's record: a new login is not blocked by it.
    if (unreadableFile !== target.file) await fs.rm(unreadableFile);
  } catch (error) {
    throw new RefreshOutcomeUnknownError(target.provider, target.accountId, `${detail}; it cannot be replaced (${(error as Error).message}): remove ${unreadableFile}`);
  }
  throw new RefreshOutcomeUnknownError(target.provider, target.accountId, `this refresh token may have been sent: ${detail}`);
}

/**
 * What the failure says about the refresh token: `not-sent` (never left this machine, or put off
 * unread: 429, 408; safe to send again later), `refused` (the server answered no: final), or `unknown`.
 */
export function classifyFailure(error: unknown): AttemptOutcome {
  if (error instanceof NotSentError) return 'not-sent';
  if (error instanceof NetworkError && error.beforeSending) return 'not-sent';
  if (error instanceof OAuthError && (error.status === 429 || error.status === 408)) return 'not-sent';
  if (error instanceof OAuthError && error.status >= 400 && error.status < 500) return 'refused';
  if ((error as Error | undefined)?.name === 'NeedsLoginError' || error instanceof RefreshRefusedError) return 'refused';
  return 'unknown';
}

/** How long a 429 asked the token endpoint to be left alone (its Retry-After, else a minute), for the record. */
function rateLimit(error: unknown, now: number): Partial<AttemptRecord> {
  if (!(error instanceof OAuthError) || error.status !== 429) return {};
  return {rateLimitedUntil: new Date(now + (error.retryAfter ?? 60) * 1000).toISOString(), endpoint: error.url};
}

/** ` by process <pid> on <host> at <time>`: who sent the record's refresh token, when the record says. */
const sentBy = (record: AttemptRecord) => (record.pid ? ` by process ${record.pid} on ${record.host} at ${formatLocalTime(record.at)}` : '');

/** Why the record's refresh token is not sent again because the server refused it, or undefined. */
function refusedWords(record: AttemptRecord): string | undefined {
  return record.outcome === 'refused' ? `this refresh token was not accepted when it was sent${sentBy(record)}${record.detail ? ` (${record.detail})` : ''}, so it is not sent again` : undefined;
}

/** Why the record's refresh token may be spent (sent without an answer, or refreshed and rotated), or undefined. */
function spentWords(record: AttemptRecord): string | undefined {
  const when = sentBy(record);
  if (record.outcome === 'sent' || record.outcome === 'unknown') return `this refresh token was already sent${when}${record.detail ? `: ${record.detail}` : ''}`;
  if (record.outcome === 'ok' && record.rotated && record.keptIn) return `this refresh token was already refreshed${when}, and its token file could not take the new grant: it is kept in tui/refresh-kept/${record.keptIn}, and the next refresh of this file puts it here`;
  if (record.outcome === 'ok' && record.rotated) return `this refresh token was already refreshed${when} and the new one was saved in the token file that refresh was for (a copy of this token file?)`;
  return undefined;
}

/**
 * Why `refreshToken` must not be handed to something that refreshes on its own (an agent's
 * credential file, a server), from its attempt record: `refused` (the server answered no), `spent`
 * (it may have been spent), or undefined. The account's refresh-unknown
 * mark is not enough: it goes with the account it was written under (a copy of the file removed),
 * the record stays with the token. An unreadable record may have named it: spent.
 */
export async function spentBefore(stateDir: string, provider: string, refreshToken: string): Promise<{spent?: string; refused?: string} | undefined> {
  const record = await readRecord(attemptFile(stateDir, provider, refreshToken));
  if (record === undefined) return undefined;
  if ('unreadable' in record) return {spent: `this refresh token may have been sent: its attempt record is unreadable (${record.unreadable})`};
  if (record.fingerprint !== tokenFingerprint(refreshToken)) return undefined;
  const refused = refusedWords(record);
  if (refused) return {refused};
  const spent = spentWords(record);
  return spent === undefined ? undefined : {spent};
}

/**
 * Why an account's tokens are not handed to something that refreshes on its own (an agent's
 * credential file, a server), worded for a person: its needs-login mark (a dead grant: the receiver
 * could only fail), its refresh-unknown or refresh-failed mark, else its attempt record.
 */
export async function handOffRefusal(stateDir: string, provider: string, account: Pick<Account, 'health' | 'healthDetail'>, token: {refresh_token?: unknown} | undefined): Promise<string | undefined> {
  if (account.health === 'needs-login') return needsLoginWords(account.healthDetail);
  if (account.health === 'refresh-unknown') return refreshUnknownWords(account.healthDetail);
  if (account.health === 'refresh-failed') return refreshFailedWords(account.healthDetail);
  const refreshToken = token?.refresh_token;
  const found = typeof refreshToken === 'string' && refreshToken !== '' ? await spentBefore(stateDir, provider, refreshToken) : undefined;
  if (found?.refused) return refreshFailedWords(found.refused);
  return found?.spent === undefined ? undefined : refreshUnknownWords(found.spent);
}

export interface AttemptTarget {
  /** The token's record (attemptFile). */
  file: string;
  /** Earlier versions' records that may name this token (legacyAttemptFile of each id the account had). */
  legacyFiles?: readonly string[];
  provider: string;
  accountId: string;
  /** The refresh token this attempt spends; undefined when the grant is not single-use (nothing recorded). */
  spends: string | undefined;
  /** Masks credentials in the text recorded (a server's error may quote any account's token). */
  mask?: (text: string) => string;
  /** The clock a rate limit's wait is counted on (ms; default Date.now). */
  now?: () => number;
  /** The access token's expiry (RFC 3339), for what a refusal says is left of it. */
  expiresAt?: string;
}

/**
 * Sends `send()` at most once for `target.spends`, recording the attempt before sending. Must be
 * called under the grant's refresh lock. On success, the caller persists the result and then calls
 * the returned `settled(rotated, detail?, keptIn?)` (`rotated`: the answer brought a new refresh token;
 * `detail`: what else to record, such as an answer that brought nothing more; `keptIn`: the name in
 * tui/refresh-kept/ of a grant no token file took); an unknown outcome throws RefreshOutcomeUnknownError.
 */
export async function sendOnce<T>(target: AttemptTarget, send: () => Promise<T>): Promise<{result: T; settled: (rotated: boolean, detail?: string, keptIn?: string) => Promise<void>}> {
  if (target.spends === undefined) return {result: await send(), settled: async () => undefined};
  const fingerprint = tokenFingerprint(target.spends);
  let sends = 0;
  for (const file of [target.file, ...(target.legacyFiles ?? [])]) {
    const previous = await readRecord(file);
    if (previous && 'unreadable' in previous) return replaceUnreadable(target, file, fingerprint, previous.unreadable);
    if (previous?.fingerprint !== fingerprint) continue;
    const refused = refusedWords(previous);
    if (refused) throw new RefreshRefusedError(target.provider, target.accountId, refused, undefined, target.expiresAt);
    const spent = spentWords(previous);
    if (spent) throw new RefreshOutcomeUnknownError(target.provider, target.accountId, spent);
    const limitedFor = previous.rateLimitedUntil === undefined ? Number.NaN : Date.parse(previous.rateLimitedUntil) - (target.now?.() ?? Date.now());
    if (previous.outcome === 'not-sent' && limitedFor > 0) {
      throw new OAuthError(previous.endpoint ?? '', 429, 'rate_limited', `not sent again before ${formatLocalTime(previous.rateLimitedUntil!)}, as the token endpoint asked`, Math.ceil(limitedFor / 1000));
    }
    // Never sent, or sent and not rotated: this send is the next one.
    if (file === target.file) sends = previous.sends ?? 1;
  }
  const mask = target.mask ?? ((text: string) => text);
  const record = (outcome: AttemptOutcome, detail?: string, rotated?: boolean, more: Partial<AttemptRecord> = {}): AttemptRecord =>
    ({fingerprint, outcome, at: new Date().toISOString(), ...thisProcess(), ...(detail ? {detail: mask(detail)} : {}), ...(rotated ? {rotated} : {}), sends: sends + 1, ...more});
  const write = (outcome: AttemptOutcome, detail?: string, rotated?: boolean, more?: Partial<AttemptRecord>) => writeJsonAtomic(target.file, record(outcome, detail, rotated, more));
  // The lock alone does not make this the one send: a holder suspended after the record was read, past
  // the lock's bound, lost the lock to a process that may have sent the token since, and would send it
  // again on waking. Of every process that read the record as it was, the one that claims this send sends.
  const claim = sendClaimFile(target.file, sends);
  if (!(await createFileExclusive(claim, `${JSON.stringify(record('sent'), null, 2)}\n`))) {
    const other = await readRecord(claim);
    const by = other && !('unreadable' in other) ? sentBy(other) : '';
    throw new RefreshOutcomeUnknownError(target.provider, target.accountId, `another process took this refresh over while this one was held up (suspended?) and sent this refresh token${by}; it is never sent twice`);
  }
  if (claim !== target.file) {
    // A claim removed as spent (pruneAttemptRecords) can be made again by a process suspended since it
    // read the record: the record then counts more sends than this claim's, or (cleaned away whole and made
    // again) says a send is under way or done, and nothing is sent or written.
    const now = await readRecord(target.file);
    if (!now || 'unreadable' in now || now.fingerprint !== fingerprint || (now.sends ?? 1) !== sends || spentWords(now) || refusedWords(now)) {
      throw new NotSentError(`${target.provider} account ${target.accountId}: not refreshed: another process refreshed with this refresh token while this one was held up (suspended?); try again`);
    }
    await write('sent');
  }
  let result: T;
  try {
    result = await send();
  } catch (error) {
    const outcome = classifyFailure(error);
    const detail = mask((error as Error).message);
    await write(outcome, detail, undefined, rateLimit(error, target.now?.() ?? Date.now()));
    if (outcome === 'unknown') throw new RefreshOutcomeUnknownError(target.provider, target.accountId, detail);
    throw error;
  }
  return {result, settled: (rotated, detail, keptIn) => write('ok', detail, rotated, keptIn ? {keptIn} : {})};
}

/**
 * The name in tui/refresh-kept/ of the grant `refreshToken` was refreshed into, when no token file
 * took it (AttemptRecord.keptIn); undefined otherwise.
 */
export async function keptGrantOf(file: string, refreshToken: string): Promise<string | undefined> {
  const record = await readRecord(file);
  if (!record || 'unreadable' in record || record.fingerprint !== tokenFingerprint(refreshToken)) return undefined;
  return record.outcome === 'ok' && record.rotated && typeof record.keptIn === 'string' && record.keptIn !== '' ? record.keptIn : undefined;
}

/**
 * How long the record of a token that no token file holds is kept (30 days). Such a token can still
 * come back: a token file restored from a backup or copied in from another machine after its token was
 * spent, and presenting a spent refresh token can make the provider revoke the whole grant. Its record
 * refuses it meanwhile; a month of rotations bounds tui/refresh/ (about 3 files a day per account a
 * poll keeps refreshed).
 */
export const SPENT_RECORDS_KEPT_MS = 30 * 24 * 3600_000;

/**
 * Removes `file` if the lock was held when it went; false (and it is put back) when the lock was lost
 * meanwhile (held up past its bound): another process may have written it since, a send's record.
 * Moved aside first: the lock, once lost, is never ours again, so held after the move means held at it.
 */
async function removeWhileHeld(lock: OwnedLock, file: string): Promise<boolean> {
  // Named as a temp file: one left by a process killed here is removed once it is gone (removeAbandonedTemps).
  const aside = tempBeside(file);
  try {
    await fs.rename(file, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return true;
    throw error;
  }
  if (await lock.stillHeld()) {
    await fs.rm(aside, {force: true});
    return true;
  }
  try {
    await fs.link(aside, file);
  } catch (error) {
    // Written again since (EEXIST): that one is newer. Otherwise the moved one stays where it is.
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') return false;
  }
  await fs.rm(aside, {force: true});
  return false;
}

/**
 * Removes the attempt records that can no longer stop a send; tui/refresh/ would otherwise keep one
 * record per rotation, and one claim per refresh of a token that does not rotate, for ever. Only
 * files older than `minAgeMs` (the refresh lock's bound: no refresh in flight is older) go, each
 * token's under its grant's lock (a busy one is left for the next time):
 * - a token's record and claims once no token file holds that token (`held`: the refresh tokens of
 *   auth/ and auth-paused/ now, asked only once a record is old enough; undefined when a file could
 *   not be read, and then none go): a rotation, a new login or a removal put it out of every
 *   refresh's reach;
 * - claims of sends before the token's last one, whatever holds it.
 * A process suspended since it read a record removed here cannot send on its claim: a later send's
 * must match the record (sendOnce), a first send's token must still be in its file (refresh.ts).
 * A token no file holds goes only `keepUnheldMs` after its record's last write (SPENT_RECORDS_KEPT_MS).
 * Unreadable records and earlier versions' (never written now) stay. Returns how many files went.
 */
export async function pruneAttemptRecords(
  paths: Pick<CcsPaths, 'state' | 'locks'>,
  held: () => Promise<ReadonlySet<string> | undefined>,
  minAgeMs: number,
  bounds: RefreshLockBounds,
  keepUnheldMs: number = SPENT_RECORDS_KEPT_MS,
  now: number = Date.now(),
): Promise<number> {
  const dir = path.join(paths.state, 'refresh');
  const groups = new Map<string, Map<number, string>>();
  for (const name of await fs.readdir(dir).catch(() => [] as string[])) {
    const record = RECORD_NAME.exec(name);
    const claim = record ? undefined : CLAIM_NAME.exec(name);
    const key = record?.[1] ?? claim?.[1];
    if (key === undefined) continue;
    const claims = groups.get(key) ?? new Map<number, string>();
    groups.set(key, claims);
    if (claim) claims.set(Number(claim[2]), name);
  }
  let heldPrints: Promise<Set<string> | undefined> | undefined;
  const heldNow = () => (heldPrints ??= held().then((tokens) => tokens && new Set([...tokens].map(tokenFingerprint))));
  const old = async (name: string, ageMs = minAgeMs) => {
    const stat = await fs.lstat(path.join(dir, name)).catch(() => undefined);
    return stat?.isFile() === true && now - stat.mtimeMs > ageMs;
  };
  /** The files of `key` that can go, as its record and claims are now. */
  const spent = async (key: string, claims: Map<number, string>): Promise<string[]> => {
    const recordName = `${key}.json`;
    const oldClaims = (await Promise.all([...claims].map(async ([n, name]) => ((await old(name)) ? [{n, name}] : [])))).flat();
    const recordOld = await old(recordName);
    // Not read while nothing is old enough: after a poll's refreshes, most records are not.
    if (!recordOld && oldClaims.length === 0) return [];
    const record = await readRecord(path.join(dir, recordName));
    if (record && 'unreadable' in record) return [];
    // Claims left without their record (a clean-up cut short) stop nobody: sendOnce checks the record.
    if (record === undefined) return oldClaims.map(({name}) => name);
    const longUnwritten = recordOld && now - Date.parse(record.at) > keepUnheldMs && (await old(recordName, keepUnheldMs));
    const prints = longUnwritten ? await heldNow() : undefined;
    const unheld = prints !== undefined && !prints.has(record.fingerprint);
    const lastClaim = (record.sends ?? 1) - 1;
    const going = oldClaims.filter(({n}) => unheld || n < lastClaim).map(({name}) => name);
    // The record last: a clean-up cut short leaves it whole, with fewer claims.
    return unheld ? [...going, recordName] : going;
  };
  let removed = 0;
  for (const [key, claims] of groups) {
    if ((await spent(key, claims)).length === 0) continue;
    try {
      // Each lock taken here, never one the caller's context holds (it may be released meanwhile).
      await outsideGrantLocks(() =>
        withGrantLock(paths, key, async (lock) => {
          // Judged again under the lock: a refresh may have written meanwhile.
          for (const name of await spent(key, claims)) {
            if (!(await removeWhileHeld(lock, path.join(dir, name)))) return;
            removed++;
          }
        }, {...bounds, waitMs: 0}, 'a clean-up of refresh attempt records'),
      );
    } catch (error) {
      if (!(error instanceof LockBusyError)) throw error;
    }
  }
  return removed;
}
