// Points a temp CCS dir at a stand-in server as the remote target `team` (key file 0600).
import {writeFileSync} from 'node:fs';
import path from 'node:path';
import {ManagementClient} from '../../../source/services/remote/client.js';
import {RemoteAccountStore} from '../../../source/services/remote/accounts.js';
import type {RemoteTarget} from '../../../source/store/targets.js';
import type {TempCcs} from '../ccs.js';
import {OIDC_CLIENT_ID, startOidcServer, type OidcServer} from '../oidc.js';
import {startFakeCliproxy, type FakeCliproxy, type FakeCliproxyOptions} from './server.js';

export const MANAGEMENT_KEY = 'mgmt-key-5f2c9e7a1b3d4f60';

export async function remoteTarget(ccs: TempCcs, options: Partial<FakeCliproxyOptions> = {}, settings: Record<string, unknown> = {}): Promise<FakeCliproxy> {
  const stand = await startFakeCliproxy({key: MANAGEMENT_KEY, ...options});
  const keyFile = ccs.writeRaw('team.key', `${MANAGEMENT_KEY}\n`);
  writeFileSync(
    path.join(ccs.paths.root, 'tui.json'),
    JSON.stringify({...settings, targets: {team: {url: stand.url, managementKeyFile: keyFile}}}, null, 2),
    {mode: 0o600},
  );
  return stand;
}

/**
 * A stand-in server whose Claude logins run against an oidc-provider, and a RemoteAccountStore on it
 * (target `svc`): for tests of remote logins that drive RemoteLoginSession directly. Close both.
 */
export async function remoteClaudeLogins(): Promise<{oidc: OidcServer; stand: FakeCliproxy; store: RemoteAccountStore; close(): Promise<void>}> {
  const oidc = await startOidcServer();
  const stand = await startFakeCliproxy({
    key: MANAGEMENT_KEY,
    oauth: {anthropic: {clientId: OIDC_CLIENT_ID, authorize: `${oidc.issuer}/auth`, token: `${oidc.issuer}/token`, userinfo: `${oidc.issuer}/me`}},
  });
  const target: RemoteTarget = {name: 'svc', url: stand.url, keySource: 'test', insecureSkipVerify: false, readKey: async () => MANAGEMENT_KEY};
  const store = new RemoteAccountStore(await ManagementClient.open(target), () => Date.now());
  return {oidc, stand, store, close: async () => void (await Promise.all([stand.close(), oidc.close()]))};
}
