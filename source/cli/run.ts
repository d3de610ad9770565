// The dispatcher: no arguments opens the TUI, otherwise the longest matching command name wins.
// Errors a person can act on (UserError, a corrupt file) are printed as one clear line, never a stack.
import {problemText} from '../core/problems.js';
import {countOf} from '../core/wording.js';
import {sanitizeLine, sanitizeText} from '../core/sanitize.js';
import {UserError} from '../core/types.js';
import {describeUserError} from '../store/errors.js';
import {SettingsUnreadableError} from '../store/settings.js';
import {onSettingsProblem, onSettingsWarning, settingsProblemSaid} from '../store/settings-report.js';
import {onExposedSecret} from '../store/secret-files.js';
import {onLockWait} from '../store/lock-wait.js';
import {failureJson, FailureWithData, makeContext, printJson, type CliContext, type CliIo, type CommandSpec} from './context.js';
import {isRemote, takeTargetFlag} from './target.js';
import {ccsDirProblem} from '../store/paths.js';
import {shellWord} from '../core/quote.js';

const VERSION = '0.1.0';

/** An error message for the terminal: escapes stripped, credentials masked. */
async function redactedMessage(ctx: CliContext, message: string): Promise<string> {
  const [{credentialRedactor}, {SHOWN_TEXT}] = await Promise.all([import('../services/credential-redactor.js'), import('../core/redact.js')]);
  let redacted = message;
  try {
    // A remote target's tokens are unknown here: generic credential shapes are masked too.
    redacted = credentialRedactor(ctx.paths).redact(message, {...SHOWN_TEXT, patterns: isRemote(ctx)});
  } catch {
    // The token dirs themselves are unreadable (the very error being reported): nothing to match.
  }
  return sanitizeText(redacted);
}

function findCommand(commands: readonly CommandSpec[], args: string[]): {command: CommandSpec; rest: string[]} | undefined {
  let best: CommandSpec | undefined;
  for (const command of commands) {
    const matches = command.name.every((word, i) => args[i] === word);
    if (matches && (!best || command.name.length > best.name.length)) best = command;
  }
  return best && {command: best, rest: args.slice(best.name.length)};
}

/**
 * The context commands get: whatever they print passes the credential redactor, so no account's
 * token reaches stdout or stderr in full, whoever echoed it (a token endpoint, a usage endpoint).
 * Not for the TUI, which owns the terminal.
 */
async function redactedContext(ctx: CliContext): Promise<CliContext> {
  const {credentialRedactor} = await import('../services/credential-redactor.js');
  const redactor = credentialRedactor(ctx.paths);
  // A remote target's tokens are unknown here (its server holds them): generic credential shapes
  // (Bearer …, sk-ant-…, JWTs) are masked too, and its management key (remembered when it is read).
  const patterns = isRemote(ctx);
  const wrap = <S extends NodeJS.WritableStream>(stream: S): S =>
    new Proxy(stream, {
      get(target, property, receiver) {
        if (property !== 'write') {
          const value = Reflect.get(target, property, receiver) as unknown;
          return typeof value === 'function' ? value.bind(target) : value;
        }
        return (chunk: unknown, ...rest: unknown[]) =>
          (target.write as (...args: unknown[]) => boolean)(typeof chunk === 'string' ? redactor.redact(chunk, {patterns}) : chunk, ...rest);
      },
    });
  return {...ctx, stdout: wrap(ctx.stdout), stderr: wrap(ctx.stderr)};
}

/** How many exposed secret files the command line names one by one; the rest are counted in one line. */
const EXPOSED_NAMED = 3;

/**
 * The command line's printer of exposed secret files (store/secret-files.ts): the first few in full,
 * then one line at the command's end for the rest, with the one command that fixes them all (400
 * token files copied 0644 printed 800 lines before each command's output).
 */
function exposedSecretPrinter(stderr: NodeJS.WritableStream, root: string): {say: (message: string) => void; end: () => void} {
  let named = 0;
  let more = 0;
  const warn = (message: string) => stderr.write(`ccs-tui: ${problemText({severity: 'warning', message: sanitizeLine(message)})}\n`);
  return {
    say(message) {
      if (named < EXPOSED_NAMED) {
        named++;
        warn(message);
      } else more++;
    },
    end() {
      if (more > 0) warn(`and ${countOf(more, 'more secret file')} that group or others may read; each is rewritten 0600 on its next write (or now, all of them: chmod -R go-rwx ${shellWord(root)})`);
      more = 0;
    },
  };
}

