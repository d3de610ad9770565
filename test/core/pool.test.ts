// The account pool's choices and cooldowns, with time passed in (a fake clock's now()).
import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {AccountPool, classifyUpstreamFailure, COOLDOWN_MS, isOverloadAnswer} from '../../source/core/pool.js';
import {FakeClock} from '../helpers/fake-clock.js';

const accounts = [
  {id: 'a', label: 'a@example.com'},
  {id: 'b', label: 'b@example.com'},
  {id: 'c', label: 'c@example.com'},
];

describe('classifyUpstreamFailure', () => {
  const now = Date.parse('2026-11-22T12:00:00Z');
  it('reads claude unified rate-limit rejection and its reset', () => {
    const failure = classifyUpstreamFailure(429, {
      'anthropic-ratelimit-unified-status': 'rejected',
      'anthropic-ratelimit-unified-7d-status': 'rejected',
      'anthropic-ratelimit-unified-7d-reset': String(now / 1000 + 7200),
      'anthropic-ratelimit-unified-5h-status': 'allowed',
    }, '', now);
    assert.deepEqual(failure, {kind: 'quota', status: 429, resetAt: now + 7200_000, message: 'weekly limit reached'});
  });
  it('reads codex usage_limit_reached with resets_in_seconds', () => {
    const failure = classifyUpstreamFailure(429, {}, JSON.stringify({error: {type: 'usage_limit_reached', resets_in_seconds: 90}}), now);
    assert.equal(failure?.kind, 'quota');
    assert.equal(failure?.resetAt, now + 90_000);
  });
  it('reads Google RESOURCE_EXHAUSTED retryDelay', () => {
    const body = {error: {code: 429, status: 'RESOURCE_EXHAUSTED', details: [{'@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '42s'}]}};
    assert.equal(classifyUpstreamFailure(429, {}, JSON.stringify(body), now)?.resetAt, now + 42_000);
  });
  it('leaves overload answers (529, 503, overloaded_error) to the client: not the account\'s fault', () => {
    const overloaded = JSON.stringify({type: 'error', error: {type: 'overloaded_error', message: 'Overloaded'}});
    assert.equal(classifyUpstreamFailure(529, {'retry-after': '7'}, overloaded, now), undefined);
    assert.equal(classifyUpstreamFailure(503, {}, 'Service Unavailable', now), undefined);
    assert.equal(classifyUpstreamFailure(500, {}, overloaded, now), undefined);
    assert.equal(classifyUpstreamFailure(500, {}, '{}', now)?.kind, 'server');
    assert.equal(classifyUpstreamFailure(502, {}, '', now)?.kind, 'server');
  });
  it('names overload answers, which may move a request on without cooling anything', () => {
    const overloaded = JSON.stringify({type: 'error', error: {type: 'overloaded_error', message: 'Overloaded'}});
    assert.equal(isOverloadAnswer(529, overloaded), true);
    assert.equal(isOverloadAnswer(503, 'Service Unavailable'), true);
    assert.equal(isOverloadAnswer(500, overloaded), true);
    assert.equal(isOverloadAnswer(500, '{}'), false);
    assert.equal(isOverloadAnswer(429, overloaded), false, 'a 429 is a rate limit, not an overload');
    assert.equal(isOverloadAnswer(502, ''), false);
  });
  it('leaves client errors alone', () => {
    assert.equal(classifyUpstreamFailure(400, {}, '{}', now), undefined);
    assert.equal(classifyUpstreamFailure(200, {}, '{}', now), undefined);
  });
});

describe('AccountPool', () => {
  it('fill-first stays on one account until it cools, then moves on and comes back after the reset', async () => {
    const clock = new FakeClock();
    const pool = new AccountPool(accounts, 'fill-first');
    assert.equal(pool.pick({now: clock.now()}).account?.id, 'a');
    assert.equal(pool.pick({now: clock.now()}).account?.id, 'a');
    pool.recordFailure('a', {kind: 'quota', status: 429, resetAt: clock.now() + 60_000, message: '5-hour limit reached'}, clock.now());
    assert.equal(pool.pick({now: clock.now()}).account?.id, 'b');
    await clock.advance(61_000);
    assert.equal(pool.isHealthy('a', clock.now()), true);
    assert.equal(pool.pick({now: clock.now()}).account?.id, 'b', 'fill-first keeps the account it moved to');
  });

  it('round-robin spreads requests; sessions stick to their account', () => {
    const now = Date.now();
    const pool = new AccountPool(accounts, 'round-robin');
    const ids = [1, 2, 3, 4].map(() => pool.pick({now}).account?.id);
    assert.deepEqual(ids, ['b', 'c', 'a', 'b']);
    const first = pool.pick({now, session: 's1'}).account?.id;
    assert.equal(pool.pick({now, session: 's1'}).account?.id, first);
    assert.equal(pool.pick({now, session: 's1'}).account?.id, first);
  });

  it('most-headroom follows the ranking and skips cooling accounts', () => {
    const now = Date.now();
    const pool = new AccountPool(accounts, 'most-headroom');
    assert.equal(pool.pick({now, ranked: ['c', 'a', 'b']}).account?.id, 'c');
    pool.recordFailure('c', {kind: 'server', status: 503, message: 'upstream error 503'}, now);
    assert.equal(pool.pick({now, ranked: ['c', 'a', 'b']}).account?.id, 'a');
  });

  it('cooldown lengths: auth 30 min, 404 12 h for that model, 5xx 60 s, 429 exponential to 30 min', async () => {
    const clock = new FakeClock();
    const pool = new AccountPool(accounts, 'fill-first');
    const now = clock.now();
    assert.equal(pool.recordFailure('a', {kind: 'auth', status: 401, message: 'x'}, now).until, now + COOLDOWN_MS.auth);
    assert.equal(pool.recordFailure('b', {kind: 'not-found', status: 404, message: 'x'}, now, 'm1').until, now + 12 * 3600_000);
    assert.equal(pool.isHealthy('b', now, 'm2'), true, 'a 404 only cools that model');
    assert.equal(pool.isHealthy('b', now, 'm1'), false);
    assert.equal(pool.recordFailure('c', {kind: 'server', status: 502, message: 'x'}, now).until, now + 60_000);
    const delays = [1, 2, 3, 4].map(() => pool.recordFailure('a', {kind: 'rate-limit', status: 429, message: 'x'}, now).until - now);
    assert.deepEqual(delays, [1000, 2000, 4000, 8000]);
    for (let i = 0; i < 30; i++) pool.recordFailure('a', {kind: 'rate-limit', status: 429, message: 'x'}, now);
    assert.equal(pool.cooldownOf('a', now)!.until - now, COOLDOWN_MS.auth, 'the longest active cooldown shows');
    pool.recordSuccess('a');
    await clock.advance(COOLDOWN_MS.auth + 1);
    assert.equal(pool.recordFailure('a', {kind: 'rate-limit', status: 429, message: 'x'}, clock.now()).until - clock.now(), 1000, 'success resets the backoff');
  });

  it('when every account cools, says how long until the first is back', () => {
    const now = Date.now();
    const pool = new AccountPool(accounts.slice(0, 2), 'fill-first');
    pool.recordFailure('a', {kind: 'quota', status: 429, resetAt: now + 120_000, message: 'weekly limit reached'}, now);
    pool.recordFailure('b', {kind: 'quota', status: 429, resetAt: now + 30_000, message: '5-hour limit reached'}, now);
    const pick = pool.pick({now});
    assert.equal(pick.account, undefined);
    assert.equal(pick.account === undefined && pick.retryAfterMs, 30_000);
    assert.match(pick.account === undefined ? pick.reason : '', /5-hour/);
  });

  it('a single-account pool never fails over, but rotate() moves it', () => {
    const now = Date.now();
    const pool = new AccountPool(accounts, 'fill-first', {current: 'b', single: true});
    assert.equal(pool.pick({now}).account?.id, 'b');
    pool.recordFailure('b', {kind: 'server', status: 500, message: 'x'}, now);
    assert.equal(pool.pick({now}).account, undefined);
    assert.equal(pool.rotate(now)?.id, 'c');
    assert.equal(pool.pick({now}).account?.id, 'c');
  });
});
