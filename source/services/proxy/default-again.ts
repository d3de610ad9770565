// `use` (the TUI's `u`) of the account that is already its provider's default, while the running
// proxy serves the provider's pool from another account (its strategy moved it on: the default's
// quota ran low, a cooldown). The registry already says it; the person still asks for this account.
import type {Account} from '../../core/types.js';
import type {AccountService} from '../../store/account-service.js';
import type {CcsPaths} from '../../store/paths.js';
import {fetchProxyStatus, lookAtRunningProxy, type ProxyLook} from './control.js';
import {readRunningProxy} from './pid-file.js';
import {waitText} from './ipc.js';
import {poolSwitchCommand} from './wording.js';
import {actionKey} from '../../core/keymap.js';

/**
 * Puts `account` (already the default, named `label` as the proxy names it) first in the running
 * proxy's pool when that serves another account of it now, by setting it as the default again (a
 * new `lastUsedAt`: the proxy takes that as a person putting it first, proxy/server.ts poolOf), and
 * says what the proxy serves after: `the proxy served work and now serves alice@example.com`, or
 * why it still serves the other (`alice@example.com is cooling 4m (…)`). Undefined, nothing
 * written, when no built-in proxy serves the provider's pool or it already serves `account`.
 */
export async function proxyToDefaultAgain(paths: CcsPaths, service: AccountService, account: Account, label: string, now: () => number = Date.now): Promise<string | undefined> {
  const running = readRunningProxy(paths);
  if (running?.kind !== 'builtin') return undefined;
  const before = await fetchProxyStatus(paths, running.port);
  if (!before || before.provider !== account.provider || before.pinned || !before.account || before.account === label) return undefined;
  await service.setDefault(account.provider, {id: account.id});
  const after = await fetchProxyStatus(paths, running.port);
  if (after?.account === label) return `the proxy served ${before.account} (the pool's own pick) and now serves ${label}`;
  const waiting = after?.cooling.find((c) => c.provider === account.provider && c.account === label && c.model === undefined);
  const why = waiting ? `${label} is ${waitText(waiting.until, now(), waiting.triedLast)} (${waiting.reason})` : `${label} cannot serve now`;
  return `the proxy still serves ${after?.account ?? before.account}: ${why}`;
}

/**
 * After the default of `provider` moved to `account` (`use`, `rotate`, the TUI's `u` and `r`): when
 * the running built-in proxy serves another account of that provider alone (`--account`, `ccs-tui
 * run` on an account), the default does not change what it serves: said, with the way to the pool
 * (`where` words it: the command line's commands or the TUI's keys). Undefined otherwise.
 */
export async function pinnedElsewhereNote(paths: CcsPaths, account: Account, label: string, where: 'cli' | 'tui' = 'cli', asked?: {proxy?: ProxyLook}): Promise<string | undefined> {
  // A proxy already asked (`rotate` asked it which account its pool serves) is not asked again: a wedged one would cost its timeout twice.
  const look = asked ? asked.proxy : await lookAtRunningProxy(paths);
  if (!look) return undefined;
  const {running, status} = look;
  if (!status?.pinned || status.provider !== account.provider || !status.account || status.account === label || status.accountId === account.id) return undefined;
  const toPool = where === 'tui' ? `${actionKey('provider.serve', 'home')} serves its pool` : `${poolSwitchCommand(account.provider)} serves its pool`;
  return `the running proxy (pid ${running.pid}, port ${running.port}) serves ${status.account} alone and keeps serving it; ${toPool}`;
}
