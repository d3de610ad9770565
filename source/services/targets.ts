// Where the TUI's accounts live right now: `local` (this machine's files) or a remote CLIProxyAPI
// server named in tui.json "targets". A Target bundles what the screens use for one place (its
// AccountService, quota poller, model rules, logins), so the screens are the same for both and the
// difference lives here, in two implementations. Targets holds the live one and switches it.
import {findAccount, accountLabel} from '../core/accounts.js';
import type {ModelRules} from '../core/model-rules.js';
import {maskedUrl} from '../core/sanitize.js';
import {UserError} from '../core/types.js';
import {requireProvider, staticModels} from '../providers/table.js';
import type {AccountService} from '../store/account-service.js';
import type {AccountStore} from '../store/accounts.js';
import {accountPlan, loadRulesContext, servedBase, updateAccountRules, updateGlobalRules, type LiveModelList, type RulesContext} from '../store/model-rules.js';
import type {CcsPaths} from '../store/paths.js';
import type {LoadedSettings, TuiSettings} from '../store/settings.js';
import {LOCAL_TARGET, resolveTarget, targetNames, unreadableTargetsError} from '../store/targets.js';
import type {Browser} from './browser.js';
import type {ChangedPaths} from './ccs-watch.js';
import type {Clock} from './clock.js';
import type {HttpClient} from './http.js';
import {LoginSession, type AccountLogin, type LoginView} from './oauth/login-session.js';
import {QuotaPoller} from './quota/service.js';

/** The model rules of a place: read for the editor, written back on save. */
export interface RulesService {
  /** `live`: the caller's live-list fetcher (this machine's proxy code); a place without one says why in `liveError`. */
  load(provider: string, accountId: string | undefined, live: LiveModelList | undefined): Promise<RulesContext>;
  /**
   * Writes the scopes given, each `change` getting the rules as they are now (re-read under the
   * file's lock, or from the server) and returning the ones to write; it throws to write nothing.
   * Resolves the rules written.
   */
  save(context: RulesContext, changes: RuleChanges): Promise<{global?: ModelRules; account?: ModelRules}>;
}

/** Per scope, how the rules as they are now become the rules to write (core/rules-merge.ts). */
export interface RuleChanges {
  global?: (current: ModelRules) => ModelRules;
  account?: (current: ModelRules) => ModelRules;
}

export interface Target {
  /** `local`, or the name in tui.json "targets". */
  readonly name: string;
  /** For the header: the CCS dir, or the server's URL. */
  readonly where: string;
  readonly accounts: AccountService;
  /** Keeps the quota numbers current while a screen shows them (absent: none polled). */
  readonly quota?: QuotaPoller;
  readonly rules: RulesService;
  /**
   * Calls `onChange` when the accounts may have changed outside this TUI: the CCS dir changing on
   * disk (with the paths heard), or (a server tells no one) every REMOTE_RELOAD_MS (no paths:
   * anything may have changed). Returns the stop.
   */
  watch(onChange: (changed?: ChangedPaths) => void): () => void;
  /** A login for `provider` here; `onChange` hears every view. */
  /** `options.nickname` / `relogin`: logging in again as a known account (its name and id; no name is asked for). */
  login(provider: string, settings: TuiSettings, onChange: (view: LoginView) => void, options?: {nickname?: string; relogin?: string; replaceKey?: boolean; onNoBrowser?: (why: string) => void}): AccountLogin;
  dispose(): void;
}

/** What a target is built from: the TUI's services (ui/services.tsx) minus the UI's own parts. */
export interface TargetDeps {
  paths: CcsPaths;
  store: AccountStore;
  /** tui.json: `load` the settings as last read, `reload` reads the file now (a login's retry). */
  settings: {load(): Promise<LoadedSettings>; reload(): Promise<LoadedSettings>};
  http: HttpClient;
  clock: Clock;
  browser: Browser;
  env: NodeJS.ProcessEnv;
  /** The local accounts' poller (absent: no polling). */
  quota?: QuotaPoller;
  /** Hears changes in the CCS dir (services/ccs-watch.ts); absent: none heard. */
  watchCcsDir?(onChange: (changed: ChangedPaths) => void): () => void;
}

/** How often a remote target's accounts are re-read (cooldowns end, others change the server). */
export const REMOTE_RELOAD_MS = 15_000;

export function localTarget(deps: TargetDeps): Target {
  const {paths, store} = deps;
  return {
    name: LOCAL_TARGET,
    where: paths.root,
    accounts: store,
    quota: deps.quota,
    watch: (onChange) => deps.watchCcsDir?.(onChange) ?? (() => undefined),
    rules: {
      load: (provider, accountId, live) => loadRulesContext(paths, provider, {account: accountId, live}),
      async save(context, changes) {
        const global = changes.global && (await updateGlobalRules(paths, context.provider, changes.global));
        const account = changes.account && context.account ? await updateAccountRules(paths, context.provider, context.account.id, changes.account) : undefined;
        return {...(global ? {global} : {}), ...(account ? {account} : {})};
      },
    },
    login: (provider, settings, onChange, options) =>
      new LoginSession({
        deps: {store, settings, clock: deps.clock, http: deps.http},
        reloadSettings: async () => (await deps.settings.reload()).settings,
        provider,
        env: deps.env,
        browser: deps.browser,
        onChange,
        onNoBrowser: options?.onNoBrowser,
        nickname: options?.nickname,
        relogin: options?.relogin,
        replaceKey: options?.replaceKey,
      }),
    dispose: () => undefined,
  };
}

