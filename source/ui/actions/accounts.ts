// The account actions of the accounts, detail and quota screens: one function each, bound to its
// keymap action in ACCOUNT_ACTIONS (so "what does `s` do?" is: core/keymap.ts `s` → 'account.serve'
// → serveAccount below). Each returns the status line or throws a UserError.
import {formatLocalTime} from '../../core/relative-time.js';
import {accessTokenLeftWords, accountLabel, accountTrouble, canServeNow, coolingNow, defaultMoveNote, findAccount, keyRefusedTrouble, removedCorruptText, stateWord} from '../../core/accounts.js';
import {actionKey, type KeyAction} from '../../core/keymap.js';
import {UserError, type Account, type QuotaWindow} from '../../core/types.js';
import {poolEmptyText, poolWaitText, usedUpTrouble} from '../../core/rotation.js';
import {AccountStore, removalLoss} from '../../store/accounts.js';
import {hasQuotaSource} from '../../services/quota/service.js';
import {cachedWindows, forgetQuotaEntries, readQuotaCache, type QuotaCache} from '../../services/quota/cache.js';
import {agentsOnPort} from '../../services/agents/running.js';
import {markRefreshRefused, refreshNow, NeedsLoginError, RefreshOutcomeUnknownError} from '../../services/refresh.js';
import {followRotationNatively} from '../../services/native/sync.js';
import {chooseRotationTarget, rotationFromServedText} from '../../services/rotation.js';
import {UnexpectedResponseError} from '../../services/http.js';
import type {AppServices} from '../services.js';
import type {ProxyLook} from '../../services/proxy/control.js';
import {launchAgent, useNatively} from './agents.js';
import {agentsMovedQuestion, startAndSettle} from './proxy.js';
import type {ActionResult} from './result.js';
import {articleFor, countOf} from '../../core/wording.js';
import type {Question} from '../shell.js';

/** What an account action gets when its key is pressed. */
export interface AccountActionContext {
  services: AppServices;
  provider: string;
  /** The selected account (undefined when the provider has none, or the providers pane has focus). */
  account?: Account;
  /** The accounts shown with it (the labels of two logins of one email then show their ids). */
  siblings?: readonly Account[];
  /** A y/N question in the status area; resolves false for No (the default). */
  confirm(prompt: Question): Promise<boolean>;
  /** Shows what is under way before the result arrives (`testing…`). */
  progress(text: string): void;
}

export type AccountAction = (context: AccountActionContext) => Promise<ActionResult | string>;


/**
 * The account as the stores are asked about it: by its token file, the server's own name for it. On a
 * remote target the id changes when another file of its email appears (email#…), so an action taken
 * then by id would be refused until the next reload; a local account's file is as stable as its id.
 */
const byFile = (account: Pick<Account, 'tokenFile'>) => ({tokenFile: account.tokenFile});
/**
 * The account the key acts on, or an error saying how to get one: the accounts pane (the cursor is on
 * the providers pane), or, for a provider with no account, the add key.
 */
function selected({account, siblings, provider}: Pick<AccountActionContext, 'account' | 'siblings' | 'provider'>, missing = 'no account selected'): Account {
  if (account) return account;
  throw new UserError(noAccountText(provider, siblings, missing));
}

/** `missing`, and how to get an account to act on: the accounts pane, or, for a provider with none, the add key. */
export function noAccountText(provider: string, siblings: readonly Account[] | undefined, missing = 'no account selected'): string {
  const how = siblings !== undefined && !siblings.some((a) => a.provider === provider) ? `no ${provider} account yet: ${actionKey('account.login', 'home')} adds one` : `${actionKey('pane.right', 'home')} or ${actionKey('pane.next', 'home')}: the accounts pane`;
  return `${missing} (${how})`;
}

