// Every screen fits whatever the problems banner holds (issue: a newcomer's 60×20 proxy screen with
// two 0644 token files lost its `○ stopped` row, the first letter of an export, and drew its last
// hint over the bottom border). Each screen at 80×24 and 60×20 with 0, 1, 2 and 5 problems: no line
// wider than the terminal, every box's borders whole, the screen's key rows there (or it says what
// it hides), and the status line and hint bar still at the bottom.
import {cleanUp, renderTui, type TuiHandle} from '../helpers/ink.js';
import assert from 'node:assert/strict';
import {chmodSync, writeFileSync} from 'node:fs';
import {afterEach, test} from 'node:test';
import {cellWidth} from '../../source/core/cells.js';
import {ProxySupervisor} from '../../source/services/proxy-supervisor.js';
import {tokenFixture, type TempCcs} from '../helpers/ccs.js';
import {makeUiCcs} from './fixtures.js';

let ccs: TempCcs | undefined;
let tui: TuiHandle | undefined;
afterEach(() => ([tui, ccs] = cleanUp(tui, ccs)));

/** A CCS dir whose account files give `count` banner problems: token files left at 0644, and for 5 a corrupt accounts.json too. */
function ccsWithProblems(count: 0 | 1 | 2 | 5): TempCcs {
  const dir = makeUiCcs();
  const files = ['claude-alice@example.com.json', 'claude-bob@example.com.json', 'codex-carol@example.com.json'].map((name) => `${dir.paths.authDir}/${name}`);
  files.push(dir.writeToken('qwen-gina.json', tokenFixture('qwen', 'gina@example.com')));
  for (const file of files.slice(0, Math.min(count, 4))) chmodSync(file, 0o644);
  // The newcomer's config held a key: the exports line shows it masked (with none, the placeholder).
  if (count > 0) dir.writeRaw('cliproxy/config.yaml', 'api-keys:\n  - "ccs-0123456789abcdef0123456789ab5noX"\n');
  if (count === 5) writeFileSync(dir.paths.registry, '{"version": 1, "providers": {', {mode: 0o600});
  return dir;
}

/** Boxes drawn whole: top and bottom edges are border only, rows between them start and end on a side. */
function assertBoxesWhole(frame: string, width: number, where: string): void {
  const lines = frame.split('\n');
  let inside = false;
  for (const [i, line] of lines.entries()) {
    assert.ok(cellWidth(line) <= width, `${where}: line ${i} is ${cellWidth(line)} cells wide:\n${frame}`);
    if (/^[╭┏]/.test(line)) {
      assert.match(line, /^([╭┏][─━]*[╮┓])+$/, `${where}: top edge broken:\n${frame}`);
      inside = true;
    } else if (/^[╰┗]/.test(line)) {
      assert.match(line, /^([╰┗][─━]*[╯┛])+$/, `${where}: bottom edge broken (a row drawn over it):\n${frame}`);
      inside = false;
    } else if (inside) {
      assert.match(line, /^[│┃].*[│┃]$/, `${where}: row ${i} is not inside its box:\n${frame}`);
    }
  }
  assert.equal(inside, false, `${where}: a box has no bottom edge:\n${frame}`);
}

/** The chrome's own rows: title first, status line and hint bar last, the banner's first problem (or its count). */
function assertChrome(frame: string, height: number, problems: number, where: string): void {
  const lines = frame.split('\n');
  assert.equal(lines.length, height, `${where}: ${lines.length} rows in a ${height}-row terminal:\n${frame}`);
  assert.match(lines[0]!, /^ccs-tui · /, `${where}: title bar:\n${frame}`);
  assert.match(lines.at(-1)!, /q quit/, `${where}: hint bar:\n${frame}`);
  assert.match(lines.at(-2)!, /\d+ accounts? ·/, `${where}: status line:\n${frame}`);
  if (problems === 0) assert.doesNotMatch(frame, /readable by group|more problems/, where);
  else assert.match(lines[1]!, /^! /, `${where}: the banner under the title:\n${frame}`);
  if (problems > 2) assert.match(frame, /^! 4 more problems \(M lists them all\)$/m, `${where}: the banner counts what it hides:\n${frame}`);
}

interface Stop {
  name: string;
  keys: string[];
  /** What shows the screen is there (waited for). */
  ready: string | RegExp;
  /** Rows that must be on it at any size (a RegExp may accept the screen's own "N more" note instead). */
  rows: Array<string | RegExp>;
}

