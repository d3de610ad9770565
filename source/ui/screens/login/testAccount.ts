// `t` on the home and detail screens: refresh the selected account's token now (a forced refresh),
// with the result in the status line. An account whose refresh token is dead is marked needs-login.
import {accountLabel} from '../../../core/accounts.js';
import {ensureFreshToken, NeedsLoginError} from '../../../services/refresh.js';
import {loadSettings} from '../../../store/settings.js';
import type {AccountActionContext} from '../registry.js';
import type {LoginServices} from './useLoginSession.js';

export async function testAccount({services, provider, account, setStatus, reload}: AccountActionContext): Promise<void> {
  if (!account) return setStatus('select an account to test', 'error');
  const label = accountLabel(account);
  setStatus(`testing ${provider} ${label}…`);
  const {settings} = await loadSettings(services.paths);
  try {
    const token = await ensureFreshToken(
      {store: services.store, settings, clock: services.clock, http: (services as LoginServices).http},
      provider,
      account.id,
      {force: true},
    );
    if (!token.refresh_token && token.api_key) setStatus(`${provider} ${label}: API-key account, nothing to refresh`, 'ok');
    else setStatus(`${provider} ${label}: token refreshed${token.expired ? `, valid until ${token.expired}` : ''}`, 'ok');
  } catch (error) {
    setStatus(`${provider} ${label}: ${(error as Error).message}${error instanceof NeedsLoginError ? '' : ' (not refreshed)'}`, 'error');
  } finally {
    await reload();
  }
}
