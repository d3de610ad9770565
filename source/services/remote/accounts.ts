// The accounts of a remote CLIProxyAPI server, as the same AccountService the local files offer.
//
// Mapping (from CLIProxyAPI's auth_files.go list entry):
//   type → provider (through the provider table) · name → tokenFile · email → email · note → nickname
//   disabled → paused · status → serverStatus · next_retry_after ahead → health "cooling", coolingUntil
//   · status "error" / unavailable → healthDetail (needs-login when the message says the grant is dead,
//     not for a bare 401: see healthOf)
// What a server does not have: a default account (it picks by its routing strategy), so `use` and
// `rotate` are refused with that reason; `registered` is true (the server knows every file it lists);
// `expiresAt` is not in the list and stays unset.
import {formatLocalClock} from '../../core/relative-time.js';
import {findAccount, nicknameProblem, type AccountRef} from '../../core/accounts.js';
import {sanitizeLine} from '../../core/sanitize.js';
import {countOf} from '../../core/wording.js';
import type {Account, AccountHealth} from '../../core/types.js';
import {UserError} from '../../core/types.js';
import {PROVIDERS, providerForTokenType, tokenFilePrefixesOf, type ProviderRow} from '../../providers/table.js';
import type {AccountOperation, AccountService, StoreProblem} from '../../store/account-service.js';
import {deriveAccountId, syntheticProvider, type AccountsSnapshot, type ProviderAccounts} from '../../store/accounts.js';
import type {ManagementClient} from './client.js';

/** One row of `GET /v0/management/auth-files` (the fields ccs-tui reads). */
export interface AuthFileEntry {
  id?: string;
  auth_index?: string;
  name: string;
  type?: string;
  provider?: string;
  email?: string;
  label?: string;
  status?: string;
  status_message?: string;
  disabled?: boolean;
  unavailable?: boolean;
  next_retry_after?: string;
  last_refresh?: string;
  success?: number;
  failed?: number;
  priority?: number;
  note?: string;
  /** When the server last wrote the file (RFC 3339; auth_files.go: the file's mtime, else `updated_at`). */
  modtime?: string;
  project_id?: string;
  id_token?: {chatgpt_account_id?: string; plan_type?: string};
}

/** What the server says about an account beyond the Account shape (shown by the human table). */
export interface RemoteAccountDetail {
  entry: AuthFileEntry;
  /** Cooldown end (epoch ms) when the server is resting the account. */
  coolingUntil?: number;
}

const str = (value: unknown) => (typeof value === 'string' && value.trim() !== '' ? sanitizeLine(value.trim()) : undefined);

/** Words a server's status message uses for a grant only a new login revives (OAuth's invalid_grant, a revoked or expired refresh token). */
const DEAD_GRANT = /invalid_grant|revoked|re-?login|refresh[ _-]?token[^.;]*(expired|invalid|reused)/i;

function healthOf(entry: AuthFileEntry, now: number): {health: AccountHealth; healthDetail?: string; coolingUntil?: number} {
  // A string only: Date.parse reads a number as a year (12345: a cooldown of ten thousand years).
  const retryAt = typeof entry.next_retry_after === 'string' ? Date.parse(entry.next_retry_after) : NaN;
  const message = str(entry.status_message);
  if (!Number.isNaN(retryAt) && retryAt > now) {
    return {health: 'cooling', healthDetail: `cooling down until ${formatLocalClock(new Date(retryAt).toISOString(), now)}${message ? `: ${message}` : ''}`, coolingUntil: retryAt};
  }
  if (entry.status === 'error' || entry.unavailable) {
    // CLIProxyAPI marks a credential whose refresh was refused as status "error" with the reason. Only
    // words of a dead grant make it needs-login: a bare 401 ("unauthorized") is an access token the
    // upstream refused once, which the server refreshes itself (and a 401 of the Management API is
    // our key refused: ManagementClient's wrong-key, never an account's state).
    const needsLogin = message !== undefined && DEAD_GRANT.test(message);
    return {health: needsLogin ? 'needs-login' : 'ok', healthDetail: message ?? (entry.unavailable ? 'unavailable' : 'error')};
  }
  return {health: 'ok'};
}

