// An account a login creates is "Created" at the moment its token was made (`last_refresh`), which
// the detail's "Last used" reads too: a key stored across a second's edge read "Created" a second
// after "Last used" (found by a newcomer). A token brought from elsewhere keeps the store's clock.
import assert from 'node:assert/strict';
import {after, test} from 'node:test';
import {AccountStore} from '../../source/store/accounts.js';
import {makeTempCcs, tokenFixture} from '../helpers/ccs.js';

const NOW = new Date('2026-11-22T12:00:01.200Z');

for (const [name, lastRefresh, created] of [
  ['made by this login, in the second before: its moment', '2026-11-22T12:00:00.900Z', '2026-11-22T12:00:00.900Z'],
  ['made by this login, 9 minutes before (a slow device-code wait): its moment', '2026-11-22T11:51:01.200Z', '2026-11-22T11:51:01.200Z'],
  ['a token file from elsewhere, made yesterday: the store\'s clock', '2026-11-21T12:00:00.000Z', NOW.toISOString()],
  ['a moment in the future (a skewed clock): the store\'s clock', '2026-11-22T12:05:00.000Z', NOW.toISOString()],
  ['no moment that parses: the store\'s clock', 'soon', NOW.toISOString()],
  ['no moment at all: the store\'s clock', undefined, NOW.toISOString()],
] as const) {
  test(`a login's createdAt, token ${name}`, async () => {
    const ccs = makeTempCcs();
    after(() => ccs.cleanup());
    const store = new AccountStore(ccs.paths, () => NOW);
    const token = tokenFixture('claude', 'new@example.com', lastRefresh === undefined ? {} : {last_refresh: lastRefresh}) as Record<string, unknown>;
    if (lastRefresh === undefined) delete token.last_refresh;
    await store.saveLogin({provider: 'claude', token: token as never});
    const account = (await store.load()).accounts.find((a) => a.id === 'new@example.com')!;
    assert.equal(account.createdAt, created);
  });
}
