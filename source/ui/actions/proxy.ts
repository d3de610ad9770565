// The proxy screen's actions: start, stop, restart, live rotation and copying the Claude Code
// exports. The screen renders the supervisor's state; only these functions command it.
import {accountLabel, AmbiguousAccountError, findAccount} from '../../core/accounts.js';
import {countOf} from '../../core/wording.js';
import {actionKey, type KeyAction} from '../../core/keymap.js';
import {UserError, type Account} from '../../core/types.js';
import {sanitizeLine} from '../../core/sanitize.js';
import type {ServeTarget} from '../../services/proxy/launch.js';
import type {ClaudeCodeEnv} from '../../services/proxy/env.js';
import {adoptedText, originText, type ProxyState} from '../../services/proxy-supervisor.js';
import {RotateRefusedError, SERVED_BY_MODEL} from '../../services/proxy/ipc.js';
import {agentsLeftText, agentsNamed, noProxyText} from '../../services/proxy/wording.js';
import {agentsOnPort, type RunningAgent} from '../../services/agents/running.js';
import {readRunningProxy} from '../../services/proxy/pid-file.js';
import type {AppServices} from '../services.js';
import type {ActionResult} from './result.js';
import type {Question} from '../shell.js';

export interface ProxyActionContext {
  services: AppServices;
  /** The supervisor's last state (undefined: no supervisor in this session). */
  state?: ProxyState;
  /** What the route asked to serve (`s` / `S` on the accounts screen), if anything. */
  requested?: ServeTarget;
  /** The provider selected on the accounts screen: what `r` rotates on a proxy serving every provider. */
  selectedProvider?: string;
  /** The exports for the running (or configured) proxy, once computed. */
  env?: ClaudeCodeEnv;
  /** Why there are no exports (config.yaml cannot be read), when that is why. */
  envError?: string;
  /** Shows what is under way at once (a stop can take seconds). */
  progress?(text: string): void;
  /** Asks the person a yes/no question (the shell's confirm prompt). */
  confirm?(prompt: Question): Promise<boolean>;
}

export type ProxyAction = (context: ProxyActionContext) => Promise<ActionResult | string>;

/** What a question about agents says once the last of them ended while it was asked. */
const NO_AGENT_NOW = 'No running agent uses this proxy any more.';

const isRunning = (state?: ProxyState) => state?.phase === 'running' || state?.phase === 'starting';

/**
 * Before the TUI quits: the agents that talk to the proxy this TUI started (its child, which stops
 * with it; `ccs-tui run` in another shell uses it too), oldest first; none when no such proxy runs.
 */
export function agentsLosingProxy({proxy, paths}: Pick<AppServices, 'proxy' | 'paths'>): RunningAgent[] {
  const state = proxy?.current;
  if (!state || state.managed !== 'child' || !isRunning(state) || !state.port) return [];
  return agentsOnPort(paths, state.port);
}


/**
 * The question `q` asks when agents would lose their proxy (agentsLosingProxy); with none (the
 * last ended while it was asked), what it says then.
 */
export function quitStopsAgentsQuestion(agents: readonly RunningAgent[]): string {
  if (agents.length === 0) return 'No running agent uses the proxy this TUI started any more. Quit?';
  return `The proxy this TUI started serves ${agentsNamed(agents)}: quitting stops it. Quit anyway?`;
}

/**
 * The line the shell gets after quitting stopped the proxy agents used (agentsLosingProxy, read
 * before the stop): which agents lost it, and the command that serves them again on the same port
 * in the background. Undefined when none used it.
 */
export function agentsLeftLine({proxy, paths}: Pick<AppServices, 'proxy' | 'paths'>): string | undefined {
  const agents = agentsLosingProxy({proxy, paths});
  const state = proxy?.current;
  if (agents.length === 0 || !state?.port) return undefined;
  // The account served alone by its id (the status's; the target may hold a label for a moment after `r`).
  const account = state.pinned ? (state.pinnedAccountId ?? state.target.account) : undefined;
  return `the proxy on port ${state.port} stopped with this TUI; ${agentsLeftText(agents, state.port, {provider: state.target.provider, account, accountGone: state.pinnedTrouble !== undefined})}`;
}