/** pinnedElsewhereNote in the TUI's words, loaded only when asked (services/proxy/default-again.ts). */
async function pinnedElsewhere(paths: AccountActionContext['services']['paths'], account: Account, label: string, asked?: {proxy?: ProxyLook}): Promise<string | undefined> {
  const {pinnedElsewhereNote} = await import('../../services/proxy/default-again.js');
  return pinnedElsewhereNote(paths, account, label, 'tui', asked);
}

/** `u` (Enter on the detail screen): make the account its provider's default. */
export async function makeDefault({services, account, confirm, siblings, provider}: AccountActionContext): Promise<ActionResult | string> {
  const target = selected({account, siblings, provider});
  const accounts = services.targets.current.accounts;
  if (target.default) {
    // The proxy may serve another account of the pool meanwhile (its strategy moved on): moved back, and said.
    const {proxyToDefaultAgain} = await import('../../services/proxy/default-again.js');
    const label = accountLabel(target, siblings);
    const proxy = accounts instanceof AccountStore ? ((await proxyToDefaultAgain(services.paths, accounts, target, label)) ?? (await pinnedElsewhere(services.paths, target, label))) : undefined;
    const text = `${label} is already the default ${target.provider} account`;
    return proxy ? `${text}; ${proxy}` : {text, kind: 'info', done: false};
  }
  // A paused account cannot be the default (store setDefault, core defaultProblem): offer to resume it.
  if (target.paused) {
    if (!(await confirm(`${accountLabel(target, siblings)} is paused. Resume it and make it the default?`))) {
      return {text: `${accountLabel(target, siblings)} stays paused; the default is unchanged`, kind: 'info', done: false};
    }
    await accounts.setPaused(target.provider, byFile(target), false);
    await accounts.setDefault(target.provider, byFile(target));
    return `${accountLabel(target, siblings)} resumed; it is now the default ${target.provider} account`;
  }
  await accounts.setDefault(target.provider, byFile(target));
  const pinned = accounts instanceof AccountStore ? await pinnedElsewhere(services.paths, target, accountLabel(target, siblings)) : undefined;
  return `${accountLabel(target, siblings)} is now the default ${target.provider} account${pinned ? `; ${pinned}` : ''}`;
}

/**
 * `n` opens the rename field (shell state); Enter there saves the nickname with this. An empty field
 * removes the nickname (the account is called by its email or id again), as `rename --clear` does.
 */
export async function renameAccount(services: AppServices, provider: string, tokenFile: string, nickname: string): Promise<string> {
  const accounts = services.targets.current.accounts;
  if (nickname.trim() === '') return `nickname removed: shown as ${accountLabel(await accounts.clearNickname(provider, {tokenFile}))} now`;
  const renamed = await accounts.rename(provider, {tokenFile}, nickname);
  return `renamed to ${accountLabel(renamed)}`;
}

/** `p`: pause the account (its token file moves to auth-paused/; on a server: disabled) or resume it. */
export async function togglePause({services, account, siblings, provider, confirm}: AccountActionContext): Promise<ActionResult | string> {
  const target = selected({account, siblings, provider});
  const servedAlone = !target.paused && servedAloneByProxy(services, target);
  // The account a running proxy serves alone: paused, every request to that proxy is refused (and
  // an agent on it stops working), so asked first, as `d` asks.
  if (servedAlone) {
    const port = services.proxy?.current?.port;
    // Said again as it holds while it is asked (an agent may end meanwhile).
    const question = () => {
      const agents = port ? agentsOnPort(services.paths, port).length : 0;
      const using = agents > 0 ? ` (${countOf(agents, 'running agent')} ${agents === 1 ? 'uses' : 'use'} it)` : '';
      return `The running proxy serves ${accountLabel(target, siblings)} alone${using}: paused, it answers every request 503. Pause it?`;
    };
    if (!(await confirm(question))) {
      return {text: `${accountLabel(target, siblings)} not paused`, kind: 'info', done: false};
    }
  }
  const result: Account & {defaultMovedTo?: Account | null} = await services.targets.current.accounts.setPaused(target.provider, byFile(target), !target.paused);
  const alone = servedAlone ? `; ${ALONE_NOTE(target.provider)} until it is resumed` : '';
  return `${accountLabel(target, siblings)} ${target.paused ? 'resumed' : 'paused'}${defaultMoveNote(result.defaultMovedTo, Date.now())}${alone}`;
}