/**
 * How a server's file name is shown: sanitised, and when sanitising changed it, with the removed
 * characters written as `\u{…}` so two names that differ only by an invisible character never look
 * alike. The raw name stays the identity sent back to the server (RemoteAccountStore.serverName).
 */
export function displayFileName(name: string): string {
  if (sanitizeLine(name) === name) return name;
  return [...name].map((c) => (sanitizeLine(c) === c ? c : `\\u{${c.codePointAt(0)!.toString(16)}}`)).join('');
}

export class RemoteAccountStore implements AccountService {
  /** Keyed by the displayed tokenFile; the entry keeps the server's raw `name`. */
  private details = new Map<string, RemoteAccountDetail>();
  /** Displayed names that two server files share: refused rather than guessed. */
  private ambiguous = new Map<string, string[]>();

  constructor(
    readonly client: ManagementClient,
    private readonly now: () => number = Date.now,
  ) {}

  get location(): string {
    return `target ${this.client.target.name} (${this.client.target.url})`;
  }

  /** The server's own row for an account last loaded (auth_index, counters, cooldown). */
  detail(account: Pick<Account, 'tokenFile'>): RemoteAccountDetail | undefined {
    return this.details.get(account.tokenFile);
  }

  /**
   * The name the server wrote for this account's file, as it must be sent back in requests (the
   * displayed tokenFile is sanitised). Throws when two server files show under one name.
   */
  serverName(account: Pick<Account, 'tokenFile'>): string {
    const clash = this.ambiguous.get(account.tokenFile);
    if (clash) {
      throw new UserError(`target ${this.client.target.name} lists several files shown as ${account.tokenFile}: ${clash.map((n) => JSON.stringify(n)).join(', ')}; rename one on the server`);
    }
    const raw = this.details.get(account.tokenFile)?.entry.name;
    if (raw === undefined) throw new UserError(`target ${this.client.target.name} does not list ${account.tokenFile} (reload the account list)`);
    return raw;
  }

  async entries(): Promise<AuthFileEntry[]> {
    return (await this.listed()).entries;
  }

  /** The list's auth files, and how many of its rows were none (no `name`: null, a string, a nested array). */
  private async listed(): Promise<{entries: AuthFileEntry[]; skipped: number}> {
    const body = await this.client.json<{files?: unknown}>({method: 'GET', route: '/auth-files', feature: 'the account list'});
    if (body.files !== undefined && body.files !== null && !Array.isArray(body.files)) {
      throw new UserError(`target ${this.client.target.name}: GET /v0/management/auth-files answered a "files" field that is not a list (${typeof body.files}); cannot read the accounts`);
    }
    const rows = (body.files ?? []) as unknown[];
    const entries = rows.filter((f): f is AuthFileEntry => typeof (f as AuthFileEntry | null)?.name === 'string' && (f as AuthFileEntry).name !== '');
    return {entries, skipped: rows.length - entries.length};
  }