/**
 * What `s` / `S` ask before switching the running built-in proxy live (any that runs here, by its
 * record) when agents on its port were started for something else (`ccs-tui run aistudio two`, `e`
 * on another account): their requests are served from `target` from then on. `label`: the
 * account as the screens name it (what agents.json records). Undefined when none would move; the
 * question follows the agents while it is open (Question).
 */
export function agentsMovedQuestion(services: Pick<AppServices, 'paths'>, target: ServeTarget, label?: string): Question | undefined {
  if (movedText(services, target, label) === undefined) return undefined;
  return () => movedText(services, target, label) ?? `${NO_AGENT_NOW} Switch?`;
}

/**
 * agentsMovedQuestion's text as it holds now. Every provider (no provider in `target`): an agent
 * started for one account is moved to its provider's pool; one started for a pool is not moved.
 */
function movedText(services: Pick<AppServices, 'paths'>, target: ServeTarget, label?: string): string | undefined {
  const running = readRunningProxy(services.paths);
  if (!running || running.kind !== 'builtin') return undefined;
  const asked = target.account === undefined ? undefined : (label ?? target.account);
  const moves = (agent: RunningAgent) => (target.provider ? agent.provider !== target.provider || agent.account !== asked : agent.account !== undefined);
  const moved = agentsOnPort(services.paths, running.port).filter(moves);
  if (moved.length === 0) return undefined;
  const one = moved.length === 1;
  const named = moved.map((agent) => `${agent.agent} pid ${agent.pid}, started for ${agent.provider} / ${agent.account ?? 'its pool'}`).join('; ');
  const from = target.provider ? `from ${target.provider} / ${asked ?? 'its pool'}` : `from ${one ? 'its provider’s pool' : 'their providers’ pools'}, by the model asked for`;
  return sanitizeLine(`${countOf(moved.length, 'running agent')} (${named}) ${one ? 'uses' : 'use'} this proxy: switching it serves ${one ? 'that agent' : 'them'} ${from}. Switch?`);
}

/** `s`: start the proxy for the requested target, else the last one, else every provider. */
export async function startProxy({services, state, requested, progress}: ProxyActionContext): Promise<ActionResult> {
  if (!services.proxy) throw new UserError('no proxy supervisor in this session');
  if (isRunning(state)) {
    return {text: `the proxy is already ${state?.phase} (${actionKey('proxy.restart', 'proxy')} restarts it, ${actionKey('proxy.stop', 'proxy')} stops it)`, kind: 'info'};
  }
  const target = requested ?? state?.target ?? {};
  const found = target.provider && target.account ? await pinnedAccount(services, target.provider, target.account) : undefined;
  const pinned = found === 'gone' ? found : found?.account;
  if (pinned === 'gone') {
    // Removed meanwhile: its provider's pool, said so, rather than a start that fails the same way at every press.
    const result = await startAndSettle(services.proxy, {...target, account: undefined}, progress);
    return {...result, text: `${result.text} (${target.provider} ${sanitizeLine(target.account!)} was removed: the ${target.provider} pool instead)`};
  }
  // Paused meanwhile: said as `s` on the accounts screen says it (a proxy pinned to it would answer every request 503).
  if (pinned?.paused) {
    const onAccounts = (action: KeyAction) => `${actionKey(action, 'home')} on the accounts screen`;
    return {text: `${target.provider} ${found !== 'gone' && found ? found.label : sanitizeLine(target.account!)}, which the proxy served alone, is paused: ${onAccounts('account.pause')} resumes it; ${onAccounts('provider.serve')} serves the ${target.provider} pool`, kind: 'info'};
  }
  // Named as the screens name it (its nickname), not by the id the start was asked with.
  return startAndSettle(services.proxy, target, progress, found !== 'gone' ? found?.label : undefined);
}

/**
 * The account `ref` of `provider` as the files have it now, with its label among its provider's
 * (accountLabel), 'gone' when none is (undefined: the list could not be read, or `ref` names several:
 * the start goes on as asked and the proxy says what it finds).
 */
