// Accounts of a token type ccs-tui does not know (a file of a newer tool, `"type": "kiro"`): it lists
// them from their token files and can make one the default, rename, pause or remove it; nothing else.
// The keys that cannot work are left out of the hint bar (screens/account-format.ts accountHints) and,
// pressed anyway, say so on the status line (useActions.ts) instead of opening or starting anything.
import type {KeyAction} from '../../core/keymap.js';
import {sanitizeLine} from '../../core/sanitize.js';
import {findProvider} from '../../providers/table.js';

/** What each key would have done, for the refusal's words. */
const CANNOT: Partial<Record<KeyAction, (provider: string) => string>> = {
  'account.login': (p) => `log in to ${p}`,
  'account.relogin': (p) => `log in to ${p}`,
  'account.serve': (p) => `serve ${p} accounts`,
  'provider.serve': (p) => `serve ${p} accounts`,
  'account.launch': (p) => `run an agent on ${p} accounts`,
  'account.test': (p) => `refresh ${p} tokens`,
  'account.native': (p) => `put ${p} accounts into an agent's credential file`,
  'quota.refresh': (p) => `read the quota of ${p} accounts`,
};

/** The keys that cannot work for an unknown token type. */
export const UNKNOWN_TYPE_ACTIONS = Object.keys(CANNOT) as KeyAction[];

/** Whether ccs-tui knows `provider` (a token file's `type`): a row of the provider table. */
export const knownType = (provider: string): boolean => findProvider(provider) !== undefined;

/** Why `action` cannot be done for `provider`, a token type ccs-tui does not know; undefined when it can. */
export function unknownTypeRefusal(provider: string | undefined, action: KeyAction): string | undefined {
  const what = provider !== undefined && !knownType(provider) ? CANNOT[action] : undefined;
  return what && `ccs-tui cannot ${what(sanitizeLine(provider))} (unknown type: only listed from its token files)`;
}