  async load(): Promise<AccountsSnapshot> {
    const {entries, skipped} = await this.listed();
    // Said, not dropped in silence: a list of nothing else would read "No accounts".
    const problems: StoreProblem[] = skipped
      ? [{file: `target ${this.client.target.name}`, severity: 'warning', message: `target ${this.client.target.name} listed ${countOf(skipped, 'entry', 'entries')} that ${skipped === 1 ? 'is not an auth file' : 'are not auth files'} (no "name"), not shown`}]
      : [];
    const now = this.now();
    const rows = new Map<string, ProviderRow>(PROVIDERS.map((row) => [row.id, row]));
    const byProvider = new Map<string, Account[]>();
    this.details.clear();
    this.ambiguous.clear();
    const typed = entries.map((entry) => {
      const type = str(entry.type ?? entry.provider) ?? 'unknown';
      const row = providerForTokenType(type);
      return {entry, type, row, provider: row?.id ?? type, email: str(entry.email)};
    });
    // An email two files share gives both `email#…` ids whatever their order, as the local store
    // does: first-come ids let a file listed later take the bare email over, and an action naming
    // the account by the id it was shown with would reach that other file.
    const emailKey = (provider: string, email: string) => `${provider}\u0000${email.toLowerCase()}`;
    const emailCount = new Map<string, number>();
    for (const {provider, email} of typed) if (email !== undefined) emailCount.set(emailKey(provider, email), (emailCount.get(emailKey(provider, email)) ?? 0) + 1);
    // Each provider's ids so far, kept as they are given: a Set built again per entry made a list of
    // 10,000 files take 18 s (and the TUI reads it again every 15 s).
    const idsOf = new Map<string, Set<string>>();
    for (const {entry, type, row, provider, email} of typed) {
      if (!rows.has(provider)) rows.set(provider, syntheticProvider(provider));
      const list = byProvider.get(provider) ?? [];
      let ids = idsOf.get(provider);
      if (!ids) idsOf.set(provider, (ids = new Set()));
      const {coolingUntil, ...health} = healthOf(entry, now);
      const name = displayFileName(entry.name);
      const shared = email !== undefined && emailCount.get(emailKey(provider, email))! > 1;
      const id = deriveAccountId(name, email, ids, tokenFilePrefixesOf(row ?? {id: provider, tokenType: type}), shared);
      ids.add(id);
      list.push({
        provider,
        id,
        email,
        nickname: str(entry.note),
        tokenFile: name,
        default: false,
        paused: entry.disabled === true,
        projectId: str(entry.project_id),
        registered: true,
        ...health,
        ...(str(entry.status) ? {serverStatus: str(entry.status)} : {}),
        ...(coolingUntil === undefined ? {} : {coolingUntil: new Date(coolingUntil).toISOString()}),
      });
      byProvider.set(provider, list);
      const seen = this.details.get(name);
      if (seen && seen.entry.name !== entry.name) this.ambiguous.set(name, [...(this.ambiguous.get(name) ?? [seen.entry.name]), entry.name]);
      this.details.set(name, {entry, coolingUntil});
    }
    const providers: ProviderAccounts[] = [...rows.values()].map((provider) => ({provider, accounts: byProvider.get(provider.id) ?? []}));
    return {providers, accounts: providers.flatMap((p) => p.accounts), problems, registryRebuilt: false};
  }

  async find(provider: string, ref: AccountRef): Promise<Account> {
    return findAccount((await this.load()).accounts, provider, ref);
  }

  async setDefault(): Promise<Account> {
    const strategy = await this.routingStrategy().catch(() => undefined);
    throw new UserError(
      `use is not available on a remote target: CLIProxyAPI has no default account, it picks one per request by its routing strategy` +
        `${strategy ? ` (${strategy})` : ''}; pause the others, or set priorities with: ccs-tui fields <provider> <account> --priority N`,
    );
  }

  /** What a server does not offer, and why (the person sees these words). */
  unavailable(operation: AccountOperation): string | undefined {
    const where = `on target ${this.client.target.name}`;
    switch (operation) {
      case 'default':
      case 'rotate':
        return `${operation === 'default' ? 'use' : 'rotate'} is not available ${where}: CLIProxyAPI has no default account, it picks one per request by its routing strategy (pause accounts or set priorities instead)`;
      case 'serve':
      case 'proxy':
        return `${operation} is not available ${where}: the server is the proxy; this machine's proxy serves only the local accounts (switch to local)`;
      case 'test':
        return `test is not available ${where}: the server refreshes its own tokens; they never leave it`;
      case 'native':
        return `native mode is not available ${where}: it writes the token into the agent's own file, and the token stays on the server`;
      case 'account-rules':
        return `per-account rules are not available ${where}: they live in the token file, and the Management API edits only the global oauth-model-alias and oauth-excluded-models maps`;
      case 'live-models':
        return `the live list is not available ${where}: it needs the token, which stays on the server; the server's own list is shown instead`;
      case 'clear-cooldown':
        return undefined;
    }
  }

