// The Redactor of a CCS dir: every credential of every token file in auth/ and auth-paused/ (not
// only the accounts this process refreshed), every credential such a file held before while this
// process ran (PAST_SECRETS_PER_FILE), plus extra secrets a caller adds (the proxy's API keys).
// Files are re-read only when their mtime or size changed, so asking often is cheap.
import {statSync} from 'node:fs';
import path from 'node:path';
import {credentialsOf, maskCredentialPatterns, MIN_SECRET_LENGTH, Redactor, SHOWN_TEXT, type RedactOptions} from '../core/redact.js';
import type {CcsPaths} from '../store/paths.js';
import {fileStamp} from '../store/file-stamp.js';
import {listJsonFiles, onTokenDirRead, onTokenFileRead, readTokenFileSync, readTokenJsonLoose} from '../store/tokens.js';

/** A full scan at least this often, whatever the dir mtimes say. */
const FULL_SCAN_EVERY_MS = 5_000;
/**
 * Credentials a token file held while this process ran and holds no more (a refresh, by this process
 * or another, replaced them; the file was removed), kept masked per file: the most recent this many
 * distinct values. An old access token stays valid until it expires (hours; days for codex), and an
 * upstream may quote it, whether this process sent it or only read it. 16 values are the 8 versions
 * before the current one of an access and refresh token pair (5 of codex's access, refresh and id
 * tokens): more than a token's life at every provider's refresh lead, while a proxy that runs for
 * months, refreshing every hour, keeps no more than 16 per token file.
 */
export const PAST_SECRETS_PER_FILE = 16;

/**
 * The key of what this process sent from a token file (`sent`, noteSent) or got from a refresh of it
 * (`refreshed`): the file's path, a NUL and the kind. A NUL is in no path; '#' was, in a file name
 * (an email's local part may hold one), and then every scan took the file for a sent entry whose
 * file was gone: forgot it, read it again, rebuilt the Redactor and retired its secrets once more.
 */
export const sentEntryKey = (file: string, kind: 'sent' | 'refreshed') => `${file}${SENT_MARK}${kind}`;
const SENT_MARK = '\0';
/** The token file a key stands for: the file itself, or the file of a sentEntryKey. */
const fileOfKey = (key: string) => {
  const mark = key.indexOf(SENT_MARK);
  return mark < 0 ? key : key.slice(0, mark);
};
/** How long currentForSender() reuses a look at the dirs (see there). */
const SENDER_DIR_CHECK_EVERY_MS = 100;

function stampOf(dir: string): string {
  try {
    // A missing dir (often a second CCS dir) without an exception: building one costs more than the stat.
    const stat = statSync(dir, {throwIfNoEntry: false});
    return stat ? fileStamp(stat) : '-';
  } catch {
    return '-';
  }
}

interface Seen {
  stamp: string;
  secrets: string[];
}

export class CredentialRedactor {
  private readonly files = new Map<string, Seen>();
  private readonly extra = new Set<string>();
  /** The token object last noted as sent, by token file (noteSent); dropped with the file's sent entry (sentEntryKey). */
  private readonly sentTokens = new Map<string, unknown>();
  private built: {key: string; extra: number; redactor: Redactor} | undefined;
  /** Bumped whenever the secrets of some file change (a stamp alone changing leaves the Redactor as it is). */
  private version = 0;
  private scannedDirs = '';
  private scannedAt = 0;
  private checkedAt = 0;
  /** processVersion when this redactor last took the process's secrets in. */
  private mergedProcessVersion = -1;
  /** By dir: the last whole read of it another reader told of (noteDirRead), which a scan may take as its own. */
  private readonly dirReads = new Map<string, {stamp: string; at: number; files: readonly string[]}>();

  constructor(private readonly paths: CcsPaths) {}

  /** Adds secrets that are not in token files (API keys, a token just received). */
  add(...secrets: (string | undefined)[]): void {
    for (const secret of secrets) if (secret) this.extra.add(secret);
  }

  /**
   * A token file just read by someone else (the proxy's token cache, which follows each file's
   * stamp): its secrets are masked from now on, even when the file was rewritten in place and the
   * dir scan would notice only later. `stamp` is store/file-stamp.ts fileStamp, as the scan computes it.
   */
  noteToken(file: string, stamp: string, token: unknown): void {
    // The secrets decide, not the stamp: a file rewritten in place between the reader's fstat and
    // its read, or rewritten twice within one tick of the file clock, carries an old stamp with a new token.
    this.remember(file, stamp, credentialsOf(token));
  }

