// `s` / `S` on the accounts screens: serve the selected account, or the provider's pool, with the
// TUI's proxy child, then show the proxy screen.
import {accountLabel} from '../../../core/accounts.js';
import type {AccountActionContext} from '../registry.js';

export async function serveAccount({services, provider, account, setStatus, navigate}: AccountActionContext): Promise<void> {
  if (!services.proxy) throw new Error('no proxy supervisor in this session');
  if (!account) throw new Error(`select a ${provider} account to serve (S serves the whole pool)`);
  await services.proxy.start({provider, account: account.id});
  setStatus(`starting the proxy for ${provider} / ${accountLabel(account)}`, 'info');
  navigate('proxy', {provider, accountId: account.id});
}

export async function serveProviderPool({services, provider, setStatus, navigate}: AccountActionContext): Promise<void> {
  if (!services.proxy) throw new Error('no proxy supervisor in this session');
  await services.proxy.start({provider});
  setStatus(`starting the proxy for the ${provider} pool`, 'info');
  navigate('proxy', {provider});
}
