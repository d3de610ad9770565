// An antigravity account id listed under both registry keys CCS uses (`agy` and `antigravity`), each
// naming another token file: every account list takes the first entry in the file's order. A
// one-account read (AccountStore.loadAccount, by id or by token file, as a refresh reads it inside its
// lock) must read that entry's file, not the other key's: it once built the account from one entry
// after reading the other's file, so it came out "token file not found" and its refresh-unknown mark
// went unseen: the refresh token, which may have been spent, was sent again.
import assert from 'node:assert/strict';
import http from 'node:http';
import type {AddressInfo} from 'node:net';
import {describe, it} from 'node:test';
import {tokenFingerprint} from '../../source/core/fingerprint.js';
import {ensureFreshToken} from '../../source/services/refresh.js';
import {AccountStore} from '../../source/store/accounts.js';
import {loadSettings} from '../../source/store/settings.js';
import {makeTempCcs, tokenFixture, type TempCcs} from '../helpers/ccs.js';

const RT = 'rt-agy-x-0123456789abcdef';

/** `x` under `agy` (agy-x.json) and under `antigravity` (antigravity-x.json), in `order`. */
function bothKeys(ccs: TempCcs, order: readonly ['agy' | 'antigravity', 'agy' | 'antigravity']) {
  ccs.writeToken('agy-x.json', tokenFixture('antigravity', 'x@x.com', {refresh_token: RT, expired: new Date(Date.now() - 60_000).toISOString()}));
  ccs.writeToken('antigravity-x.json', tokenFixture('antigravity', 'x2@x.com'));
  const entries = {agy: {accounts: {x: {tokenFile: 'agy-x.json'}}}, antigravity: {accounts: {x: {tokenFile: 'antigravity-x.json'}}}};
  ccs.writeRegistry({version: 1, providers: Object.fromEntries(order.map((key) => [key, entries[key]]))});
}

describe('an id under both `agy` and `antigravity`', () => {
  for (const order of [['agy', 'antigravity'], ['antigravity', 'agy']] as const) {
    it(`(${order.join(' first, then ')}) a one-account read is the account the list shows, by id and by token file`, async () => {
      const ccs = makeTempCcs();
      try {
        bothKeys(ccs, order);
        const listed = (await new AccountStore(ccs.paths).load()).accounts;
        assert.equal(listed.length, 2);
        for (const account of listed) {
          assert.notEqual(account.health, 'missing-token', account.id);
          for (const ref of [{id: account.id}, {tokenFile: account.tokenFile}]) {
            const one = await new AccountStore(ccs.paths).loadAccount('antigravity', ref);
            assert.deepEqual(JSON.parse(JSON.stringify(one)), JSON.parse(JSON.stringify(account)), JSON.stringify(ref));
          }
        }
      } finally {
        ccs.cleanup();
      }
    });
  }

  it('a refresh of the account marked "refresh unknown" sends nothing, its attempt record gone', async () => {
    const received: string[] = [];
    const server = http.createServer((req, res) => {
      let text = '';
      req.on('data', (d) => (text += d));
      req.on('end', () => {
        received.push(text);
        res.writeHead(200, {'content-type': 'application/json'});
        res.end(JSON.stringify({access_token: 'at-new-0123456789abcdef', refresh_token: 'rt-new-0123456789abcdef', expires_in: 3600}));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const ccs = makeTempCcs();
    try {
      ccs.writeRaw('tui.json', JSON.stringify({endpoints: {antigravity: {token: `http://127.0.0.1:${(server.address() as AddressInfo).port}/token`}}}));
      bothKeys(ccs, ['agy', 'antigravity']);
      // Sent once without an answer; the record of that attempt is gone, the mark is all that says so.
      ccs.writeRaw('tui/account-state.json', JSON.stringify({'antigravity/x': {refreshUnknown: {reason: 'no answer to the refresh sent', at: new Date().toISOString(), fingerprint: tokenFingerprint(RT)}}}));
      const store = new AccountStore(ccs.paths);
      const listed = (await store.load()).accounts.find((a) => a.tokenFile === 'agy-x.json')!;
      assert.equal(listed.health, 'refresh-unknown');
      const {settings} = await loadSettings(ccs.paths);
      const error = (await ensureFreshToken({store, settings}, 'antigravity', 'x').then(() => undefined, (e: unknown) => e)) as Error;
      assert.equal(error?.name, 'RefreshOutcomeUnknownError', error?.message);
      assert.deepEqual(received, [], 'the refresh token is never sent again');
    } finally {
      ccs.cleanup();
      server.close();
    }
  });
});
