// Every command of the command line, in the order `--help` lists them. Each feature adds its
// commands here; the dispatcher in run.ts knows nothing else about them.
// A group's module is loaded only when a command line names one of its first words: loading every
// command module (and what each imports) was a fifth of `accounts --json`'s start (DESIGN.md budget).
import type {CommandSpec} from '../context.js';

/** One command module: the first words of its commands' names, and its commands (loaded on demand). */
export interface CommandGroup {
  /** Every `name[0]` of the group's commands (test/cli/command-groups.test.ts keeps this true). */
  firstWords: readonly string[];
  load(): Promise<readonly CommandSpec[]>;
}

export const COMMAND_GROUPS: readonly CommandGroup[] = [
  {firstWords: ['accounts', 'use', 'rotate', 'rename', 'pause', 'resume', 'remove'], load: async () => (await import('./accounts.js')).accountCommands},
  {firstWords: ['login'], load: async () => (await import('./login.js')).loginCommands},
  {firstWords: ['models', 'alias', 'exclude'], load: async () => (await import('./models.js')).modelCommands},
  {firstWords: ['proxy', 'env'], load: async () => (await import('./proxy.js')).proxyCommands},
  {firstWords: ['quota'], load: async () => (await import('./quota.js')).quotaCommands},
  {firstWords: ['run'], load: async () => (await import('./run.js')).runCommands},
  {firstWords: ['use', 'native'], load: async () => (await import('./native.js')).nativeCommands},
  {firstWords: ['push', 'pull', 'fields', 'cooldown'], load: async () => (await import('./transfer.js')).transferCommands},
];

async function loadGroups(groups: readonly CommandGroup[]): Promise<CommandSpec[]> {
  return (await Promise.all(groups.map((group) => group.load()))).flat();
}

/** Every command, in `--help` order (loads every command module). */
export function allCommands(): Promise<CommandSpec[]> {
  return loadGroups(COMMAND_GROUPS);
}

/**
 * The commands whose name starts with `word`, in `--help` order: only their groups are loaded. The
 * only commands a command line can select (and the ones an unknown command's "did you mean" lists).
 */
export async function commandsStartingWith(word: string): Promise<CommandSpec[]> {
  const commands = await loadGroups(COMMAND_GROUPS.filter((group) => group.firstWords.includes(word)));
  return commands.filter((command) => command.name[0] === word);
}