/** The arguments that are ccs-tui's own: those before `--` (after it they are another program's: `ccs-tui run -- --help`). */
const ownArgs = (args: readonly string[]) => (args.includes('--') ? args.slice(0, args.indexOf('--')) : args);

const asksHelp = (args: readonly string[]) => args.includes('--help') || args.includes('-h');

/**
 * What is wrong with a command line no command matches, naming the words typed (not the flags after
 * them): `unknown command "nosuch"`, `"proxy" needs one of its commands` (`group`: the first word
 * starts commands), `"--json" is not a command` when no word was given.
 */
function unknownCommandText(args: readonly string[], group: boolean): string {
  const firstFlag = args.findIndex((arg) => arg.startsWith('-'));
  const words = (firstFlag < 0 ? args : args.slice(0, firstFlag)).map(sanitizeLine);
  if (words.length === 0) return `"${sanitizeLine(args[0]!)}" is not a command; options follow one`;
  if (group && words.length === 1) return `"${words[0]}" needs one of its commands`;
  return `unknown command "${words.join(' ')}"`;
}

/** The usage lines of the commands whose first word `typed` may be a typo of (core/wording.ts nearWords). */
async function commandsNear(typed: string): Promise<string[]> {
  const [{COMMAND_GROUPS, commandsStartingWith}, {nearWords}] = await Promise.all([import('./commands/index.js'), import('../core/wording.js')]);
  const words = nearWords(typed, [...new Set(COMMAND_GROUPS.flatMap((group) => group.firstWords))]);
  return (await Promise.all(words.map((word) => commandsStartingWith(word)))).flat().map((c) => `ccs-tui ${c.name.join(' ')} ${c.usage}`.trimEnd());
}

async function printHelp(io: CliIo): Promise<number> {
  // Loaded only here: the help's columns need the cell measure (core/cells.ts), which is slow to load.
  io.stdout.write(await (await import('./help.js')).helpText());
  return 0;
}