/** Whether this TUI's running proxy serves `account` alone (pinned: `s` on it, `--account`): pausing or removing it leaves that proxy nothing to serve. */
function servedAloneByProxy(services: AppServices, account: Account): boolean {
  const state = services.proxy?.current;
  if (services.targets.current.name !== 'local' || state?.phase !== 'running' || !state.pinned || state.target.provider !== account.provider || !state.target.account) return false;
  // By the id the proxy took it by: the name it was started with may be another's since a rename.
  if (state.pinnedAccountId !== undefined) return state.pinnedAccountId === account.id;
  try {
    return findAccount([account], account.provider, state.target.account) === account;
  } catch {
    return false;
  }
}

/** What a proxy serving an account alone does once that account cannot serve, and the way out. */
const ALONE_NOTE = (provider: string) => `the running proxy serves it alone and answers 503 (${actionKey('provider.serve', 'home')} serves the ${provider} pool)`;

/** `d`: remove the account and its token file, after a yes. */
export async function removeAccount({services, account, confirm, siblings, provider}: AccountActionContext): Promise<ActionResult | string> {
  const target = selected({account, siblings, provider});
  const where = services.targets.current.name === 'local' ? '' : ` on target ${services.targets.current.name}`;
  const loss = await removalLoss(services.targets.current.accounts, target);
  const alone = servedAloneByProxy(services, target);
  if (!(await confirm(`Remove ${target.provider} account ${accountLabel(target, siblings)}${where}? This deletes ${loss}${alone ? `, and the running proxy serves it alone` : ''}.`))) {
    return {text: `kept ${accountLabel(target, siblings)}`, kind: 'info', done: false};
  }
  const removed = await services.targets.current.accounts.remove(target.provider, byFile(target));
  // Its quota goes with it on this machine (a server keeps its own); a failure keeps the removal.
  if (services.targets.current.name === 'local') await forgetQuotaEntries(services.paths, target.provider, [target.id]).catch(() => undefined);
  const kept = removed.corruptCopy === undefined ? '' : `; ${removedCorruptText(removed.corruptCopy)}`;
  return `removed ${target.provider} account ${accountLabel(target, siblings)}${defaultMoveNote(removed.defaultMovedTo, Date.now())}${kept}${alone ? `; ${ALONE_NOTE(target.provider)}` : ''}`;
}

/** `r`: move the provider's default to the next usable account (the rotation strategy picks it). */
export async function rotateProvider({services, provider, siblings}: AccountActionContext): Promise<ActionResult | string> {
  const none = await noAccountsYet(services, provider, 'rotate');
  if (none) return none;
  const target = await chooseRotationTarget(services.paths, provider);
  const {from, to} = await services.store.rotate(provider, target.choose, target.served);
  const native = await followRotationNatively(services.store, provider, to.id, services.env);
  const pinned = services.store instanceof AccountStore ? await pinnedElsewhere(services.paths, to, accountLabel(to, siblings), target) : undefined;
  const served = target.served !== undefined && target.served !== from?.id ? siblings?.find((a) => a.provider === provider && a.id === target.served) : undefined;
  const move = served ? rotationFromServedText(accountLabel(served, siblings), from && accountLabel(from, siblings), accountLabel(to, siblings)) : `default ${from ? accountLabel(from, siblings) : '(none)'} → ${accountLabel(to, siblings)}`;
  return `${provider}: ${move}${native ? ` (also in ${native.file})` : ''}${pinned ? `; ${pinned}` : ''}`;
}

