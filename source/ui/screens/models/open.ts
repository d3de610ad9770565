// The rules screen key (3) pressed on a screen that shows a provider, and maybe one of its accounts:
// the rules screen opens on them, the rules the person was looking at (as the proxy screen's rotate
// acts on the provider selected on the accounts screen), not on the first provider.
import type {AppAction} from '../../../core/app-state.js';

/** The reset to the rules screen (as the shell's 1-4 keys reset) for `provider` and `accountId`, when known. */
export function rulesScreenFor(provider: string | undefined, accountId?: string): AppAction {
  return {type: 'reset', route: {screen: 'models', params: provider ? {provider, ...(accountId ? {accountId} : {})} : {}}};
}
