// Running an agent from the accounts screens (`e`) and native mode (`N`). Inside tmux the agent gets
// its own window (or pane) and the TUI stays; otherwise the TUI suspends, the agent has the terminal,
// and the TUI comes back where it was.
import {accountLabel} from '../../core/accounts.js';
import {UserError, type Account} from '../../core/types.js';
import {articleFor} from '../../core/wording.js';
import {requireProvider} from '../../providers/table.js';
import {clientProtocolProblem} from '../../proxy/client-support.js';
import {agentSettings, LaunchNeedsForce, planAgentRun, runAgentForeground, type AgentPlan, type PlanOptions} from '../../services/agents/launch.js';
import {insideTmux, launchInTmux} from '../../services/agents/tmux.js';
import {switchNative} from '../../services/native/sync.js';
import type {AppServices} from '../services.js';
import type {ActionResult} from './result.js';
import type {Question} from '../shell.js';

/** The part of an account action's context (actions/accounts.ts) these actions use. */
interface AgentActionContext {
  services: AppServices;
  provider: string;
  account?: Account;
  /** A y/N question in the status area; resolves false for No (the default). */
  confirm(prompt: Question): Promise<boolean>;
  progress(text: string): void;
}

/** `e`: the agent on the selected account, or on the provider's pool when no account is selected. */
export async function launchAgent({services, provider, account, confirm, progress}: AgentActionContext): Promise<ActionResult | string> {
  const row = requireProvider(provider);
  const {settings} = await services.settings.load();
  const what = `${provider}${account ? ` / ${accountLabel(account)}` : ' pool'}`;
  progress(`preparing the agent for ${what}…`);
  const options: PlanOptions = {
    paths: services.paths,
    store: services.store,
    settings,
    env: services.env,
    target: {provider: row, account},
    protocolProblem: clientProtocolProblem,
    surface: 'tui',
    // Loaded here, not at start: it brings the HTTP client, which the first frame does without.
    liveModels: await (await import('../../proxy/live-models.js')).liveModelListForCommands(services.paths),
  };
  let plan: AgentPlan;
  try {
    plan = await planAgentRun(options);
  } catch (error) {
    // Trouble the person may still want (a cooling account, no model to name): asked, as `run --force` is.
    if (!(error instanceof LaunchNeedsForce)) throw error;
    // The question first: a long reason is cut at the screen's edge, the question must not be.
    if (!(await confirm(`${error.message}. Launch anyway?`))) return {text: `not launched: ${error.message}`, kind: 'info', done: false};
    plan = await planAgentRun({...options, force: true});
  }
  if (insideTmux(services.env)) {
    const where = agentSettings(settings).launchIn;
    const pid = await launchInTmux(plan, services.paths, where, services.env);
    const text = `${plan.agent.displayName} runs on ${what} in a new tmux ${where} (pid ${pid}, proxy port ${plan.port})`;
    return plan.warnings.length > 0 ? {text: withNotes(text, plan), kind: 'info'} : withNotes(text, plan);
  }
  const code = await services.suspend(() => runAgentForeground(plan, services.paths));
  return {text: withNotes(`${plan.agent.displayName} on ${what} exited with code ${code}`, plan), kind: code === 0 && plan.warnings.length === 0 ? 'ok' : code === 0 ? 'info' : 'error'};
}

/**
 * A status line with the plan's warnings after it (first: a person must not miss them), then its notes
 * (a proxy started in the background, which outlives the TUI, and how to stop it): what `ccs-tui run` says on stderr before the agent starts,
 * said here after it (the agent's screen would cover it).
 */
const withNotes = (text: string, plan: Pick<AgentPlan, 'notes' | 'warnings'>) => [text, ...plan.warnings.map((w) => `warning: ${w}`), ...plan.notes].join('; ');

/** `N`: the selected account goes into its agent's own credential file. */
export async function useNatively({services, provider, account}: AgentActionContext): Promise<string> {
  if (!account) throw new UserError(`select ${articleFor(provider)} ${provider} account to write into its agent's credential file`);
  const result = await switchNative(services.store, provider, account.id, services.env);
  const saved = result.savedOutgoing && result.from ? ` (saved the refreshed tokens of ${result.from} first)` : '';
  const kept = result.foreignBackup ? `; the login it held before is kept in ${result.foreignBackup}` : '';
  return `${result.file} now holds ${accountLabel(account)}${saved}${kept}`;
}
