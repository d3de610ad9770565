// `--target NAME` for every command: `local` (the files, the default) or a remote CLIProxyAPI server
// named in tui.json. Commands that work the same on both get an AccountService here; which commands
// work on a remote target at all, and how, is decided in commands/remote.ts.
import {UserError} from '../core/types.js';
import type {AccountService} from '../store/account-service.js';
import type {CliContext} from './context.js';

/** Removes `--target NAME` / `--target=NAME` from anywhere in argv. */
export function takeTargetFlag(args: readonly string[]): {target: string; rest: string[]} {
  const rest: string[] = [];
  let target = 'local';
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--') {
      rest.push(...args.slice(i));
      break;
    }
    if (arg === '--target' || arg.startsWith('--target=')) {
      const value = arg === '--target' ? args[++i] : arg.slice('--target='.length);
      if (!value || value.startsWith('-')) throw new UserError('option --target needs a target name (local, or one of tui.json "targets")', 2);
      target = value;
      continue;
    }
    rest.push(arg);
  }
  return {target, rest};
}

export const isRemote = (ctx: Pick<CliContext, 'target'>) => ctx.target !== 'local';

/** The remote side of a command: the target's store (with its management client). */
export async function openRemoteStore(ctx: CliContext) {
  const [{loadSettings}, {resolveTarget}, {ManagementClient}, {RemoteAccountStore}] = await Promise.all([
    import('../store/settings.js'),
    import('../store/targets.js'),
    import('../services/remote/client.js'),
    import('../services/remote/accounts.js'),
  ]);
  const {settings, problem} = await loadSettings(ctx.paths);
  if (problem) throw new UserError(`${problem.message}; cannot read the targets`);
  const target = resolveTarget(ctx.paths, settings, ctx.target, ctx.env);
  return new RemoteAccountStore(await ManagementClient.open(target));
}

/** Where `accounts`, `pause`, `resume`, `remove`, `rename` and `use` act. */
export async function openAccountService(ctx: CliContext): Promise<AccountService> {
  if (isRemote(ctx)) return openRemoteStore(ctx);
  const {AccountStore} = await import('../store/accounts.js');
  return new AccountStore(ctx.paths);
}
