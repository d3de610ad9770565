// The screen router. A route is {screen, params} on the stack in core/app-state.ts; this file maps
// it to a component and to the key scopes that are active while it shows.
//
// Contract for screens plugged in by other features (full text: source/ui/README.md):
// - a screen is a component taking ScreenProps (screen-types.ts): width, height, params,
//   navigate(screen, params), back(), setStatus(text, kind), confirm(prompt);
// - it is registered with one entry in screens/registry.ts (FEATURE_SCREENS), with its keymap scopes;
// - its keys run action functions from actions/ (status line or UserError), it does not command
//   services itself;
// - it receives keys through useScreenKeys({action: handler}) (keys.tsx), never Ink's useInput; a
//   focused text field gets raw keys through TextField / useTextCapture;
// - it reaches the world through useServices() and useAccounts(), never fs or timers in render;
// - until registered, its route shows a "not available yet" panel.
import type {KeyScope} from '../core/keymap.js';
import type {Route, ScreenId} from '../core/app-state.js';
import {NotAvailable} from './components/Chrome.js';
import {FEATURE_ROUTES, FEATURE_SCREENS, SHELL_SCREENS} from './screens/registry.js';
import type {ScreenProps, ScreenSpec} from './screen-types.js';

const placeholders = new Map<ScreenId, ScreenSpec>();

export function screenSpec(screen: ScreenId): ScreenSpec {
  if (screen === 'home' || screen === 'detail') return SHELL_SCREENS[screen];
  const spec = FEATURE_SCREENS[screen];
  if (spec) return spec;
  // One component per route, so re-renders do not remount it.
  if (!placeholders.has(screen)) {
    const {title} = FEATURE_ROUTES[screen];
    const Placeholder = ({width, height}: ScreenProps) => <NotAvailable title={title} width={width} height={height} />;
    placeholders.set(screen, {title, scopes: [], component: Placeholder});
  }
  return placeholders.get(screen)!;
}

/** The title bar's words for a route: its screen's, except a login of an account already there (L: a new login, or a new key). */
export function routeTitle(route: Route): string {
  if (route.screen === 'login' && route.params.accountId) return 'Log in again';
  return screenSpec(route.screen).title;
}

/** Scopes for key resolution and hints, most specific first; `global` last. */
export function routeScopes(route: Route): KeyScope[] {
  return [...screenSpec(route.screen).scopes, 'global'];
}

/** The number key of the tab a route belongs to (title bar). */
export function tabOf(route: Route): string {
  return {home: '1', detail: '1', login: '1', quota: '2', models: '3', proxy: '4', targets: ''}[route.screen];
}

export function ScreenView({route, ...props}: Omit<ScreenProps, 'params'> & {route: Route}) {
  const Component = screenSpec(route.screen).component;
  return <Component {...props} params={route.params} />;
}