async function pinnedAccount(services: AppServices, provider: string, ref: string): Promise<PinnedAccount | 'gone' | undefined> {
  let accounts: readonly Account[];
  try {
    accounts = (await services.targets.current.accounts.load()).accounts;
  } catch {
    return undefined;
  }
  return pinnedIn(accounts, provider, ref);
}

interface PinnedAccount {
  account: Account;
  /** As the screens name it (its nickname). */
  label: string;
}

/** pinnedAccount on a list already read. */
function pinnedIn(accounts: readonly Account[], provider: string, ref: string): PinnedAccount | 'gone' | undefined {
  try {
    const account = findAccount(accounts, provider, ref);
    return {account, label: accountLabel(account, accounts.filter((a) => a.provider === provider))};
  } catch (error) {
    return error instanceof AmbiguousAccountError ? undefined : 'gone';
  }
}

/**
 * What `s` on the proxy screen would do now (startProxy), for the Serving row of a stopped proxy:
 * "s serves claude / work", "s serves the claude pool", "s serves every provider, …", or why it
 * would serve the pool or nothing (the account it served alone was removed, or is paused).
 * `accounts`: the list as shown (undefined while it loads: the account is named as asked).
 */
export function startServesText(target: ServeTarget, accounts: readonly Account[] | undefined): string {
  const key = actionKey('proxy.start', 'proxy');
  if (!target.provider) return `${key} serves ${SERVED_BY_MODEL}`;
  const provider = sanitizeLine(target.provider);
  if (!target.account) return `${key} serves the ${provider} pool`;
  const found = accounts && pinnedIn(accounts, target.provider, target.account);
  if (found === 'gone') return `${key} serves the ${provider} pool: ${sanitizeLine(target.account)}, served alone before, was removed`;
  const label = found ? sanitizeLine(found.label) : sanitizeLine(target.account);
  if (found?.account.paused) return `${provider} / ${label} is paused: ${key} starts nothing until ${actionKey('account.pause', 'home')} on the accounts screen resumes it`;
  return `${key} serves ${provider} / ${label}`;
}

/** What a start is for, as the status line says it: ` for claude / work`, or nothing (every provider). */
const targetText = (target: ServeTarget, label = target.account) => (target.provider ? ` for ${target.provider}${label ? ` / ${label}` : ''}` : '');

/**
 * Serving one provider (an account or its pool) narrows the whole proxy, not only its
 * `/api/provider/<p>/` routes: a client on the root URL (Claude Code's usual ANTHROPIC_BASE_URL)
 * moves with it. Said when `s` / `S` serve one, since that client did not ask for the change.
 */
const narrowedText = (target: ServeTarget) => (target.provider ? 'for root-URL clients too' : undefined);

/**
 * Starts (or restarts) the proxy and waits until it runs or fails, so the progress message ends with
 * the start and the result says how it ended (the status line never says "starting" beside a
 * running proxy). `label`: the account as the screen names it.
 */
export async function startAndSettle(proxy: NonNullable<AppServices['proxy']>, target: ServeTarget, progress?: (text: string) => void, label?: string, restart = false): Promise<ActionResult> {
  // A proxy started outside this TUI is never replaced: switched live when it can be, else left alone.
  const other = restart ? undefined : await proxy.runningElsewhere();
  if (other) return serveOnOther(proxy, other, target, progress, label);
  // Its own child switched live as one started elsewhere is: the requests under way (an agent's stream) go on.
  if (!restart && proxy.canServeOnChild(target)) return serveOnChild(proxy, target, progress, label);
  progress?.(`${restart ? 'restarting' : 'starting'} the proxy${targetText(target, label)}…`);
  if (!(await (restart ? proxy.restart() : proxy.start(target)))) return {text: `${restart ? 'restart' : 'start'} called off: the proxy was stopped meanwhile`, kind: 'info'};
  const state = await proxy.settled();
  // A start or restart never ends stopped by itself (a failure restarts or fails): `x` came meanwhile.
  if (state.phase === 'stopped') return {text: `${restart ? 'restart' : 'start'} called off: the proxy was stopped meanwhile`, kind: 'info'};
  if (state.phase === 'running') {
    const served = state.managed === 'adopted' ? state.target : target;
    const notes = [
      ...(state.managed === 'adopted' ? [originText(state)] : []),
      // A restart serves what it served: nothing moved.
      ...(restart ? [] : [narrowedText(served)].filter((n) => n !== undefined)),
    ];
    return {text: `proxy running on port ${state.port ?? '?'}${targetText(served, label)}${notes.length ? ` (${notes.join('; ')})` : ''}`, kind: 'ok'};
  }
  return {text: `the proxy did not start: ${state.lastError ?? state.phase}`, kind: 'error'};
}

