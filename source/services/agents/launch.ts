// `ccs-tui run` and the TUI's launch key: pick the account or pool, make sure a proxy serves it,
// build the agent's environment from the agent table, and run the agent with the terminal handed over.
//
// The agent's executable: the env var CCS_TUI_AGENT_<ID> (a path, or a JSON array such as
// `["node", "/opt/codex/bin/codex.js"]`), else `agents.<id>.command` in tui.json (same forms), else the
// table's binary names on PATH. The environment wins over the file, as usual: it is set for one run.
import {poolWaitText, usedUpTrouble} from '../../core/rotation.js';
import {cachedWindows, readQuotaCache} from '../quota/cache.js';
import {spawn, spawnSync, type ChildProcess} from 'node:child_process';
import {existsSync} from 'node:fs';
import {homedir, constants as osConstants} from 'node:os';
import {accountLabel, accountLabeller, accountTrouble, findAccount, findAccountAnywhere, canServeNow, keyRefusedTrouble, noUsableAccount} from '../../core/accounts.js';
import {actionKey} from '../../core/keymap.js';
import {shellCommand, shellOption, shellWord} from '../../core/quote.js';
import {quoted, sanitizeLine} from '../../core/sanitize.js';
import {UserError, type Account, type ErrorSurface, type TokenFile} from '../../core/types.js';
import {findProvider, PROVIDERS, rootProvider, servableAccounts, unknownProviderError, type ProviderRow} from '../../providers/table.js';
import type {AccountStore} from '../../store/accounts.js';
import {loadCliproxyConfig} from '../../store/cliproxy-config.js';
import {readRegularFileSync} from '../../store/files.js';
import {expandHome, type CcsPaths} from '../../store/paths.js';
import {procState} from '../../store/process-identity.js';
import {endpointOverrides, type TuiSettings} from '../../store/settings.js';
import {fetchProxyStatus, serveOnRunningProxy, startBackgroundProxy, stopRunningProxy} from '../proxy/control.js';
import {claudeCodeEnv, providerModelSlots, type ModelGap} from '../proxy/env.js';
import type {LiveModelList} from '../../store/model-rules.js';
import {findOnPath, interpreterProblem, runnableProblem} from '../proxy/launch.js';
import {readRunningProxy} from '../proxy/pid-file.js';
import {poolServingOrder} from '../proxy/serving-order.js';
import {addRunningAgent, agentsOnPort, removeRunningAgent, type RunningAgent} from './running.js';
import {AGENTS, DEFAULT_AGENT, findAgent, type AgentRow} from '../../providers/agents.js';

/** tui.json `agents`: `{default?: id, launchIn?: 'window' | 'pane', <id>: {command?}}`. */
export interface AgentSettings {
  default?: string;
  /** Inside tmux, the TUI opens the agent in a new window (default) or splits a pane. */
  launchIn: 'window' | 'pane';
  commands: Record<string, string[]>;
}

/** Reads the `agents` part of tui.json, naming the field when it is malformed. */
export function agentSettings(settings: TuiSettings): AgentSettings {
  const raw = (settings as unknown as {agents?: unknown}).agents;
  const out: AgentSettings = {launchIn: 'window', commands: {}};
  if (raw === undefined) return out;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new UserError('tui.json: "agents" must be an object');
  for (const [key, value] of Object.entries(raw)) {
    if (key === 'default') {
      if (typeof value !== 'string' || !findAgent(value)) throw new UserError(`tui.json: agents.default must be one of ${AGENTS.map((a) => a.id).join(', ')}`);
      out.default = value;
    } else if (key === 'launchIn') {
      if (value !== 'window' && value !== 'pane') throw new UserError('tui.json: agents.launchIn must be "window" or "pane"');
      out.launchIn = value;
    } else if (findAgent(key)) {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new UserError(`tui.json: agents.${key} must be an object ({"command": …})`);
      const command = (value as {command?: unknown}).command;
      if (command === undefined) continue;
      const list = typeof command === 'string' ? [command] : command;
      if (!Array.isArray(list) || list.length === 0 || !list.every((part) => typeof part === 'string' && part !== '')) {
        throw new UserError(`tui.json: agents.${key}.command must be a path or a non-empty array of strings`);
      }
      out.commands[findAgent(key)!.id] = list as string[];
    }
  }
  return out;
}

export const agentCommandVariable = (agent: AgentRow) => `CCS_TUI_AGENT_${agent.id.toUpperCase()}`;

/**
 * The agent's command line (executable first): CCS_TUI_AGENT_<ID>, else tui.json's
 * agents.<id>.command, else the binary on PATH. Throws naming the three ways to provide it.
 */
export function agentCommand(agent: AgentRow, settings: AgentSettings, env: NodeJS.ProcessEnv): string[] {
  return chosenCommand(agent, settings, env).command;
}

/**
 * agentCommand, checked before anything is started: when its executable cannot be run (a
 * directory, not executable, missing; a bare name is looked up on PATH, as spawn does), a UserError
 * names the path, what is wrong, the setting that chose it and the way out.
 */
export function runnableAgentCommand(agent: AgentRow, settings: AgentSettings, env: NodeJS.ProcessEnv): string[] {
  const {command, origin} = chosenCommand(agent, settings, env);
  const executable = command[0]!;
  const found = executable.includes('/') ? executable : findOnPath([executable], env);
  const problem = executable.includes('/') ? runnableProblem(executable) : found ? undefined : 'is not on PATH';
  if (problem && origin) {
    throw new UserError(
      `cannot run ${agent.displayName}: ${sanitizeLine(executable)} ${problem} (set by ${origin.setting}); ` +
        `point ${origin.setting} at the ${agent.binaries[0]} executable (a path, or a JSON array such as ["node", "/path/to/cli.js"]), or ${origin.clear} to use ${agent.binaries.join(' or ')} from PATH`,
    );
  }
  // A script whose #! interpreter is missing (an npm install whose node is gone): spawn would say only ENOENT.
  const script = found ? interpreterProblem(found) : undefined;
  if (script) throw new UserError(`cannot run ${agent.displayName}: ${interpreterWords(found!, script, agent, origin)}`);
  return command;
}

