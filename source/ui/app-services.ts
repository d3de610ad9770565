// Real services for a CCS dir. Tests and benchmarks build the same thing with some parts replaced.
import {systemBrowser} from '../services/browser.js';
import {terminalClipboard} from '../services/clipboard.js';
import {systemClock} from '../services/clock.js';
import {watchCcsDir, WatchedSettings} from '../services/ccs-watch.js';
import {undiciHttpClient} from '../services/http.js';
import {ProxySupervisor} from '../services/proxy-supervisor.js';
import {QuotaPoller} from '../services/quota/service.js';
import {AccountStore} from '../store/accounts.js';
import type {CcsPaths} from '../store/paths.js';
import type {AppServices} from './services.js';

export function buildServices(paths: CcsPaths, env: NodeJS.ProcessEnv, output: NodeJS.WritableStream, suspend: AppServices['suspend']): AppServices {
  const clock = systemClock;
  const store = new AccountStore(paths, () => new Date(clock.now()));
  return {
    paths,
    store,
    settings: new WatchedSettings(paths, clock),
    http: undiciHttpClient,
    clock,
    browser: systemBrowser,
    clipboard: terminalClipboard(output, env),
    env,
    watchCcsDir: (onChange, topic) => watchCcsDir(paths, onChange, clock, topic),
    suspend,
    proxy: new ProxySupervisor({paths, clock, env}),
    quota: new QuotaPoller({paths, store, clock}),
  };
}
