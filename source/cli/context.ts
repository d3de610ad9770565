// What every command gets: streams, environment and the CCS paths. Tests build one of these with
// in-memory streams instead of spawning the binary where they can.
import {parseArgs, type ParseArgsConfig} from 'node:util';
import {shellWord} from '../core/quote.js';
import {findProvider} from '../providers/table.js';
import {sanitizeLine} from '../core/sanitize.js';
import {maskedLine} from '../core/redact.js';
import {UserError} from '../core/types.js';
import {ccsPaths, resolveCcsDir, type CcsPaths} from '../store/paths.js';

/** An output stream, and its size when it is a terminal. */
export type OutputStream = NodeJS.WritableStream & {isTTY?: boolean; columns?: number; rows?: number};

export interface CliIo {
  stdout: OutputStream;
  stderr: OutputStream;
  stdin: NodeJS.ReadableStream & {isTTY?: boolean};
  env: NodeJS.ProcessEnv;
}

export interface CliContext extends CliIo {
  paths: CcsPaths;
  /** `--target NAME`: `local` (the files) or a remote server named in tui.json. */
  target: string;
}

export function makeContext(io: CliIo, target = 'local'): CliContext {
  return {...io, paths: ccsPaths(resolveCcsDir(io.env)), target};
}

export interface CommandSpec {
  /** Words that select the command: `['accounts']`, `['alias', 'add']`. */
  name: readonly string[];
  /** Arguments after the name, for `--help`: `<provider> <account> [--json]`. */
  usage: string;
  summary: string;
  /** More for `--help` after the usage and summary (e.g. login's provider ids), built when asked. */
  help?: () => string;
  run(ctx: CliContext, args: string[]): Promise<number>;
}

/** The flags a command accepts, in node:util parseArgs form. */
export type CommandOptions = NonNullable<ParseArgsConfig['options']>;

/** `--json`: the one flag of the commands that only report (stable JSON on stdout instead of text). */
export const JSON_FLAG = {json: {type: 'boolean'}} as const;

/**
 * Parses a command's arguments strictly. Unknown flags, missing values and wrong positional counts
 * become a UserError (exit 2) that names the flag or argument. `positionals`: their names, for the
 * messages; none by default.
 */
export function parseCommandArgs<O extends CommandOptions>(
  spec: Pick<CommandSpec, 'name' | 'usage'>,
  args: string[],
  options: O,
  positionals: {required: readonly string[]; optional?: readonly string[]} = {required: []},
) {
  const usage = `usage: ccs-tui ${spec.name.join(' ')} ${spec.usage}`;
  let parsed;
  try {
    parsed = parseArgs({args, options, allowPositionals: true, strict: true, tokens: true});
  } catch (error) {
    throw new UserError(`${flagProblem(spec, options, error as NodeJS.ErrnoException)}\n${usage}`, 2);
  }
  // A value given twice (`--provider claude --provider bob`): parseArgs keeps the last in silence,
  // and which one was meant is not known.
  const given = new Map<string, string>();
  for (const token of parsed.tokens ?? []) {
    if (token.kind !== 'option' || token.value === undefined || (options[token.name] as {multiple?: boolean} | undefined)?.multiple) continue;
    const before = given.get(token.name);
    // The values are not repeated: one may hold a key (a --base-url with user info or a query).
    if (before !== undefined && before !== token.value) throw new UserError(`--${token.name} is given twice, with two values; give it once\n${usage}`, 2);
    given.set(token.name, token.value);
  }
  const max = positionals.required.length + (positionals.optional?.length ?? 0);
  if (parsed.positionals.length < positionals.required.length) {
    const missing = positionals.required.slice(parsed.positionals.length);
    throw new UserError(`missing ${missing.map((m) => `<${m}>`).join(' ')}\n${usage}`, 2);
  }
  if (parsed.positionals.length > max) {
    const extra = sanitizeLine(parsed.positionals[max]!);
    // `ccs-tui quota claude`: most commands take the provider as an argument, these as a flag.
    const flag = max === 0 && 'provider' in options && (parsed.values as Record<string, unknown>).provider === undefined && findProvider(parsed.positionals[max]!) ? ` (the provider goes after --provider: ccs-tui ${spec.name.join(' ')} --provider ${shellWord(extra)})` : '';
    throw new UserError(`unexpected argument "${extra}"${flag}\n${usage}`, 2);
  }
  return parsed;
}

/**
 * node:util parseArgs's complaint in the command line's words: the command and the flags it takes
 * (`"use" takes no option --json (its options: --force)`), lower case as every other message.
 */
