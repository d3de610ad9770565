// `ccs-tui run` and the TUI's launch key: pick the account or pool, make sure a proxy serves it,
// build the agent's environment from the agent table, and run the agent with the terminal handed over.
//
// The agent's executable: `agents.<id>.command` in tui.json (a path, or an array such as
// `["node", "/opt/codex/bin/codex.js"]`), else the env var CCS_TUI_AGENT_<ID> (same forms, the array as
// JSON), else the table's binary names on PATH.
import {spawn, type ChildProcess} from 'node:child_process';
import {constants as osConstants} from 'node:os';
import {AmbiguousAccountError, accountLabel, healthWords, findAccount, isUsable, noUsableAccount} from '../../core/accounts.js';
import {actionKey} from '../../core/keymap.js';
import {sanitizeLine} from '../../core/sanitize.js';
import {UserError, type Account, type ErrorSurface, type TokenFile} from '../../core/types.js';
import {findProvider, PROVIDERS, rootProvider, unknownProviderError, type ProviderRow} from '../../providers/table.js';
import type {AccountStore} from '../../store/accounts.js';
import {loadCliproxyConfig} from '../../store/cliproxy-config.js';
import type {CcsPaths} from '../../store/paths.js';
import {endpointOverrides, type TuiSettings} from '../../store/settings.js';
import {serveOnRunningProxy, startBackgroundProxy} from '../proxy/control.js';
import {claudeCodeEnv, providerModelSlots, shellWord} from '../proxy/env.js';
import type {LiveModelList} from '../../store/model-rules.js';
import {findOnPath} from '../proxy/launch.js';
import {readRunningProxy} from '../proxy/pid-file.js';
import {addRunningAgent, readRunningAgents, removeRunningAgent, type RunningAgent} from './running.js';
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
      const command = (value as {command?: unknown} | null)?.command;
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

/** The agent's command line (executable first). Throws naming the three ways to provide it. */
export function agentCommand(agent: AgentRow, settings: AgentSettings, env: NodeJS.ProcessEnv): string[] {
  const configured = settings.commands[agent.id];
  if (configured) return configured;
  const variable = env[agentCommandVariable(agent)];
  if (variable) {
    if (!variable.trim().startsWith('[')) return [variable];
    try {
      const parsed = JSON.parse(variable) as unknown;
      if (Array.isArray(parsed) && parsed.length > 0 && parsed.every((p) => typeof p === 'string')) return parsed as string[];
    } catch {
      // reported below
    }
    throw new UserError(`${agentCommandVariable(agent)} must be a path or a JSON array of strings`, 2);
  }
  const found = findOnPath(agent.binaries, env);
  if (found) return [found];
  throw new UserError(
    `${agent.displayName} not found: no ${agent.binaries.join(' or ')} on PATH ` +
      `(install it, or set agents.${agent.id}.command in tui.json or ${agentCommandVariable(agent)})`,
  );
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
  const matches: Account[] = [];
  for (const provider of snapshot.providers) {
    try {
      matches.push(findAccount(snapshot.accounts, provider.provider.id, ref!));
    } catch (error) {
      // Several accounts of one provider: refused, never one of them picked; otherwise not this provider's.
      if (error instanceof AmbiguousAccountError) throw error;
    }
  }
  if (matches.length === 1) return {provider: findProvider(matches[0]!.provider)!, account: matches[0]};
  if (matches.length > 1) {
    throw new UserError(`"${ref}" matches accounts of several providers (${matches.map((a) => a.provider).join(', ')}); name the provider: ccs-tui run <provider> ${ref}`, 2);
  }
  throw new UserError(`"${ref}" is neither an account (ccs-tui accounts lists them) nor a provider (${PROVIDERS.map((p) => p.id).join(', ')})`, 2);
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
  notes: string[];
  /** What a person must not miss (running agents this run moved to another account). */
  warnings: string[];
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
}

/** Who serves a target: `claude / work`, or `the claude pool (work first)`. */
function servingText(target: RunTarget, label: string | undefined): string {
  if (target.account) return `${target.provider.id} / ${label ?? accountLabel(target.account)}`;
  return `the ${target.provider.id} pool${label ? ` (${label} first)` : ''}`;
}

