// Watches the CCS dir so edits by CCS, CLIProxyAPI or another ccs-tui show up in the TUI. Events are
// debounced (an atomic write is a create plus a rename). Directories that do not exist yet are
// picked up when their parent changes.
import fs from 'node:fs';
import path from 'node:path';
import type {CcsPaths} from '../store/paths.js';
import {quotaCacheFile} from './quota/cache.js';
import type {Clock} from './clock.js';

/** Which changes a watcher cares about: the account files, or the quota cache (written by the proxy too). */
export type WatchTopic = 'accounts' | 'quota';

export function watchCcsDir(paths: CcsPaths, onChange: () => void, clock: Clock, topic: WatchTopic = 'accounts', debounceMs = 150): () => void {
  const dirs = [paths.root, paths.cliproxy, paths.authDir, paths.pausedDir, paths.state];
  const watchers = new Map<string, fs.FSWatcher>();
  let cancelPending: (() => void) | undefined;
  let stopped = false;

  // Accounts change with token files, the registry and ccs-tui's account state; the quota topic is
  // its cache file. Never lock dirs or temp files of atomic writes (their rename is seen).
  const matters = (dir: string, name: string | null) => {
    if (!name) return true;
    if (name.endsWith('.lock') || name.endsWith('.tmp')) return false;
    if (topic === 'quota') return path.join(dir, name) === quotaCacheFile(paths);
    if (dir === paths.state) return path.join(dir, name) === paths.accountState;
    return true;
  };

  const fire = () => {
    cancelPending?.();
    cancelPending = clock.setTimeout(() => {
      cancelPending = undefined;
      if (stopped) return;
      attach();
      onChange();
    }, debounceMs);
  };

  const attach = () => {
    for (const dir of dirs) {
      if (watchers.has(dir)) continue;
      try {
        const watcher = fs.watch(dir, {persistent: false}, (_event, name) => {
          if (matters(dir, name === null ? null : String(name))) fire();
        });
        watcher.on('error', () => {
          watcher.close();
          watchers.delete(dir);
        });
        watchers.set(dir, watcher);
      } catch {
        // Not there (yet): attached on a later change of its parent.
      }
    }
  };

  attach();
  return () => {
    stopped = true;
    cancelPending?.();
    for (const watcher of watchers.values()) watcher.close();
    watchers.clear();
  };
}
