// Native mode on the command line: `use --native <provider> <account>` writes the account into the
// agent's own credential file (services/native/), `native` lists which account each agent's file holds.
import {JSON_FLAG, parseCommandArgs, printJson, type CommandSpec} from '../context.js';
import {knownProvider} from './accounts.js';

const useNative: CommandSpec = {
  name: ['use', '--native'],
  usage: '<provider> <account> [--json]',
  summary: "write the account into the agent's own credential file (Claude Code, Codex, Gemini CLI, Qwen Code)",
  async run(ctx, args) {
    const {values, positionals} = parseCommandArgs(this, args, JSON_FLAG, {required: ['provider', 'account']});
    const provider = knownProvider(positionals[0]!);
    const [{AccountStore}, native, {accountLabel}] = await Promise.all([
      import('../../store/accounts.js'),
      import('../../services/native/sync.js'),
      import('../../core/accounts.js'),
    ]);
    const store = new AccountStore(ctx.paths);
    const result = await native.switchNative(store, provider, positionals[1]!, ctx.env);
    if (values.json) {
      printJson(ctx, {provider, file: result.file, from: result.from ?? null, to: result.to.id, savedOutgoing: result.savedOutgoing, corruptBackup: result.corruptBackup ?? null, foreignBackup: result.foreignBackup ?? null, warnings: result.warnings});
      return 0;
    }
    for (const warning of result.warnings) ctx.stderr.write(`ccs-tui: ${warning}\n`);
    if (result.corruptBackup) ctx.stderr.write(`ccs-tui: ${result.file} was not valid JSON; kept a copy at ${result.corruptBackup}\n`);
    if (result.foreignBackup) ctx.stderr.write(`ccs-tui: ${result.file} held a login that no ccs-tui account has; kept it at ${result.foreignBackup}\n`);
    const saved = result.savedOutgoing && result.from ? ` (saved the refreshed tokens of ${result.from} first)` : '';
    ctx.stdout.write(`${provider}: ${result.file} now holds ${accountLabel(result.to, (await store.load()).accounts)}${saved}\n`);
    return 0;
  },
};

const nativeStatus: CommandSpec = {
  name: ['native'],
  usage: '[--json]',
  summary: "which account each agent's own credential file holds (native mode); syncs what the agents refreshed",
  async run(ctx, args) {
    const {values} = parseCommandArgs(this, args, JSON_FLAG);
    const [{AccountStore}, native, {accountLabel}, {sanitizeLine}] = await Promise.all([
      import('../../store/accounts.js'),
      import('../../services/native/sync.js'),
      import('../../core/accounts.js'),
      import('../../core/sanitize.js'),
    ]);
    const store = new AccountStore(ctx.paths);
    // Entries whose file is no agent file are never acted on; they are named once, and the command fails.
    const {state, problems: stateProblems} = native.readNativeStateChecked(ctx.paths);
    for (const problem of stateProblems) ctx.stderr.write(`ccs-tui: ${problem}\n`);
    const exitCode = stateProblems.length > 0 ? 1 : 0;
    const rows = [];
    for (const [provider, holder] of Object.entries(state)) {
      const result = await native.syncNative(store, provider);
      // After the sync: a file may now hold another account (the agent wrote it), or be gone.
      for (const entry of native.readNativeState(ctx.paths)[provider]?.files ?? holder.files) {
        rows.push({provider, account: entry.account, file: entry.file, since: entry.since, saved: result.saved, problem: result.problem ?? null});
      }
    }
    if (values.json) {
      printJson(ctx, rows);
      return exitCode;
    }
    if (rows.length === 0) ctx.stdout.write('no account is in native mode (ccs-tui use --native <provider> <account>)\n');
    // Named as `use --native` names them (the label); the state file's text is data: sanitised.
    const {accounts} = rows.length > 0 ? await store.load() : {accounts: []};
    const label = (provider: string, id: string) => {
      const account = accounts.find((a) => a.provider === provider && a.id === id);
      return account ? accountLabel(account, accounts) : sanitizeLine(id);
    };
    for (const row of rows) {
      const problem = row.problem ? ` — ${sanitizeLine(row.problem)}` : '';
      ctx.stdout.write(`${row.provider}: ${label(row.provider, row.account)} in ${sanitizeLine(row.file)}${row.saved ? ' (picked up refreshed tokens)' : ''}${problem}\n`);
    }
    return exitCode;
  },
};

export const nativeCommands: readonly CommandSpec[] = [useNative, nativeStatus];