  /**
   * `dir` was listed (its stamp then `stamp`, at `at`) and each of `files` read and told to noteToken
   * just now (store/tokens.ts tokenDirRead): the next scan takes that as its look at the dir while
   * the dir's stamp is the same and FULL_SCAN_EVERY_MS has not passed since, as it takes its own.
   */
  noteDirRead(dir: string, stamp: string, at: number, files: readonly string[]): void {
    this.dirReads.set(dir, {stamp, at, files});
  }

  /**
   * The one gate before the proxy sends an account's token upstream: from here on it is masked,
   * whatever the token file now holds (its sent entry, sentEntryKey, keeps the last token sent from that file).
   */
  noteSent(file: string, token: unknown): void {
    // The same object as last time: the proxy's token cache hands out one object per version of a
    // file (token objects are never changed in place), so its credentials are already noted.
    if (this.sentTokens.get(file) === token) return;
    this.sentTokens.set(file, token);
    this.remember(sentEntryKey(file, 'sent'), 'sent', credentialsOf(token));
  }

  /**
   * By token file: the credentials it (or what this process sent or got from a refresh of it: a
   * sentEntryKey) held before and holds no more, oldest first, at most PAST_SECRETS_PER_FILE.
   */
  private readonly past = new Map<string, string[]>();

  /**
   * `secrets` a file's entry held and dropped (replaced, or the file removed; `kept`: those it still
   * holds), or that were read from it before this redactor existed: kept masked (PAST_SECRETS_PER_FILE).
   */
  keepPast(key: string, secrets: readonly string[], kept: readonly string[] = []): void {
    const file = fileOfKey(key);
    const list = withRecent(this.past.get(file), secrets, kept);
    if (!list) return;
    this.past.set(file, list);
    this.version++;
    this.built = undefined;
  }

  private remember(file: string, stamp: string, secrets: string[]): void {
    const seen = this.files.get(file);
    if (seen && sameSecrets(seen.secrets, secrets)) {
      seen.stamp = stamp;
      return;
    }
    this.files.set(file, {stamp, secrets});
    this.version++;
    this.built = undefined;
    if (seen) this.keepPast(file, seen.secrets, secrets);
  }

  /**
   * Where token files are looked for: auth/, auth-paused/, and the grants kept aside: refreshed ones no
   * token file could take (refresh-kept/), ones a login replaced (login-kept/) or native mode saved over (native-kept/).
   */
  private scannedDirNames(): string[] {
    return [this.paths.authDir, this.paths.pausedDir, this.paths.refreshKept, this.paths.loginKept, this.paths.nativeKept];
  }