/** `/usr/local/bin/claude (found on PATH) starts with #!/opt/node/bin/node, which does not exist; …`: the script, its interpreter and the ways out. */
function interpreterWords(file: string, script: {interpreter: string; problem: string}, agent: AgentRow, origin: CommandOrigin | undefined): string {
  const elsewhere = origin ? `point ${origin.setting} at another executable` : `set agents.${agent.id}.command in tui.json or ${agentCommandVariable(agent)}`;
  return (
    `${sanitizeLine(file)} (${origin ? `set by ${origin.setting}` : 'found on PATH'}) starts with #!${sanitizeLine(script.interpreter)}, which ${script.problem}; ` +
    `install that interpreter or reinstall ${agent.displayName}, or ${elsewhere}`
  );
}

/** agentCommand's choice, and the setting it came from (none: found on PATH). */
function chosenCommand(agent: AgentRow, settings: AgentSettings, env: NodeJS.ProcessEnv): {command: string[]; origin?: CommandOrigin} {
  // The executable as typed: `~/bin/claude` in tui.json or a quoted variable is the home dir's.
  const typed = ([executable, ...args]: string[], origin: CommandOrigin) => ({command: [expandHome(executable!, env), ...args], origin});
  const variable = env[agentCommandVariable(agent)];
  if (variable) {
    const origin = {setting: agentCommandVariable(agent), clear: `unset ${agentCommandVariable(agent)}`};
    if (!variable.trim().startsWith('[')) return typed([variable], origin);
    try {
      const parsed = JSON.parse(variable) as unknown;
      if (Array.isArray(parsed) && parsed.length > 0 && parsed.every((p) => typeof p === 'string')) return typed(parsed as string[], origin);
    } catch {
      // reported below
    }
    throw new UserError(`${agentCommandVariable(agent)} must be a path or a JSON array of strings`, 2);
  }
  const configured = settings.commands[agent.id];
  if (configured) return typed(configured, {setting: `agents.${agent.id}.command in tui.json`, clear: 'remove it'});
  const found = findOnPath(agent.binaries, env);
  if (found) return {command: [found]};
  throw new UserError(
    `${agent.displayName} not found: no ${agent.binaries.join(' or ')} on PATH ` +
      `(install it, or set agents.${agent.id}.command in tui.json or ${agentCommandVariable(agent)})`,
  );
}

/**
 * `find()`, whose refusal (the agent not found, say) names the provider's own agent when the one
 * refused was only the default (`defaulted`): `ccs-tui run codex` runs Claude Code unless told.
 */
function withOwnAgentHint(find: () => string[], defaulted: AgentRow | undefined, provider: ProviderRow): string[] {
  try {
    return find();
  } catch (error) {
    const own = findAgent(provider.id);
    if (!(error instanceof UserError) || !defaulted || !own || own.id === defaulted.id) throw error;
    throw new UserError(`${error.message}; ${defaulted.displayName} is the default agent: --agent ${own.id} runs ${own.displayName}`, error.exitCode, error.advice);
  }
}

/** The setting an agent's command came from, and how a person takes it away (`unset VAR`). */
interface CommandOrigin {
  setting: string;
  clear: string;
}

export interface RunTarget {
  provider: ProviderRow;
  /** Undefined: the provider's pool. */
  account?: Account;
}

/**
 * What `run [provider|account] [account]` names: a provider id (its pool, or `accountRef` of it), else
 * an account id, nickname or email of exactly one provider; nothing means the pool of the provider
 * the proxy's root routes serve (Claude's: `ccs` runs Claude Code).
 */
export async function resolveRunTarget(store: AccountStore, ref: string | undefined, accountRef?: string): Promise<RunTarget> {
  const row = ref === undefined ? rootProvider() : findProvider(ref);
  if (row && accountRef) return {provider: row, account: findAccount((await store.load()).accounts, row.id, accountRef)};
  if (accountRef) throw unknownProviderError(ref!);
  if (row) return {provider: row};
  const snapshot = await store.load();
  const matches = servableAccounts(findAccountAnywhere(snapshot.accounts, snapshot.providers.map((p) => p.provider.id), ref!), ref!);
  if (matches.length === 1) return {provider: findProvider(matches[0]!.provider)!, account: matches[0]};
  if (matches.length > 1) {
    throw new UserError(`${quoted(ref)} matches accounts of several providers (${matches.map((a) => a.provider).join(', ')}); name the provider: ccs-tui run${ref!.startsWith('-') ? ' --' : ''} <provider> ${shellWord(ref!)}`, 2);
  }
  throw new UserError(`${quoted(ref)} is neither an account (ccs-tui accounts lists them) nor a provider (${PROVIDERS.map((p) => p.id).join(', ')})`, 2);
}

export interface AgentPlan {
  agent: AgentRow;
  target: RunTarget;
  command: string[];
  /** The agent's complete environment. */
  env: NodeJS.ProcessEnv;
  /** Only what ccs-tui sets or removes (for tmux, which starts the agent in its own environment). */
  changes: Record<string, string | undefined>;
  port: number;
  /** True when this call started the background proxy. */
  startedProxy: boolean;
  /** The pid of the proxy this call started (startedProxy). */
  startedProxyPid?: number;
  notes: string[];
  /** What a person must not miss (running agents this run moved to another account). */
  warnings: string[];
  /** The target account's label among every account (core accountLabel), as the proxy's status names it. */
  accountLabel?: string;
}

