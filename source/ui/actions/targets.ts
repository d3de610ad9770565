// Target actions: switching the live target (the picker, key T), and which keys the live target does
// not offer and why (a remote CLIProxyAPI server has no default account, and this machine's proxy
// serves only local accounts). Those keys stay on screen: pressing one shows the reason.
import type {KeyAction} from '../../core/keymap.js';
import type {AccountOperation, AccountService} from '../../store/account-service.js';
import type {AppServices} from '../services.js';

/** The operation each key needs from the target; keys not listed work everywhere. */
const OPERATION_OF: Partial<Record<KeyAction, AccountOperation>> = {
  'account.default': 'default',
  'account.rotate': 'rotate',
  'account.serve': 'serve',
  'provider.serve': 'serve',
  'account.test': 'test',
  // Runs the agent through this machine's proxy; native mode writes this machine's token files.
  'account.launch': 'serve',
  'account.native': 'native',
  'account.clearCooldown': 'clear-cooldown',
  'proxy.start': 'proxy',
  'proxy.serveEvery': 'proxy',
  'proxy.restart': 'proxy',
};

/** Why `action` is not offered by `accounts` (the live target's), or undefined when it is. */
export function unavailableReason(accounts: AccountService, action: KeyAction): string | undefined {
  const operation = OPERATION_OF[action];
  return operation && accounts.unavailable(operation);
}

/** The keys the live target does not offer (the hint bar marks them). */
export function unavailableActions(accounts: AccountService): ReadonlySet<KeyAction> {
  return new Set((Object.keys(OPERATION_OF) as KeyAction[]).filter((action) => unavailableReason(accounts, action)));
}

/** Enter in the target picker: make `name` the live target (the accounts are then re-read). */
export async function switchTarget(services: AppServices, name: string): Promise<string> {
  const target = await services.targets.switchTo(name);
  return `target ${target.name}: ${target.where}`;
}