  /**
   * The current Redactor (rebuilt only when a token file or the extra secrets changed). The dirs are
   * scanned only when their mtime changed (every token write is a rename into the dir) or every few
   * seconds (a tool that rewrites a file in place), so a log line per request stays cheap.
   */
  current(): Redactor {
    const now = Date.now();
    this.checkedAt = now;
    const dirs = this.scannedDirNames();
    const stamps = dirs.map(stampOf);
    const dirStamp = stamps.join('|');
    const processChanged = this.mergedProcessVersion !== processVersion;
    if (processChanged) for (const secret of processSecrets) this.extra.add(secret);
    this.mergedProcessVersion = processVersion;
    if (this.built && !processChanged && dirStamp === this.scannedDirs && now - this.scannedAt < FULL_SCAN_EVERY_MS && this.built.extra === this.extra.size) {
      return this.built.redactor;
    }
    this.scannedDirs = dirStamp;
    // A dir another reader read whole (noteDirRead) counts as scanned when it was read: the next
    // full scan is due FULL_SCAN_EVERY_MS after the oldest such read.
    let scannedAt = Date.now();
    const present = new Set<string>();
    for (const [index, dir] of dirs.entries()) {
      const read = this.dirReads.get(dir);
      this.dirReads.delete(dir);
      if (read && read.stamp === stamps[index] && now - read.at < FULL_SCAN_EVERY_MS) {
        for (const file of read.files) present.add(file);
        scannedAt = Math.min(scannedAt, read.at);
        continue;
      }
      let names: string[];
      try {
        names = listJsonFiles(dir).names;
      } catch {
        continue; // not a dir, or unreadable: the store reports that
      }
      for (const name of names) {
        const file = path.join(dir, name);
        present.add(file);
        let stamp: string;
        try {
          stamp = fileStamp(statSync(file));
        } catch {
          continue;
        }
        if (this.files.get(file)?.stamp === stamp) continue;
        let secrets: string[] = [];
        try {
          secrets = credentialsOf(readTokenFileSync(file)?.token);
        } catch {
          // Refused as a token (the store reports why): what it holds is masked all the same, when it is JSON.
          secrets = credentialsOf(readTokenJsonLoose(file));
        }
        this.remember(file, stamp, secrets);
      }
    }
    // A sent or refreshed entry (sentEntryKey) lives as long as its file; what a file gone held stays masked (keepPast).
    for (const [file, seen] of this.files) {
      const base = fileOfKey(file);
      if (!present.has(base)) {
        this.keepPast(file, seen.secrets);
        this.files.delete(file);
        // noteSent's "already noted" stood for the sent entry forgotten here: the proxy may send
        // that same token object again once the file is back (with the same token object).
        this.sentTokens.delete(base);
        this.version++;
      }
    }
    this.scannedAt = scannedAt;
    const key = `${this.version}#${this.extra.size}#${processVersion}`;
    if (this.built?.key !== key) {
      const secrets = [...[...this.files.values()].flatMap((s) => s.secrets), ...[...this.past.values()].flat(), ...this.extra, ...[...processFiles.values()].flat()];
      this.built = {key, extra: this.extra.size, redactor: new Redactor(secrets)};
    }
    return this.built.redactor;
  }

  /**
   * As current(), but the dirs are looked at no more often than every 100 ms: for a caller that
   * notes every token it sends before sending it (the proxy: noteToken), so that the wait only
   * delays masking of a token that caller never sent. The proxy masks several times per request,
   * and two stat calls per look were a tenth of its time per request (issue 14).
   */
  currentForSender(): Redactor {
    if (this.built && Date.now() - this.checkedAt < SENDER_DIR_CHECK_EVERY_MS && this.mergedProcessVersion === processVersion && this.built.extra === this.extra.size) {
      return this.built.redactor;
    }
    return this.current();
  }

  redact(text: string, options?: RedactOptions): string {
    return this.current().redact(text, options);
  }
}

/**
 * `list` (oldest first) with `secrets` but `kept` moved or added to its end, cut to its last
 * PAST_SECRETS_PER_FILE; `list` itself when nothing is added (undefined stays undefined).
 */
function withRecent(list: string[] | undefined, secrets: readonly string[], kept: readonly string[] = []): string[] | undefined {
  for (const secret of secrets) {
    if (kept.includes(secret)) continue;
    list ??= [];
    const at = list.indexOf(secret);
    if (at !== -1) list.splice(at, 1);
    list.push(secret);
  }
  if (list && list.length > PAST_SECRETS_PER_FILE) list.splice(0, list.length - PAST_SECRETS_PER_FILE);
  return list;
}

function sameSecrets(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((secret, i) => secret === b[i]);
}

/**
 * Secrets of this process that are in no token file and belong to no CCS dir (a remote target's
 * management key): every CredentialRedactor masks them.
 */
const processSecrets = new Set<string>();

/**
 * Credentials read from files outside any token dir (an agent's own credential file, such as
 * ~/.claude/.credentials.json), by file, each file's last PAST_SECRETS_PER_FILE: every
 * CredentialRedactor masks them.
 */
const processFiles = new Map<string, string[]>();
/** Bumped whenever processSecrets or processFiles gain a secret (a redactor then takes them in). */
let processVersion = 0;

/** Masks `secret` in every output of this process from now on (see processSecrets). */
export function rememberSecret(secret: string | undefined): void {
  if (!secret || processSecrets.has(secret)) return;
  processSecrets.add(secret);
  processVersion++;
}

/** Masks the credentials just read from `file` (outside the token dirs) in every output of this process (see processFiles). */
export function rememberFileSecrets(file: string, secrets: readonly (string | undefined)[]): void {
  const known = processFiles.get(file);
  const fresh = secrets.filter((secret): secret is string => typeof secret === 'string' && secret.length >= MIN_SECRET_LENGTH && !known?.includes(secret));
  if (fresh.length === 0) return;
  processFiles.set(file, withRecent(known, fresh)!);
  processVersion++;
}

