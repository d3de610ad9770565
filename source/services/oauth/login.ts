// Logins from start to stored account: device code, auth code (loopback or paste), API keys and
// Vertex service-account imports. The TUI and `ccs-tui login` both drive these.
import {actionKey} from '../../core/keymap.js';
import {apiKeyPlainHttp, plainHttpHost} from '../../core/plain-http.js';
import {createPrivateKey, randomUUID} from 'node:crypto';
import {stat} from 'node:fs/promises';
import path from 'node:path';
import {accountLabel, apiKeyFormProblem, nicknameFormProblem, nicknameNamesAnother, nicknameProblem} from '../../core/accounts.js';
import {maskCredentialsIn, maskedUrl, notHttpUrl, quoted, sanitizeLine, secretInPathField, secretInUrlField} from '../../core/sanitize.js';
import type {Account, TokenFile} from '../../core/types.js';
import {UserError, type ErrorSurface} from '../../core/types.js';
import {identityOf, namesKeyAccount, namesUnreadableAccount, type AccountStore, type StoredLogin} from '../../store/accounts.js';
import {CorruptFileError, createFileExclusive, parseJsonFile, readRegularFile, readTextIfExists, writeFileAtomic} from '../../store/files.js';
import {expandHome, type CcsPaths} from '../../store/paths.js';
import {apiOverrideOf, type TuiSettings} from '../../store/settings.js';
import {errorTextMasker} from '../credential-redactor.js';
import {systemClock} from '../clock.js';
import type {ServiceNeeds} from '../deps.js';
import {undiciHttpClient} from '../http.js';
import {redactedForm} from '../../core/redact.js';
import {askWithKey} from '../key-check.js';
import type {ProviderRow} from '../../providers/table.js';
import {startAuthCode, type AuthCodeOptions, type AuthCodeSession} from './auth-code.js';
import {DeviceFlowEnded, runDeviceFlow, type DeviceFlowCallbacks} from './device.js';
import {identify} from './identity.js';
import {deviceFlowOf, resolveProvider, type ResolvedProvider} from './provider-config.js';
import {buildTokenFile} from './token-file.js';
import type {TokenResponse} from './token-endpoint.js';

/**
 * A login error as one line for a screen or a browser page: no terminal escapes, every stored
 * credential of the CCS dir and each of `extra` (a code, a key being tried) masked.
 */
export function maskedLine(paths: CcsPaths, message: string, ...extra: string[]): string {
  return sanitizeLine(errorTextMasker(paths, ...extra)(message));
}

/** The dependency bag's part a login uses (services/deps.ts). */
export type LoginDeps = ServiceNeeds;

export type LoginMethod = 'device' | 'auth-code' | 'api-key' | 'service-account';

/** The login methods a provider offers, preferred first. */
export function loginMethods(settings: TuiSettings, provider: string): LoginMethod[] {
  return resolveProvider(settings, provider).row.logins.map((flow) => flow.kind);
}

/**
 * The installation's device id for providers that identify the device on every auth call (kimi;
 * the adapter names the file); kept so refreshes send the same one.
 */
async function deviceId(store: AccountStore, fileName: string): Promise<string> {
  const file = path.join(store.paths.state, fileName);
  const existing = (await readTextIfExists(file))?.trim();
  if (existing) return existing;
  // Claimed, not written over: two first logins at once must not leave two ids (the second login's
  // tokens would carry an id the file no longer holds). The one that loses reads the winner's.
  const id = randomUUID();
  if (await createFileExclusive(file, `${id}\n`)) return id;
  const claimed = (await readTextIfExists(file))?.trim();
  if (claimed) return claimed;
  // An empty file left in its place (by hand): replaced, as a missing one is made.
  await writeFileAtomic(file, `${id}\n`);
  return id;
}

/**
 * Refuses, before a login starts, a nickname the login could not give (the store drops it silently
 * afterwards): one no account may have (core nicknameFormProblem: over 50 characters, a control
 * character), or one that reads as another account's id, email or token file (nicknameNamesAnother:
 * that text would name two accounts). `relogin`: the account being logged in again, whose own names
 * it may be. `known`: the login's account is known before it starts (an API key's: `relogin` is
 * it, or none for a new one), so another account's nickname is refused too; an OAuth login may turn
 * out to be the account that has it. Exit 2, nothing sent.
 */