/** Nothing to do for a provider without accounts: says so and names the key that adds one. */
const nothingToDo = (provider: string, verb: string): ActionResult => ({
  text: `nothing to ${verb}: ${provider} has no accounts yet (${actionKey('account.login', 'home')} adds one)`,
  kind: 'info',
  done: false,
});

async function noAccountsYet(services: AppServices, provider: string, verb: string): Promise<ActionResult | undefined> {
  const {accounts} = await services.store.load();
  return accounts.some((a) => a.provider === provider) ? undefined : nothingToDo(provider, verb);
}

/**
 * `t`: refresh the account's token now (a forced refresh); an API-key account's key is tested instead (testApiKey). An account whose refresh token is dead is
 * marked needs-login by the refresh itself; one whose refresh the provider refused otherwise (an
 * answer: OAuthError, UnexpectedResponseError) is marked refresh-failed here (markRefreshRefused), so its row says what
 * the test found; an unreachable endpoint marks nothing (the network, not the account).
 */
export async function testAccount({services, provider, account, progress, siblings}: AccountActionContext): Promise<string> {
  const target = selected({account, siblings, provider}, 'select an account to test');
  const label = accountLabel(target, siblings);
  progress(`testing ${provider} ${label}…`);
  if (target.apiKey) return testApiKey(services, provider, target, label);
  const {settings} = await services.settings.load();
  try {
    const {token, outcome} = await refreshNow({store: services.store, settings, clock: services.clock, http: services.http}, provider, target.id);
    // Said as it happened: "refreshed" only for a refresh sent and granted (services/refresh.ts RefreshOutcome).
    const expiry = validity(token.expired, services.clock.now());
    switch (outcome.kind) {
      case 'refreshed':
        return `${provider} ${label}: token refreshed${expiry ? `, ${expiry}` : ''}`;
      case 'another':
        return `${provider} ${label}: refreshed meanwhile by another process (or a login), nothing sent${expiry ? `; ${expiry}` : ''}`;
      case 'agent':
        return outcome.took
          ? `${provider} ${label}: the agent (${outcome.agent}) refreshes it (native mode): took its token${expiry ? `, ${expiry}` : ''}`
          : `${provider} ${label}: not refreshed: the agent (${outcome.agent}) refreshes it (native mode)${expiry ? `; ${expiry}` : ''}`;
      case 'cannot':
      case 'not-due':
        if (!token.refresh_token && token.api_key) return `${provider} ${label}: API-key account, nothing to refresh`;
        return `${provider} ${label}: not refreshed: no refresh token (${actionKey('account.relogin', 'home')} logs in again)${expiry ? `; ${expiry}` : ''}`;
    }
  } catch (error) {
    // The refresh's own error names the account by id: say it once, by the name the list shows.
    if (error instanceof NeedsLoginError) throw new NeedsLoginError(provider, target.id, error.reason, label);
    if (error instanceof RefreshOutcomeUnknownError) throw new RefreshOutcomeUnknownError(provider, target.id, error.detail, label);
    // Others (a refresh that brought no access token) name it `<provider> account <id>: `: said once too.
    const raw = (error as Error).message;
    const own = `${provider} account ${target.id}: `;
    const message = raw.startsWith(own) ? raw.slice(own.length) : raw;
    if (await markRefreshRefused(services.store, provider, target, error)) {
      // The key first: the reason quotes an upstream answer and may not fit the status line.
      throw new UserError(`${provider} ${label}: ${stateWord('refresh-failed')} (${actionKey('account.relogin', 'home')} logs in again; ${accessTokenLeftWords(target.expiresAt)}): ${message}`);
    }
    throw new UserError(`${provider} ${label}: ${message} (not refreshed)`);
  }
}

/**
 * `t` on an API-key account (nothing to refresh): reads the provider's live models list with its key,
 * as `models --live` and the proxy do (proxy/live-models.ts, which records the answer: a refused key
 * marks the account key-rejected, a list read ends that mark), and says what the upstream answered,
 * the key never shown.
 */
