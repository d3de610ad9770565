// A running proxy ranks its pool (most-headroom) by the quota cache, and the TUI writes that cache
// when it fetches (`R` on the quota screen, its poll). The proxy looks at the file's stamp once a
// second while it ranks and reads it again when another process changed it: an account just seen
// used up leaves the ranking then, not up to 30 s later (a newcomer's ★ stayed on it, and requests
// went there first).
import assert from 'node:assert/strict';
import {test} from 'node:test';
import {quotaHooks} from '../../source/proxy/quota-hooks.js';
import {makeTempCcs, type TempCcs} from '../helpers/ccs.js';
import {accountFixture} from '../helpers/accounts.js';
import {quotaWindowFixture, writeQuotaCache} from '../helpers/quota.js';

const HOUR = 3600_000;

/** The cache as the TUI writes it: alice at `alicePct`, bob at 50 % of their 5-hour windows. */
function writeCache(ccs: TempCcs, at: number, alicePct: number): void {
  writeQuotaCache(ccs, new Date(at), {claude: {alice: [{...quotaWindowFixture(at, '5h', alicePct, 2 * HOUR, 18_000), observedAt: new Date(at).toISOString()}], bob: [{...quotaWindowFixture(at, '5h', 50, 2 * HOUR, 18_000), observedAt: new Date(at).toISOString()}]}});
}

test('another process\'s new quota (alice used up) moves the ranking within a look (a second), not at the 30 s reload', async () => {
  const ccs = makeTempCcs();
  let clock = Date.now();
  try {
    writeCache(ccs, clock - 60_000, 10);
    const hooks = quotaHooks(ccs.paths, () => clock);
    await hooks.load();
    const accounts = [accountFixture('alice'), accountFixture('bob')];
    assert.deepEqual(hooks.rank('claude', accounts), ['alice', 'bob']);

    // The TUI's fetch: alice used up, observed now (a new stamp on the file).
    writeCache(ccs, clock, 100);
    clock += 1500;
    hooks.rank('claude', accounts);
    await hooks.settled();
    clock += 1500;
    assert.deepEqual(hooks.rank('claude', accounts), ['bob'], 'alice is out of the ranking');
  } finally {
    ccs.cleanup();
  }
});
