// The Claude Code exports as `ccs-tui env` prints them and the proxy screen shows them (one source):
// services/proxy/env.ts claudeCodeEnv with what only this layer has, the proxy's servability check
// and the live model list (asked within the proxy's routing limits) for a provider with no static list.
import type {ErrorSurface} from '../core/types.js';
import {claudeCodeEnv, type ClaudeCodeEnv} from '../services/proxy/env.js';
import type {CcsPaths} from '../store/paths.js';
import {loadSettings} from '../store/settings.js';
import {liveModelListForCommands} from './live-models.js';
import {claudeCodeServability} from './servability.js';

export interface ClaudeCodeExportsOptions {
  /** Generate an API key into config.yaml when it has none (false: the screen just looking). */
  generateKey?: boolean;
  /** Where the notes are shown: they name commands (`cli`) or the TUI's keys. */
  surface?: ErrorSurface;
  /** Called when the provider's live model list is about to be asked (a network wait follows). */
  onAskingLive?: () => void;
  /** The provider a running proxy serves on its root routes, and the account it serves alone (services/proxy/env.ts). */
  rootServes?: string;
  pinnedAccount?: string;
  pinnedAccountId?: string;
}

/** The exports for `providerId` (none: the root provider) on `port` (none: config.yaml's). */
export async function claudeCodeExports(paths: CcsPaths, providerId: string | undefined, port: number | undefined, options: ClaudeCodeExportsOptions = {}): Promise<ClaudeCodeEnv> {
  const {settings} = await loadSettings(paths);
  const liveModels = await liveModelListForCommands(paths);
  return claudeCodeEnv(paths, providerId, port, {generateKey: options.generateKey ?? true, surface: options.surface, whyCannotServe: claudeCodeServability(settings), liveModels, onAskingLive: options.onAskingLive, rootServes: options.rootServes, pinnedAccount: options.pinnedAccount, pinnedAccountId: options.pinnedAccountId});
}
