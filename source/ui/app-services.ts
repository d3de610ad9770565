// Real services for a CCS dir: the services' dependency bag (services/deps.ts) with tui.json watched,
// plus the TUI's own parts. Tests and benchmarks build the same thing with some parts replaced.
import {watchCcsDir, WatchedSettings} from '../services/ccs-watch.js';
import {worldDeps} from '../services/deps.js';
import {ProxySupervisor} from '../services/proxy-supervisor.js';
import {QuotaPoller} from '../services/quota/service.js';
import type {CcsPaths} from '../store/paths.js';
import type {AppServices} from './services.js';

export function buildServices(paths: CcsPaths, env: NodeJS.ProcessEnv, output: NodeJS.WritableStream, suspend: AppServices['suspend']): AppServices {
  const deps = worldDeps(paths, env, output);
  const {store, clock} = deps;
  return {
    ...deps,
    settings: new WatchedSettings(paths, clock),
    watchCcsDir: (onChange, topic) => watchCcsDir(paths, onChange, clock, topic),
    suspend,
    proxy: new ProxySupervisor({paths, clock, env}),
    quota: new QuotaPoller({paths, store, clock}),
  };
}