function flagProblem(spec: Pick<CommandSpec, 'name' | 'usage'>, options: CommandOptions, error: NodeJS.ErrnoException): string {
  const command = `"${spec.name.join(' ')}"`;
  // --target is read before the command's own flags (main.ts), by the commands whose usage names it.
  const flags = [...Object.entries(options).map(([name, option]) => `--${name}${option.type === 'string' ? ' VALUE' : ''}`), ...(/--target\b/.test(spec.usage) ? ['--target T'] : [])];
  const takes = flags.length > 0 ? `its options: ${flags.join(', ')}` : 'it takes no options';
  if (error.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    const flag = /'([^']*)'/.exec(error.message)?.[1] ?? '';
    return `${command} takes no option ${sanitizeLine(flag)} (${takes})`;
  }
  // A value missing or given to a switch (ERR_PARSE_ARGS_INVALID_OPTION_VALUE): said in these words,
  // never Node's (its wording changes between versions and advises `--` and `-XYZ`).
  const flag = /--[A-Za-z0-9][\w-]*/.exec(error.message)?.[0];
  const option = flag === undefined ? undefined : Object.hasOwn(options, flag.slice(2)) ? options[flag.slice(2)] : undefined;
  if (flag !== undefined && option?.type === 'string') {
    return /ambiguous/i.test(error.message)
      ? `${command}: ${flag} needs a value, not the option after it (a value that starts with "-" is written ${flag}=VALUE)`
      : `${command}: ${flag} needs a value (${flag} VALUE)`;
  }
  if (flag !== undefined && option?.type === 'boolean') return `${command}: ${flag} takes no value (it is a switch: ${flag} alone)`;
  const said = sanitizeLine(error.message.split('\n')[0]!.replace(/\. To specify.*$/s, ''));
  return `${command}: ${said.charAt(0).toLowerCase()}${said.slice(1)} (${takes})`;
}

/**
 * A failure that has data for --json besides its message (`env`: the exports and notes it would have
 * given). cli/run.ts answers it as every failure (failureJson), the data first.
 */
export class FailureWithData extends UserError {
  constructor(
    message: string,
    exitCode: 1 | 2 | 3 | 130,
    readonly data: Readonly<Record<string, unknown>>,
  ) {
    super(message, exitCode);
    this.name = 'FailureWithData';
  }
}

/**
 * The one --json shape of a failed command, on stdout: `{...data, error, exitCode}` (`error`: the
 * words of the stderr line; `exitCode`: the process's). Printed only by cli/run.ts.
 */
export function failureJson(error: string, exitCode: number, data?: Readonly<Record<string, unknown>>) {
  return {...data, error, exitCode};
}

/**
 * JSON output stays data (names are not altered), but never carries a raw control character to a
 * terminal: JSON.stringify already escapes C0 controls (ESC becomes \u001b); C1 controls (U+0080–U+009F,
 * e.g. the 8-bit CSI U+009B) and DEL are escaped here the same way. The parsed value is unchanged.
 */
export function printJson(ctx: CliIo, value: unknown): void {
  // JSON.stringify leaves DEL, the C1 controls, the bidi controls (a name that reads backwards on a
  // terminal: `\u202e`) and the line separators raw: escaped, the same JSON, nothing a terminal acts on.
  // eslint-disable-next-line no-control-regex
  const text = JSON.stringify(value, null, 2).replace(/[\u007f-\u009f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  ctx.stdout.write(`${text}\n`);
}

/**
 * Left-aligned columns, for the human-readable output of data commands. Widths are terminal cells
 * (core/cells.ts), so wide (CJK) and combining characters in names keep every column aligned.
 * Async because the cell measure is loaded here, on first use: loading it (string-width's Unicode
 * tables and expressions) costs more than `node -e 0`, and `--json` output never needs it.
 */
/**
 * Widest an account's name is shown in a table (terminal cells): a name of thousands of characters
 * (an email, a nickname, a file name a server sent) is cut with … (truncateName: an email keeps its
 * domain, a token file its end), so the columns after it stay on the screen. `--json` keeps it whole.
 */
const MAX_NAME_CELL = 64;

/** `names`: the columns that hold account names (cut to MAX_NAME_CELL). */
export async function formatTable(ctx: Pick<CliContext, 'paths' | 'target'>, rawRows: readonly (readonly string[])[], names: readonly number[] = []): Promise<string> {
  if (rawRows.length === 0) return '';
  const [{cellWidth, padCells, truncateName}, {credentialRedactor}] = await Promise.all([import('../core/cells.js'), import('../services/credential-redactor.js')]);
  const redactor = credentialRedactor(ctx.paths);
  // Cells hold names from files and the network: no escape sequence reaches the terminal. Each is
  // masked before it is made one line: a token wrapped over lines (base64 in a registry field) is
  // recognised by its line breaks, which the one-line form turns into spaces. A remote target's
  // tokens are unknown here: generic credential shapes too (as the output's own masking does).
  // Cut only once masked and made one line: a secret cut first would no longer be known, and its head shown.
  const rows = rawRows.map((row) =>
    row.map((cell, col) => {
      const shown = maskedLine(cell, (text) => redactor.redact(text, {patterns: ctx.target !== 'local'}));
      return names.includes(col) ? truncateName(shown, MAX_NAME_CELL) : shown;
    }),
  );
  const widths = rows[0]!.map((_, col) => Math.max(...rows.map((row) => cellWidth(row[col] ?? ''))));
  return rows.map((row) => row.map((cell, col) => (col === row.length - 1 ? cell : padCells(cell, widths[col]!))).join('  ')).join('\n') + '\n';
}
