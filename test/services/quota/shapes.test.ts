// Quota answers in every shape the services send (issue 10): Claude's answer with only model windows
// or a `restrictions` list of ratios, Codex windows without their length, and out-of-range percents.
import assert from 'node:assert/strict';
import {after, before, test} from 'node:test';
import {FakeClock} from '../../helpers/fake-clock.js';
import {codexHeaderWindows} from '../../../source/core/quota.js';
import {fetchAccountQuota} from '../../../source/services/quota/service.js';
import {makeQuotaFixture, type QuotaFixture} from './fixture.js';

let fx: QuotaFixture;
before(async () => {
  fx = await makeQuotaFixture({codex: {account_id: 'acct-123'}});
});
after(() => fx.close());

const NOW = Date.parse('2026-11-22T12:00:00Z');
const HOUR = 3600_000;
const iso = (ms: number) => new Date(ms).toISOString();

async function windowsFor(provider: string, body: unknown) {
  fx.serve(provider, body);
  const entry = await fetchAccountQuota(await fx.deps(new FakeClock(NOW)), await fx.account(provider), {force: true});
  assert.equal(entry.error, undefined, entry.error?.message);
  return entry.windows.map((w) => [w.kind, w.usedPct, w.resetsAt, w.windowSeconds]);
}

test('claude: an answer with only a model window is read; the missing five_hour is unknown, not an error', async () => {
  assert.deepEqual(await windowsFor('claude', {seven_day_haiku: {utilization: 64, resets_at: '2026-11-27T00:00:00Z'}, extra_usage: null}), [
    ['5h', null, null, 18000],
    ['weekly:haiku', 64, '2026-11-27T00:00:00.000Z', 604800],
  ]);
  // Same kind: only the week plus a model-scoped limit, no five_hour key at all.
  assert.deepEqual(
    await windowsFor('claude', {
      seven_day: {utilization: 8, resets_at: '2026-11-27T00:00:00Z'},
      limits: [{kind: 'weekly', percent: 55, resets_at: '2026-11-27T00:00:00Z', scope: {model: {display_name: 'Claude Opus'}}}],
    }),
    [
      ['5h', null, null, 18000],
      ['weekly', 8, '2026-11-27T00:00:00.000Z', 604800],
      ['weekly:opus', 55, '2026-11-27T00:00:00.000Z', 604800],
    ],
  );
});

test('claude: a restrictions list of ratios', async () => {
  assert.deepEqual(
    await windowsFor('claude', {
      restrictions: [
        {window: 'five_hour', ratio: 0.42, resets_at: '2026-11-22T14:00:00Z'},
        {window: 'seven_day', ratio: 0.1, resets_at: '2026-11-27T00:00:00Z'},
      ],
    }),
    [
      ['5h', 42, '2026-11-22T14:00:00.000Z', 18000],
      ['weekly', 10, '2026-11-27T00:00:00.000Z', 604800],
    ],
  );
  // Same kind: a model-scoped weekly ratio with a unix-seconds reset, an over-full ratio clamped.
  assert.deepEqual(
    await windowsFor('claude', {
      restrictions: [
        {kind: 'weekly', ratio: 1.2, resets_at: NOW / 1000 + 24 * 3600, scope: {model: {display_name: 'Sonnet 4.5'}}},
        {kind: 'session', utilization: 0.05},
      ],
    }),
    [
      ['5h', 5, null, 18000],
      ['weekly:sonnet-4.5', 100, iso(NOW + 24 * HOUR), 604800],
    ],
  );
});

test('claude: an answer with no window at all still names the field it lacks', async () => {
  fx.serve('claude', {extra_usage: {is_enabled: false}});
  const entry = await fetchAccountQuota(await fx.deps(new FakeClock(NOW)), await fx.account('claude'), {force: true});
  assert.match(entry.error!.message, /field "five_hour" is missing/);
});

test('codex: windows without limit_window_seconds are classified by how far the reset is, the slot last', async () => {
  assert.deepEqual(
    await windowsFor('codex', {
      rate_limit: {
        // A week's reset in the primary slot is the week, whatever the slot says.
        primary_window: {used_percent: 30, reset_after_seconds: 3 * 24 * 3600},
        secondary_window: {used_percent: 12, reset_at: NOW / 1000 + 2 * 3600},
      },
    }),
    [
      ['5h', 12, iso(NOW + 2 * HOUR), 18000],
      ['weekly', 30, iso(NOW + 72 * HOUR), 604800],
    ],
  );
  // Same kind: a month-long reset, and a window with no reset at all (the slot decides).
  assert.deepEqual(
    await windowsFor('codex', {rate_limit: {primary_window: {used_percent: 50}, secondary_window: {used_percent: 1, reset_after_seconds: 20 * 24 * 3600}}}),
    [
      ['5h', 50, null, 18000],
      ['30d', 1, iso(NOW + 480 * HOUR), 2592000],
    ],
  );
});

test('codex: used_percent is clamped to 0–100, in the usage answer and in response headers', async () => {
  assert.deepEqual(
    await windowsFor('codex', {
      rate_limit: {
        primary_window: {used_percent: 137.5, limit_window_seconds: 18000, reset_after_seconds: 60},
        secondary_window: {used_percent: -4, limit_window_seconds: 604800, reset_after_seconds: 3600},
      },
    }),
    [
      ['5h', 100, iso(NOW + 60_000), 18000],
      ['weekly', 0, iso(NOW + HOUR), 604800],
    ],
  );
  const fromHeaders = codexHeaderWindows(
    {'x-codex-primary-used-percent': '250', 'x-codex-primary-reset-after-seconds': '7200', 'x-codex-secondary-used-percent': '-1', 'x-codex-secondary-window-minutes': '10080'},
    NOW,
  );
  assert.deepEqual(fromHeaders.map((w) => [w.kind, w.usedPct]), [['5h', 100], ['weekly', 0]]);
});