/**
 * `s` / `S` while a proxy this TUI did not start runs (agents may point at its port): a built-in one
 * is switched to the target live (`/_ccs-tui/serve`: same port, no restart); otherwise nothing is
 * stopped and the message names the running proxy and the key that stops it.
 */
async function serveOnOther(proxy: NonNullable<AppServices['proxy']>, other: ProxyState, target: ServeTarget, progress?: (text: string) => void, label?: string): Promise<ActionResult> {
  const stopHint = `${actionKey('proxy.stop', 'proxy')} on the proxy screen stops it, then ${actionKey('proxy.start', 'proxy')} starts one in this TUI`;
  if (other.kind !== 'builtin') throw new UserError(`${adoptedText(other)} is running and, being the CLIProxyAPI binary, cannot switch accounts live; nothing was stopped (${stopHint})`);
  const what = servedText(target, label);
  progress?.(`switching ${adoptedText(other)} to ${what}…`);
  const serving = await proxy.serveOnAdopted(target);
  return {text: `${adoptedText(other)} now serves ${what}${!target.account && serving ? `, ${sanitizeLine(serving)} first` : ''} (switched live: same port, no restart${narrowedText(target) ? `; ${narrowedText(target)}` : ''})`, kind: 'ok'};
}

/** What a live switch serves, as its messages say it: "claude / work", "claude / its pool", or every provider by model. */
const servedText = (target: ServeTarget, label?: string) => (target.provider ? `${target.provider} / ${label ?? target.account ?? 'its pool'}` : SERVED_BY_MODEL);

/**
 * Whether to go on with what `does` (given whether one agent or several: `stopping the proxy leaves
 * that agent without one.`) would do to the agents on the proxy's port (agents.json), asking `ask`
 * (`Stop the proxy?`): true when none uses it or the person says yes; no question without a confirm
 * prompt. The question follows the agents while it is open (one that ends is no longer named).
 */
async function agentsAgree(services: AppServices, state: ProxyState, confirm: ProxyActionContext['confirm'], does: (one: boolean) => string, ask: string): Promise<boolean> {
  const using = () => (state.port ? agentsOnPort(services.paths, state.port) : []);
  if (using().length === 0 || !confirm) return true;
  return confirm(() => {
    const agents = using();
    return agents.length === 0 ? `${NO_AGENT_NOW} ${ask}` : `${agentsNamed(agents)} ${agents.length === 1 ? 'uses' : 'use'} this proxy: ${does(agents.length === 1)} ${ask}`;
  });
}

/** `s` / `S` / `a` while this TUI's own built-in proxy runs: switched to the target live (same port, no restart). */
async function serveOnChild(proxy: NonNullable<AppServices['proxy']>, target: ServeTarget, progress?: (text: string) => void, label?: string): Promise<ActionResult> {
  const what = servedText(target, label);
  progress?.(`switching the proxy to ${what}…`);
  const serving = await proxy.serveOnChild(target);
  const notes = ['switched live: same port, no restart', narrowedText(target)].filter((n) => n !== undefined);
  return {text: `proxy on port ${proxy.current.port ?? '?'} now serves ${what}${!target.account && serving ? `, ${sanitizeLine(serving)} first` : ''} (${notes.join('; ')})`, kind: 'ok'};
}

