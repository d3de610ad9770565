// Everything the UI needs from the outside world, behind one React context. Components reach it with
// useServices(); tests build it with fakes (test/helpers/ink.ts). No component touches fs or timers.
import type {SuspendedTerminal} from './terminal.js';
import {createContext, useContext} from 'react';
import type {ChangedPaths, WatchedSettings, WatchTopic} from '../services/ccs-watch.js';
import type {ServiceDeps} from '../services/deps.js';
import type {ProxySupervisor} from '../services/proxy-supervisor.js';
import type {QuotaPoller} from '../services/quota/service.js';
import type {Targets} from '../services/targets.js';
import type {UnfinishedWork} from '../services/unfinished.js';

/** The services' dependency bag (paths, store, http, clock, browser, clipboard, env) plus the TUI's own parts. */
export interface AppServices extends Omit<ServiceDeps, 'settings'> {
  /** tui.json, read once and re-read when it changes (the TUI runs for hours). */
  settings: WatchedSettings;
  /** Calls `onChange` (debounced) when the topic's files in the CCS dir change; returns the unsubscribe. */
  watchCcsDir(onChange: (changed: ChangedPaths) => void, topic?: WatchTopic): () => void;
  /**
   * Leaves the full screen to run `task` in the foreground (a child process, an editor, a browser
   * that prints to the terminal, a URL alone on a page to select), then comes back and redraws.
   */
  suspend<T>(task: (terminal: SuspendedTerminal) => Promise<T>): Promise<T>;
  /** The proxy child of this TUI (or a proxy found running); stopped when the TUI quits. */
  proxy?: ProxySupervisor;
  /** Keeps every account's quota current while a screen shows it (absent: the cached numbers only). */
  quota?: QuotaPoller;
  /**
   * The live target (local files or a remote CLIProxyAPI server) and the switch between them: the
   * accounts, quota, rules and login screens act on `targets.current` (services/targets.ts).
   */
  targets: Targets;
  /** Work left running when its screen went (a login being stored): quitting waits for it, saying so. */
  unfinished: UnfinishedWork;
}

export const ServicesContext = createContext<AppServices | undefined>(undefined);

export function useServices(): AppServices {
  const services = useContext(ServicesContext);
  if (!services) throw new Error('useServices must be used inside the TUI shell');
  return services;
}