export interface PlanOptions {
  paths: CcsPaths;
  store: AccountStore;
  settings: TuiSettings;
  env: NodeJS.ProcessEnv;
  /** Agent id (`--agent`); else tui.json agents.default; else Claude Code. */
  agent?: string;
  target: RunTarget;
  /**
   * Why the proxy cannot serve this client protocol for this provider (proxy/client-support.ts),
   * given the token of the account that would serve (its base URL) and tui.json's `api` override.
   */
  protocolProblem: (row: ProviderRow, client: string, token: TokenFile | undefined, apiOverride: string | undefined) => string | undefined;
  /** The person's own arguments for the agent. */
  agentArgs?: string[];
  /** `--port`: the port of the proxy this run starts (0: any free one); refused when one runs elsewhere. */
  port?: number;
  /** Where a refusal is shown: its way out names a command (`cli`, the default) or a TUI key. */
  surface?: ErrorSurface;
  /**
   * The provider's live list (proxy/live-models.ts liveModelListForCommands), for the model
   * variables of a provider without a static list (AI Studio), as `ccs-tui env` exports them.
   */
  liveModels?: LiveModelList;
  /**
   * Launch even though the agent would meet trouble as launched (launchCaution: an account that is
   * cooling down or whose refresh failed; no model the proxy can serve it): `run --force`, or a
   * person who said yes to the TUI's question.
   */
  force?: boolean;
  /** Epoch ms (default Date.now()): whether a stored cooldown still runs. */
  now?: number;
}

/**
 * A launch refused because the agent would meet trouble as launched (launchCaution, no model), which
 * a person may still want: `run --force`, or yes to the TUI's question (PlanOptions.force).
 */
export class LaunchNeedsForce extends UserError {}

/** Why launching on an account would meet trouble, and the way round (launchCaution). */
export interface LaunchCaution {
  /** E.g. "claude account EE is cooling down 14s (until 12:01:02) (usage limit reached)". */
  reason: string;
  /** What to run instead, e.g. "run the claude pool (Dave is healthy): ccs-tui run claude". */
  alternative: string;
}

/**
 * Why an agent launched on `target`'s account would be refused or stall: the account is paused,
 * cooling down after a limit (the proxy answers 429 until it ends: it serves a pinned account
 * alone), or its last refresh failed or got no answer (its token may die any minute). Undefined for a pool or a
 * healthy account. `accounts`: every account (the alternative names a healthy one of the provider).
 */
export function launchCaution(target: RunTarget, accounts: readonly Account[], now: number, surface: ErrorSurface = 'cli'): LaunchCaution | undefined {
  const account = target.account;
  if (!account) return undefined;
  const own = accounts.filter((a) => a.provider === target.provider.id);
  const label = accountLabel(account, own);
  const trouble = accountTrouble(account, now);
  if (!trouble) return undefined;
  const healthy = own.filter((a) => a.id !== account.id && accountTrouble(a, now) === undefined);
  const pool = surface === 'tui' ? `${actionKey('account.launch', 'home')} on the ${target.provider.id} provider row` : `ccs-tui run ${target.provider.id}`;
  const relogin = `log in again (${surface === 'tui' ? actionKey('account.relogin', 'home') : `ccs-tui login ${target.provider.id}`})`;
  const alternative =
    healthy.length === 0
      ? loginMends(account)
        ? `no other ${target.provider.id} account is healthy now; ${relogin}`
        : `no other ${target.provider.id} account is healthy now; wait, or ${account.paused ? `resume it (${surface === 'tui' ? actionKey('account.pause', 'home') : shellCommand('ccs-tui resume', [target.provider.id, label])})` : 'try again later'}`
      : `run the ${target.provider.id} pool instead (${healthy.map((a) => accountLabel(a, own)).join(', ')} ${healthy.length === 1 ? 'is' : 'are'} healthy): ${pool}${loginMends(account) ? `; or ${relogin}` : ''}`;
  return {reason: `${target.provider.id} account ${label} ${trouble}`, alternative};
}

/** Whether a new login is what makes the account serve again (its grant refused or maybe spent), not a wait or a resume. */
const loginMends = (account: Account): boolean => !account.paused && (account.health === 'needs-login' || account.health === 'refresh-failed' || account.health === 'refresh-unknown');

/** Who serves a target: `claude / work`, or `the claude pool (work first)`. */
function servingText(target: RunTarget, label: string | undefined, labelOf: (account: Account) => string): string {
  if (target.account) return `${target.provider.id} / ${label ?? labelOf(target.account)}`;
  return `the ${target.provider.id} pool${label ? ` (${label} first)` : ''}`;
}

/** What a running proxy's root routes serve, when it serves another provider than a pool run's (said, not moved). */
function rootText(status: {provider?: string; pinned?: boolean; account?: string}, provider: string): string {
  return status.provider === provider ? '' : `; its root still serves ${rootServed(status)}`;
}

/**
 * The warning when a switch moves the running proxy's root to another provider (`status`: its status
 * before the switch): what a client pointed at the root (ccs-tui env) reaches now. Undefined when the
 * root keeps its provider. `target` 'every-provider': each request goes by its model from now on.
 */
