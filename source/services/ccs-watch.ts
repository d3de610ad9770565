// Watches the CCS dir so edits by CCS, CLIProxyAPI or another ccs-tui show up in the TUI. Events are
// debounced (an atomic write is a create plus a rename). Directories that do not exist yet are
// picked up when their parent changes, the CCS dir itself when the nearest dir above it that exists does.
import fs from 'node:fs';
import path from 'node:path';
import type {CcsPaths} from '../store/paths.js';
import {loadSettings, type LoadedSettings} from '../store/settings.js';
import {quotaCacheFile} from './quota/cache.js';
import type {Clock} from './clock.js';
import {nativeStatePath} from './native/sync.js';
import {proxyPidFilePath} from './proxy/pid-file.js';

/**
 * Which changes a watcher cares about: the account files, the quota cache (written by the proxy
 * too), tui.json, which proxy runs (tui/proxy.json, written by whoever starts one), or config.yaml.
 */
export type WatchTopic = 'accounts' | 'quota' | 'settings' | 'proxy' | 'config';

/**
 * What changed since the last call: the absolute paths heard, or undefined when an event named no
 * file (then anything may have changed).
 */
export type ChangedPaths = ReadonlySet<string> | undefined;

export function watchCcsDir(paths: CcsPaths, onChange: (changed: ChangedPaths) => void, clock: Clock, topic: WatchTopic = 'accounts', debounceMs = 150): () => void {
  const dirs = topic === 'settings' ? [paths.root] : topic === 'proxy' ? [paths.root, paths.state] : topic === 'config' ? [paths.root, paths.cliproxy] : [paths.root, paths.cliproxy, paths.authDir, paths.pausedDir, paths.state];
  const watchers = new Map<string, fs.FSWatcher>();
  let cancelPending: (() => void) | undefined;
  let stopped = false;

  // Accounts change with token files, the registry and ccs-tui's account state; the quota topic is
  // its cache file. Never lock dirs or temp files of atomic writes (their rename is seen).
  const matters = (dir: string, name: string | null) => {
    if (!name) return true;
    if (name.endsWith('.lock') || name.endsWith('.tmp')) return false;
    if (topic === 'quota') return path.join(dir, name) === quotaCacheFile(paths);
    if (topic === 'settings') return path.join(dir, name) === paths.settings;
    // The cliproxy dir itself appearing (root) lets the watcher attach to it.
    if (topic === 'config') return path.join(dir, name) === paths.config || path.join(dir, name) === paths.cliproxy;
    // The state dir itself appearing (root) lets the watcher attach to it.
    if (topic === 'proxy') return path.join(dir, name) === proxyPidFilePath(paths) || path.join(dir, name) === paths.state;
    if (dir === paths.state) return path.join(dir, name) === paths.accountState || path.join(dir, name) === nativeStatePath(paths);
    return true;
  };

  // The paths heard since the last onChange (undefined once an event named no file).
  let heard: Set<string> | undefined = new Set();
  const fire = (changed: string | null) => {
    if (changed === null) heard = undefined;
    else heard?.add(changed);
    cancelPending?.();
    cancelPending = clock.setTimeout(() => {
      cancelPending = undefined;
      if (stopped) return;
      const told = heard;
      heard = new Set();
      attachAll();
      onChange(told);
    }, debounceMs);
  };

  // A watched dir's own mode or times changing (a chmod, heard in it and in its parent, as Linux
  // tells a dir's attributes) changes none of the files read, and what changes inside it is heard
  // by its own watch. Still there as the same dir: nothing to tell. Gone or replaced: a change.
  const inodes = new Map<string, number>();
  const sameWatchedDir = (candidate: string) => {
    const ino = inodes.get(candidate);
    if (ino === undefined) return false;
    try {
      const stat = fs.statSync(candidate);
      return stat.isDirectory() && stat.ino === ino;
    } catch {
      return false;
    }
  };

  const attach = () => {
    for (const dir of dirs) {
      if (watchers.has(dir)) continue;
      try {
        const watcher = fs.watch(dir, {persistent: false}, (_event, name) => {
          const changed = name === null ? null : String(name);
          if (changed !== null && sameWatchedDir(changed === path.basename(dir) ? dir : path.join(dir, changed))) return;
          if (matters(dir, changed)) fire(changed === null ? null : path.join(dir, changed));
        });
        watcher.on('error', () => {
          watcher.close();
          watchers.delete(dir);
          inodes.delete(dir);
        });
        watchers.set(dir, watcher);
        inodes.set(dir, fs.statSync(dir).ino);
      } catch {
        // Not there (yet): attached on a later change of its parent.
      }
    }
  };

  // A CCS dir that does not exist yet (a first run: the first login creates it) has no parent among
  // the watched dirs: its nearest existing ancestor is watched for the next dir on the way to it.
  let lookout: {dir: string; watcher: fs.FSWatcher} | undefined;
  const watchForRoot = () => {
    if (fs.existsSync(paths.root)) {
      lookout?.watcher.close();
      lookout = undefined;
      return;
    }
    let dir = path.dirname(paths.root);
    while (!fs.existsSync(dir) && path.dirname(dir) !== dir) dir = path.dirname(dir);
    if (lookout?.dir === dir) return;
    lookout?.watcher.close();
    lookout = undefined;
    const toward = path.relative(dir, paths.root).split(path.sep)[0];
    try {
      const watcher = fs.watch(dir, {persistent: false}, (_event, name) => {
        if (name === null || String(name) === toward) fire(name === null ? null : path.join(dir, String(name)));
      });
      watcher.on('error', () => {
        watcher.close();
        if (lookout?.watcher === watcher) lookout = undefined;
      });
      lookout = {dir, watcher};
    } catch {
      // Not watchable (no permission): the dir is seen at the next start.
    }
  };
  const attachAll = () => {
    attach();
    watchForRoot();
  };

  attachAll();
  return () => {
    stopped = true;
    cancelPending?.();
    for (const watcher of watchers.values()) watcher.close();
    watchers.clear();
    lookout?.watcher.close();
    lookout = undefined;
  };
}

