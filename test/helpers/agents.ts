// The real coding agents, installed once per machine into a cache outside the package's dependencies
// (tests run with a throwaway HOME, so the cache is a fixed path: $CCS_TUI_AGENTS_CACHE, else
// /tmp/ccs-tui-agents-cache). A test that needs an agent skips with the install's error when the
// registry cannot be reached.
import {execFileSync} from 'node:child_process';
import {existsSync, mkdirSync} from 'node:fs';
import path from 'node:path';
import {insideTokenDir, tokenDirs} from '../../source/store/paths.js';

export const AGENT_PACKAGES = ['@anthropic-ai/claude-code-linux-x64@2.1.332', '@openai/codex@0.171.0'] as const;

export const agentsCacheDir = () => process.env.CCS_TUI_AGENTS_CACHE || '/tmp/ccs-tui-agents-cache';

export interface InstalledAgents {
  /** Command line of the Claude Code binary (native build). */
  claude: string[];
  /** Command line of the Codex CLI (its node launcher). */
  codex: string[];
}

let cached: InstalledAgents | {skip: string} | undefined;

/** Installs (once) and returns the agents' command lines, or `{skip}` with why they are unavailable. */
export function installedAgents(): InstalledAgents | {skip: string} {
  if (cached) return cached;
  const dir = agentsCacheDir();
  if (insideTokenDir(dir)) return (cached = {skip: `${dir} is in a dir that holds credentials (${tokenDirs().join(', ')}): no cache is kept there`});
  const claude = path.join(dir, 'node_modules', '@anthropic-ai', 'claude-code-linux-x64', 'claude');
  const codex = path.join(dir, 'node_modules', '@openai', 'codex', 'bin', 'codex.js');
  if (!existsSync(claude) || !existsSync(codex)) {
    try {
      mkdirSync(dir, {recursive: true});
      execFileSync('npm', ['install', '--no-audit', '--no-fund', '--no-save', '--prefix', dir, ...AGENT_PACKAGES], {stdio: 'pipe', timeout: 300_000});
    } catch (error) {
      const stderr = String((error as {stderr?: Buffer}).stderr ?? '').trim().split('\n').slice(-3).join(' ');
      return (cached = {skip: `could not install the agents into ${dir} (${stderr || (error as Error).message})`});
    }
  }
  if (process.platform !== 'linux' || process.arch !== 'x64') return (cached = {skip: 'the pinned Claude Code build is linux-x64 only'});
  return (cached = {claude: [claude], codex: [process.execPath, codex]});
}