async function refuseNicknameOfAnother(store: AccountStore, provider: string, nickname: string | undefined, relogin?: string, known = false): Promise<void> {
  if (!nickname?.trim()) return;
  const form = nicknameFormProblem(nickname);
  if (form) throw new UserError(form, 2);
  const {accounts} = await store.load();
  const others = accounts.filter((a) => a.provider === provider && a.id !== relogin);
  const problem = known ? nicknameProblem(nickname, others) : nicknameNamesAnother(nickname, others);
  if (!problem) return;
  // The key is one account's already and the name another's: that is what to say (the clash alone
  // named the other account as if the name were taken by a stranger).
  const owner = known && relogin !== undefined ? accounts.find((a) => a.provider === provider && a.id === relogin) : undefined;
  const named = owner && others.find((a) => a.nickname?.toLowerCase() === nickname.trim().toLowerCase());
  if (owner && named) {
    const label = (account: Account) => sanitizeLine(accountLabel(account, accounts.filter((a) => a.provider === provider)));
    throw new UserError(`this key is already ${provider} account ${label(owner)}'s, and nickname ${quoted(nickname.trim())} is account ${label(named)}: one key serves one account (given under the name ${label(owner)}, it replaces that account's key; to move it to ${label(named)}, remove ${label(owner)} first)`, 2);
  }
  throw new UserError(`${problem}; choose another name`, 2);
}

/** The id of the `provider` account whose label (its email, which a label-named login stores the label as) or id is `label`. */
async function accountNamedBy(store: AccountStore, provider: string, label: string): Promise<string | undefined> {
  const wanted = label.trim();
  return (await store.load()).accounts.find((a) => a.provider === provider && (a.email === wanted || a.id === wanted))?.id;
}

/** Identity, token file, registry: what every OAuth login ends with. */
async function storeLogin(
  deps: LoginDeps,
  resolved: ResolvedProvider,
  response: TokenResponse,
  options: {nickname?: string; relogin?: string; extra?: Record<string, unknown>; signal?: AbortSignal},
): Promise<StoredLogin> {
  const http = deps.http ?? undiciHttpClient;
  const identity = await identify(http, resolved, response, {label: options.nickname, clock: deps.clock, signal: options.signal});
  const token = buildTokenFile(resolved, response, identity, (deps.clock ?? systemClock).now(), options.extra);
  return deps.store.saveLogin({
    provider: resolved.row.id,
    token,
    nickname: options.nickname,
    relogin: options.relogin,
    tier: identity.tier,
    projectId: identity.projectId,
  });
}

export interface DeviceLoginOptions extends DeviceFlowCallbacks {
  nickname?: string;
  /** Logging in again as this account id (the nickname is its: store LoginResult.relogin). */
  relogin?: string;
  signal?: AbortSignal;
}

export async function deviceLogin(deps: LoginDeps, provider: string, options: DeviceLoginOptions = {}): Promise<StoredLogin> {
  const resolved = resolveProvider(deps.settings, provider);
  const flow = deviceFlowOf(resolved.row);
  if (!flow) throw new UserError(`${resolved.row.id} has no device-code login`, 2);
  if (flow.asksForLabel && !options.nickname?.trim()) {
    throw new UserError(`${resolved.row.displayName} does not say who logged in: give the account a name first (--nickname N)`, 2);
  }
  // Where the name is all a login is known by (qwen), the account it names is the one logged in
  // again (`login qwen --nickname work` over the account "work": its name is no other account's).
  const relogin = options.relogin ?? (flow.asksForLabel ? await accountNamedBy(deps.store, resolved.row.id, options.nickname!) : undefined);
  await refuseNicknameOfAnother(deps.store, resolved.row.id, options.nickname, relogin);
  const http = deps.http ?? undiciHttpClient;
  const {deviceIdFile} = resolved.row.adapter;
  const device = deviceIdFile ? await deviceId(deps.store, deviceIdFile) : undefined;
  const response = await runDeviceFlowRestarting(resolved, {http, clock: deps.clock, deviceId: device}, options, options.signal);
  return storeLogin(deps, resolved, response, {
    nickname: options.nickname?.trim() || undefined,
    relogin,
    signal: options.signal,
    extra: device ? {device_id: device} : undefined,
  });
}

