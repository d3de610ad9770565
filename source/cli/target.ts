// `--target NAME` for every command: `local` (the files, the default) or a remote CLIProxyAPI server
// named in tui.json. Commands that work the same on both get an AccountService here; which commands
// work on a remote target at all, and how, is decided in commands/remote.ts.
import {UserError} from '../core/types.js';
import type {AccountService} from '../store/account-service.js';
import type {CliContext} from './context.js';

/**
 * Removes `--target NAME` / `--target=NAME` from anywhere in argv. A `--target` without a name is
 * returned as `problem` (exit 2), not thrown: the caller throws it once it knows whether the command
 * answers failures in --json.
 */
export function takeTargetFlag(args: readonly string[]): {target: string; rest: string[]; problem?: UserError} {
  const rest: string[] = [];
  let target = 'local';
  let problem: UserError | undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--') {
      rest.push(...args.slice(i));
      break;
    }
    if (arg === '--target' || arg.startsWith('--target=')) {
      const value = arg === '--target' ? args[++i] : arg.slice('--target='.length);
      if (!value || value.startsWith('-')) {
        problem = new UserError('option --target needs a target name (local, or one of tui.json "targets")', 2);
        // The next flag (`--target --json`) is the command's, not a name.
        if (value?.startsWith('-')) i--;
        continue;
      }
      target = value;
      continue;
    }
    rest.push(arg);
  }
  return {target, rest, ...(problem ? {problem} : {})};
}

export const isRemote = (ctx: Pick<CliContext, 'target'>) => ctx.target !== 'local';

/**
 * tui.json's settings, for the targets named there. Throws a UserError when `ctx.target` is not one
 * of them (naming the known ones) or tui.json cannot be read: every command on a remote target says
 * that first, before anything about the command itself.
 */
export async function loadTargetSettings(ctx: CliContext) {
  const [{loadSettings}, {requireTargetName, unreadableTargetsError}] = await Promise.all([import('../store/settings.js'), import('../store/targets.js')]);
  const {settings, problem} = await loadSettings(ctx.paths, {report: false});
  if (problem) throw unreadableTargetsError(problem.cause, ctx.target);
  requireTargetName(ctx.paths, settings, ctx.target);
  return settings;
}

/** The remote side of a command: the target's store (with its management client). */
export async function openRemoteStore(ctx: CliContext) {
  const [{resolveTarget}, {ManagementClient}, {RemoteAccountStore}] = await Promise.all([
    import('../store/targets.js'),
    import('../services/remote/client.js'),
    import('../services/remote/accounts.js'),
  ]);
  const settings = await loadTargetSettings(ctx);
  const target = resolveTarget(ctx.paths, settings, ctx.target, ctx.env);
  return new RemoteAccountStore(await ManagementClient.open(target));
}

/** Where `accounts`, `pause`, `resume`, `remove`, `rename` and `use` act. */
export async function openAccountService(ctx: CliContext): Promise<AccountService> {
  if (isRemote(ctx)) return openRemoteStore(ctx);
  const {AccountStore} = await import('../store/accounts.js');
  return new AccountStore(ctx.paths);
}