async function testApiKey(services: AppServices, provider: string, target: Account, label: string): Promise<string> {
  const who = `${provider} ${label}`;
  const token = await services.store.readToken(target);
  let heard: {refusal?: string} | undefined;
  const {liveModelList} = await import('../../proxy/live-models.js');
  const list = await liveModelList(services.paths, services.http, {heard: (refusal) => (heard = {refusal})});
  let answer: Awaited<ReturnType<typeof list>>;
  try {
    answer = await list(provider, target, token);
  } catch (error) {
    const message = (error as Error).message;
    // The way out first: the reason quotes an upstream answer and may not fit the status line.
    if (heard?.refusal !== undefined) throw new UserError(`${who}: ${stateWord('key-rejected')} (${actionKey('account.relogin', 'home')} replaces the key; ${actionKey('account.test', 'home')} asks again): ${heard.refusal}`);
    if (error instanceof UnexpectedResponseError && error.status === 429) return `${who}: key recognised, the provider rate-limits it now: ${message}`;
    throw new UserError(`${who}: key not judged: ${error instanceof UnexpectedResponseError ? `${message} (is the base URL right?)` : message}`);
  }
  if (!answer) return `${who}: API-key account, nothing to refresh (${provider} has no models list to test the key with)`;
  return `${who}: key accepted: the provider lists ${countOf(answer.models.length, 'model')} for it${answer.partial ? ` (partial: ${answer.partial})` : ''}`;
}

/** `valid until 2026-11-29 21:55`, or `expired at …` once past: a token file's `expired`. */
function validity(expired: string | undefined, now: number): string | undefined {
  if (!expired) return undefined;
  const at = Date.parse(expired);
  return Number.isFinite(at) && at <= now ? `expired at ${formatLocalTime(expired)}` : `valid until ${formatLocalTime(expired)}`;
}

/** `s`: serve the account with the TUI's proxy child, then show the proxy screen. */
export async function serveAccount({services, provider, account, siblings, progress, confirm}: AccountActionContext): Promise<ActionResult> {
  if (!services.proxy) throw new UserError('no proxy supervisor in this session');
  const target = selected({account, siblings, provider}, `select ${articleFor(provider)} ${provider} account to serve, or S to serve the whole pool`);
  const label = accountLabel(target, siblings);
  const serve = actionKey('account.serve', 'home');
  // A proxy pinned to a paused account would answer every request 503 "is paused": said here instead.
  if (target.paused) throw new UserError(`${provider} ${label} is paused: ${actionKey('account.pause', 'home')} resumes it, then ${serve} serves it`);
  // An account in trouble (the one answer launchCaution gives too): one that cannot serve at all is
  // refused, as a launch on it is; one that will likely fail (a refused key, a token that cannot be
  // refreshed, a cooldown) is asked about, as a launch is, with the way out.
  // A refused key is still tried (canServeNow: the upstream may let it in again), but served alone
  // its requests will likely all be refused: asked about too. (A launch warns instead, after its own
  // live list read, which may end the mark.)
  const now = services.clock.now();
  const trouble = accountTrouble(target, now) ?? keyRefusedTrouble(target);
  // Used up by the quota cache: no login helps, the pool may (the proxy would still try it: the cache may be behind).
  const usedUp = trouble ? undefined : usedUpTrouble(await quotaWindowsOf(services, target), now);
  // The pool as a way out only when it has an account free now; else the wait is the way (poolWaitText).
  const poolWay = async () => {
    const wait = await poolWait(services, provider);
    return wait ? `the pool rests too (${wait})` : `${actionKey('provider.serve', 'home')} serves the ${provider} pool instead`;
  };
  if (usedUp && !(await confirm(`${provider} ${label} ${usedUp}; ${await poolWay()}. Serve anyway?`))) {
    return {text: `not served: ${provider} ${label} ${usedUp}`, kind: 'info', done: false};
  }
  if (trouble) {
    // A cooldown (a limit reached) ends by itself: no login helps it, the pool may serve meanwhile.
    const cooling = canServeNow(target, now) && coolingNow(target, now);
    const wayOut = cooling ? await poolWay() : `${actionKey('account.relogin', 'home')} ${target.apiKey ? 'replaces the key' : 'logs in again'}`;
    // The way out before the reason: the reason quotes an upstream answer and may not fit the status line.
    if (!canServeNow(target, now)) throw new UserError(`not served (${wayOut}, then ${serve} serves it): ${provider} ${label} ${trouble}`);
    // The question last: a prompt too long for its rows loses the start of its reason, never the question (Chrome.tsx promptRows).
    if (!(await confirm(`${provider} ${label} ${trouble}; ${wayOut}. Serve anyway?`))) return {text: `not served (${wayOut}): ${provider} ${label} ${trouble}`, kind: 'info', done: false};
  }
  const moved = agentsMovedQuestion(services, {provider, account: target.id}, label);
  if (moved && !(await confirm(moved))) return {text: `not switched: the proxy serves what it served`, kind: 'info', done: false};
  const result = await startAndSettle(services.proxy, {provider, account: target.id}, progress, label);
  return {...result, navigate: {screen: 'proxy', params: {provider, accountId: target.id}}};
}

