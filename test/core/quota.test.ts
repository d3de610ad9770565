import assert from 'node:assert/strict';
import {test} from 'node:test';
import {describeWindow, formatPct, formatResetCountdown, formatRunOut, paceMark, quotaBar} from '../../source/core/quota-format.js';
import {
  instantMs,
  bindingWindow,
  currentWindows,
  headroom,
  isExhausted,
  kindForWindowSeconds,
  mergeWindows,
  pacePct,
  paceStatus,
  runOut,
  windowState,
} from '../../source/core/quota.js';
import {windowsFromHeaders} from '../../source/providers/table.js';
import type {QuotaWindow} from '../../source/core/types.js';

const NOW = Date.parse('2026-11-22T12:00:00Z');
const HOUR = 3600_000;
const iso = (ms: number) => new Date(ms).toISOString();

function win(kind: QuotaWindow['kind'], usedPct: number | null, resetInMs: number | null, windowSeconds: number | null, observedAgoMs = 0): QuotaWindow {
  return {
    kind,
    usedPct,
    resetsAt: resetInMs === null ? null : iso(NOW + resetInMs),
    windowSeconds,
    source: 'usage-endpoint',
    observedAt: iso(NOW - observedAgoMs),
  };
}

test('pace is the elapsed share of the window; unknown reset means unknown pace', () => {
  // A week with 3.5 days left: half elapsed.
  assert.equal(pacePct(win('weekly', 10, 84 * HOUR, 604800), NOW), 50);
  // 5 h window with 1 h left: 80 % elapsed.
  assert.equal(pacePct(win('5h', 10, HOUR, 18000), NOW), 80);
  assert.equal(pacePct(win('5h', 0, null, 18000), NOW), null);
  assert.equal(pacePct(win('weekly', 10, 84 * HOUR, null), NOW), null);
  assert.equal(paceStatus(win('weekly', 70, 84 * HOUR, 604800), NOW), 'over');
  assert.equal(paceStatus(win('weekly', 52, 84 * HOUR, 604800), NOW), 'under');
  assert.equal(paceStatus(win('weekly', null, 84 * HOUR, 604800), NOW), 'unknown');
  assert.equal(paceMark(win('weekly', 70, 84 * HOUR, 604800), NOW), '▲');
});

test('weekly run-out: at the average rate so far, runs out before the reset or lasts; none for 5 h', () => {
  // Half the week gone, 80 % used: 20 % left at 80 %/3.5 d lasts 0.875 d = 21 h.
  const hot = runOut(win('weekly', 80, 84 * HOUR, 604800), NOW);
  assert.deepEqual(hot, {kind: 'runs-out', inMs: 21 * HOUR});
  assert.equal(formatRunOut(hot), 'runs out in 21h');
  // A day in, 10 % used: 10 days at that rate > 6 days left.
  assert.equal(formatRunOut(runOut(win('weekly', 10, 6 * 24 * HOUR, 604800), NOW)), 'lasts until reset');
  assert.equal(runOut(win('5h', 90, HOUR, 18000), NOW), null);
  assert.equal(runOut(win('weekly', null, HOUR, 604800), NOW), null);
  assert.equal(formatRunOut(runOut(win('weekly', 100, HOUR, 604800), NOW)), 'used up');
  // 2h 10m: 7 d window, 6 d 12 h left → 12 h elapsed; 60 % used → 40 % more takes 8 h.
  const tight = runOut(win('weekly', 60, 156 * HOUR, 604800), NOW);
  assert.equal(formatRunOut(tight), 'runs out in 8h');
  const short = runOut(win('weekly', 84.8, 6.5 * 24 * HOUR, 604800), NOW);
  assert.equal(formatRunOut(short), 'runs out in 2h 9m');
});

test('headroom is the least room in any window; the binding window is that window', () => {
  const five = win('5h', 10, HOUR, 18000);
  const week = win('weekly', 95, 24 * HOUR, 604800);
  const unknown = win('weekly:opus', null, null, 604800);
  assert.equal(headroom([five, week, unknown], NOW), 5);
  assert.equal(bindingWindow([five, week, unknown], NOW), week);
  assert.equal(headroom([unknown], NOW), null);
  assert.equal(headroom([], NOW), null);
  assert.equal(bindingWindow([unknown], NOW), undefined);
});