/**
 * `a`: serve every provider, each request by the model it asks for (what a start without a
 * provider serves): a running built-in proxy is switched live (same port, no restart; what `proxy
 * switch --every-provider` does), a stopped one starts so. Asks first when agents started for one
 * account would move to their provider's pool.
 */
export async function serveEveryProvider({services, state, progress, confirm}: ProxyActionContext): Promise<ActionResult> {
  if (!services.proxy) throw new UserError('no proxy supervisor in this session');
  if (state?.phase === 'starting' || state?.phase === 'stopping' || state?.phase === 'restarting') {
    return {text: `the proxy is ${state.phase === 'restarting' ? 'waiting to restart' : state.phase}; try again once it has`, kind: 'info', done: false};
  }
  // Not running here: one started elsewhere since (and not followed yet) is the one to switch.
  const running = state?.phase === 'running' ? state : await services.proxy.runningElsewhere();
  if (running && !running.target.provider) return {text: `the proxy already serves ${SERVED_BY_MODEL}`, kind: 'info', done: false};
  if (running) {
    const moved = agentsMovedQuestion(services, {});
    if (moved && confirm && !(await confirm(moved))) return {text: 'not switched: the proxy serves what it served', kind: 'info', done: false};
  }
  // Stopped: on the port it last had, if one was asked for.
  const port = running ? undefined : state?.target.port;
  return startAndSettle(services.proxy, port === undefined ? {} : {port}, progress);
}

/** `x`: stop the proxy (a proxy adopted from outside this TUI too). */
export async function stopProxy({services, state, progress, confirm}: ProxyActionContext): Promise<ActionResult> {
  if (!services.proxy || !state || state.phase === 'stopped') return {text: noProxyText(actionKey('proxy.start', 'proxy')), kind: 'info'};
  if (state.phase === 'stopping' && !state.replacing) return {text: 'the proxy is already stopping (a child is given up to 5 s)', kind: 'info'};
  // Agents that use it would lose it mid-task: asked first, as quitting asks.
  if (!(await agentsAgree(services, state, confirm, (one) => `stopping the proxy leaves ${one ? 'that agent' : 'them'} without one.`, 'Stop the proxy?'))) return {text: 'the proxy keeps running', kind: 'info'};
  // Stopping a proxy started elsewhere is what `x` asks for; the message says which one it was.
  const adopted = state.managed === 'adopted' && state.phase === 'running' ? adoptedText(state) : undefined;
  progress?.(`stopping ${adopted ?? 'the proxy'}…`);
  await services.proxy.stop();
  // adoptedText already says where it came from (a shell, the background, another TUI).
  return {text: adopted ? `stopped ${adopted}` : 'proxy stopped', kind: 'ok'};
}

/**
 * `R`: restart the proxy with the same target; an adopted background proxy restarts as one (same
 * port, outlives the TUI), one run elsewhere is refused with where to restart it.
 */
export async function restartProxy({services, state, progress, confirm}: ProxyActionContext): Promise<ActionResult> {
  if (!services.proxy) throw new UserError('no proxy supervisor in this session');
  // A restart that would be refused is refused before any question.
  const refused = services.proxy.restartRefusal?.();
  if (refused) throw new UserError(refused);
  // Their requests under way end with the old process (the new one takes the same port): asked first, as `x` asks.
  if (state?.phase === 'running' && !(await agentsAgree(services, state, confirm, (one) => `restarting the proxy cuts ${one ? 'that agent\'s' : 'their'} requests under way.`, 'Restart the proxy?'))) {
    return {text: 'the proxy keeps running (not restarted)', kind: 'info'};
  }
  const {target} = services.proxy.current;
  // A pinned account as the screens name it (its nickname), not by its id.
  const found = target.provider && target.account ? await pinnedAccount(services, target.provider, target.account) : undefined;
  return startAndSettle(services.proxy, target, progress, found && found !== 'gone' ? found.label : undefined, true);
}

/**
 * `r`: the running proxy moves the provider it serves to its next healthy account; a proxy serving
 * every provider moves the one this route asked for, else the one selected on the accounts screen.
 * The status line says the proxy's own answer (the account now first, or why none).
 */
