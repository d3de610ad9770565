// Commands on a remote target (`--target NAME`). The account commands run unchanged on the target's
// AccountService ('same'); the others have a remote implementation here, talking to the server's
// Management API instead of this machine's files.
import type {CliContext, CommandSpec} from '../context.js';

type RemoteRun = (this: CommandSpec, ctx: CliContext, args: string[]) => Promise<number>;

export const REMOTE_COMMANDS: Record<string, 'same' | RemoteRun> = {
  accounts: 'same',
  use: 'same',
  rename: 'same',
  pause: 'same',
  resume: 'same',
  remove: 'same',
};