test('a window whose reset has passed counts as reset (0 %) and stale until fresh data arrives', () => {
  const passed = win('5h', 100, -10 * 60_000, 18000, HOUR);
  assert.equal(isExhausted([passed], NOW), false);
  const state = windowState(passed, NOW);
  assert.equal(state.resetPassed, true);
  assert.equal(state.usedPct, 0);
  assert.equal(state.stale, true);
  assert.equal(formatResetCountdown(passed, NOW), 'reset');
  assert.match(describeWindow(passed, NOW), /5h 0% reset, awaiting fresh data/);
  const [json] = currentWindows([passed], NOW);
  assert.deepEqual(json, {kind: '5h', usedPct: 0, resetsAt: null, windowSeconds: 18000, source: 'usage-endpoint', observedAt: passed.observedAt, stale: true});
  // Still inside the window: used up.
  assert.equal(isExhausted([win('weekly', 100, HOUR, 604800)], NOW), true);
  assert.equal(isExhausted([win('weekly', null, HOUR, 604800)], NOW), false);
});

test('numbers older than the stale limit are marked stale; unknown stays null in JSON', () => {
  const old = win('weekly', 40, 24 * HOUR, 604800, 11 * 60_000);
  const fresh = win('5h', null, null, 18000, 60_000);
  const [a, b] = currentWindows([old, fresh], NOW);
  assert.equal(a!.stale, true);
  assert.equal(b!.stale, false);
  assert.equal(b!.usedPct, null);
  assert.equal(formatPct(null), '  ?%');
});

test('bars: used cells filled, pace marker where even use would be, dots when unknown', () => {
  const bar = quotaBar(win('weekly', 25, 84 * HOUR, 604800), NOW, 10);
  assert.equal(bar.paceIndex, 5);
  assert.equal(`${bar.filled}${bar.rest}`, '███░░│░░░░');
  const unknown = quotaBar(win('5h', null, null, 18000), NOW, 6);
  assert.equal(`${unknown.filled}${unknown.rest}`, '······');
  assert.equal(unknown.paceIndex, -1);
});

test('window kinds come from their length, not their slot', () => {
  assert.equal(kindForWindowSeconds(18000), '5h');
  assert.equal(kindForWindowSeconds(604800), 'weekly');
  assert.equal(kindForWindowSeconds(2592000), '30d');
  assert.equal(kindForWindowSeconds(3600), undefined);
  assert.equal(kindForWindowSeconds(null), undefined);
});

test('Claude unified rate-limit headers become 5 h and weekly windows', () => {
  const windows = windowsFromHeaders(
    'claude',
    {
      'Anthropic-Ratelimit-Unified-5h-Utilization': '0.42',
      'anthropic-ratelimit-unified-5h-reset': String(NOW / 1000 + 3600),
      'anthropic-ratelimit-unified-5h-status': 'allowed',
      'anthropic-ratelimit-unified-7d-utilization': '0.9',
      'anthropic-ratelimit-unified-7d-reset': String(NOW / 1000 + 86400),
      'anthropic-ratelimit-unified-7d-status': 'allowed_warning',
      'anthropic-ratelimit-unified-representative-claim': 'seven_day',
    },
    NOW,
  );
  assert.deepEqual(windows, [
    {kind: '5h', usedPct: 42, resetsAt: iso(NOW + HOUR), windowSeconds: 18000, source: 'response-headers', observedAt: iso(NOW)},
    {kind: 'weekly', usedPct: 90, resetsAt: iso(NOW + 24 * HOUR), windowSeconds: 604800, source: 'response-headers', observedAt: iso(NOW)},
  ]);
  // Rejected = used up, even without a utilisation number.
  const rejected = windowsFromHeaders('claude', {'anthropic-ratelimit-unified-5h-status': 'rejected', 'anthropic-ratelimit-unified-5h-reset': String(NOW / 1000 + 60)}, NOW);
  assert.equal(rejected[0]!.usedPct, 100);
  assert.equal(isExhausted(rejected, NOW), true);
  assert.deepEqual(windowsFromHeaders('claude', {'content-type': 'application/json'}, NOW), []);
  assert.deepEqual(windowsFromHeaders('qwen', {'anthropic-ratelimit-unified-5h-utilization': '0.4'}, NOW), []);
});

test('quota headers are read in any case, and a header named like a prototype key is data', () => {
  // As JSON.parse or an HTTP parser hands them over: `__proto__` an own key, not the prototype.
  const headers = JSON.parse(
    '{"__proto__": "x", "X-Codex-Primary-Used-Percent": "12", "x-codex-primary-window-minutes": "300", "X-CODEX-PRIMARY-RESET-AFTER-SECONDS": "60", "x-codex-__proto__": "y"}',
  ) as Record<string, string>;
  assert.equal(Object.hasOwn(headers, '__proto__'), true);
  assert.deepEqual(
    windowsFromHeaders('codex', headers, NOW).map((w) => [w.kind, w.usedPct, w.resetsAt]),
    [['5h', 12, iso(NOW + 60_000)]],
  );
  const claude = JSON.parse('{"anthropic-ratelimit-unified-__proto__": {"polluted": true}, "ANTHROPIC-RATELIMIT-UNIFIED-5H-UTILIZATION": "0.5"}') as Record<string, string>;
  assert.deepEqual(windowsFromHeaders('claude', claude, NOW).map((w) => [w.kind, w.usedPct]), [['5h', 50]]);
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
});