export async function rotateProxy({services, state, requested, selectedProvider}: ProxyActionContext): Promise<ActionResult> {
  if (state?.phase === 'starting' || state?.phase === 'stopping' || state?.phase === 'restarting') {
    return {text: `the proxy is ${state.phase === 'restarting' ? 'waiting to restart' : state.phase}; rotation works once it is running`, kind: 'info'};
  }
  // Not running here: one started elsewhere since (and not followed yet) is the one to rotate.
  const running = state?.phase === 'running' ? state : await services.proxy?.runningElsewhere();
  if (!services.proxy || !running) return {text: `start the proxy first (${actionKey('proxy.start', 'proxy')})`, kind: 'info'};
  const provider = running.target.provider ?? requested?.provider ?? selectedProvider;
  if (!provider) return {text: `this proxy serves every provider: select one on the accounts screen (${actionKey('screen.accounts')}), then ${actionKey('account.rotate', 'proxy')} here`, kind: 'info'};
  try {
    const account = await services.proxy.rotate(provider);
    // Served alone, the pin moved: that account serves alone now, not "first" of a pool.
    const alone = running.pinned === true && running.target.provider === provider;
    return {text: `rotated: ${provider} now serves ${sanitizeLine(account)} ${alone ? 'alone' : 'first'}`, kind: 'ok'};
  } catch (error) {
    // The proxy's own "no" (one account only) is an answer, not an error of the proxy.
    if (error instanceof RotateRefusedError) return {text: sanitizeLine(error.message), kind: 'info', done: false};
    throw error;
  }
}

/**
 * `c`: copy the Claude Code exports (OSC 52, so it works over SSH). As `ccs-tui env` does, a
 * config.yaml without api-keys gets one generated and saved first, and the status says so.
 */
export async function copyProxyEnv({services, state, env, envError}: ProxyActionContext): Promise<ActionResult> {
  // Why there are none (config.yaml cannot be read) when that is known: never "not ready yet" for what waits on a fix.
  if (!env) return envError ? {text: `no exports: ${envError}`, kind: 'error'} : {text: 'the exports are not ready yet', kind: 'info'};
  // Exports the running proxy would answer with an error (it cannot serve Claude Code, or its only
  // account cannot serve) are not copied, as `ccs-tui env` prints none. Stopped, they are kept for
  // later (a login first), as the screen shows them.
  const running = state?.phase === 'running' || state?.phase === 'starting';
  const refused = env.unservable ? `cannot serve Claude Code: ${env.unservable}` : running ? env.noAccount : undefined;
  if (refused) return {text: `no exports copied: ${sanitizeLine(refused)}`, kind: 'error'};
  const [{exportLines}, {ensureApiKey, generatedKeyNote}] = await Promise.all([import('../../services/proxy/env.js'), import('../../services/proxy/api-key.js')]);
  const {config, generated} = await ensureApiKey(services.paths);
  const vars = env.vars.map((v) => (v.name === 'ANTHROPIC_AUTH_TOKEN' ? {...v, value: config.apiKeys[0]!} : v));
  services.clipboard.copy(`${exportLines({...env, vars}).join('\n')}\n`);
  // Kept for later, stopped: said to wait on what the exports box names (the running proxy's refusal).
  const later = env.noAccount ? '; not usable yet, as the exports box says' : '';
  const copied = `copied ${countOf(vars.length, 'export line')}${services.clipboard.caveat ?? ' (OSC 52)'}${later}`;
  return {text: generated ? `${generatedKeyNote(services.paths)}; ${copied}` : copied, kind: later ? 'info' : 'ok'};
}

/** Keymap action → the function it runs on the proxy screen. */
export const PROXY_ACTIONS = {
  'proxy.start': startProxy,
  'proxy.serveEvery': serveEveryProvider,
  'proxy.stop': stopProxy,
  'proxy.restart': restartProxy,
  'account.rotate': rotateProxy,
  'proxy.copyEnv': copyProxyEnv,
} as const satisfies Partial<Record<KeyAction, ProxyAction>>;