/** An expired code starts over as many times as the provider's own clients do (adapter.deviceCodeRestarts). */
async function runDeviceFlowRestarting(...args: Parameters<typeof runDeviceFlow>): ReturnType<typeof runDeviceFlow> {
  const [resolved] = args;
  for (let attempt = 0; ; attempt++) {
    try {
      return await runDeviceFlow(...args);
    } catch (error) {
      const restart = error instanceof DeviceFlowEnded && error.state.phase === 'expired' && attempt < (resolved.row.adapter.deviceCodeRestarts ?? 0);
      if (!restart) throw error;
    }
  }
}

export interface AuthCodeLogin {
  session: AuthCodeSession;
  /**
   * Loopback: waits for the callback, exchanges its code and stores the account. `onReceived` runs
   * once the callback took the login, before the exchange. Rejects when a paste took it first.
   */
  viaCallback(signal?: AbortSignal, onReceived?: () => void): Promise<StoredLogin>;
  /**
   * Paste: claims the login for the pasted URL / code#state / code (synchronously: throws UserError
   * at once, nothing sent, when it is no code or the callback took the login), then exchanges it and
   * stores the account.
   */
  viaPaste(text: string, signal?: AbortSignal): Promise<StoredLogin>;
  /**
   * Loopback and paste at once: the callback or `pasted` (a blank paste is no answer), whichever
   * claims the login first, is exchanged (`onClaimed` is told which, before the exchange is sent).
   * A pasted text that is no code throws (UserError).
   */
  viaFirst(pasted: Promise<string>, signal?: AbortSignal, onClaimed?: (by: 'callback' | 'paste') => void): Promise<StoredLogin>;
  /** Exchanges a code that claimed the login (session.claimPaste) and stores the account. */
  exchangeClaimed(code: string, signal?: AbortSignal): Promise<StoredLogin>;
  cancel(): void;
}

export async function beginAuthCodeLogin(
  deps: LoginDeps,
  provider: string,
  options: AuthCodeOptions & {nickname?: string; relogin?: string} = {},
): Promise<AuthCodeLogin> {
  const resolved = resolveProvider(deps.settings, provider);
  await refuseNicknameOfAnother(deps.store, resolved.row.id, options.nickname, options.relogin);
  const http = deps.http ?? undiciHttpClient;
  const session = await startAuthCode(resolved, deps.settings, options);
  // Only ever called with the code of the source that claimed the login (session.claimPaste or the
  // callback): one exchange per login.
  const finish = async (code: string, signal?: AbortSignal) => {
    try {
      const response = await session.exchange(http, code, signal);
      const account = await storeLogin(deps, resolved, response, {nickname: options.nickname?.trim() || undefined, relogin: options.relogin, signal});
      // Named among every account, as `accounts` lists it (a nickname may read as another's email).
      const {accounts} = await deps.store.load().catch(() => ({accounts: [account]}));
      session.report({ok: true, message: `ccs-tui stored the ${resolved.row.displayName} account ${accountLabel(account, accounts)}.`});
      return account;
    } catch (error) {
      // The browser tab says what the terminal says: the cause, masked (the code too).
      const cause = maskedLine(deps.store.paths, error instanceof Error ? error.message : String(error), code);
      session.report({ok: false, message: `${cause}. Nothing was stored; the terminal can try again.`});
      throw error;
    } finally {
      session.close();
    }
  };
  return {
    session,
    viaCallback: async (signal, onReceived) => {
      const code = await session.callback();
      onReceived?.();
      return finish(code, signal);
    },
    // claimPaste runs before the first await: the claim is taken when viaPaste is called.
    viaPaste: async (text, signal) => finish(session.claimPaste(text), signal),
    viaFirst: async (pasted, signal, onClaimed) => {
      const never = new Promise<never>(() => undefined);
      // The loser of the claim is no answer: a paste after the callback took the login is ignored,
      // and the callback's rejection when a paste took it is the paste's win, not an error.
      const fromPaste = pasted.then((text) => (text.trim() && session.claimedBy() !== 'callback' ? session.claimPaste(text) : never));
      const fromCallback = session.callback().catch((error: Error) => (session.claimedBy() === 'paste' ? never : Promise.reject(error)));
      let code: string;
      try {
        code = await Promise.race([fromCallback, fromPaste]);
      } catch (error) {
        // A paste that is no code ends this login: the port is let go at once.
        session.close();
        throw error;
      }
      onClaimed?.(session.claimedBy() === 'paste' ? 'paste' : 'callback');
      return finish(code, signal);
    },
    exchangeClaimed: finish,
    cancel: () => session.close(),
  };
}

