import assert from 'node:assert/strict';
import {after, before, test} from 'node:test';
import {FakeClock} from '../../helpers/fake-clock.js';
import {readQuotaCache, recordObservedWindows} from '../../../source/services/quota/cache.js';
import {fetchAccountQuota} from '../../../source/services/quota/service.js';
import {makeQuotaFixture, type QuotaFixture} from './fixture.js';

let fx: QuotaFixture;
before(async () => {
  fx = await makeQuotaFixture({codex: {account_id: 'acct-123'}, antigravity: {project_id: 'proj-ag'}, gemini: {project_id: 'proj-gem'}, kimi: {device_id: 'dev-1'}});
});
after(() => fx.close());

const NOW = Date.parse('2026-11-22T12:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString();
const HOUR = 3600_000;

async function fetchFor(provider: string, clock = new FakeClock(NOW), force = false) {
  return fetchAccountQuota(await fx.deps(clock), await fx.account(provider), {force});
}

function lastRequest(provider: string) {
  const found = fx.upstream.requests.filter((r) => r.path === `/${provider}/usage`).at(-1);
  assert.ok(found, `no request to /${provider}/usage`);
  return found;
}

test('claude: usage endpoint with Claude Code user agent and the OAuth beta; an unused window has resets_at null', async () => {
  fx.serve('claude', {
    five_hour: {utilization: 0, resets_at: null},
    seven_day: {utilization: 41.5, resets_at: '2026-11-25T08:00:00Z'},
    seven_day_opus: null,
    seven_day_sonnet: {utilization: 12, resets_at: '2026-11-25T08:00:00Z'},
    limits: [{kind: 'weekly', percent: 73, resets_at: '2026-11-26T08:00:00Z', scope: {model: {display_name: 'Opus'}}}],
    extra_usage: {is_enabled: false},
  });
  const entry = await fetchFor('claude');
  const req = lastRequest('claude');
  assert.equal(req.method, 'GET');
  assert.equal(req.headers.authorization, 'Bearer at-claude-user@example.com-0123456789abcdef');
  assert.equal(req.headers['anthropic-beta'], 'oauth-2025-04-20');
  assert.match(String(req.headers['user-agent']), /^claude-code\/\d+\.\d+\.\d+$/);
  assert.equal(entry.error, undefined);
  assert.deepEqual(entry.windows.map((w) => [w.kind, w.usedPct, w.resetsAt, w.windowSeconds]), [
    ['5h', 0, null, 18000],
    ['weekly', 41.5, '2026-11-25T08:00:00.000Z', 604800],
    ['weekly:opus', 73, '2026-11-26T08:00:00.000Z', 604800],
    ['weekly:sonnet', 12, '2026-11-25T08:00:00.000Z', 604800],
  ]);
  assert.equal(entry.windows[0]!.source, 'usage-endpoint');
  assert.equal(entry.windows[0]!.observedAt, iso(NOW));
});

test('codex: weekly-only plan sends the week as primary_window and no secondary', async () => {
  fx.serve('codex', {
    plan_type: 'plus',
    rate_limit: {
      allowed: true,
      limit_reached: false,
      primary_window: {used_percent: 23, limit_window_seconds: 604800, reset_after_seconds: 3600, reset_at: NOW / 1000 + 3600},
      secondary_window: null,
    },
    credits: {has_credits: false},
  });
  const entry = await fetchFor('codex');
  const req = lastRequest('codex');
  assert.equal(req.headers.authorization, 'Bearer at-codex-user@example.com-0123456789abcdef');
  assert.equal(req.headers['chatgpt-account-id'], 'acct-123');
  assert.deepEqual(entry.windows.map((w) => [w.kind, w.usedPct, w.resetsAt, w.windowSeconds]), [['weekly', 23, iso(NOW + HOUR), 604800]]);
});

test('codex: free plan with a 30-day window, and a 5 h + weekly plan with a model-scoped extra limit', async () => {
  fx.serve('codex', {
    plan_type: 'free',
    rate_limit: {primary_window: {used_percent: 5, limit_window_seconds: 2592000, reset_after_seconds: 86400}, secondary_window: null},
  });
  const free = await fetchFor('codex');
  assert.deepEqual(free.windows.map((w) => [w.kind, w.usedPct, w.resetsAt]), [['30d', 5, iso(NOW + 24 * HOUR)]]);

  fx.serve('codex', {
    plan_type: 'pro',
    rate_limit: {
      primary_window: {used_percent: 80, limit_window_seconds: 18000, reset_at: NOW / 1000 + 600},
      secondary_window: {used_percent: 30, limit_window_seconds: 604800, reset_at: NOW / 1000 + 86400},
    },
    additional_rate_limits: [{limit_name: 'GPT-5.3-Codex-Spark', rate_limit: {primary_window: {used_percent: 10, limit_window_seconds: 604800, reset_at: NOW / 1000 + 86400}}}],
  });
  const pro = await fetchFor('codex');
  assert.deepEqual(pro.windows.map((w) => [w.kind, w.usedPct]), [['5h', 80], ['weekly', 30], ['weekly:gpt-5.3-codex-spark', 10]]);
});

test('antigravity: a bucket without remainingFraction is unknown, not 100 % left; project in the body', async () => {
  fx.serve('antigravity', {
    groups: [
      {
        name: 'Gemini',
        buckets: [
          {bucketId: 'gemini-5h', window: '18000s', remainingFraction: 0.25, resetTime: '2026-11-22T14:00:00Z'},
          {bucketId: 'gemini-weekly', window: '604800s', resetTime: '2026-11-27T00:00:00Z'},
        ],
      },
      {name: 'Third party', buckets: [{bucketId: '3p-5h', remainingFraction: 1, resetTime: '2026-11-22T16:00:00Z'}]},
    ],
  });
  const entry = await fetchFor('antigravity');
  const req = lastRequest('antigravity');
  assert.equal(req.method, 'POST');
  assert.deepEqual(req.body, {project: 'proj-ag'});
  assert.equal(req.headers.authorization, 'Bearer at-antigravity-user@example.com-0123456789abcdef');
  assert.deepEqual(entry.windows.map((w) => [w.kind, w.usedPct]), [['5h', 75], ['weekly', null], ['5h:3p', 0]]);
});

test('gemini: per-model daily buckets from retrieveUserQuota', async () => {
  fx.serve('gemini', {
    buckets: [
      {modelId: 'gemini-2.5-pro', tokenType: 'REQUESTS', remainingFraction: 0.6, resetTime: '2026-11-23T00:00:00Z'},
      {modelId: 'gemini-2.5-flash', tokenType: 'REQUESTS', resetTime: '2026-11-23T00:00:00Z'},
    ],
  });
  const entry = await fetchFor('gemini');
  assert.deepEqual(lastRequest('gemini').body, {project: 'proj-gem'});
  assert.deepEqual(entry.windows.map((w) => [w.kind, w.usedPct]), [['daily:gemini-2.5-flash', null], ['daily:gemini-2.5-pro', 40]]);
});

test('kimi: numbers come as strings; the 5 h window is the limit with a 300-minute window', async () => {
  fx.serve('kimi', {
    usage: {limit: '2000', used: '500', remaining: '1500', resetTime: '2026-11-28T00:00:00Z'},
    limits: [{window: {duration: 300, timeUnit: 'TIME_UNIT_MINUTE'}, detail: {limit: '200', remaining: '50', resetTime: '2026-11-22T15:00:00Z'}}],
  });
  const entry = await fetchFor('kimi');
  const req = lastRequest('kimi');
  assert.equal(req.headers.authorization, 'Bearer at-kimi-user@example.com-0123456789abcdef');
  assert.equal(req.headers['x-msh-device-id'], 'dev-1');
  assert.deepEqual(entry.windows.map((w) => [w.kind, w.usedPct, w.resetsAt, w.windowSeconds]), [
    ['5h', 75, '2026-11-22T15:00:00.000Z', 18000],
    ['weekly', 25, '2026-11-28T00:00:00.000Z', 604800],
  ]);
});

test('copilot: the monthly premium quota, read with the GitHub token', async () => {
  fx.serve('copilot', {
    copilot_plan: 'individual',
    quota_reset_date_utc: '2026-12-01T00:00:00Z',
    quota_snapshots: {premium_interactions: {entitlement: 300, remaining: 120, percent_remaining: 40, unlimited: false}},
  });
  const entry = await fetchFor('copilot');
  const req = lastRequest('copilot');
  assert.equal(req.headers.authorization, 'token at-github-copilot-user@example.com-0123456789abcdef');
  assert.equal(req.headers.accept, 'application/json');
  assert.deepEqual(entry.windows.map((w) => [w.kind, w.usedPct, w.resetsAt, w.windowSeconds]), [['monthly', 60, '2026-12-01T00:00:00.000Z', 30 * 86400]]);
});

test('failures are classified: 401 needs login, 403 deactivated, missing field named, nonsense body, network error', async () => {
  fx.serve('claude', {error: {type: 'authentication_error'}}, 401);
  assert.equal((await fetchFor('claude')).error?.kind, 'needs-login');
  fx.serve('codex', {detail: 'Your account has been deactivated'}, 403);
  const forbidden = (await fetchFor('codex')).error!;
  assert.equal(forbidden.kind, 'forbidden');
  assert.match(forbidden.message, /deactivated/);
  fx.serve('kimi', {limits: []});
  const missing = (await fetchFor('kimi')).error!;
  assert.equal(missing.kind, 'unexpected');
  assert.match(missing.message, /field "usage" is missing/);
  fx.serve('copilot', '<html>login</html>');
  assert.match((await fetchFor('copilot')).error!.message, /expected a JSON object, got <html>login<\/html>/);
  // The cached numbers survive a failure.
  fx.serve('claude', {five_hour: {utilization: 10, resets_at: '2026-11-22T14:00:00Z'}, seven_day: {utilization: 20, resets_at: '2026-11-25T00:00:00Z'}});
  await fetchFor('claude');
  fx.serve('claude', 'oops', 500);
  const after500 = await fetchFor('claude');
  assert.equal(after500.error?.kind, 'unexpected');
  assert.deepEqual(after500.windows.map((w) => w.usedPct), [10, 20]);
  // Nothing listens: network error, and the token never appears in the message.
  const deps = await fx.deps(new FakeClock(NOW));
  deps.settings = {...deps.settings, endpoints: {gemini: {usage: 'http://127.0.0.1:1/usage'}}};
  const network = (await fetchAccountQuota(deps, await fx.account('gemini'))).error!;
  assert.equal(network.kind, 'network');
  assert.match(network.message, /cannot reach 127\.0\.0\.1:1\/usage/);
  assert.doesNotMatch(JSON.stringify(await readQuotaCache(fx.ccs.paths)), /at-gemini-user/);
});

test('429 with Retry-After backs the token off for that long; without it for 5 minutes; a user refresh bypasses', async () => {
  const clock = new FakeClock(NOW);
  fx.serve('claude', {error: {type: 'rate_limit_error'}}, 429, {'retry-after': '120'});
  const limited = await fetchFor('claude', clock);
  assert.equal(limited.error?.kind, 'rate-limited');
  assert.equal(limited.error?.retryAt, iso(NOW + 120_000));
  assert.equal(limited.backoffUntil, NOW + 120_000);
  const before = fx.upstream.requests.length;
  await clock.advance(60_000);
  await fetchFor('claude', clock);
  assert.equal(fx.upstream.requests.length, before, 'inside the backoff nothing is sent');
  await clock.advance(61_000);
  fx.serve('claude', {error: {}}, 429);
  const again = await fetchFor('claude', clock);
  assert.equal(fx.upstream.requests.length, before + 1);
  assert.equal(again.error?.retryAt, iso(clock.now() + 5 * 60_000));
  // The user asked: sent despite the backoff.
  fx.serve('claude', {five_hour: {utilization: 1, resets_at: null}, seven_day: {utilization: 2, resets_at: null}});
  const forced = await fetchFor('claude', clock, true);
  assert.equal(fx.upstream.requests.length, before + 2);
  assert.equal(forced.error, undefined);
  assert.equal(forced.backoffUntil, undefined);
});

test('windows the proxy saw in headers join the cache, replacing the same kinds only', async () => {
  fx.serve('codex', {rate_limit: {primary_window: {used_percent: 10, limit_window_seconds: 18000}, secondary_window: {used_percent: 20, limit_window_seconds: 604800}}});
  await fetchFor('codex');
  await recordObservedWindows(fx.ccs.paths, 'codex', 'user@example.com', [
    {kind: 'weekly', usedPct: 55, resetsAt: null, windowSeconds: 604800, source: 'response-headers', observedAt: iso(NOW)},
  ]);
  const cache = await readQuotaCache(fx.ccs.paths);
  assert.deepEqual(cache.accounts.codex!['user@example.com']!.windows.map((w) => [w.kind, w.usedPct, w.source]), [
    ['5h', 10, 'usage-endpoint'],
    ['weekly', 55, 'response-headers'],
  ]);
});