/**
 * tui.json for a long-running process (the TUI): read once, then re-read only when the file changes.
 * Everyone asks `load()` and gets the same read; `subscribe` hears each re-read. The watch starts
 * with the first `load()` and ends with `dispose()`.
 */
export class WatchedSettings {
  private loaded: Promise<LoadedSettings> | undefined;
  private stopWatching: (() => void) | undefined;
  private readonly listeners = new Set<(loaded: LoadedSettings) => void>();

  constructor(
    private readonly paths: CcsPaths,
    private readonly clock: Clock,
  ) {}

  load(): Promise<LoadedSettings> {
    this.stopWatching ??= watchCcsDir(this.paths, () => this.reread(), this.clock, 'settings');
    return (this.loaded ??= this.read());
  }

  /**
   * Reads tui.json now, whatever the watch heard (an edit saved a moment ago may not have reached
   * it yet): for a fresh start of something that uses the settings (a login's retry). Everyone
   * gets this read from then on; `subscribe` hears the change when the watch does.
   */
  reload(): Promise<LoadedSettings> {
    this.stopWatching ??= watchCcsDir(this.paths, () => this.reread(), this.clock, 'settings');
    return (this.loaded = this.read());
  }

  subscribe(listener: (loaded: LoadedSettings) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  dispose(): void {
    this.stopWatching?.();
    this.stopWatching = undefined;
  }

  /** A failed read (no permission) is not kept: the next `load()` tries again. */
  private read(): Promise<LoadedSettings> {
    const reading: Promise<LoadedSettings> = loadSettings(this.paths).catch((error: unknown) => {
      if (this.loaded === reading) this.loaded = undefined;
      throw error;
    });
    return reading;
  }

  private reread(): void {
    const next = this.read();
    this.loaded = next;
    next.then(
      (loaded) => {
        if (this.loaded === next) for (const listener of this.listeners) listener(loaded);
      },
      () => undefined,
    );
  }
}
