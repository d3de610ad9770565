// Columns in terminal cells everywhere: a CJK nickname (two cells a character), an email with a
// combining accent (no cell of its own) and a CJK model window label keep every screen inside the
// terminal and the quota columns straight, at 80 and 160 columns.
import {cleanUp, renderTui, type TuiHandle} from '../helpers/ink.js';
import assert from 'node:assert/strict';
import {afterEach, test} from 'node:test';
import {cellWidth} from '../../source/core/cells.js';
import type {Route} from '../../source/core/app-state.js';
import {makeTempCcs, tokenFixture, type TempCcs} from '../helpers/ccs.js';
import {FakeClock} from '../helpers/fake-clock.js';
import {quotaWindowFixture, writeQuotaCache} from '../helpers/quota.js';

let ccs: TempCcs | undefined;
let tui: TuiHandle | undefined;
afterEach(() => ([tui, ccs] = cleanUp(tui, ccs)));

const NOW = Date.parse('2026-11-22T12:00:00Z');
const HOUR = 3600_000;
const ACCENTED = 'jose\u0301@example.com';

function cjkCcs(): TempCcs {
  const made = makeTempCcs();
  made.writeToken('claude-anna@example.com.json', tokenFixture('claude', 'anna@example.com'));
  made.writeToken('claude-jose.json', tokenFixture('claude', ACCENTED));
  made.writeRegistry({
    version: 1,
    providers: {
      claude: {
        default: 'anna@example.com',
        accounts: {
          'anna@example.com': {email: 'anna@example.com', nickname: '安娜工作', tokenFile: 'claude-anna@example.com.json'},
          [ACCENTED]: {email: ACCENTED, tokenFile: 'claude-jose.json'},
        },
      },
    },
  });
  const w = (...args: [string, number | null, number | null, number]) => quotaWindowFixture(NOW, ...args);
  writeQuotaCache(made, new Date(NOW - 60_000), {
    claude: {
      'anna@example.com': [w('5h', 40, 2 * HOUR, 18000), w('weekly:模型プロ', 30, 80 * HOUR, 604800)],
      [ACCENTED]: [w('5h', 10, 3 * HOUR, 18000), w('weekly:opus', 50, 90 * HOUR, 604800)],
    },
  });
  return made;
}

const routes: Route[] = [
  {screen: 'home', params: {}},
  {screen: 'detail', params: {provider: 'claude', accountId: 'anna@example.com'}},
  {screen: 'quota', params: {}},
  {screen: 'models', params: {}},
  {screen: 'proxy', params: {}},
];

for (const width of [80, 160]) {
  for (const route of routes) {
    test(`${route.screen} at ${width} columns: no line wider than the terminal with CJK and combining text`, async () => {
      ccs = cjkCcs();
      tui = await renderTui({paths: ccs.paths, width, height: 30, route, services: {clock: new FakeClock(NOW), quota: undefined}});
      const frame = await tui.waitFor(route.screen === 'models' || route.screen === 'proxy' ? /\S/ : '安娜工作');
      await new Promise((r) => setTimeout(r, 100));
      for (const line of tui.frame().split('\n')) assert.ok(cellWidth(line) <= width, `wider than ${width}: ${line}\n${frame}`);
    });
  }
}

test('quota at 160 columns: the CJK window label takes its cells, so the bars and percentages line up with the other rows', async () => {
  ccs = cjkCcs();
  tui = await renderTui({paths: ccs.paths, width: 160, height: 30, route: {screen: 'quota', params: {}}, services: {clock: new FakeClock(NOW), quota: undefined}});
  const frame = await tui.waitFor('week 模型');
  const lines = frame.split('\n');
  const bars = lines.filter((l) => l.includes('█'));
  const cjk = bars.find((l) => l.includes('week 模型'))!;
  const plain = bars.find((l) => l.includes('week opus'))!;
  // The second cell (the weekly window) starts at the same terminal column on both rows.
  const at = (line: string, text: string) => cellWidth(line.slice(0, line.indexOf(text)));
  assert.equal(at(cjk, 'week '), at(plain, 'week '), frame);
  assert.equal(at(cjk, '30%'), at(plain, '50%'), frame);
});