export function rootMovedWarning(status: {provider?: string; pinned?: boolean; account?: string}, target: RunTarget | 'every-provider', serving: string | undefined, labelOf: (account: Account) => string): string | undefined {
  const to = target === 'every-provider' ? undefined : target.provider.id;
  if (status.provider === to) return undefined;
  const now = target === 'every-provider' ? 'every provider, by the model asked for' : servingText(target, serving, labelOf);
  const reaches = target === 'every-provider' ? 'the provider of the model it asks for' : target.provider.displayName;
  return `the proxy's root URL served ${rootServed(status)} and now serves ${now}: a client pointed there (ccs-tui env) now reaches ${reaches}; ccs-tui env <provider> gives a provider's own route`;
}

/** What a running proxy's root routes serve: "claude / work", "the claude pool", or every provider by model. */
function rootServed(status: {provider?: string; pinned?: boolean; account?: string}): string {
  if (!status.provider) return 'every provider, by the model asked for';
  return status.pinned ? `${sanitizeLine(status.provider)} / ${sanitizeLine(status.account ?? '?')}` : `the ${sanitizeLine(status.provider)} pool`;
}

/**
 * The way round a refusal when the agent is the provider's own CLI: native mode puts the account in
 * the agent's credential file, no proxy needed (README "Native mode").
 */
function nativeHint(agent: AgentRow, target: RunTarget, first: Account | undefined, labelOf: (account: Account) => string, surface: ErrorSurface = 'cli'): string {
  if (target.provider.adapter.nativeCredentials?.agent !== agent.id) return '';
  const account = target.account ?? first;
  const how = surface === 'tui' ? `${actionKey('account.native', 'home')} on the account` : account ? shellCommand('ccs-tui use --native', [target.provider.id, labelOf(account)]) : `ccs-tui use --native ${target.provider.id} <account>`;
  return `; to run ${agent.displayName} on ${account ? labelOf(account) : `a ${target.provider.id} account`} without the proxy, use native mode: ${how}`;
}

/** A switch's value the agent takes as on (Claude Code: `1`, `true`, `yes`, `on`, any case). */
const ENV_TRUTHY = /^(1|true|yes|on)$/i;

/** One of the agent's settings files that has an `env` object (settingsEnvFiles), with that object. */
interface SettingsEnv {
  file: string;
  env: Record<string, unknown>;
}

/** The `env` objects of the agent's settings files, in the agent's order; a file that is absent, unreadable or not JSON gives the agent no env either. */
export function settingsEnvs(agent: AgentRow, env: NodeJS.ProcessEnv): SettingsEnv[] {
  const found: SettingsEnv[] = [];
  for (const file of agent.settingsEnvFiles?.(env, env.HOME || homedir(), workingDir() ?? '') ?? []) {
    let set: unknown;
    try {
      set = (JSON.parse(readRegularFileSync(file)?.text ?? '{}') as {env?: unknown})?.env;
    } catch {
      continue;
    }
    if (typeof set === 'object' && set !== null && !Array.isArray(set)) found.push({file, env: set as Record<string, unknown>});
  }
  return found;
}

/** Whether a settings file is the managed one an organization installs (nobody else can change it). */
const isManagedSettings = (file: string) => /managed-settings\.json$/.test(file);

/**
 * Refuses, before anything starts, an agent whose own settings set a variable that points it at the
 * proxy (a base URL, a key, a cloud switch: what its launch sets whatever the models): the agent
 * would take that over what ccs-tui gives it, and send its requests (with the proxy's key) elsewhere.
 */
export function refuseSettingsOverride(agent: AgentRow, files: readonly SettingsEnv[], same: Record<string, string | undefined>): void {
  if (files.length === 0) return;
  const launchEnv = agent.launch({baseUrl: '', apiKey: '', models: {}}).env;
  const pointing = Object.keys(launchEnv);
  /**
   * Whether the file's value leaves the agent on the proxy: what the launch sets anyway (`same`: the
   * base URL and key `ccs-tui env` prints for the proxy already running), or a variable the launch
   * removes given a value that does nothing (`CLAUDE_CODE_USE_BEDROCK: "0"`, an empty API key).
   */
  const harmless = (name: string, value: unknown) =>
    (same[name] !== undefined && value === same[name]) ||
    (launchEnv[name] === undefined && (value === '' || value === null || value === false || (typeof value === 'string' && !ENV_TRUTHY.test(value.trim()))));
  for (const {file, env: set} of files) {
    const names = pointing.filter((name) => Object.hasOwn(set, name) && !harmless(name, set[name]));
    if (names.length === 0) continue;
    const it = names.length === 1 ? 'it' : 'them';
    const way = isManagedSettings(file)
      ? `that file is your organization's managed settings, which win over every other setting and which only its administrator can change: ask them, or run ${agent.displayName} on this account without ccs-tui`
      : `remove ${it} there (${names.length === 1 ? 'it applies' : 'they apply'} to every ${agent.displayName} session started with that file)`;
    throw new UserError(`${agent.displayName} would not use the proxy: ${sanitizeLine(file)} sets ${names.map((name) => `env.${name}`).join(', ')}, which ${agent.displayName} takes over what ccs-tui gives it; ${way}`);
  }
}

/**
 * Warnings for the model variables the launch gives (`given`: name → model id) that a settings file
 * sets to another model: the agent asks the proxy for that one, which the provider may not serve. Not
 * a refusal: a person may name a model of this provider there on purpose. The agent's own order
 * decides between files (the last that sets a name wins, as the managed file does).
 */