/**
 * The way round a refusal when the agent is the provider's own CLI: native mode puts the account in
 * the agent's credential file, no proxy needed (README "Native mode").
 */
function nativeHint(agent: AgentRow, target: RunTarget, first: Account | undefined, surface: ErrorSurface = 'cli'): string {
  if (target.provider.adapter.nativeCredentials?.agent !== agent.id) return '';
  const account = target.account ?? first;
  const how = surface === 'tui' ? `${actionKey('account.native', 'home')} on the account` : `ccs-tui use --native ${target.provider.id} ${account ? accountLabel(account) : '<account>'}`;
  return `; to run ${agent.displayName} on ${account ? accountLabel(account) : `a ${target.provider.id} account`} without the proxy, use native mode: ${how}`;
}

/**
 * Why the agent gets no model from the run, and how to name one (the agent would otherwise ask for
 * its own vendor's default, which another provider does not serve). Undefined when the person's
 * environment already names it. `notes`: the exports' notes, which say why the list is empty.
 */
function noModelWarning(agent: AgentRow, target: RunTarget, first: Account | undefined, notes: readonly string[], env: NodeJS.ProcessEnv): string | undefined {
  if (!agent.model.setting.startsWith('-') && env[agent.model.setting]) return undefined;
  const row = target.provider;
  const why = notes.find((note) => note.includes('could not be had')) ?? `ccs-tui has no static ${row.displayName} model list`;
  const account = first ? ` --account ${shellWord(sanitizeLine(accountLabel(first)))}` : '';
  return `${agent.displayName} gets no ${agent.model.setting} (${why}), so it would ask for its own default model; list ${row.displayName}'s models: ccs-tui models ${row.id}${account} --live, then ${agent.model.byHand}`;
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
  if (!agent) throw new UserError(`unknown agent "${agentId}" (--agent: ${AGENTS.map((a) => a.id).join(', ')})`, 2);
  // The account that would serve first: the one asked for, else the pool's default (else any usable).
  const accounts = (await options.store.load()).accounts;
  const poolProblem = target.account ? undefined : noUsableAccount(target.provider, accounts, options.surface);
  const first = target.account ?? accounts.find((a) => a.provider === target.provider.id && a.default && isUsable(a)) ?? accounts.find((a) => a.provider === target.provider.id && isUsable(a));
  const token = first ? await options.store.readToken(first).catch(() => undefined) : undefined;
  const problem = options.protocolProblem(target.provider, agent.protocol, token, endpointOverrides(options.settings, target.provider.id)?.api);
  if (problem) throw new UserError(`${agent.displayName} cannot use ${target.provider.displayName} through the proxy: ${problem}${nativeHint(agent, target, first, options.surface)}`);
  if (poolProblem) throw new UserError(`${agent.displayName} cannot use ${target.provider.displayName}: ${poolProblem}`);
  if (target.account && !isUsable(target.account)) {
    throw new UserError(`${target.provider.id} account ${accountLabel(target.account)} cannot serve: ${target.account.paused ? 'paused (resume it first)' : healthWords(target.account)}`);
  }
  const command = agentCommand(agent, settings, options.env);

  const notes: string[] = [];
  const warnings: string[] = [];
  // A stale record (its proxy gone, its pid maybe another process's) is removed, and said so.
  const running = readRunningProxy(paths, (line) => notes.push(line));
  let port: number;
  let startedProxy = false;
  if (!running) {
    const entry = await startBackgroundProxy(
      paths,
      {provider: target.provider.id, account: target.account?.id, ...(options.port !== undefined ? {port: options.port} : {})},
      {env: options.env, useCliproxyBinary: options.settings.proxy.useCliproxyBinary},
    );
    port = entry.port;
    startedProxy = true;
    // It outlives the run (and the TUI): how to stop it, in the words of where this is read.
    const stop = options.surface === 'tui' ? `${actionKey('proxy.stop', 'proxy')} on the proxy screen (${actionKey('screen.proxy')}) stops it` : 'stop it: ccs-tui proxy stop';
    notes.push(`started the proxy in the background (pid ${entry.pid}, port ${entry.port}; ${stop}), serving ${servingText(target, first && accountLabel(first))}`);
  } else {
    port = running.port;
    if (options.port !== undefined && options.port !== 0 && options.port !== running.port) {
      throw new UserError(`--port ${options.port}: the proxy already runs on port ${running.port} (pid ${running.pid}); use it (drop --port), or stop it first: ccs-tui proxy stop`, 2);
    }
    if (running.kind === 'builtin') {
      const before = readRunningAgents(paths).filter((entry) => entry.port === running.port);
      const serving = await serveOnRunningProxy(paths, running.port, target.provider.id, target.account?.id);
      notes.push(`using the running proxy (pid ${running.pid}, port ${running.port}), now serving ${servingText(target, serving)}`);
      const moved = movedAgentsWarning(before, target, serving);
      if (moved) warnings.push(moved);
    } else {
      notes.push(`using the running CLIProxyAPI binary (pid ${running.pid}); it picks accounts itself`);
    }
  }

  const exports = await claudeCodeEnv(paths, target.provider.id, port, {liveModels: options.liveModels, ...(first ? {account: first} : {})});
  // The key note matters to every agent; the model and translation notes are about Claude Code's
  // exports, and whether this agent can be served was decided above.
  notes.push(...exports.notes.filter((note) => note.startsWith('config.yaml had no api-keys')));
  const value = (name: string) => exports.vars.find((v) => v.name === name)?.value;
  // A provider without a static list (AI Studio) has its main model only from the live list the exports were built with.
  const defaultModel = providerModelSlots(target.provider, (await loadCliproxyConfig(paths)).config, first, token).models.main ?? value('ANTHROPIC_MODEL');
  const launch = agent.launch({
    baseUrl: `http://127.0.0.1:${port}/api/provider/${target.provider.id}`,
    apiKey: value('ANTHROPIC_AUTH_TOKEN')!,
    models: {main: value('ANTHROPIC_MODEL'), opus: value('ANTHROPIC_DEFAULT_OPUS_MODEL'), sonnet: value('ANTHROPIC_DEFAULT_SONNET_MODEL'), haiku: value('ANTHROPIC_DEFAULT_HAIKU_MODEL')},
    defaultModel,
  });
  const modelProblem = defaultModel === undefined && noModelWarning(agent, target, first, exports.notes, options.env);
  if (modelProblem) warnings.push(modelProblem);
  const env: NodeJS.ProcessEnv = {...options.env};
  for (const [name, v] of Object.entries(launch.env)) {
    if (v === undefined) delete env[name];
    else env[name] = v;
  }
  return {
    agent,
    target,
    command: [...command, ...launch.args, ...(options.agentArgs ?? [])],
    env,
    changes: launch.env,
    port,
    startedProxy,
    notes,
    warnings,
  };
}

