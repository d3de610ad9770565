import assert from 'node:assert/strict';
import {after, before, test} from 'node:test';
import {makeTempCcs, tokenFixture, type TempCcs} from '../helpers/ccs.js';
import {runBin} from '../helpers/cli.js';
import {quotaWindowFixture, writeQuotaCache} from '../helpers/quota.js';

const HOUR = 3600_000;
let ccs: TempCcs;

const window = (kind: string, usedPct: number) => quotaWindowFixture(Date.now(), kind, usedPct, 20 * HOUR, kind === '5h' ? 18000 : 604800);

before(() => {
  ccs = makeTempCcs();
  const ids = ['a', 'b', 'c', 'd'];
  for (const id of ids) ccs.writeToken(`claude-${id}.json`, tokenFixture('claude', `${id}@example.com`));
  ccs.writeRegistry({
    version: 1,
    providers: {
      claude: {
        default: 'a@example.com',
        accounts: Object.fromEntries(ids.map((id) => [`${id}@example.com`, {email: `${id}@example.com`, nickname: id, tokenFile: `claude-${id}.json`}])),
      },
    },
  });
  writeQuotaCache(ccs, new Date(), {
    claude: {
      'a@example.com': [window('5h', 50), window('weekly', 50)],
      // Next in turn, and its 5 h window is empty: but its week is used up.
      'b@example.com': [window('5h', 0), window('weekly', 100)],
      'c@example.com': [window('5h', 10), window('weekly', 70)],
      'd@example.com': [window('5h', 30), window('weekly', 20)],
    },
  });
});
after(() => ccs.cleanup());

async function rotate(strategy?: string, from = 'a'): Promise<string> {
  if (strategy) ccs.writeRaw('tui.json', JSON.stringify({rotation: {strategy}}));
  const use = await runBin(['use', 'claude', from], ccs.env);
  assert.equal(use.code, 0, use.stderr);
  const run = await runBin(['rotate', 'claude'], ccs.env);
  assert.equal(run.code, 0, run.stderr);
  return run.stdout.trim();
}

test('rotate follows tui.json rotation.strategy over the cached quota, never onto a used-up week', async () => {
  // most-headroom (default): d has 70 % room, c 30 %, b none.
  assert.equal(await rotate(), 'claude: a → d');
  // fill-first: the first account in order that can serve — c, since b's week is used up.
  assert.equal(await rotate('fill-first'), 'claude: a → c');
  // round-robin: next in turn after a, skipping b.
  assert.equal(await rotate('round-robin'), 'claude: a → c');
  assert.equal(await rotate('round-robin', 'c'), 'claude: c → d');
  assert.equal(await rotate('fill-first', 'c'), 'claude: c → a');
  assert.equal(await rotate('most-headroom', 'd'), 'claude: d → a');
});
