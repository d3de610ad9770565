// The one dependency bag of the services: everything they need from the world, built once at
// start-up (ui/app-services.ts for the TUI; a command builds the parts it uses) and passed down.
// Tests build the same bag with fakes (a FakeClock, a recording browser, an HTTP client aimed at
// 127.0.0.1).
import type {AccountStore} from '../store/accounts.js';
import type {CcsPaths} from '../store/paths.js';
import type {TuiSettings} from '../store/settings.js';
import type {Browser} from './browser.js';
import type {Clipboard} from './clipboard.js';
import type {Clock} from './clock.js';
import type {HttpClient} from './http.js';

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