/** `S`: serve the provider's pool with the TUI's proxy child, then show the proxy screen. */
export async function serveProviderPool({services, provider, progress, confirm}: AccountActionContext): Promise<ActionResult> {
  if (!services.proxy) throw new UserError('no proxy supervisor in this session');
  const moved = agentsMovedQuestion(services, {provider});
  if (moved && !(await confirm(moved))) return {text: `not switched: the proxy serves what it served`, kind: 'info', done: false};
  const result = await startAndSettle(services.proxy, {provider}, progress);
  // Started, but every account it could serve is resting: said first (the proxy screen it opens
  // shows the port), or the first 429 would be the news.
  const wait = result.kind === 'ok' ? await poolWait(services, provider, true) : undefined;
  return {...result, ...(wait ? {text: `${wait}; ${result.text}`} : {}), navigate: {screen: 'proxy', params: {provider}}};
}

/** The quota the screens show (useQuota): the target's poller's cache, else the cache file; none when it cannot be read. */
async function cachedQuota(services: AppServices): Promise<QuotaCache | undefined> {
  const {quota} = services.targets.current;
  return quota ? quota.snapshot : readQuotaCache(services.paths).catch(() => undefined);
}

/** The cached quota windows of one account. */
async function quotaWindowsOf(services: AppServices, account: Account): Promise<readonly QuotaWindow[]> {
  return cachedWindows(await cachedQuota(services), [account]).get(account.id)!;
}

/**
 * poolWaitText for the provider's accounts as the files have them now and their cached quota; with
 * `empty`, first poolEmptyText (a pool with no account that can serve), with what a request meets
 * meanwhile and the key that adds one. Undefined when neither holds, or the accounts cannot be read.
 */
async function poolWait(services: AppServices, provider: string, empty = false): Promise<string | undefined> {
  try {
    const own = (await services.targets.current.accounts.load()).accounts.filter((a) => a.provider === provider);
    const none = empty ? poolEmptyText(own, provider, services.clock.now()) : undefined;
    if (none) return `${none}: requests get 503 until one can (${actionKey('account.login', 'home')} adds one)`;
    return poolWaitText(own, cachedWindows(await cachedQuota(services), own), services.clock.now());
  } catch {
    return undefined;
  }
}

