// The screen table: each route's title, key scopes and component. Only the router imports it, and it
// imports only screens, so there is no circle: screens reach their actions in ../actions/, never here.
// Adding a screen: one import and one entry below (README.md). Until a route has a component, the
// router shows a "not available yet" panel for it.
import type {KeyScope} from '../../core/keymap.js';
import type {ScreenId, ScreenSpec} from '../screen-types.js';
import {DetailScreen} from './DetailScreen.js';
import {HomeScreen} from './HomeScreen.js';
import {LoginScreen} from './LoginScreen.js';
import {ModelsScreen} from './ModelsScreen.js';
import {ProxyScreen} from './ProxyScreen.js';
import {QuotaScreen} from './QuotaScreen.js';
import {TargetPicker} from './TargetPicker.js';

export type FeatureScreenId = Exclude<ScreenId, 'home' | 'detail'>;

/** The accounts screens the shell starts on. */
export const SHELL_SCREENS: Record<'home' | 'detail', ScreenSpec> = {
  home: {title: 'Accounts', scopes: ['home', 'list'], component: HomeScreen},
  detail: {title: 'Account', scopes: ['detail'], component: DetailScreen},
};

/** Title and key scopes of each feature route, used for the placeholder until the screen lands. */
export const FEATURE_ROUTES: Record<FeatureScreenId, {title: string; scopes: readonly KeyScope[]}> = {
  login: {title: 'Add account', scopes: ['login']},
  models: {title: 'Model rules', scopes: ['models', 'list']},
  quota: {title: 'Quota', scopes: ['quota', 'list']},
  proxy: {title: 'Proxy', scopes: ['proxy']},
  // Not 'list': the picker has no filter; its cursor keys and Enter are bound in the 'targets' scope.
  targets: {title: 'Targets', scopes: ['targets']},
};

export const FEATURE_SCREENS: Partial<Record<FeatureScreenId, ScreenSpec>> = {
  // 'list' too: j/k choose the login method when a provider has several.
  login: {...FEATURE_ROUTES.login, scopes: ['login', 'list'], component: LoginScreen},
  models: {...FEATURE_ROUTES.models, component: ModelsScreen},
  quota: {...FEATURE_ROUTES.quota, component: QuotaScreen},
  proxy: {...FEATURE_ROUTES.proxy, component: ProxyScreen},
  targets: {...FEATURE_ROUTES.targets, component: TargetPicker},
};