function settingsModelWarnings(agent: AgentRow, files: readonly SettingsEnv[], given: Record<string, string>, providerName: string): string[] {
  const winner = new Map<string, {file: string; value: unknown}>();
  for (const {file, env} of files) for (const name of Object.keys(given)) if (Object.hasOwn(env, name)) winner.set(name, {file, value: env[name]});
  const warnings: string[] = [];
  for (const [name, {file, value}] of winner) {
    if (value === given[name]) continue;
    const theirs = typeof value === 'string' ? quoted(value.slice(0, 120)) : 'a value that is not text';
    warnings.push(
      `${sanitizeLine(file)} sets env.${name} to ${theirs}, which ${agent.displayName} takes over ccs-tui's ${quoted(given[name]!)}: its requests will name that model, and fail if ${providerName} does not serve it (remove it there to use ccs-tui's)`,
    );
  }
  return warnings;
}

/** The working directory, or undefined when it was removed (process.cwd() throws then): no project settings. */
function workingDir(): string | undefined {
  try {
    return process.cwd();
  } catch {
    return undefined;
  }
}

/**
 * Whether the person already names the agent's model, in the environment (`OPENAI_MODEL=… ccs-tui
 * run`) or in the agent's own arguments (`-- -m …`, for an agent that takes it there): passed on.
 */
function modelNamedByHand(agent: AgentRow, env: NodeJS.ProcessEnv, agentArgs: readonly string[]): boolean {
  return Boolean(agent.model.namedIn?.(agentArgs)) || (!agent.model.setting.startsWith('-') && Boolean(env[agent.model.setting]));
}

/**
 * Why `agent` would name no model of `provider` the proxy serves, and the way out, in the agent's own
 * terms: on the command line a short first line (the cause), then one line each for why, how to see
 * the models, how to name one for this agent, and (`offerForce`) --force; in the TUI one line, its
 * parts joined by "; " (a confirm prompt asks about it, and --force is its yes).
 */
function noModelText(agent: AgentRow, provider: ProviderRow, gap: ModelGap | undefined, surface: ErrorSurface = 'cli', offerForce = true): string {
  const tui = surface === 'tui';
  const parts = [
    `${agent.displayName} would name no ${provider.displayName} model the proxy serves, so its first request would be refused`,
    `why: ${gap?.causes.join('; ') ?? 'no model to name'}`,
    ...(gap?.ways ?? []),
    `then name one for ${agent.displayName} (it takes its model from ${agent.model.setting}): ${agent.model.byHand}`,
    ...(gap?.aliasWay ? [gap.aliasWay] : []),
    ...(offerForce && !tui ? ['or launch it anyway: add --force'] : []),
  ];
  // Each part one line (causes quote what a server answered), so only the joins break lines.
  const lines = parts.map(sanitizeLine);
  return tui ? lines.join('; ') : lines.join('\n  ');
}

/**
 * Everything short of starting the agent. Refuses, before any proxy is started, an agent the proxy
 * cannot serve for the provider and an agent that cannot be found.
 */
