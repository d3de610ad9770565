// `ccs-tui --help`: every command's usage and summary, in columns that fit 80 cells.
import {cellWidth, padCells} from '../core/cells.js';
import {allCommands} from './commands/index.js';

export async function helpText(): Promise<string> {
  const commands = await allCommands();
  const column = 44;
  // Long usages put their summary on the next line, so the help fits 80 columns.
  const row = (usage: string, summary: string) =>
    cellWidth(usage) < column ? `  ${padCells(usage, column)}${summary}` : `  ${usage}\n  ${' '.repeat(column)}${summary}`;
  return [
    'ccs-tui: account manager for AI coding subscriptions (CCS / CLIProxyAPI files)',
    '',
    'usage:',
    row('ccs-tui', 'open the full-screen TUI (needs a terminal)'),
    ...commands.map((c) => row(`ccs-tui ${c.name.join(' ')} ${c.usage}`.trimEnd(), c.summary)),
    '',
    'The CCS dir is $CCS_DIR, else $CCS_HOME/.ccs, else ~/.ccs.',
    '--target NAME: act on a remote CLIProxyAPI server named in tui.json "targets"',
    '(default: local, the files).',
    '--json: the data on stdout; a failure as {"error", "exitCode"} there too, whatever the',
    'command. --help is text, --json or not.',
    'Exit codes: 0 ok, 1 failure, 2 bad usage; 3 is an answer with its data, not a failure',
    '(quota: every account is used up; proxy status: no proxy runs);',
    '141: the reader of the output went away (ccs-tui accounts | head), as for cat.',
    '--version (-v, -V): the version.',
    '',
  ].join('\n');
}