test('Codex x-codex headers: windows classified by their minutes (weekly-only plans send the week as primary)', () => {
  const weeklyOnly = windowsFromHeaders(
    'codex',
    {'x-codex-primary-used-percent': '37.5', 'x-codex-primary-window-minutes': '10080', 'x-codex-primary-reset-at': String(NOW / 1000 + 7200)},
    NOW,
  );
  assert.deepEqual(weeklyOnly, [
    {kind: 'weekly', usedPct: 37.5, resetsAt: iso(NOW + 2 * HOUR), windowSeconds: 604800, source: 'response-headers', observedAt: iso(NOW)},
  ]);
  const both = windowsFromHeaders(
    'codex',
    {
      'x-codex-primary-used-percent': '12',
      'x-codex-primary-window-minutes': '300',
      'x-codex-primary-reset-after-seconds': '600',
      'x-codex-secondary-used-percent': '64',
      'x-codex-secondary-window-minutes': '10080',
    },
    NOW,
  );
  assert.deepEqual(both.map((w) => [w.kind, w.usedPct, w.resetsAt]), [
    ['5h', 12, iso(NOW + 600_000)],
    ['weekly', 64, null],
  ]);
});

test('merging header windows into cached ones replaces same kinds and keeps the rest', () => {
  const cached = [win('5h', 10, HOUR, 18000, HOUR), win('weekly:opus', 50, HOUR, 604800, HOUR)];
  const merged = mergeWindows(cached, [win('5h', 20, HOUR, 18000), win('weekly', 30, HOUR, 604800)]);
  assert.deepEqual(merged.map((w) => [w.kind, w.usedPct]), [['5h', 20], ['weekly', 30], ['weekly:opus', 50]]);
});

test('a run-out projected from numbers read earlier is never "in 0s": past projections claim nothing until a fresh read', () => {
  // Gemini daily bucket, 75 % used, 23 h left (1 h elapsed): at that rate the last 25 % lasts 20 min.
  assert.equal(formatRunOut(runOut(win('daily:gemini-2.5-pro', 75, 23 * HOUR, 86_400), NOW)), 'runs out in 20m');
  // The same numbers read 10 min ago (50 min into the day): 25 % more took 16 min 40 s from then, 6 min 40 s from now.
  assert.deepEqual(runOut(win('daily:gemini-2.5-pro', 75, 23 * HOUR, 86_400, 10 * 60_000), NOW), {kind: 'runs-out', inMs: 400_000});
  // Read 30 min ago: the projection is behind us, but the numbers said 75 %: nothing is claimed.
  assert.equal(runOut(win('daily:gemini-2.5-pro', 75, 23 * HOUR, 86_400, 30 * 60_000), NOW), null);
  assert.doesNotMatch(describeWindow(win('daily:gemini-2.5-pro', 75, 23 * HOUR, 86_400, 30 * 60_000), NOW), /runs out in 0s/);
  // A window whose length is unknown has no pace and no run-out.
  assert.equal(runOut(win('daily:gemini-2.5-pro', 75, 23 * HOUR, null), NOW), null);
});

test('instantMs reads a time as Date.parse does, for texts seen again, no dates, and past the texts it keeps', () => {
  const texts = ['2026-12-02T10:00:00Z', '2026-12-02T10:00:00.123+02:00', 'Wed, 02 Dec 2026 10:00:00 GMT', 'not a date', '', '2026-13-45T99:00:00Z'];
  for (const round of [1, 2]) for (const text of texts) assert.equal(Object.is(instantMs(text), Date.parse(text)), true, `${text} (round ${round})`);
  // More distinct texts than it keeps: each still reads right, the first ones too after the clear.
  const many = Array.from({length: 10_000}, (_, i) => new Date(Date.UTC(2026, 0, 1) + i * 60_000).toISOString());
  for (const text of [...many, ...many.slice(0, 50)]) assert.equal(instantMs(text), Date.parse(text));
});

test('a window reads the same when asked again, and a new reset time is read anew', () => {
  const now = Date.parse('2026-12-02T10:00:00Z');
  const window: QuotaWindow = {kind: 'weekly', usedPct: 40, resetsAt: '2026-12-02T09:59:00Z', windowSeconds: 7 * 86400, source: 'usage-endpoint', observedAt: '2026-12-02T09:00:00Z'};
  for (let i = 0; i < 3; i++) {
    const state = windowState(window, now);
    assert.equal(state.resetPassed, true);
    assert.equal(state.usedPct, 0);
    assert.equal(state.ageMs, 3_600_000);
  }
  assert.equal(windowState({...window, resetsAt: '2026-12-02T10:01:00Z'}, now).usedPct, 40);
});
