// The real coding agents (Claude Code's native build, the Codex CLI), installed once per machine into
// a cache outside the package's dependencies: they are large, and users never download them with
// ccs-tui. Tests run with a throwaway HOME, so the cache is a fixed path ($CCS_TUI_AGENTS_CACHE, else
// /tmp/ccs-tui-agents-cache). A lock directory keeps parallel test files from installing twice
// (npm-cache.ts).
// When the registry cannot be reached the install fails and the tests skip, saying why.
import {execFile} from 'node:child_process';
import {existsSync} from 'node:fs';
import path from 'node:path';
import {promisify} from 'node:util';
import {installOnce} from './npm-cache.js';

const CLAUDE_PACKAGE = '@anthropic-ai/claude-code-linux-x64@2.1.332';
const CODEX_PACKAGE = '@openai/codex@0.171.0';

export const agentsCache = (): string => process.env.CCS_TUI_AGENTS_CACHE || '/tmp/ccs-tui-agents-cache';

/** A command line: the program and the arguments before the agent's own. */
export interface AgentCommand {
  file: string;
  args: string[];
}

export type Installed = AgentCommand | {skip: string};

const CLAUDE_BINARY = '@anthropic-ai/claude-code-linux-x64/claude';
const CODEX_LAUNCHER = '@openai/codex/bin/codex.js';
const inCache = (file: string) => path.join(agentsCache(), 'node_modules', file);

let installing: Promise<string | undefined> | undefined;

/**
 * Installs both agents in one npm run (a later install into the same prefix would prune a package
 * the cache's package.json does not list). Resolves to why it failed, or undefined.
 */
function installAgents(): Promise<string | undefined> {
  installing ??= installOnce(
    agentsCache(),
    () => existsSync(inCache(CLAUDE_BINARY)) && existsSync(inCache(CODEX_LAUNCHER)),
    async () => {
      await promisify(execFile)('npm', ['install', '--no-audit', '--no-fund', '--prefix', agentsCache(), CLAUDE_PACKAGE, CODEX_PACKAGE], {timeout: 10 * 60_000, maxBuffer: 16 * 1024 * 1024});
    },
  ).then(
    () => undefined,
    (error: unknown) => {
      const stderr = String((error as {stderr?: string}).stderr ?? '').trim().split('\n').slice(-3).join(' ');
      return `could not install ${CLAUDE_PACKAGE} and ${CODEX_PACKAGE} into ${agentsCache()} (no npm registry?): ${stderr || (error as Error).message}`;
    },
  );
  return installing;
}

async function ensure(binary: string, command: (file: string) => AgentCommand): Promise<Installed> {
  if (process.platform !== 'linux' || process.arch !== 'x64') return {skip: `the pinned agent builds are linux-x64 (this is ${process.platform}-${process.arch})`};
  const failed = await installAgents();
  if (failed) return {skip: failed};
  const file = inCache(binary);
  return existsSync(file) ? command(file) : {skip: `the agents' install left no ${file}`};
}

/** Claude Code's native binary (`claude`). */
export function ensureClaudeCode(): Promise<Installed> {
  return ensure(CLAUDE_BINARY, (file) => ({file, args: []}));
}

/** The Codex CLI: its node launcher, which runs the native build of @openai/codex-linux-x64. */
export function ensureCodex(): Promise<Installed> {
  return ensure(CODEX_LAUNCHER, (file) => ({file: process.execPath, args: [file]}));
}
