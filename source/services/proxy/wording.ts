// How a running proxy is described to a person, one wording for `ccs-tui proxy status` and the TUI's
// proxy screen: what it serves, which accounts wait (cooling, tried last), and that none runs.
import {canServeNow} from '../../core/accounts.js';
import {formatCooldown} from '../../core/relative-time.js';
import {sanitizeLine} from '../../core/sanitize.js';
import {shellOption} from '../../core/quote.js';
import {countOf} from '../../core/wording.js';
import type {RunningAgent} from '../agents/running.js';
import type {LocalWaitEnded} from './control.js';
import type {Account} from '../../core/types.js';
import {TRIED_LAST_NOTE, type ProxyStatus} from './ipc.js';

// servingText lives beside describeEvent (ipc.ts), whose listening line says it too.
export {servingText, type ServingFacts} from './ipc.js';

/**
 * What a stop that left agents without the proxy they used says of them: which agents, and the
 * command that serves them again on `port` in the background, for what the proxy served (`target`:
 * its provider, and the account it served alone, by id). "1 running agent (claude pid 4242) used it
 * and has none now: ccs-tui proxy start --port 8317 --provider claude serves it again in the background".
 */
export function agentsLeftText(agents: readonly Pick<RunningAgent, 'agent' | 'pid'>[], port: number, target: {provider?: string; account?: string; accountGone?: boolean}): string {
  // An account served alone that cannot serve now (removed, paused) would refuse the start: its pool instead.
  const account = target.accountGone ? undefined : target.account;
  const command = ['ccs-tui proxy start', shellOption('port', String(port)), ...(target.provider ? [shellOption('provider', target.provider)] : []), ...(account ? [shellOption('account', account)] : [])].join(' ');
  const one = agents.length === 1;
  const pool = target.accountGone && target.provider ? ` (the ${target.provider} pool: the account it served alone cannot serve now)` : '';
  return `${agentsNamed(agents)} used it and ${one ? 'has' : 'have'} none now: ${command} serves ${one ? 'it' : 'them'} again in the background${pool}`;
}

/**
 * The command line's way from a proxy serving one account alone to its provider's pool, live on the
 * running proxy: `ccs-tui proxy switch --provider claude`.
 */
export function poolSwitchCommand(provider: string): string {
  return `ccs-tui proxy switch ${shellOption('provider', provider)}`;
}

/** Running agents as questions and notes name them: `1 running agent (claude pid 4242)`. */
export function agentsNamed(agents: readonly Pick<RunningAgent, 'agent' | 'pid'>[]): string {
  return `${countOf(agents.length, 'running agent')} (${agents.map((agent) => `${sanitizeLine(agent.agent)} pid ${agent.pid}`).join(', ')})`;
}

/** Usable accounts of `provider` (what its pool rotates over). */
export function poolSize(accounts: readonly Account[], provider: string, now: number): number {
  return accounts.filter((a) => a.provider === provider && canServeNow(a, now)).length;
}

/**
 * One line per waiting account of a status (`now`: epoch ms), e.g. "cooling: claude/me 1m 59s
 * (until 04:49:52) (rate limited)", or "tried last: … (upstream error 500, 2 in a row), still
 * serves when no other account can" for a server-error backoff (no bar: see ipc.ts TRIED_LAST_NOTE).
 */
export function coolingLines(cooling: ProxyStatus['cooling'] | undefined, now: number): string[] {
  // Every part is the proxy's answer (an unreadable `until` comes back as it is): the whole line is sanitised.
  return (cooling ?? []).map((c) =>
    c.model !== undefined
      ? sanitizeLine(`not asked for model ${c.model}: ${c.provider}/${c.account} ${formatCooldown(c.until, now)} (${c.reason}; a restart asks again)`)
      : sanitizeLine(`${c.triedLast ? 'tried last' : 'cooling'}: ${c.provider}/${c.account} ${c.triedLast ? 'for ' : ''}${formatCooldown(c.until, now)} (${c.reason})${c.triedLast ? `, ${TRIED_LAST_NOTE}` : ''}`),
  );
}

/** That no proxy runs, and how to start one (`how`: a command or a key). */
export const noProxyText = (how: string) => `no proxy is running (start one: ${how})`;

/**
 * What ending a wait did, as the TUI's status line and `cooldown clear` say it (`who`: the account as
 * the surface names it): `error` when the running proxy could not be asked (its own wait goes on),
 * `info` when there was none to end. A paused account is not tried whatever its wait.
 */
export function localWaitEndedText(result: LocalWaitEnded, who: string): {text: string; kind: 'ok' | 'info' | 'error'} {
  const {account, stored, held, running, proxyProblem} = result;
  const binary = running && running.kind !== 'builtin' ? '; the CLIProxyAPI binary running keeps its own wait' : '';
  if (proxyProblem) return {text: `${stored ? `ended the stored wait of ${who}, but` : `${who} had no stored wait, and`} the running proxy (port ${running?.port}) could not be asked to end its own: ${proxyProblem}`, kind: 'error'};
  if (!stored && !held) return {text: `${who} had no wait to end${binary}`, kind: 'info'};
  // The running proxy serving another account of the provider alone tries this one only once its pool serves.
  const elsewhere = running?.provider === account.provider && running.accountId !== undefined && running.accountId !== account.id;
  const next = account.paused
    ? `it is paused: resumed, it is tried at once`
    : running?.kind === 'builtin'
      ? elsewhere
        ? `the running proxy (port ${running.port}) serves another ${account.provider} account alone: it tries this one once it serves the pool`
        : `the running proxy (port ${running.port}) tries it again now`
      : 'a proxy started now tries it at once';
  return {text: `ended the wait of ${who}: ${next}${binary}`, kind: 'ok'};
}
