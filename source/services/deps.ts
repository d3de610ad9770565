// The one dependency bag of the services: everything they need from the world, built once at
// start-up (by `worldDeps`: ui/app-services.ts for the TUI, the command for `ccs-tui login` and
// `quota`) and passed down. Tests build the same bag with fakes (a FakeClock, a recording browser,
// an HTTP client aimed at 127.0.0.1).
import {AccountStore} from '../store/accounts.js';
import type {CcsPaths} from '../store/paths.js';
import type {TuiSettings} from '../store/settings.js';
import {systemBrowser, type Browser} from './browser.js';
import {terminalClipboard, type Clipboard} from './clipboard.js';
import {systemClock, type Clock} from './clock.js';
import {undiciHttpClient, type HttpClient} from './http.js';

export interface ServiceDeps {
  paths: CcsPaths;
  store: AccountStore;
  /** tui.json as loaded at start-up (defaults where it is missing or broken). */
  settings: TuiSettings;
  http: HttpClient;
  clock: Clock;
  browser: Browser;
  clipboard: Clipboard;
  env: NodeJS.ProcessEnv;
}

/**
 * What a service call takes from the bag: the store and settings, plus `Extra`; HTTP and the clock
 * may be left out (undici and the system clock then). Logins, refreshes and quota fetches take this.
 */
export type ServiceNeeds<Extra extends keyof ServiceDeps = never> = Pick<ServiceDeps, 'store' | 'settings' | Extra> &
  Partial<Pick<ServiceDeps, 'http' | 'clock'>>;

/**
 * The bag with the real world behind it, for a CCS dir: undici, the system clock and browser, the
 * clipboard over OSC 52 on `output`. Settings are the caller's: a command reads tui.json once, the
 * TUI watches it (services/ccs-watch.ts).
 */
export function worldDeps(paths: CcsPaths, env: NodeJS.ProcessEnv, output: NodeJS.WritableStream): Omit<ServiceDeps, 'settings'> {
  const clock = systemClock;
  return {
    paths,
    store: new AccountStore(paths, () => new Date(clock.now())),
    http: undiciHttpClient,
    clock,
    browser: systemBrowser,
    clipboard: terminalClipboard(output, env),
    env,
  };
}