export async function planAgentRun(options: PlanOptions): Promise<AgentPlan> {
  const {paths, target} = options;
  const settings = agentSettings(options.settings);
  const agentId = options.agent ?? settings.default ?? DEFAULT_AGENT;
  const agent = findAgent(agentId);
  if (!agent) throw new UserError(`unknown agent ${quoted(agentId)} (--agent: ${AGENTS.map((a) => a.id).join(', ')})`, 2);
  // The account that would serve first: the one asked for, else the one the pool serves first (the
  // proxy's own answer, poolFirstPick): its model list and base URL are what the agent is given.
  const accounts = (await options.store.load()).accounts;
  const now = options.now ?? Date.now();
  // Named among every account, as the proxy's status names them: a nickname that is another's email is no name.
  const labelOf = accountLabeller(accounts);
  const poolProblem = target.account ? undefined : noUsableAccount(target.provider, accounts, now, options.surface);
  // The pool's own order (a running proxy's answer for who serves now, else tui.json's strategy over
  // the quota cache): the run moves a running proxy onto the pool, so one pinned there does not count.
  const order = target.account ? [target.account] : await poolServingOrder(paths, options.settings.rotation.strategy, target.provider.id, accounts, now, 'ignored');
  const first =
    order[0] ??
    accounts.find((a) => a.provider === target.provider.id && a.default && canServeNow(a, now)) ??
    accounts.find((a) => a.provider === target.provider.id && canServeNow(a, now));
  const caution = launchCaution(target, accounts, now, options.surface);
  // Paused, needing a login or its token file unreadable: nothing to force (the proxy would only
  // refuse every request). Said first: what its file lacks (a base URL) follows from that.
  if (caution && target.account && !canServeNow(target.account, now)) throw new UserError(`${caution.reason}; ${caution.alternative}`);
  const token = first ? await options.store.readToken(first).catch(() => undefined) : undefined;
  const problem = options.protocolProblem(target.provider, agent.protocol, token, endpointOverrides(options.settings, target.provider.id)?.api);
  if (problem) throw new UserError(`${agent.displayName} cannot use ${target.provider.displayName} through the proxy: ${problem}${nativeHint(agent, target, first, labelOf, options.surface)}`);
  if (poolProblem) throw new UserError(`${agent.displayName} cannot use ${target.provider.displayName}: ${poolProblem}`);
  const notes: string[] = [];
  const warnings: string[] = [];
  if (caution && !options.force) throw new LaunchNeedsForce(`${caution.reason}; ${caution.alternative}${options.surface === 'tui' ? '' : ', or launch on it anyway: add --force'}`);
  if (caution) warnings.push(caution.reason);
  // A pool whose every usable account rests (cooling down, or used up by the quota cache), or the one
  // account asked for used up: started anyway (the cache may be behind; the proxy still tries), said,
  // or the agent's first request would be the news (`s` and `S` in the TUI say the same).
  if (!caution) {
    const own = accounts.filter((a) => a.provider === target.provider.id);
    const cache = await readQuotaCache(paths).catch(() => undefined);
    const windows = cachedWindows(cache, own);
    if (target.account) {
      const usedUp = usedUpTrouble(windows.get(target.account.id) ?? [], now);
      if (usedUp) warnings.push(`${target.provider.id} account ${labelOf(target.account)} ${usedUp}`);
    } else {
      const wait = poolWaitText(own, windows, now);
      if (wait) warnings.push(`${wait}: its requests will likely be refused until then`);
    }
  }
  const command = withOwnAgentHint(() => runnableAgentCommand(agent, settings, options.env), options.agent === undefined ? agent : undefined, target.provider);

  // A stale record (its proxy gone, its pid maybe another process's) is removed, and said so.
  let running = readRunningProxy(paths, (line) => notes.push(line));
  // The exports (their key and model slots) before any proxy starts: the port only goes into their
  // base URL, which the agent gets from the port below.
  // The list is asked with the account the run serves first (a named account's key, not the
  // default's), then the pool's next ones when it cannot give it, as the proxy would go on to them.
  const exports = await claudeCodeEnv(paths, target.provider.id, running?.port, {liveModels: options.liveModels, surface: options.surface, servingOrder: order.length > 0 ? order : first ? [first] : []});
  // The key note matters to every agent; the model and translation notes are about Claude Code's
  // exports, and whether this agent can be served was decided above.
  // With the exports: a settings file that names this proxy's own key, and the base URL of the proxy
  // running now (as `ccs-tui env` printed them), is no detour. Without a running proxy the port it will
  // get is not known yet: a base URL is refused then.
  const agentSettingsEnvs = settingsEnvs(agent, options.env);
  refuseSettingsOverride(agent, agentSettingsEnvs, Object.fromEntries(exports.vars.filter((v) => running || v.name !== 'ANTHROPIC_BASE_URL').map((v) => [v.name, v.value])));
  notes.push(...exports.notes.filter((note) => note.startsWith('config.yaml had no api-keys')));
  warnings.push(...exports.warnings);
  // A refused key is still tried (canServeNow), so the launch goes on with a warning. Judged after the
  // exports: their live list read with the key marks it when refused now, and ends the mark when taken.
  if (target.account?.apiKey) {
    const pinned = target.account;
    const current = await options.store.loadAccount(target.provider.id, {id: pinned.id}).catch(() => pinned);
    const refused = keyRefusedTrouble(current);
    const label = labelOf(current);
    const newKey = options.surface === 'tui' ? `${actionKey('account.relogin', 'home')} on the account` : `ccs-tui login ${target.provider.id} ${shellOption('nickname', current.nickname ?? current.id)}`;
    if (refused) warnings.push(`${target.provider.id} account ${label} ${refused}; a new key: ${newKey}`);
  }
  const value = (name: string) => exports.vars.find((v) => v.name === name)?.value;
  const defaultModel = providerModelSlots(target.provider, (await loadCliproxyConfig(paths)).config, first, token).models.main ?? value('ANTHROPIC_MODEL');
  // No model to name (a provider without a static list whose live list was not had, every model
  // excluded): the agent would ask for its own vendor's default, which the proxy refuses. The exports'
  // notes say why and list the models; the agent's own setting is how a person names one.
  if (defaultModel === undefined && !modelNamedByHand(agent, options.env, options.agentArgs ?? [])) {
    const text = noModelText(agent, target.provider, exports.modelGap, options.surface, !options.force);
    if (!options.force) throw new LaunchNeedsForce(text);
    warnings.push(text);
  }

  let port = 0;
  let startedProxy = false;
  let startedProxyPid: number | undefined;
  if (!running) {
    try {
      const entry = await startBackgroundProxy(
        paths,
        {provider: target.provider.id, account: target.account?.id, ...(options.port !== undefined ? {port: options.port} : {})},
        {env: options.env, useCliproxyBinary: options.settings.proxy.useCliproxyBinary},
      );
      port = entry.port;
      startedProxy = true;
      startedProxyPid = entry.pid;
      // It outlives the run (and the TUI): how to stop it, in the words of where this is read.
      const stop = options.surface === 'tui' ? `${actionKey('proxy.stop', 'proxy')} on the proxy screen (${actionKey('screen.proxy')}) stops it` : 'stop it: ccs-tui proxy stop';
      // Who serves first is the pool's own answer (its strategy over the quota, not the default), as
      // `proxy status` and the proxy screen name it; the default only when the proxy cannot be asked.
      const serving = target.account ? undefined : (await fetchProxyStatus(paths, entry.port))?.account;
      notes.push(`started the proxy in the background (pid ${entry.pid}, port ${entry.port}; ${stop}), serving ${servingText(target, serving ?? (first && labelOf(first)), labelOf)}`);
    } catch (error) {
      // Another run (or a TUI) started one meanwhile, so ours refused to start beside it, or found
      // its port taken: that one is used, as it would have been had it started a moment earlier.
      running = error instanceof UserError ? readRunningProxy(paths) : undefined;
      if (!running) throw error;
    }
  }
  if (running) {
    port = running.port;
    if (options.port !== undefined && options.port !== 0 && options.port !== running.port) {
      throw new UserError(`--port ${options.port}: the proxy already runs on port ${running.port} (pid ${running.pid}); use it (drop --port), or stop it first: ccs-tui proxy stop`, 2);
    }
    if (running.kind === 'builtin') {
      // A TUI's child stops when that TUI quits: said, so the agent's proxy going away is no surprise.
      const whose = running.owner === 'tui' ? `; a TUI's own: it stops when that TUI quits, which asks first` : '';
      // The agent is given the provider's own route, which serves its pool whatever the root serves:
      // a pool run leaves the root (and whatever `env` pointed there) alone, unless the root serves
      // this provider with one account alone (that pin holds the provider's route too).
      const status = await fetchProxyStatus(paths, running.port);
      if (status && !target.account && !(status.provider === target.provider.id && status.pinned)) {
        const serving = status.provider === target.provider.id ? status.account : first && labelOf(first);
        notes.push(`using the running proxy (pid ${running.pid}, port ${running.port}${whose}), serving ${servingText(target, serving, labelOf)} on /api/provider/${target.provider.id}${rootText(status, target.provider.id)}`);
      } else {
        const before = agentsOnPort(paths, running.port);
        const serving = await serveOnRunningProxy(paths, running.port, target.provider.id, target.account?.id);
        notes.push(`using the running proxy (pid ${running.pid}, port ${running.port}${whose}), now serving ${servingText(target, serving, labelOf)}`);
        const moved = movedAgentsWarning(before, target, serving, labelOf);
        if (moved) warnings.push(moved);
        // The root moves too (one account per provider is the root's): what `ccs-tui env` pointed there goes with it.
        const rootMoved = status && rootMovedWarning(status, target, serving, labelOf);
        if (rootMoved) warnings.push(rootMoved);
      }
    } else {
      notes.push(`using the running CLIProxyAPI binary (pid ${running.pid}); it picks accounts itself`);
    }
  }

  const launch = agent.launch({
    baseUrl: `http://127.0.0.1:${port}/api/provider/${target.provider.id}`,
    apiKey: value('ANTHROPIC_AUTH_TOKEN')!,
    models: {main: value('ANTHROPIC_MODEL'), opus: value('ANTHROPIC_DEFAULT_OPUS_MODEL'), sonnet: value('ANTHROPIC_DEFAULT_SONNET_MODEL'), haiku: value('ANTHROPIC_DEFAULT_HAIKU_MODEL')},
    // A provider without a static list (AI Studio) has its main model only from the live list the exports were built with.
    defaultModel,
  });
  // The model variables the launch gives (what it sets beyond pointing the agent at the proxy).
  const pointing = agent.launch({baseUrl: '', apiKey: '', models: {}}).env;
  const givenModels = Object.fromEntries(Object.entries(launch.env).filter((entry): entry is [string, string] => typeof entry[1] === 'string' && !(entry[0] in pointing)));
  warnings.push(...settingsModelWarnings(agent, agentSettingsEnvs, givenModels, target.provider.displayName));
  // A model the person's environment names where the launch sets none (modelNamedByHand) is one of
  // the changes: an agent started in tmux gets tmux's environment and the changes only.
  const setting = agent.model.setting;
  const byHand = !setting.startsWith('-') && !(setting in launch.env) && options.env[setting] ? {[setting]: options.env[setting]} : {};
  const changes = {...launch.env, ...byHand};
  const env: NodeJS.ProcessEnv = {...options.env};
  for (const [name, v] of Object.entries(changes)) {
    if (v === undefined) delete env[name];
    else env[name] = v;
  }
  return {
    agent,
    target,
    command: [...command, ...launch.args, ...(options.agentArgs ?? [])],
    env,
    changes,
    port,
    startedProxy,
    ...(startedProxyPid === undefined ? {} : {startedProxyPid}),
    notes,
    warnings,
    ...(target.account ? {accountLabel: labelOf(target.account)} : {}),
  };
}