  tokenLocation(account: Pick<Account, 'tokenFile'>): string {
    return `${account.tokenFile} on target ${this.client.target.name}`;
  }

  /** Ends the server's cooldown of the account (`POST /reset-quota` with its auth_index, quota.go). */
  async clearCooldown(provider: string, ref: AccountRef): Promise<Account> {
    const account = await this.find(provider, ref);
    const authIndex = this.detail(account)?.entry.auth_index;
    if (!authIndex) throw new UserError(`target ${this.client.target.name} gave no auth_index for ${account.tokenFile}; cannot name it to the server`);
    await this.client.send({method: 'POST', route: '/reset-quota', json: {auth_index: authIndex}, feature: 'clearing cooldowns (reset-quota)'});
    const {coolingUntil: _, ...rest} = account;
    return rest;
  }

  /** The server's `routing.strategy` (round-robin, fill-first). */
  async routingStrategy(): Promise<string | undefined> {
    const body = await this.client.json<{strategy?: string}>({method: 'GET', route: '/routing/strategy', feature: 'the routing strategy'});
    return str(body.strategy);
  }

  /** A nickname on a server is the auth file's `note` (PATCH /auth-files/fields). */
  async rename(provider: string, ref: AccountRef, nickname: string): Promise<Account> {
    const accounts = (await this.load()).accounts;
    const account = findAccount(accounts, provider, ref);
    const problem = nicknameProblem(nickname, accounts.filter((a) => a.provider === provider && a.id !== account.id));
    if (problem) throw new UserError(problem, 2);
    const trimmed = nickname.trim();
    await this.setFields(account, {note: trimmed});
    return {...account, nickname: trimmed};
  }

  /** An empty `note` (read back as no nickname). */
  async clearNickname(provider: string, ref: AccountRef): Promise<Account> {
    const account = await this.find(provider, ref);
    await this.setFields(account, {note: ''});
    return {...account, nickname: undefined};
  }

  async setPaused(provider: string, ref: AccountRef, paused: boolean): Promise<Account> {
    const account = await this.find(provider, ref);
    await this.client.send({method: 'PATCH', route: '/auth-files/status', json: {name: this.serverName(account), disabled: paused}, feature: 'enabling and disabling accounts'});
    return {...account, paused};
  }

  async remove(provider: string, ref: AccountRef): Promise<Account> {
    const account = await this.find(provider, ref);
    await this.client.send({method: 'DELETE', route: '/auth-files', query: {name: this.serverName(account)}, feature: 'deleting accounts'});
    return account;
  }

  /** Per-account fields the server keeps in the file: priority, note, prefix, proxy_url. */
  async setFields(account: Pick<Account, 'tokenFile'>, fields: Record<string, string | number>): Promise<void> {
    await this.client.send({method: 'PATCH', route: '/auth-files/fields', json: {name: this.serverName(account), ...fields}, feature: 'per-account fields'});
  }

  /** The token file as the server stores it (the user asked for it: `pull`). */
  async download(account: Pick<Account, 'tokenFile'>): Promise<Record<string, unknown>> {
    return this.client.json({method: 'GET', route: '/auth-files/download', query: {name: this.serverName(account)}, feature: 'downloading token files'});
  }

  /** Stores a token file on the server under `name` (the user asked for it: `push`). */
  async upload(name: string, token: Record<string, unknown>): Promise<void> {
    await this.client.send({method: 'POST', route: '/auth-files', query: {name}, json: token, feature: 'uploading token files'});
  }
}