const STOPS: Stop[] = [
  {name: 'home', keys: [], ready: 'Claude accounts', rows: ['Providers', 'Claude accounts', /│ +bob@example\.com/]},
  {name: 'accounts', keys: ['l', 'enter'], ready: 'Provider ', rows: ['Provider ', 'Status ', 'Token expires', /Quota|rows? in a taller terminal/]},
  {name: 'quota', keys: ['escape', 'h', '2'], ready: 'serves next', rows: ['serves next', /^ *›[*★]? ?claude · /m]},
  {name: 'rules', keys: ['3'], ready: 'Provider claude', rows: ['Provider claude']},
  {name: 'proxy', keys: ['4'], ready: 'ANTHROPIC_AUTH_TOKEN=', rows: ['○ stopped', 'Serving ', 'Error ', /^│ export ANTHROPIC_BASE_URL=/m, /^│ export ANTHROPIC_AUTH_TOKEN='(ccs-…5noX|<no api-keys)/m, 'starts the proxy', 'a provider’s pool']},
  {name: 'provider picker', keys: ['1', 'a'], ready: 'Which provider?', rows: ['Which provider?', '› Claude']},
  {name: 'login', keys: ['enter'], ready: 'paste it here', rows: ['Claude — add an account', 'paste it here']},
  {name: 'messages', keys: ['escape', 'M'], ready: 'Messages, newest first', rows: ['Messages, newest first']},
  {name: 'help', keys: ['M', '?'], ready: 'Keys (', rows: ['Keys (']},
];

for (const [width, height] of [[80, 24], [60, 20]] as const) {
  for (const problems of [0, 1, 2, 5] as const) {
    test(`${width}×${height} with ${problems} banner problem(s): every screen fits, its key rows there`, async () => {
      ccs = ccsWithProblems(problems);
      const proxy = new ProxySupervisor({paths: ccs.paths, env: ccs.env});
      tui = await renderTui({paths: ccs.paths, width, height, services: {proxy}});
      for (const stop of STOPS) {
        const where = `${width}×${height}, ${problems} problem(s), ${stop.name}`;
        await tui.press(...stop.keys);
        const frame = await tui.waitFor((f) => (typeof stop.ready === 'string' ? f.includes(stop.ready) : stop.ready.test(f)) && (problems === 0 || /^! [^u]/m.test(f)));
        if (process.env.SHOW_FRAMES) console.log(`=== ${where}\n${frame}`);
        assertChrome(frame, height, problems, where);
        assertBoxesWhole(frame, width, where);
        for (const row of stop.rows) {
          if (typeof row === 'string') assert.ok(frame.includes(row), `${where}: "${row}" missing:\n${frame}`);
          else assert.match(frame, row, `${where}: ${row} missing:\n${frame}`);
        }
      }
    });
  }
}

test('bannerLines: every problem on up to two rows when all fit (two on one row each in a short terminal); else the first and the count', async () => {
  const {bannerLines, bannerRows} = await import('../../source/ui/components/Chrome.js');
  const problem = (n: number) => `cliproxy/auth/file-${n}.json: readable by group and others (mode 0644); it holds secrets and is rewritten 0600 on its next write`;
  assert.equal(bannerRows(20), 2);
  assert.equal(bannerRows(24), 4);
  const two = bannerLines([problem(1), problem(2)], 80, 4);
  assert.equal(two.length, 4);
  assert.match(two.join(' '), /file-1\.json.*next write.*file-2\.json.*next write/);
  assert.deepEqual(
    bannerLines([problem(1), problem(2)], 60, 2).map((l) => l.slice(0, 28)),
    ['! cliproxy/auth/file-1.json:', '! cliproxy/auth/file-2.json:'],
  );
  const five = bannerLines([1, 2, 3, 4, 5].map(problem), 60, 2);
  assert.equal(five.length, 2);
  assert.equal(five[1], '! 4 more problems (M lists them all)');
  const fiveTall = bannerLines([1, 2, 3, 4, 5].map(problem), 80, 4);
  assert.equal(fiveTall.length, 3);
  assert.match(fiveTall[1]!, /next write$/, 'the first whole, on two rows');
  assert.equal(fiveTall[2], '! 4 more problems (M lists them all)');
  for (const line of [...two, ...five, ...fiveTall]) assert.ok(cellWidth(line) <= 80, line);
});