/**
 * The warning for agents already running on the shared proxy that a new target moves (agents.json
 * entries): the proxy serves one account per provider (the one pinned for its current provider), so
 * agents of the target's provider are now served by `serving`, and one pinned to an account of
 * another provider falls back to that provider's pool. Undefined when no running agent is moved.
 */
export function movedAgentsWarning(agents: readonly RunningAgent[], target: RunTarget, serving: string | undefined): string | undefined {
  const moved: string[] = [];
  for (const agent of agents) {
    const was = `${agent.provider} / ${agent.account ?? 'pool'}`;
    if (agent.provider === target.provider.id) {
      const now = target.account ? serving ?? accountLabel(target.account) : `the ${target.provider.id} pool${serving ? ` (${serving} first)` : ''}`;
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
    ...(plan.target.account ? {account: accountLabel(plan.target.account)} : {}),
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
  const handlers: [NodeJS.Signals, () => void][] = [
    ['SIGINT', ignore],
    ['SIGQUIT', ignore],
    ['SIGTERM', forward('SIGTERM')],
    ['SIGHUP', forward('SIGHUP')],
  ];
  for (const [signal, handler] of handlers) process.on(signal, handler);
  try {
    try {
      await spawned;
    } catch (error) {
      throw new UserError(`could not start ${plan.agent.displayName} (${file}): ${(error as Error).message}`);
    }
    await addRunningAgent(paths, runningEntry(plan, child.pid!, 'foreground')).catch(() => undefined);
    return await exited;
  } finally {
    for (const [signal, handler] of handlers) process.off(signal, handler);
    if (child.pid) await removeRunningAgent(paths, child.pid).catch(() => undefined);
  }
}
