// `ccs-tui run [provider|account] [account] [--agent ID] [-- agent args…]`: the one-liner CCS's
// `ccs <profile> "prompt"` is. Starts (or reuses and switches) the proxy, points the agent at it and
// runs the agent in the foreground; the agent's exit code is ours.
import {sanitizeLine} from '../../core/sanitize.js';
import {parseCommandArgs, type CommandSpec} from '../context.js';
import {portValue} from './proxy.js';

const run: CommandSpec = {
  name: ['run'],
  usage: '[provider|account] [account] [--agent claude|codex|qwen|gemini] [--port N] [--force] [-- agent args…]',
  summary: 'run a coding agent on an account or a provider\'s pool through the proxy',
  async run(ctx, args) {
    const split = args.indexOf('--');
    const own = split === -1 ? args : args.slice(0, split);
    const agentArgs = split === -1 ? [] : args.slice(split + 1);
    const {values, positionals} = parseCommandArgs(this, own, {agent: {type: 'string'}, port: {type: 'string'}, force: {type: 'boolean'}}, {required: [], optional: ['provider|account', 'account']});
    const [{AccountStore}, {loadSettings}, launch, {clientProtocolProblem}, {liveModelListForCommands}] = await Promise.all([
      import('../../store/accounts.js'),
      import('../../store/settings.js'),
      import('../../services/agents/launch.js'),
      import('../../proxy/client-support.js'),
      import('../../proxy/live-models.js'),
    ]);
    const store = new AccountStore(ctx.paths);
    const {settings} = await loadSettings(ctx.paths);
    const target = await launch.resolveRunTarget(store, positionals[0], positionals[1]);
    const plan = await launch.planAgentRun({
      paths: ctx.paths,
      store,
      settings,
      env: ctx.env,
      agent: values.agent,
      target,
      protocolProblem: clientProtocolProblem,
      agentArgs,
      port: portValue(values.port),
      liveModels: await liveModelListForCommands(ctx.paths),
      // Launch on an account that is cooling down or whose refresh failed or got no answer, or with no model to name.
      force: Boolean(values.force),
    });
    for (const note of plan.notes) ctx.stderr.write(`ccs-tui: ${sanitizeLine(note)}\n`);
    // A warning's own line breaks (a cause, then the ways out) are kept; each line is cleaned.
    for (const warning of plan.warnings) ctx.stderr.write(`ccs-tui: warning: ${warning.split('\n').map(sanitizeLine).join('\n')}\n`);
    return launch.runAgentForeground(plan, ctx.paths);
  },
};

export const runCommands: readonly CommandSpec[] = [run];
