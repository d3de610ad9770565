// AccountStore.loadAccount reads one token file for a registered account: the account it returns is
// the one a full load() lists (default, paused, health), whichever account is the default and
// whichever are paused, by id or by token file (issue 14: it no longer builds the provider's others).
import assert from 'node:assert/strict';
import {test} from 'node:test';
import {AccountStore} from '../../source/store/accounts.js';
import {onTokenFileRead} from '../../source/store/tokens.js';
import {makeTempCcs, tokenFixture} from '../helpers/ccs.js';

const entry = (email: string, extra: Record<string, unknown> = {}) => ({email, tokenFile: `claude-${email}.json`, createdAt: '2026-01-01T00:00:00.000Z', ...extra});

for (const [name, defaultId, pausedIds] of [
  ['the registry names a default', 'c@x.com', []],
  ['no default named, the first is paused', undefined, ['a@x.com']],
  ['no default named, every one paused', undefined, ['a@x.com', 'b@x.com', 'c@x.com']],
  ['the default named is paused', 'b@x.com', ['b@x.com']],
  ['the default named has no entry', 'gone@x.com', []],
] as const) {
  test(`loadAccount equals the full load's account: ${name}`, async () => {
    const ccs = makeTempCcs();
    try {
      const emails = ['a@x.com', 'b@x.com', 'c@x.com'];
      for (const email of emails) ccs.writeToken(`claude-${email}.json`, tokenFixture('claude', email), (pausedIds as readonly string[]).includes(email) ? 'auth-paused' : 'auth');
      ccs.writeRegistry({
        version: 1,
        providers: {claude: {...(defaultId ? {default: defaultId} : {}), accounts: Object.fromEntries(emails.map((e) => [e, entry(e, (pausedIds as readonly string[]).includes(e) ? {paused: true} : {})]))}},
      });
      const full = (await new AccountStore(ccs.paths).load()).accounts;
      for (const account of full) {
        for (const ref of [{id: account.id}, {tokenFile: account.tokenFile}]) {
          const store = new AccountStore(ccs.paths);
          const reads: string[] = [];
          const stop = onTokenFileRead((file) => reads.push(file));
          try {
            assert.deepEqual(JSON.parse(JSON.stringify(await store.loadAccount('claude', ref))), JSON.parse(JSON.stringify(account)), `${JSON.stringify(ref)}`);
          } finally {
            stop();
          }
          assert.equal(reads.length, 1, `one token file read for ${JSON.stringify(ref)}`);
        }
      }
      // A paused account is never the default: with every one paused there is none.
      assert.equal(full.filter((a) => a.default).length, pausedIds.length === emails.length ? 0 : 1);
      assert.ok(!full.some((a) => a.default && a.paused), 'no paused default');
    } finally {
      ccs.cleanup();
    }
  });
}