/**
 * Opens a remote target: reads its key, builds the management client and lists the accounts once,
 * so a wrong key, a ban or an unreachable server is an error here (by name), not a blank screen.
 */
export async function openRemoteTarget(name: string, deps: TargetDeps): Promise<Target> {
  const [{ManagementClient, forgetRefusedKey}, {RemoteAccountStore}, remoteRules, {remoteQuotaSource}, {RemoteLoginSession}] = await Promise.all([
    import('./remote/client.js'),
    import('./remote/accounts.js'),
    import('./remote/model-rules.js'),
    import('./remote/quota.js'),
    import('./remote/login-session.js'),
  ]);
  const {settings, problem} = await deps.settings.load();
  if (problem) throw unreadableTargetsError(problem.cause, name);
  const target = resolveTarget(deps.paths, settings, name, deps.env);
  // Opening a target is the person's explicit retry: a key refused earlier is sent once more.
  forgetRefusedKey(target);
  const store = new RemoteAccountStore(await ManagementClient.open(target), () => deps.clock.now());
  await store.load();
  const {client} = store;
  const quota = new QuotaPoller({paths: deps.paths, store: deps.store, clock: deps.clock, http: deps.http, source: remoteQuotaSource(store)});
  const globalWhere = `target ${name}'s oauth-model-alias / oauth-excluded-models`;
  return {
    name,
    // Shown on screen: masked as every error shows a target URL (none gets past resolveTarget, which refuses credentials and queries).
    where: maskedUrl(target.url),
    accounts: store,
    quota,
    watch: (onChange) => deps.clock.setInterval(() => onChange(), REMOTE_RELOAD_MS),
    rules: {
      /**
       * The server's global rules over the static catalogue, with the server's own resolved list for
       * the chosen account (else the provider's first enabled one) to compare. Rules stay global: a
       * server's per-account rules are in token files the Management API does not edit.
       */
      async load(provider, accountId, live) {
        const row = requireProvider(provider);
        const accounts = (await store.load()).accounts.filter((a) => a.provider === row.id);
        const account = accountId !== undefined ? findAccount(accounts, row.id, accountId) : (accounts.find((a) => !a.paused) ?? accounts[0]);
        const global = await remoteRules.remoteGlobalRules(client, row.id);
        const server = account
          ? await remoteRules.serverModels(client, store.serverName(account)).then(
              (models) => ({models}),
              (error: Error) => ({error: error.message}),
            )
          : undefined;
        const liveError = live ? store.unavailable('live-models') : undefined;
        return {
          provider: row.id,
          configFile: globalWhere,
          globalLabel: `target ${name}`,
          base: servedBase(staticModels(row, accountPlan(account)), undefined),
          ...(liveError ? {liveError} : {}),
          global,
          ...(account && server ? {server: {account: accountLabel(account), ...server}} : {}),
        };
      },
      async save(context, changes) {
        if (changes.account) throw new UserError(store.unavailable('account-rules')!);
        return changes.global ? {global: await remoteRules.updateRemoteGlobalRules(client, context.provider, changes.global)} : {};
      },
    },
    login: (provider, _settings, onChange, options) => new RemoteLoginSession({store, provider, env: deps.env, browser: deps.browser, clock: deps.clock, relogin: options?.relogin, onChange, onNoBrowser: options?.onNoBrowser}),
    dispose: () => quota.stop(),
  };
}

/** The live target and the switch between targets; screens subscribe to hear a switch. */
export class Targets {
  private target: Target;
  private readonly listeners = new Set<(target: Target) => void>();

  constructor(private readonly deps: TargetDeps) {
    this.target = localTarget(deps);
  }

  get current(): Target {
    return this.target;
  }

  /** `local`, then tui.json's targets. */
  async names(): Promise<string[]> {
    return targetNames((await this.deps.settings.load()).settings);
  }

  /** Opens `name` and makes it live; on failure the current target stays live and the error is thrown. */
  async switchTo(name: string): Promise<Target> {
    if (name === this.target.name) return this.target;
    const next = name === LOCAL_TARGET ? localTarget(this.deps) : await openRemoteTarget(name, this.deps);
    this.target.dispose();
    this.target = next;
    for (const listener of this.listeners) listener(next);
    return next;
  }

  subscribe(listener: (target: Target) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  dispose(): void {
    this.target.dispose();
    this.listeners.clear();
  }
}