/**
 * The warning for agents already running on the shared proxy that a new target moves (agents.json
 * entries): the proxy serves one account per provider (the one pinned for its current provider), so
 * agents of the target's provider are now served by `serving`, and one pinned to an account of
 * another provider falls back to that provider's pool (every one, for `every-provider`: `proxy
 * switch --every-provider` pins none). Undefined when no running agent is moved.
 */
export function movedAgentsWarning(agents: readonly RunningAgent[], target: RunTarget | 'every-provider', serving: string | undefined, labelOf: (account: Account) => string = (a) => accountLabel(a)): string | undefined {
  const moved: string[] = [];
  for (const agent of agents) {
    const was = `${agent.provider} / ${agent.account ?? 'pool'}`;
    if (target !== 'every-provider' && agent.provider === target.provider.id) {
      const now = target.account ? serving ?? labelOf(target.account) : `the ${target.provider.id} pool${serving ? ` (${serving} first)` : ''}`;
      if (target.account && agent.account === now) continue;
      if (!target.account && !agent.account) continue;
      moved.push(`${agent.agent} pid ${agent.pid} (started on ${was}) is now served by ${now}`);
    } else if (agent.account) {
      moved.push(`${agent.agent} pid ${agent.pid} (started on ${was}) is now served by the ${agent.provider} pool`);
    }
  }
  return moved.length > 0 ? `the proxy is shared with agents still running: ${moved.join('; ')}` : undefined;
}

/** The agents.json entry of a plan's process. */
export function runningEntry(plan: AgentPlan, pid: number, where: RunningAgent['where']): RunningAgent {
  return {
    pid,
    agent: plan.agent.id,
    provider: plan.target.provider.id,
    ...(plan.target.account ? {account: plan.accountLabel ?? accountLabel(plan.target.account)} : {}),
    port: plan.port,
    startedAt: new Date().toISOString(),
    where,
  };
}

/** 128 + the signal's number, as shells report a child killed by a signal (os.constants.signals). */
export function signalExitCode(signal: NodeJS.Signals): number {
  return 128 + (osConstants.signals[signal] ?? 1);
}

