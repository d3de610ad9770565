// Points a temp CCS dir at a stand-in server as the remote target `team` (key file 0600).
import {writeFileSync} from 'node:fs';
import path from 'node:path';
import {ManagementClient} from '../../../source/services/remote/client.js';
import {RemoteAccountStore} from '../../../source/services/remote/accounts.js';
import {RemoteLoginSession} from '../../../source/services/remote/login-session.js';
import type {LoginView} from '../../../source/services/oauth/login-session.js';
import assert from 'node:assert/strict';
import {afterEach, beforeEach} from 'node:test';
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

/**
 * remoteClaudeLogins() afresh for each test of the file (beforeEach; closed afterEach): the object
 * returned holds the current test's. `setup` runs on each (an oidc-provider setting).
 */
export function remoteClaudeLoginsEachTest(setup?: (logins: RemoteClaudeLogins) => void): RemoteClaudeLogins {
  const current = {} as RemoteClaudeLogins;
  beforeEach(async () => {
    Object.assign(current, await remoteClaudeLogins());
    setup?.(current);
  });
  afterEach(() => current.close());
  return current;
}
type RemoteClaudeLogins = Awaited<ReturnType<typeof remoteClaudeLogins>>;

/**
 * A remote Claude login on `store`, started as the TUI starts it (`relogin`: the account id asked
 * for). `until(kind or test)` waits up to 10 s for its view and fails naming the views it saw.
 */
export function startRemoteClaudeLogin(store: RemoteAccountStore, relogin?: string) {
  const views: LoginView[] = [];
  const session = new RemoteLoginSession({store, provider: 'claude', env: {}, browser: {open: async () => undefined}, relogin, onChange: (v) => void views.push(v)});
  session.start();
  const until = async (wanted: LoginView['kind'] | ((view: LoginView) => boolean)): Promise<LoginView> => {
    const done = typeof wanted === 'string' ? (view: LoginView) => view.kind === wanted : wanted;
    for (let i = 0; i < 1000 && !done(session.view); i++) await new Promise((r) => setTimeout(r, 10));
    assert.ok(done(session.view), `saw ${views.map((v) => v.kind).join(' → ')}`);
    return session.view;
  };
  return {session, views, until};
}