/**
 * Why `baseUrl` cannot be the API-key login's base URL (missing where the provider needs one, not an
 * http(s) URL, plain http:// to another machine: the key would cross the network unencrypted, unless
 * `allowInsecureHttp`, the command line's --allow-insecure-http), or undefined. Named per reader: the
 * command line's `--base-url`, the TUI's field.
 */
export function baseUrlProblem(row: ProviderRow, baseUrl: string | undefined, surface: ErrorSurface = 'cli', allowInsecureHttp = false, settings?: TuiSettings): string | undefined {
  const flag = surface === 'cli';
  const flow = row.logins.find((f) => f.kind === 'api-key');
  // None is needed while tui.json's endpoints.<provider>.api replaces every account's.
  if (!baseUrl) return flow?.kind === 'api-key' && flow.needsBaseUrl && !(settings && apiOverrideOf(settings, row.id)) ? `${row.displayName} needs a base URL${flag ? ' (--base-url URL)' : ''}` : undefined;
  const name = flag ? '--base-url' : 'the base URL';
  // Plain http:// to another machine is allowed only on the command line, by a flag.
  const optIn = flag ? '--allow-insecure-http' : 'a login from a shell with --allow-insecure-http';
  const notUrl = notHttpUrl(baseUrl, optIn);
  // A key given as the URL: where the key goes instead (the TUI's field hides it: LoginScreen).
  if (notUrl) return `${name} ${notUrl}${secretInUrlField(baseUrl) ? (flag ? ' (the key is read from stdin)' : ` (hidden in the field; ${actionKey('back')} goes back to the key's step)`) : ''}`;
  const host = plainHttpHost(baseUrl);
  if (host !== undefined && !allowInsecureHttp) {
    return `${name} ${quoted(maskedUrl(baseUrl))} is ${apiKeyPlainHttp(sanitizeLine(host), 'would cross')}; use https:// (plain http:// only to 127.0.0.1, localhost or ::1), or ` +
      (flag ? 'add --allow-insecure-http if you accept that' : `log in from a shell with ccs-tui login ${row.id} --base-url URL --allow-insecure-http if you accept that`);
  }
  return undefined;
}

/**
 * When tui.json's endpoints.<provider>.api is set: it replaces every account's base URL, so the one
 * a login is given is kept in the account's file, unused while it stays (the adapters: base.ts
 * apiOverride first). A note for the login's base URL step and `login --base-url`; undefined
 * otherwise (or when tui.json refuses the provider: the login says that itself).
 */
export function baseUrlOverrideNote(settings: TuiSettings, row: ProviderRow): string | undefined {
  const api = apiOverrideOf(settings, row.id);
  if (api === undefined) return undefined;
  return `tui.json endpoints.${row.id}.api (${sanitizeLine(maskCredentialsIn(maskedUrl(api)))}) replaces every ${row.displayName} account's base URL: none is needed, and one given here is kept in the account's file, unused while that is set`;
}


/**
 * Thrown when an API key could not be checked or was not accepted. `keyRefused`: the provider
 * refused the key itself (401/403); otherwise the failure is about where it was sent (unreachable, no
 * models API there, another status), so the same key may be tried at another base URL.
 */
export class ApiKeyCheckError extends UserError {
  constructor(
    message: string,
    readonly keyRefused: boolean,
  ) {
    super(message);
    this.name = 'ApiKeyCheckError';
  }
}

/**
 * An API-key account (aistudio, bob, a gateway): the key, and a base URL where the provider needs one.
 * The key is tried once against the provider (checkApiKey) before anything is written.
 */
export async function addApiKeyAccount(
  deps: LoginDeps,
  provider: string,
  input: {apiKey: string; baseUrl?: string; nickname?: string; signal?: AbortSignal; surface?: ErrorSurface; allowInsecureHttp?: boolean; replacesKeyOf?: string},
): Promise<StoredLogin> {
  const resolved = resolveProvider(deps.settings, provider);
  const apiKey = input.apiKey.trim();
  const keyProblem = apiKeyFormProblem(apiKey);
  if (keyProblem) throw new UserError(keyProblem, 2);
  const baseUrl = input.baseUrl?.trim() || undefined;
  const problem = baseUrlProblem(resolved.row, baseUrl, input.surface, input.allowInsecureHttp, deps.settings);
  if (problem) throw new UserError(problem, 2);
  const {createHash} = await import('node:crypto');
  const nickname = input.nickname?.trim() || undefined;
  const token: TokenFile = {
    type: resolved.row.tokenType,
    api_key: apiKey,
    // The key's digest is its identity (store identityOf): adding the same key again updates that
    // account. A nickname is the account's nickname in the registry, never its email.
    account_id: `key-${createHash('sha256').update(apiKey).digest('hex').slice(0, 12)}`,
    ...(baseUrl ? {base_url: baseUrl} : {}),
    last_refresh: new Date((deps.clock ?? systemClock).now()).toISOString(),
  };
  // The nickname may be the account's own: the one holding this key, else the key account it names
  // (whose key this login replaces); it may not name any other.
  // `replacesKeyOf`: the key of that account is replaced (logging in again as it), whatever its nickname.
  await refuseNicknameOfAnother(deps.store, resolved.row.id, nickname, input.replacesKeyOf ?? (await keyLoginTarget(deps.store, resolved.row.id, token, nickname)), true);
  await checkApiKey(deps, resolved, token, input.signal);
  return deps.store.saveLogin({provider: resolved.row.id, token, nickname, replacesKeyOfNickname: true, keyGiven: true, ...(input.replacesKeyOf !== undefined ? {replacesKeyOf: input.replacesKeyOf} : {})});
}

/**
 * The id of the account an API-key login would store into, read before it starts: the provider's
 * account holding this key (same identity), else the API-key account `nickname` names; else none.
 */
async function keyLoginTarget(store: AccountStore, provider: string, token: TokenFile, nickname: string | undefined): Promise<string | undefined> {
  const own = (await store.load()).accounts.filter((a) => a.provider === provider && a.health !== 'unreadable' && a.health !== 'missing-token');
  const read = await Promise.all(own.map(async (a) => ({account: a, token: await store.readToken(a).catch(() => undefined)})));
  const identity = identityOf(token);
  const same = read.find((r) => r.token !== undefined && identityOf(r.token) === identity);
  if (same) return same.account.id;
  const named = read.filter((r) => namesKeyAccount(r.account, r.token, nickname));
  if (named.length > 0) return named.length === 1 ? named[0]!.account.id : undefined;
  // The account the nickname names has a token file that cannot be read: the key replaces it (the
  // store keeps the broken file's copy: saveLogin).
  const broken = (await store.load()).accounts.filter((a) => a.provider === provider && namesUnreadableAccount(a, nickname));
  return broken.length === 1 ? broken[0]!.id : undefined;
}

/**
 * One cheap real call with the new key before it is stored (services/key-check.ts askWithKey: the
 * provider's models list, built by its adapter with the base URL the proxy will use). A refused key
 * (401, a 403 naming an auth error), an unreachable base URL, any other status (a wrong base URL's
 * 404, a 5xx) or a 2xx that is not a models list (a web server's welcome page, a gateway's other
 * JSON) throws a UserError naming the cause, with the key masked (the server's text is masked whole
 * before it is cut: core/redact.ts excerpt); 429 counts as accepted (the key was recognised, only
 * rate-limited). A provider whose API has no models list is stored unchecked.
 */
async function checkApiKey(deps: LoginDeps, resolved: ResolvedProvider, token: TokenFile, signal?: AbortSignal): Promise<void> {
  const {row} = resolved;
  const answer = await askWithKey(deps, row, token, signal);
  const key = redactedForm(String(token.api_key));
  switch (answer.kind) {
    case 'unchecked':
    case 'accepted':
      return;
    case 'unreachable':
      throw new ApiKeyCheckError(`${answer.message}; the key ${key} was not checked and nothing was stored`, false);
    case 'refused':
      throw new ApiKeyCheckError(`${row.displayName} refused the key ${key} (HTTP ${answer.status} from ${answer.host}: ${answer.said}); nothing was stored`, true);
    case 'other':
      if (answer.modelsList === false) {
        throw new ApiKeyCheckError(`${answer.host} answered ${answer.status} but not a models list (is the base URL right? e.g. …/v1): ${answer.said}; the key ${key} was not stored`, false);
      }
      throw new ApiKeyCheckError(`${answer.host} answered HTTP ${answer.status} to a models list: ${answer.said}: check the base URL; the key ${key} was not stored`, false);
  }
}

const SERVICE_ACCOUNT_FIELDS = ['client_email', 'private_key', 'project_id'] as const;

/** Checks a Google service-account key file; returns it parsed, or throws naming the field. */
export function validateServiceAccount(file: string, text: string): Record<string, string> {
  let data: unknown;
  try {
    // parseJsonFile's reason leaves out the text V8 quotes: a key pasted by mistake is a secret.
    data = parseJsonFile(file, text);
  } catch (error) {
    throw error instanceof CorruptFileError ? new UserError(error.message) : error;
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) throw new UserError(`${file}: expected a JSON object`);
  const account = data as Record<string, unknown>;
  if (account.type !== 'service_account') {
    throw new UserError(`${file}: field "type" is ${JSON.stringify(account.type ?? null)}, expected "service_account" (a key file from IAM → Service accounts → Keys)`);
  }
  for (const field of SERVICE_ACCOUNT_FIELDS) {
    if (typeof account[field] !== 'string' || account[field] === '') throw new UserError(`${file}: field "${field}" is missing`);
  }
  if (!String(account.private_key).includes('PRIVATE KEY')) throw new UserError(`${file}: field "private_key" is not a PEM private key`);
  // The markers alone say nothing: parse the key now, not at the first refresh (RS256 needs RSA).
  let key;
  try {
    key = createPrivateKey(String(account.private_key));
  } catch (error) {
    throw new UserError(`${file}: field "private_key" is not a usable private key (${(error as Error).message}); download a new key from IAM → Service accounts → Keys`);
  }
  if (key.asymmetricKeyType !== 'rsa') throw new UserError(`${file}: field "private_key" is a ${key.asymmetricKeyType ?? 'non-RSA'} key; Google service accounts sign with RSA (RS256)`);
  return account as Record<string, string>;
}

/** The largest service-account key file read (Google's are ~2.4 KB). */
const MAX_KEY_FILE_BYTES = 1024 * 1024;

/**
 * Reads a service-account key file whose path a person typed (a TUI field, --key-file): `~` is the
 * home dir (store/paths.ts expandHome). `file` is the path read; a UserError names the path as
 * typed, and where `~` led when it was expanded.
 */
export async function readKeyFile(typed: string, env: NodeJS.ProcessEnv): Promise<{file: string; text: string}> {
  // The key's contents where its path belongs: said without quoting them (they hold a private key).
  if (secretInPathField(typed)) throw new UserError('that is a key, not the path of a key file: give the path of the JSON file (e.g. ~/Downloads/project-1234.json)');
  const file = expandHome(typed.trim(), env);
  const named = file === typed.trim() ? file : `${typed.trim()} (${file})`;
  // A key file is a few KB: anything else at the path (a device, a FIFO, a directory) or a file past
  // MAX_KEY_FILE_BYTES is named, never read (/dev/zero was read until the string limit, ~512 MB).
  const size = await stat(file).then(
    (found) => (found.isFile() ? found.size : undefined),
    (error: NodeJS.ErrnoException) => {
      throw new UserError(`${named}: ${error.code === 'ENOENT' ? 'no such file' : error.message}`);
    },
  );
  if (size !== undefined && size > MAX_KEY_FILE_BYTES) throw new UserError(`${named}: ${size} bytes, not a service-account key file (those are a few KB)`);
  const found = await readRegularFile(file).catch((error: Error) => {
    throw new UserError(error instanceof CorruptFileError ? error.message : `${named}: ${error.message}`);
  });
  if (!found) throw new UserError(`${named}: no such file`);
  return {file, text: found.text};
}

/** Imports a service-account key (Vertex): validated, then stored 0600 like every token file. */
export async function importServiceAccount(deps: LoginDeps, provider: string, file: string, text: string, options: {nickname?: string} = {}): Promise<StoredLogin> {
  const {row} = resolveProvider(deps.settings, provider);
  if (!row.logins.some((f) => f.kind === 'service-account')) throw new UserError(`${row.id} takes no service-account key`, 2);
  const account = validateServiceAccount(file, text);
  await refuseNicknameOfAnother(deps.store, row.id, options.nickname);
  const token: TokenFile = {
    type: row.tokenType,
    email: account.client_email,
    project_id: account.project_id,
    service_account: account,
    last_refresh: new Date((deps.clock ?? systemClock).now()).toISOString(),
  };
  return deps.store.saveLogin({provider: row.id, token, nickname: options.nickname, projectId: account.project_id, keyGiven: true});
}