/**
 * How a spawned child ended, with the listeners attached in the same tick as `spawn()`: a child that
 * exits at once (`/bin/false`, `sh -c 'exit 7'`) emits `exit` possibly before any await of ours
 * resumes, and an `exit` nobody listens to is lost (the caller would wait forever, or node would
 * leave with 0). `spawned` settles on `spawn` or a start failure; `exited` with the exit code
 * (128 + n for a signal).
 */
export function watchChild(child: ChildProcess): {spawned: Promise<void>; exited: Promise<number>} {
  let started: () => void;
  let failed: (error: Error) => void;
  const spawned = new Promise<void>((resolve, reject) => {
    started = resolve;
    failed = reject;
  });
  const exited = new Promise<number>((resolve) => {
    child.once('exit', (code, signal) => resolve(code ?? (signal ? signalExitCode(signal) : 1)));
  });
  child.once('spawn', () => started());
  child.once('error', (error) => failed(error));
  return {spawned, exited};
}

/**
 * Runs the agent in the foreground with this process's terminal (stdin, stdout, stderr inherited),
 * recorded in agents.json while it runs. Ctrl-C reaches the agent from the terminal (same process
 * group), so ccs-tui only ignores it; SIGTERM and SIGHUP sent to ccs-tui are passed on. Resolves
 * with the agent's exit code (128 + signal when a signal ended it).
 */
export async function runAgentForeground(plan: AgentPlan, paths: CcsPaths): Promise<number> {
  const [file, ...args] = plan.command;
  const child = spawn(file!, args, {stdio: 'inherit', env: plan.env});
  const {spawned, exited} = watchChild(child);
  // Signal handlers go in before any await, so a SIGINT typed while the entry is written is ignored too.
  const ignore = () => undefined;
  const forward = (signal: NodeJS.Signals) => () => child.kill(signal);
  const stopWithChild = stopWithStoppedChild(child);
  const handlers: [NodeJS.Signals, () => void][] = [
    ['SIGINT', ignore],
    ['SIGQUIT', ignore],
    ['SIGTERM', forward('SIGTERM')],
    ['SIGHUP', forward('SIGHUP')],
    ['SIGCHLD', stopWithChild.check],
    // A continue sent to ccs-tui alone (`kill -CONT <pid>`) reaches the agent too; `fg` continues both.
    ['SIGCONT', forward('SIGCONT')],
  ];
  for (const [signal, handler] of handlers) process.on(signal, handler);
  try {
    try {
      await spawned;
    } catch (error) {
      // Checked before anything started (agentCommand), so it changed since: the proxy this run
      // started for the agent is stopped again; one that was running already is left alone.
      const ours = plan.startedProxyPid !== undefined && readRunningProxy(paths)?.pid === plan.startedProxyPid;
      const stopped = ours ? await stopRunningProxy(paths).catch(() => undefined) : undefined;
      // Said in words, never a bare errno: what is wrong with the file as it is now.
      const script = interpreterProblem(file!);
      const code = (error as NodeJS.ErrnoException).code;
      const why = script
        ? `starts with #!${sanitizeLine(script.interpreter)}, which ${script.problem}; install that interpreter or reinstall ${plan.agent.displayName}`
        : (runnableProblem(file!) ?? (code === 'ENOENT' ? 'was not found' : code === 'EACCES' ? 'is not executable' : `cannot be started (${sanitizeLine(code ?? (error as Error).message)})`));
      throw new UserError(
        `could not start ${plan.agent.displayName}: ${sanitizeLine(file!)} ${why} (the command is set by ${agentCommandVariable(plan.agent)}, agents.${plan.agent.id}.command in tui.json, or found on PATH)` +
          (stopped ? `; stopped the proxy this run started (pid ${stopped.pid})` : ''),
      );
    }
    await addRunningAgent(paths, runningEntry(plan, child.pid!, 'foreground')).catch(() => undefined);
    return await exited;
  } finally {
    stopWithChild.stop();
    for (const [signal, handler] of handlers) process.off(signal, handler);
    if (child.pid) await removeRunningAgent(paths, child.pid).catch(() => undefined);
  }
}

/** How often (ms) the agent's state is looked at besides each SIGCHLD: a signal can be missed (coalesced, or taken by a library's handler). */
const STOP_LOOK_MS = 250;

/**
 * An agent that stops only itself (`kill -TSTP $$`, a shell's `suspend`, an agent handling Ctrl+Z itself in
 * raw mode) would leave ccs-tui waiting and the user's shell, waiting on ccs-tui, hung with nothing
 * running. ccs-tui then stops too, as sudo does for its command, so the shell gets the terminal back;
 * `fg` continues the job's process group, the agent with it. Node reports no stopped child, so its
 * state is looked at on each SIGCHLD and, on Linux (/proc, one small read), every STOP_LOOK_MS;
 * elsewhere on SIGCHLD only, through `ps`.
 */
function stopWithStoppedChild(child: ChildProcess): {check: () => void; stop: () => void} {
  // Looked at when an agent runs, not when the module loads (the TUI's start-up imports it).
  const hasProc = existsSync('/proc/self/stat');
  const stopped = () => {
    const pid = child.pid;
    if (pid === undefined || child.exitCode !== null || child.signalCode !== null) return false;
    if (hasProc) return procState(pid) === 'T';
    const ps = spawnSync('ps', ['-o', 'stat=', '-p', String(pid)], {encoding: 'utf8', env: {...process.env, LC_ALL: 'C'}, timeout: 2000});
    return (ps.stdout ?? '').trim().startsWith('T');
  };
  const check = () => {
    if (stopped()) process.kill(process.pid, 'SIGTSTP');
  };
  const timer = hasProc ? setInterval(check, STOP_LOOK_MS).unref() : undefined;
  return {check, stop: () => clearInterval(timer)};
}
