// Gemini token files as CLIProxyAPI writes them nest the credentials under `token` (PROVIDERS.md);
// ccs-tui reads them like flat files and writes each back in its own layout.
import assert from 'node:assert/strict';
import {readFileSync} from 'node:fs';
import {test} from 'node:test';
import {bearerFor, ensureFreshToken} from '../../source/services/refresh.js';
import {AccountStore} from '../../source/store/accounts.js';
import {DEFAULT_SETTINGS, type TuiSettings} from '../../source/store/settings.js';
import {makeTempCcs, tokenFixture} from '../helpers/ccs.js';
import {startFakeTokenServer} from '../helpers/fake-upstreams.js';

const soon = () => new Date(Date.now() + 60_000).toISOString();

async function refreshed(file: Record<string, unknown>) {
  const ccs = makeTempCcs();
  const tokens = await startFakeTokenServer();
  try {
    const path = ccs.writeToken('gemini-a@example.com.json', file);
    const settings: TuiSettings = {...DEFAULT_SETTINGS, endpoints: {gemini: {token: `${tokens.url}/token`}}};
    const store = new AccountStore(ccs.paths);
    const [account] = (await store.load()).accounts;
    const before = {expiresAt: account!.expiresAt, bearer: bearerFor('gemini', (await store.readToken(account!))!)};
    const fresh = await ensureFreshToken({store, settings}, 'gemini', account!.id);
    const sent = tokens.requests.at(-1)!;
    return {before, fresh, sent: Object.fromEntries(new URLSearchParams(sent.raw)), onDisk: JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>};
  } finally {
    await tokens.close();
    ccs.cleanup();
  }
}

test('a nested Gemini file is read like a flat one and refreshed in place, staying nested', async () => {
  const expiry = soon();
  const {before, fresh, sent, onDisk} = await refreshed({
    type: 'gemini',
    email: 'a@example.com',
    project_id: 'proj-1',
    token: {access_token: 'ya29.old-access-0123456789', refresh_token: '1//old-refresh-0123456789', expiry, token_type: 'Bearer', scopes: ['x']},
  });
  assert.equal(before.bearer, 'ya29.old-access-0123456789');
  assert.equal(before.expiresAt, expiry);
  assert.equal(sent.refresh_token, '1//old-refresh-0123456789', 'the nested refresh token is the one presented');
  assert.equal(fresh.access_token, 'refreshed-access-1-0123456789abcdef');
  assert.equal(onDisk.access_token, undefined, 'no flat copy of the credentials');
  assert.equal(onDisk.refresh_token, undefined);
  assert.equal(onDisk.expired, undefined);
  const nested = onDisk.token as Record<string, unknown>;
  assert.equal(nested.access_token, 'refreshed-access-1-0123456789abcdef');
  assert.equal(nested.refresh_token, 'refreshed-refresh-1-0123456789abcdef');
  assert.ok(Date.parse(String(nested.expiry)) > Date.parse(expiry));
  assert.equal(nested.token_type, 'Bearer', 'unknown nested fields survive');
  assert.deepEqual(nested.scopes, ['x']);
  assert.equal(onDisk.project_id, 'proj-1');
});

test('a flat Gemini file stays flat', async () => {
  const {sent, onDisk} = await refreshed(tokenFixture('gemini', 'a@example.com', {expired: soon(), last_refresh: new Date(Date.now() - 3600_000).toISOString()}));
  assert.equal(sent.refresh_token, 'rt-gemini-a@example.com-0123456789abcdef');
  assert.equal(onDisk.access_token, 'refreshed-access-1-0123456789abcdef');
  assert.equal(onDisk.token, undefined);
});