/** `R`: fetch the account's quota now (or all the provider's accounts when none is selected), ignoring any 429 backoff. */
export async function refreshQuota({services, provider, account, progress, siblings}: AccountActionContext): Promise<ActionResult | string> {
  // Nothing to read, not a failure: said as information (the key is not offered there).
  if (!hasQuotaSource(provider)) return {text: `${provider} does not report quota: there is none to refresh`, kind: 'info', done: false};
  const {quota, accounts} = services.targets.current;
  const targets = account ? [account] : (await accounts.load()).accounts.filter((a) => a.provider === provider);
  if (targets.length === 0) return nothingToDo(provider, 'refresh');
  if (!quota) throw new UserError('quota polling is off in this session');
  if (account) progress(`refreshing quota of ${provider} ${accountLabel(account, siblings)}…`);
  await quota.refresh(targets);
  // Said as it went: a read that failed is never reported as refreshed.
  const failed = targets.flatMap((a) => {
    const error = quota.snapshot.accounts[provider]?.[a.id]?.error;
    return error ? [{account: a, message: error.message}] : [];
  });
  if (account && failed.length > 0) throw new UserError(`quota of ${accountLabel(account, siblings)}: ${failed[0]!.message}`);
  if (account) return `quota of ${provider} ${accountLabel(account, siblings)} refreshed`;
  const all = countOf(targets.length, `${provider} account`);
  if (failed.length === 0) return `quota of ${all} refreshed`;
  const first = `${accountLabel(failed[0]!.account, targets)}: ${failed[0]!.message}${failed.length > 1 ? ` (and ${failed.length - 1} more)` : ''}`;
  if (failed.length === targets.length) throw new UserError(`quota of ${all} not refreshed; ${first}`);
  return {text: `quota of ${targets.length - failed.length} of ${all} refreshed, ${failed.length} not; ${first}`, kind: 'error'};
}

/**
 * `C`: end the account's cooldown, so it is tried again now: a server's (its next_retry_after), or on
 * this machine the local proxy's wait (stored, and the running built-in proxy's own), as the person
 * asks when they know its limit has reset.
 */
export async function clearCooldown({services, account, siblings, provider}: AccountActionContext): Promise<ActionResult | string> {
  const target = selected({account, siblings, provider});
  const {accounts, name} = services.targets.current;
  const who = `${target.provider} ${accountLabel(target, siblings)}`;
  if (name !== 'local') {
    await accounts.clearCooldown(target.provider, byFile(target));
    return `cleared the cooldown of ${who} on target ${name}`;
  }
  const [{endLocalWait}, {localWaitEndedText}] = await Promise.all([import('../../services/proxy/control.js'), import('../../services/proxy/wording.js')]);
  const ended = await endLocalWait(services.paths, services.store, target.provider, byFile(target), services.clock.now());
  const {text, kind} = localWaitEndedText(ended, who);
  if (kind === 'info') {
    // Nothing waited: what keeps it from serving, if anything, is not a wait `C` ends.
    const usedUp = usedUpTrouble(await quotaWindowsOf(services, target), services.clock.now());
    return {text: `${text}${usedUp ? ` (its quota is used up by the last reading: ${actionKey('quota.refresh', 'home')} reads it again)` : ''}`, kind, done: false};
  }
  return {text, kind};
}

export type AccountActionName = Extract<
  KeyAction,
  | 'account.default'
  | 'account.pause'
  | 'account.remove'
  | 'account.rotate'
  | 'account.test'
  | 'account.serve'
  | 'provider.serve'
  | 'quota.refresh'
  | 'account.launch'
  | 'account.native'
  | 'account.clearCooldown'
>;

/** Keymap action → the function it runs, for every screen that shows accounts. */
export const ACCOUNT_ACTIONS: Record<AccountActionName, AccountAction> = {
  'account.default': makeDefault,
  'account.pause': togglePause,
  'account.remove': removeAccount,
  'account.rotate': rotateProvider,
  'account.test': testAccount,
  'account.serve': serveAccount,
  'provider.serve': serveProviderPool,
  'quota.refresh': refreshQuota,
  'account.launch': launchAgent,
  'account.native': useNatively,
  'account.clearCooldown': clearCooldown,
};