/** A Redactor of this process's remembered secrets (processSecrets, processFiles) and `more` (for an excerpt: core/redact.ts excerpt). */
export function processRedactor(...more: (string | undefined)[]): Redactor {
  return new Redactor([...processSecrets, ...[...processFiles.values()].flat(), ...more]);
}

const byRoot = new Map<string, CredentialRedactor>();
/** Token dir (auth/, auth-paused/) → the redactor of its CCS dir. */
const byTokenDir = new Map<string, CredentialRedactor>();

/**
 * Credentials read from the token files of a dir before any redactor covered it (the TUI lists its
 * accounts before its first message is masked), by dir and file, each file's last
 * PAST_SECRETS_PER_FILE: handed to the dir's redactor when it is made, which then masks them
 * however the files changed meanwhile.
 */
const readEarlier = new Map<string, Map<string, string[]>>();

// Token files the store reads (`accounts` lists 1,000 of them before it prints) are noted as read,
// so the first masking of that output re-reads none of them, only stats them (stamps compared).
onTokenFileRead((file, stamp, token) => {
  const dir = path.dirname(file);
  const redactor = byTokenDir.get(dir);
  if (redactor) return redactor.noteToken(file, stamp, token);
  // A file holding no credential (none yet, or under names not known) adds nothing to keep.
  const list = withRecent(readEarlier.get(dir)?.get(file), credentialsOf(token));
  if (!list) return;
  let files = readEarlier.get(dir);
  if (!files) readEarlier.set(dir, (files = new Map()));
  files.set(file, list);
});

// A whole token dir the store read (every file of it told above): the dir's redactor need not stat them all again.
onTokenDirRead((dir, stamp, at, files) => byTokenDir.get(dir)?.noteDirRead(dir, stamp, at, files));

/** The shared redactor of a CCS dir (one per process and dir). */
export function credentialRedactor(paths: CcsPaths): CredentialRedactor {
  let redactor = byRoot.get(paths.root);
  if (!redactor) {
    byRoot.set(paths.root, (redactor = new CredentialRedactor(paths)));
    for (const dir of [paths.authDir, paths.pausedDir]) {
      byTokenDir.set(dir, redactor);
      for (const [file, secrets] of readEarlier.get(dir) ?? []) redactor.keepPast(file, secrets);
      readEarlier.delete(dir);
    }
  }
  return redactor;
}

/**
 * A masker for text from a server that is about to be stored or shown (an error's message, an
 * account's state reason, a refresh attempt's record): every credential of the CCS dir's token files
 * (credentialRedactor) and of `extra` (token objects: credentialsOf; strings: as they are), cut echoes too.
 */
export function credentialMasker(paths: CcsPaths, ...extra: unknown[]): (text: string) => string {
  const own = new Redactor(extra.flatMap((value) => (typeof value === 'string' ? [value] : credentialsOf(value))));
  return (text) => own.redact(credentialRedactor(paths).redact(text, SHOWN_TEXT), SHOWN_TEXT);
}

/**
 * credentialMasker for a server's error text about to be stored or shown (a refused refresh or
 * login, a refused key): generic credential shapes masked too (maskCredentialPatterns), since a
 * server may echo a token that is no account's (another grant, a key it was sent by someone else).
 */
export function errorTextMasker(paths: CcsPaths, ...extra: unknown[]): (text: string) => string {
  const mask = credentialMasker(paths, ...extra);
  return (text) => maskCredentialPatterns(mask(text));
}

/**
 * `error` with its text masked in place (message, stack and every string field, such as an
 * OAuthError's description or a NeedsLoginError's reason), so that whoever catches it (the same
 * object: marks keyed by it still find it) stores or shows no credential. Anything else as it is.
 */
export function maskError<E>(error: E, mask: (text: string) => string): E {
  if (!(error instanceof Error)) return error;
  const fields = error as unknown as Record<string, unknown>;
  for (const key of [...Object.keys(fields), 'message', 'stack']) {
    const value = fields[key];
    if (typeof value !== 'string') continue;
    try {
      fields[key] = mask(value);
    } catch {
      // A field that cannot be written (frozen): the message, which every surface shows, can.
    }
  }
  return error;
}
