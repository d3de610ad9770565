// Real services for a CCS dir: the services' dependency bag (services/deps.ts) with tui.json watched,
// plus the TUI's own parts. Tests and benchmarks build the same thing with some parts replaced.
import {watchCcsDir, WatchedSettings} from '../services/ccs-watch.js';
import {worldDeps} from '../services/deps.js';
import {ProxySupervisor} from '../services/proxy-supervisor.js';
import {QuotaPoller} from '../services/quota/service.js';
import {Targets} from '../services/targets.js';
import type {CcsPaths} from '../store/paths.js';
import type {AppServices} from './services.js';
import {UnfinishedWork} from '../services/unfinished.js';

export function buildServices(paths: CcsPaths, env: NodeJS.ProcessEnv, output: NodeJS.WritableStream, suspend: AppServices['suspend']): AppServices {
  const deps = worldDeps(paths, env, output);
  const {store, clock} = deps;
  const settings = new WatchedSettings(paths, clock);
  const quota = new QuotaPoller({paths, store, clock});
  // The poller follows tui.json (intervals, endpoint overrides); the proxy supervisor reads it at
  // each start (no settings given), so a restarted proxy gets the current file.
  settings.subscribe(({settings: current}) => quota.updateSettings(current));
  void settings.load().catch(() => undefined); // starts watching tui.json now, not at the first screen that reads it
  const services: Omit<AppServices, 'targets'> = {
    ...deps,
    settings,
    watchCcsDir: (onChange, topic) => watchCcsDir(paths, onChange, clock, topic),
    suspend,
    proxy: new ProxySupervisor({paths, clock, env}),
    quota,
    unfinished: new UnfinishedWork(),
  };
  return withTargets(services);
}

/** Adds the target switch, starting on `local`, built on the services as given (tests replace some first). */
export function withTargets(services: Omit<AppServices, 'targets'>): AppServices {
  return {...services, targets: new Targets(services)};
}