export async function runCli(args: string[], io: CliIo): Promise<number> {
  // Help is text for a person, whatever else was asked (`--json` too): README "Command line".
  if (args[0] === '--help' || args[0] === '-h' || args[0] === 'help') return printHelp(io);
  if (args[0] === '--version' || args[0] === '-V' || args[0] === '-v') {
    io.stdout.write(`${VERSION}\n`);
    return 0;
  }
  let ctx = makeContext(io);
  // Asked for --json, every failure is answered in JSON on stdout too (a script reads one stream):
  // an unknown command, or a command that takes no --json, included.
  // `--json=yes` too: refused (a switch takes no value), in JSON since JSON was asked for.
  const json = ownArgs(args).some((arg) => arg === '--json' || arg.startsWith('--json='));
  // The streams commands write to (credentials masked), once made.
  let out: CliIo = io;
  try {
    const {target, rest, problem: targetProblem} = takeTargetFlag(args);
    ctx = makeContext(io, target);
    args = rest;
    if (args.length === 0) {
      if (targetProblem) throw targetProblem;
      // `ccs-tui --target NAME` (`ccs-tui` alone goes to the TUI from main.ts).
      return await (await import('../ui/start.js')).openTui(io, target);
    }
    // Loaded here, after the TUI's branch: the commands and their stores are not the TUI's (its bundle
    // has its own), and loading them first delayed its first frame. Only the commands that start with
    // the first word are loaded: no other can match, and they are the "did you mean" list.
    const candidates = await (await import('./commands/index.js')).commandsStartingWith(args[0]!);
    const found = findCommand(candidates, args);
    if (!found) {
      const near = candidates.map((c) => `ccs-tui ${c.name.join(' ')} ${c.usage}`);
      // `ccs-tui --json --help` names no command: the whole help, as `ccs-tui --help`.
      if (asksHelp(ownArgs(args)) && ownArgs(args).every((arg) => arg.startsWith('-'))) return printHelp(io);
      // `ccs-tui proxy --help`: the group's commands are the help asked for.
      if (near.length > 0 && asksHelp(ownArgs(args))) {
        io.stdout.write(`usage:\n  ${near.join('\n  ')}\n`);
        return 0;
      }
      // A typo of a command's first word (`acounts`): the commands it may be, else the help.
      const typo = near.length > 0 || args[0]!.startsWith('-') ? [] : await commandsNear(args[0]!);
      const suggested = near.length > 0 ? near : typo;
      // A group's own commands are its usage (`ccs-tui proxy`); a typo's are guesses.
      const heading = near.length > 0 ? 'usage:' : 'did you mean:';
      throw new UserError(`${unknownCommandText(args, near.length > 0)}\n${suggested.length ? `${heading}\n  ${suggested.join('\n  ')}` : 'see ccs-tui --help'}`, 2);
    }
    if (targetProblem) throw targetProblem;
    if (asksHelp(ownArgs(found.rest))) {
      io.stdout.write(`usage: ccs-tui ${found.command.name.join(' ')} ${found.command.usage}\n  ${found.command.summary}\n${found.command.help?.() ?? ''}`);
      return 0;
    }
    // A CCS dir that is a file (CCS_DIR naming one): said as such, not as the first path under it a command meets.
    const dirProblem = ccsDirProblem(ctx.paths);
    if (dirProblem) throw new UserError(dirProblem, 2);
    const run = await redactedContext(ctx);
    out = run;
    // Every command that reads tui.json says so the same way when it is broken (store/settings-report.ts):
    // an error (no token is sent until it is fixed), as the TUI's banner says it (core/problems.ts).
    onSettingsProblem((message) => run.stderr.write(`ccs-tui: ${problemText({severity: 'error', message})}\n`));
    // A setting that works but is risky (an endpoint override in plain http:// to another machine): a warning, once.
    onSettingsWarning((message) => run.stderr.write(`ccs-tui: ${problemText({severity: 'warning', message})}\n`));
    // Every command that reads a secret file others may read (a token file, config.yaml with
    // api-keys) warns of it once, in store/secret-files.ts's words.
    const exposed = exposedSecretPrinter(run.stderr, ctx.paths.root);
    onExposedSecret(exposed.say);
    // A write waiting for a lock another process holds says so, once per lock: a command that only
    // waits would look hung (store/lock-wait.ts).
    const waitsSaid = new Set<string>();
    onLockWait((message) => {
      if (waitsSaid.has(message)) return;
      waitsSaid.add(message);
      run.stderr.write(`ccs-tui: ${message}\n`);
    });
    try {
      if (isRemote(ctx)) return await (await import('./commands/remote.js')).runOnTarget(run, found.command, found.rest);
      return await found.command.run(run, found.rest);
    } finally {
      exposed.end();
    }
  } catch (error) {
    return reportFailure(ctx, io, error, json, out);
  }
}

/** Says why the TUI, opened from main.ts (`ccs-tui` alone), failed to start, as a command's failure is said. */
export async function reportTuiFailure(io: CliIo, error: unknown): Promise<number> {
  return reportFailure(makeContext(io), io, error, false);
}

/**
 * Says why a command (or the TUI's start) failed, on stderr as one line, and on stdout as
 * `{error, exitCode}` when `json` was asked (`out`: the streams the command wrote to); resolves with
 * the exit code. Messages quote names from files and servers: shown without escapes, credentials masked.
 */
export async function reportFailure(ctx: CliContext, io: CliIo, error: unknown, json: boolean, out: CliIo = io): Promise<number> {
  const report = describeUserError(error);
  const message = report ? await redactedMessage(ctx, report.text) : `unexpected error: ${await redactedMessage(ctx, (error as Error | null)?.stack ?? String(error))}\n(a fault in ccs-tui; its trace names built bundle files: NODE_OPTIONS=--enable-source-maps names the source files)`;
  const exitCode = report?.exitCode ?? 1;
  // `{error, exitCode}` on stdout for --json (the same message as stderr's line, which stays for a person),
  // after the data a FailureWithData carries (env's exports and notes).
  if (json) printJson(out, failureJson(report ? message : message.split('\n')[0]!, exitCode, error instanceof FailureWithData ? error.data : undefined));
  // A command that stopped on a broken tui.json: its warning (just above) said the file, position and why.
  const said = error instanceof SettingsUnreadableError && settingsProblemSaid();
  io.stderr.write(`ccs-tui: ${said ? 'stopped until tui.json is fixed (the error above says where); nothing was sent' : message}\n`);
  return exitCode;
}
