// A CCS dir for the quota dashboard (tests and the screenshot): the UI fixture (claude: work = alice
// (default), bob; codex: carol) plus claude dave, with cached quota relative to `now`.
import {tokenFixture, type TempCcs} from '../helpers/ccs.js';
import {quotaWindowFixture, writeQuotaCache} from '../helpers/quota.js';
import {makeUiCcs} from './fixtures.js';

const HOUR = 3600_000;

export function dashboardCcs(now: number = Date.now()): TempCcs {
  const ccs = makeUiCcs();
  ccs.writeToken('claude-dave@example.com.json', tokenFixture('claude', 'dave@example.com'));
  const w = (...args: [string, number | null, number | null, number]) => quotaWindowFixture(now, ...args);
  writeQuotaCache(ccs, new Date(now - 2 * 60_000), {
    claude: {
      // Half the week gone, 81 % used: over pace, runs out before the reset.
      'alice@example.com': [w('5h', 42, 2 * HOUR + 10 * 60_000, 18000), w('weekly', 81, 84 * HOUR, 604800), w('weekly:opus', 30, 84 * HOUR, 604800)],
      // A fine 5 h window, but the week is used up.
      'bob@example.com': [w('5h', 0, null, 18000), w('weekly', 100, 20 * HOUR, 604800)],
      'dave@example.com': [w('5h', 10, 4 * HOUR, 18000), w('weekly', 20, 100 * HOUR, 604800)],
    },
    codex: {'carol@example.com': [w('weekly', null, 50 * HOUR, 604800)]},
  });
  return ccs;
}
