// The dispatcher: no arguments opens the TUI, otherwise the longest matching command name wins.
// Errors a person can act on (UserError, a corrupt file) are printed as one clear line, never a stack.
import {UserError} from '../core/types.js';
import {CorruptFileError} from '../store/files.js';
import {COMMANDS} from './commands/index.js';
import {makeContext, type CliIo, type CommandSpec} from './context.js';

const VERSION = '0.1.0';

export function helpText(): string {
  const column = 44;
  // Long usages put their summary on the next line, so the help fits 80 columns.
  const row = (usage: string, summary: string) =>
    usage.length < column ? `  ${usage.padEnd(column)}${summary}` : `  ${usage}\n  ${' '.repeat(column)}${summary}`;
  return [
    'ccs-tui: account manager for AI coding subscriptions (CCS / CLIProxyAPI files)',
    '',
    'usage:',
    row('ccs-tui', 'open the full-screen TUI (needs a terminal)'),
    ...COMMANDS.map((c) => row(`ccs-tui ${c.name.join(' ')} ${c.usage}`.trimEnd(), c.summary)),
    '',
    'The CCS dir is $CCS_DIR, else $CCS_HOME/.ccs, else ~/.ccs.',
    'Exit codes: 0 ok, 1 failure, 2 bad usage (quota: 3 when every account is exhausted).',
    '',
  ].join('\n');
}

function findCommand(args: string[]): {command: CommandSpec; rest: string[]} | undefined {
  let best: CommandSpec | undefined;
  for (const command of COMMANDS) {
    const matches = command.name.every((word, i) => args[i] === word);
    if (matches && (!best || command.name.length > best.name.length)) best = command;
  }
  return best && {command: best, rest: args.slice(best.name.length)};
}

export async function runCli(args: string[], io: CliIo): Promise<number> {
  if (args[0] === '--help' || args[0] === '-h' || args[0] === 'help') {
    io.stdout.write(helpText());
    return 0;
  }
  if (args[0] === '--version' || args[0] === '-V') {
    io.stdout.write(`${VERSION}\n`);
    return 0;
  }
  const ctx = makeContext(io);
  try {
    if (args.length === 0) {
      if (!io.stdout.isTTY || !io.stdin.isTTY) {
        io.stderr.write('ccs-tui: the full-screen TUI needs a terminal (stdin and stdout must be a TTY).\n' +
          'For scripts, use the commands instead: ccs-tui --help\n');
        return 2;
      }
      if (ctx.env.TERM === 'dumb') {
        io.stderr.write('ccs-tui: this terminal (TERM=dumb) cannot draw the full-screen TUI (no cursor movement).\n' +
          'Use the commands instead: ccs-tui accounts, ccs-tui login <provider>, ccs-tui --help\n');
        return 2;
      }
      const {startTui} = await import('../ui/start.js');
      return await startTui(ctx);
    }
    const found = findCommand(args);
    if (!found) {
      const near = COMMANDS.filter((c) => c.name[0] === args[0]).map((c) => `ccs-tui ${c.name.join(' ')} ${c.usage}`);
      io.stderr.write(`ccs-tui: unknown command "${args.join(' ')}"\n` +
        (near.length ? `did you mean:\n  ${near.join('\n  ')}\n` : 'see ccs-tui --help\n'));
      return 2;
    }
    if (found.rest.includes('--help') || found.rest.includes('-h')) {
      io.stdout.write(`usage: ccs-tui ${found.command.name.join(' ')} ${found.command.usage}\n  ${found.command.summary}\n`);
      return 0;
    }
    return await found.command.run(ctx, found.rest);
  } catch (error) {
    if (error instanceof UserError) {
      io.stderr.write(`ccs-tui: ${error.message}\n`);
      return error.exitCode;
    }
    if (error instanceof CorruptFileError) {
      io.stderr.write(`ccs-tui: ${error.message}\n`);
      return 1;
    }
    const err = error as NodeJS.ErrnoException;
    if (err.code === 'EACCES' || err.code === 'EPERM' || err.code === 'EROFS') {
      io.stderr.write(`ccs-tui: ${err.path ?? ''}: permission denied (${err.code})\n`);
      return 1;
    }
    io.stderr.write(`ccs-tui: unexpected error: ${err.stack ?? String(error)}\n`);
    return 1;
  }
}
