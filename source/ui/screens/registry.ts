// Where feature screens and account actions plug into the shell. Each engineer adds ONE import and
// ONE entry below (keep the entries sorted as listed); nothing else in the shell needs to change.
// Until a route has an entry, the router shows a "not available yet" panel for it.
import type {Account} from '../../core/types.js';
import type {KeyScope} from '../../core/keymap.js';
import type {AppServices} from '../services.js';
import type {ScreenId, ScreenParams, ScreenSpec, StatusKind} from '../screen-types.js';
import {LoginScreen} from './LoginScreen.js';
import {testAccount} from './login/testAccount.js';
import {ModelsScreen} from './ModelsScreen.js';
import {ProxyScreen} from './ProxyScreen.js';
import {QuotaScreen} from './QuotaScreen.js';
import {refreshQuota} from './quota/refreshQuota.js';
import {serveAccount, serveProviderPool} from './proxy/serve.js';

export type FeatureScreenId = Exclude<ScreenId, 'home' | 'detail'>;

/** Title and key scopes of each feature route, used for the placeholder until the screen lands. */
export const FEATURE_ROUTES: Record<FeatureScreenId, {title: string; scopes: readonly KeyScope[]}> = {
  login: {title: 'Add account', scopes: ['login']},
  models: {title: 'Model rules', scopes: ['models', 'list']},
  quota: {title: 'Quota', scopes: ['quota', 'list']},
  proxy: {title: 'Proxy', scopes: ['proxy']},
};

export const FEATURE_SCREENS: Partial<Record<FeatureScreenId, ScreenSpec>> = {
  // 'list' too: j/k choose the login method when a provider has several.
  login: {...FEATURE_ROUTES.login, scopes: ['login', 'list'], component: LoginScreen},
  models: {...FEATURE_ROUTES.models, component: ModelsScreen},
  quota: {...FEATURE_ROUTES.quota, component: QuotaScreen},
  proxy: {...FEATURE_ROUTES.proxy, component: ProxyScreen},
};

/** What an account action gets when its key is pressed on the home or detail screen. */
export interface AccountActionContext {
  services: AppServices;
  provider: string;
  /** The selected account (undefined when the provider has none or the providers pane has focus on an empty one). */
  account?: Account;
  setStatus(text: string, kind?: StatusKind): void;
  navigate(screen: ScreenId, params?: ScreenParams): void;
  /** Re-reads the accounts from disk (after a change the file watcher might not see yet). */
  reload(): Promise<void>;
}

/**
 * Home/detail keys whose behaviour lives in other features (`t` test, `s`/`S` serve, `R` quota
 * refresh). The shell calls the entry when the key is pressed; a thrown error or rejected promise is
 * shown in the status line. Without an entry the key says "not available yet".
 */
export type AccountActionId = 'account.test' | 'account.serve' | 'provider.serve' | 'quota.refresh';
export const ACCOUNT_ACTIONS: Partial<Record<AccountActionId, (context: AccountActionContext) => unknown>> = {
  'account.test': testAccount,
  'account.serve': serveAccount,
  'provider.serve': serveProviderPool,
  'quota.refresh': refreshQuota,
};
