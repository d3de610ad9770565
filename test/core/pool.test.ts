// The account pool's choices and cooldowns, with time passed in (a fake clock's now()).
import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {AccountPool, classifyUpstreamFailure, COOLDOWN_MS, isOverloadAnswer, MODEL_COOLDOWNS_KEPT, SERVER_BACKOFF_MS} from '../../source/core/pool.js';
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
    pool.recordFailure('c', {kind: 'rate-limit', status: 429, message: 'rate limited'}, now);
    assert.equal(pool.pick({now, ranked: ['c', 'a', 'b']}).account?.id, 'a');
  });

  describe('an account put first (rotate, select) serves next until the strategy\'s own rule moves it', () => {
    const limit = (pool: AccountPool, id: string, now: number) => pool.recordFailure(id, {kind: 'quota', status: 429, resetAt: now + 60_000, message: 'usage limit reached'}, now);

    it('most-headroom: held over the ranking until it cools; then the ranking, and not back when the cooldown ends', () => {
      let now = Date.now();
      const pool = new AccountPool(accounts, 'most-headroom');
      const ranked = ['a', 'b', 'c'];
      assert.equal(pool.next({now, ranked})?.id, 'a');
      assert.equal(pool.rotate(now, ranked)?.id, 'b', 'the next best after the one serving');
      for (let i = 0; i < 3; i++) {
        assert.equal(pool.next({now, ranked})?.id, 'b', 'next() says what pick() does');
        assert.equal(pool.pick({now, ranked}).account?.id, 'b');
      }
      limit(pool, 'b', now);
      assert.equal(pool.next({now, ranked})?.id, 'a');
      assert.equal(pool.pick({now, ranked}).account?.id, 'a');
      now += 61_000;
      assert.equal(pool.pick({now, ranked}).account?.id, 'a', 'the hold ended with the limit');
    });

    it('most-headroom: a held account out of the ranking (its quota used up) is passed over', () => {
      const now = Date.now();
      const pool = new AccountPool(accounts, 'most-headroom');
      assert.equal(pool.select('c'), true);
      assert.equal(pool.pick({now, ranked: ['c', 'a']}).account?.id, 'c');
      assert.equal(pool.next({now, ranked: ['a', 'b']})?.id, 'a');
      assert.equal(pool.pick({now, ranked: ['a', 'b']}).account?.id, 'a');
      assert.equal(pool.pick({now, ranked: ['c', 'a']}).account?.id, 'c', 'no longer held: the ranking decides');
    });

    it('round-robin: the rotated-to account serves the next request, then the turn goes on from it', () => {
      const now = Date.now();
      const pool = new AccountPool(accounts, 'round-robin');
      assert.equal(pool.pick({now}).account?.id, 'b');
      assert.equal(pool.next({now})?.id, 'c');
      assert.equal(pool.rotate(now)?.id, 'a', 'the one after the account serving next');
      assert.deepEqual([1, 2, 3, 4].map(() => pool.pick({now}).account?.id), ['a', 'b', 'c', 'a']);
    });

    it('fill-first: rotate moves the filled account on, and it stays there', () => {
      const now = Date.now();
      const pool = new AccountPool(accounts, 'fill-first');
      assert.equal(pool.rotate(now)?.id, 'b');
      assert.deepEqual([1, 2, 3].map(() => pool.pick({now}).account?.id), ['b', 'b', 'b']);
    });

    it('a single pool serves nothing once its account leaves, never another; it serves again when it is back', () => {
      const now = Date.now();
      const pool = new AccountPool(accounts, 'fill-first', {current: 'b', single: true});
      pool.setAccounts([accounts[0]!, accounts[2]!]);
      const pick = pool.pick({now});
      assert.equal(pick.account, undefined);
      assert.equal(pick.account === undefined && pick.cooling, false);
      assert.equal(pool.next({now}), undefined);
      pool.setAccounts(accounts);
      assert.equal(pool.pick({now}).account?.id, 'b');
    });
  });

  it('most-headroom: rotate goes only to an account of the ranking (one it leaves out, its quota used up, would be passed over at once)', () => {
    const pool = new AccountPool(accounts, 'most-headroom');
    const now = Date.now();
    // b and c used up (out of the ranking): from a, nothing to go to; the pool keeps serving a.
    assert.equal(pool.rotate(now, ['a'], {id: 'a', label: 'a@example.com'}), undefined);
    assert.equal(pool.next({now, ranked: ['a']})?.id, 'a');
    // c ranked: rotate goes there, and the pool serves it.
    assert.equal(pool.rotate(now, ['c', 'a'], {id: 'a', label: 'a@example.com'})?.id, 'c');
    assert.equal(pool.next({now, ranked: ['c', 'a']})?.id, 'c');
    // No ranking at all (no quota hook): the pool order, as before.
    assert.equal(new AccountPool(accounts, 'most-headroom').rotate(now, undefined, {id: 'a', label: 'a@example.com'})?.id, 'b');
  });

  it('the only account that can serve, cooling: named, not "every account"', () => {
    const pool = new AccountPool([accounts[1]!], 'most-headroom');
    const now = Date.now();
    pool.recordFailure('b', {kind: 'rate-limit', status: 429, message: 'rate limited'}, now);
    const picked = pool.pick({now});
    assert.equal(picked.account === undefined && picked.reason, 'b@example.com, the only account that can serve now, is cooling down (rate limited)');
  });

  it('some accounts lacking the model (their 404), the others waiting: both said, with the wait of those that wait', () => {
    const pool = new AccountPool(accounts, 'fill-first');
    const now = Date.now();
    pool.recordFailure('a', {kind: 'not-found', status: 404, message: 'model not found upstream (404)'}, now, 'm1');
    pool.recordFailure('b', {kind: 'quota', status: 429, resetAt: now + 90_000, message: '5-hour limit reached'}, now);
    pool.recordFailure('c', {kind: 'quota', status: 429, resetAt: now + 60_000, message: 'weekly limit reached'}, now);
    const mixed = pool.pick({now, model: 'm1'});
    assert.equal(mixed.account, undefined);
    assert.equal(mixed.account === undefined && mixed.reason, '1 account answered 404 for this model and the others are cooling down (weekly limit reached)');
    assert.equal(mixed.account === undefined && mixed.retryAfterMs, 60_000);
    assert.equal(mixed.account === undefined && mixed.modelMissing, undefined, 'not every account lacks it');
    // Another model: a serves it.
    assert.equal(pool.pick({now, model: 'm2'}).account?.id, 'a');
    // Two lacking it: counted; none lacking it: as before.
    pool.recordFailure('c', {kind: 'not-found', status: 404, message: 'model not found upstream (404)'}, now, 'm1');
    const two = pool.pick({now: now + 61_000, model: 'm1'});
    assert.equal(two.account === undefined && two.reason, '2 accounts answered 404 for this model and the other is cooling down (5-hour limit reached)');
    const other = pool.pick({now: now + 61_000, model: 'm3'});
    assert.equal(other.account?.id, 'a');
  });

  it('per-model waits are kept to MODEL_COOLDOWNS_KEPT per account, the oldest going first; other waits stay', () => {
    const pool = new AccountPool(accounts, 'fill-first');
    const now = Date.now();
    pool.recordFailure('a', {kind: 'auth', status: 401, message: 'x'}, now);
    for (let i = 0; i < MODEL_COOLDOWNS_KEPT + 8; i++) pool.recordFailure('a', {kind: 'not-found', status: 404, message: 'x'}, now + i, `m${i}`);
    const models = pool.modelCooldownsOf('a', now + 100).map((c) => c.model);
    assert.equal(models.length, MODEL_COOLDOWNS_KEPT);
    assert.equal(models[0], 'm8');
    assert.equal(models.at(-1), `m${MODEL_COOLDOWNS_KEPT + 7}`);
    assert.equal(pool.cooldownOf('a', now + 100)?.kind, 'auth', 'the account\'s own wait is kept');
  });

  it('cooldown lengths: auth 30 min, 404 12 h for that model, 429 exponential to 30 min', async () => {
    const clock = new FakeClock();
    const pool = new AccountPool(accounts, 'fill-first');
    const now = clock.now();
    assert.equal(pool.recordFailure('a', {kind: 'auth', status: 401, message: 'x'}, now).until, now + COOLDOWN_MS.auth);
    assert.equal(pool.recordFailure('b', {kind: 'not-found', status: 404, message: 'x'}, now, 'm1').until, now + 12 * 3600_000);
    assert.equal(pool.isHealthy('b', now, 'm2'), true, 'a 404 only cools that model');
    assert.equal(pool.isHealthy('b', now, 'm1'), false);
    const delays = [1, 2, 3, 4].map(() => pool.recordFailure('a', {kind: 'rate-limit', status: 429, message: 'x'}, now).until - now);
    assert.deepEqual(delays, [1000, 2000, 4000, 8000]);
    for (let i = 0; i < 30; i++) pool.recordFailure('a', {kind: 'rate-limit', status: 429, message: 'x'}, now);
    assert.equal(pool.cooldownOf('a', now)!.until - now, COOLDOWN_MS.auth, 'the longest active cooldown shows');
    pool.recordSuccess('a');
    await clock.advance(COOLDOWN_MS.auth + 1);
    assert.equal(pool.recordFailure('a', {kind: 'rate-limit', status: 429, message: 'x'}, clock.now()).until - clock.now(), 1000, 'success resets the backoff');
  });

  it('concurrent requests meeting one rate limit are one failure in a row: the backoff grows only for requests sent after', () => {
    const pool = new AccountPool(accounts, 'fill-first');
    const sent = Date.now();
    // Twelve parallel requests (subagents) sent together, their 429s (no reset time) met one after another.
    const delays = Array.from({length: 12}, (_, i) => {
      const met = sent + 100 + i;
      return pool.recordFailure('a', {kind: 'rate-limit', status: 429, message: 'x'}, met, undefined, sent).until - met;
    });
    assert.deepEqual(new Set(delays), new Set([1000]), 'not doubled twelve times (that parked the account for the 30-minute maximum)');
    const next = sent + 2000;
    assert.equal(pool.recordFailure('a', {kind: 'rate-limit', status: 429, message: 'x'}, next + 50, undefined, next).until - (next + 50), 2000, 'a request sent after them is the next in the row');
    const muchLater = next + COOLDOWN_MS.backoffMax + SERVER_BACKOFF_MS.streakWindow + 1000;
    assert.equal(pool.recordFailure('a', {kind: 'rate-limit', status: 429, message: 'x'}, muchLater).until - muchLater, 1000, 'a 429 long after the last starts the row over');
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
    pool.recordFailure('b', {kind: 'auth', status: 401, message: 'x'}, now);
    assert.equal(pool.pick({now}).account, undefined);
    assert.equal(pool.rotate(now)?.id, 'c');
    assert.equal(pool.pick({now}).account?.id, 'c');
  });

  describe('server errors (5xx): never parked, a short growing "tried last" backoff when repeated', () => {
    const server = (status = 500) => ({kind: 'server' as const, status, message: `upstream error ${status}`});

    it('one server error starts no cooldown: a lone account serves the next request', () => {
      const now = Date.now();
      const pool = new AccountPool(accounts.slice(0, 1), 'fill-first');
      assert.equal(pool.recordFailure('a', server(), now), undefined);
      assert.equal(pool.isHealthy('a', now), true);
      assert.equal(pool.pick({now}).account?.id, 'a');
    });

    it('from the second in a row: 2 s, doubling to 30 s; a success ends the streak and the backoff', () => {
      let now = Date.now();
      const pool = new AccountPool(accounts, 'fill-first');
      const backoffs: number[] = [];
      for (let i = 0; i < 7; i++) {
        // Each request sent once the backoff before it ended (the account was healthy again).
        now = Math.max(now + 1, pool.cooldownOf('a', now)?.until ?? 0);
        backoffs.push((pool.recordFailure('a', server(), now) ?? {until: now}).until - now);
      }
      assert.deepEqual(backoffs, [0, 2000, 4000, 8000, 16000, 30000, 30000]);
      assert.equal(SERVER_BACKOFF_MS.max, 30_000);
      const cooldown = pool.cooldownOf('a', now)!;
      assert.equal(cooldown.triedLast, true);
      assert.equal(cooldown.message, 'upstream error 500, 7 in a row');
      pool.recordSuccess('a');
      assert.equal(pool.isHealthy('a', now + 1), true, 'a success ends the backoff');
      assert.equal(pool.recordFailure('a', server(), now + 2), undefined, 'and the streak');
    });

    it('requests one after another meeting one outage while the backoff runs add nothing: it doubles only once it ended', () => {
      const start = Date.now();
      const pool = new AccountPool(accounts, 'fill-first');
      pool.recordFailure('a', server(502), start);
      const second = pool.recordFailure('a', server(502), start + 5)!;
      assert.equal(second.until, start + 5 + 2000);
      // A client retrying at once, every 10 ms: each request tried a (as a last resort) and failed in a millisecond.
      for (let sent = start + 10; sent < second.until; sent += 10) {
        assert.equal(pool.recordFailure('a', server(502), sent + 1, undefined, sent), undefined, `sent at +${sent - start} ms: no new backoff, no line`);
      }
      assert.equal(pool.cooldownOf('a', second.until - 1)?.until, second.until, 'the backoff stands as it was (not 30 s)');
      assert.equal(pool.cooldownOf('a', second.until - 1)?.message, 'upstream error 502, 2 in a row');
      const after = second.until + 1;
      const third = pool.recordFailure('a', server(502), after + 1, undefined, after);
      assert.equal(third?.message, 'upstream error 502, 3 in a row', 'a request sent once the backoff ended is the next in a row');
      assert.equal(third!.until - (after + 1), 4000);
    });

    it('a lone account or a single pool gets no "tried last" backoff (it would change nothing), though its streak counts', () => {
      const now = Date.now();
      const lone = new AccountPool(accounts.slice(0, 1), 'fill-first');
      const single = new AccountPool(accounts, 'fill-first', {current: 'b', single: true});
      for (const [pool, id] of [[lone, 'a'], [single, 'b']] as const) {
        for (let i = 0; i < 5; i++) assert.equal(pool.recordFailure(id, server(), now + i * 60_000), undefined, `${id}: failure ${i + 1}`);
        assert.equal(pool.cooldownOf(id, now + 4 * 60_000), undefined);
      }
      lone.setAccounts(accounts.slice(0, 2));
      const joined = lone.recordFailure('a', server(), now + 5 * 60_000);
      assert.equal(joined?.message, 'upstream error 500, 6 in a row', 'once another account can serve, the backoff the outage reached applies');
      assert.equal(joined!.triedLast, true);
    });

    it('concurrent requests meeting one outage are one server error, not twenty in a row', () => {
      const sent = Date.now();
      const pool = new AccountPool(accounts, 'fill-first');
      for (let i = 0; i < 20; i++) assert.equal(pool.recordFailure('a', server(502), sent + 50 + i, undefined, sent), undefined, `request ${i}`);
      assert.equal(pool.isHealthy('a', sent + 100), true);
      assert.equal(pool.cooldownOf('a', sent + 100), undefined, 'not tried last: one failure so far');
      const next = sent + 1000;
      const backoff = pool.recordFailure('a', server(502), next + 10, undefined, next);
      assert.equal(backoff?.message, 'upstream error 502, 2 in a row', 'a request sent after the outage was met is the second');
    });

    it('server errors further apart than the streak window are not a streak', () => {
      const now = Date.now();
      const pool = new AccountPool(accounts, 'fill-first');
      pool.recordFailure('a', server(), now);
      assert.equal(pool.recordFailure('a', server(), now + SERVER_BACKOFF_MS.streakWindow + 1), undefined);
      assert.ok(pool.recordFailure('a', server(), now + SERVER_BACKOFF_MS.streakWindow + 2));
    });

    it('a backed-off account is passed over while another serves, and picked when none is left', () => {
      const now = Date.now();
      const pool = new AccountPool(accounts.slice(0, 2), 'most-headroom');
      pool.recordFailure('a', server(), now);
      pool.recordFailure('a', server(), now);
      assert.equal(pool.pick({now}).account?.id, 'b', 'passed over');
      assert.equal(pool.pick({now, exclude: new Set(['b'])}).account?.id, 'a', 'still tried when b cannot serve');
      pool.recordFailure('b', {kind: 'quota', status: 429, resetAt: now + 60_000, message: '5-hour limit reached'}, now);
      assert.equal(pool.pick({now}).account?.id, 'a');
      const none = pool.pick({now, exclude: new Set(['a'])});
      assert.equal(none.account, undefined);
      assert.match(none.account === undefined ? none.reason : '', /\(5-hour limit reached\)/, 'a backoff is never the 429\'s reason');
    });

    it('a single-account pool keeps serving its account through server errors; a hard cooldown bars it', () => {
      const now = Date.now();
      const pool = new AccountPool(accounts, 'fill-first', {current: 'b', single: true});
      pool.recordFailure('b', server(502), now);
      pool.recordFailure('b', server(502), now);
      assert.equal(pool.pick({now}).account?.id, 'b');
      pool.recordFailure('b', {kind: 'rate-limit', status: 429, message: 'rate limited'}, now);
      assert.equal(pool.cooldownOf('b', now)?.kind, 'rate-limit');
      const pooled = new AccountPool(accounts, 'fill-first');
      pooled.recordFailure('b', server(502), now);
      pooled.recordFailure('b', server(502), now);
      pooled.recordFailure('b', {kind: 'rate-limit', status: 429, message: 'rate limited'}, now);
      assert.equal(pooled.cooldownOf('b', now)?.kind, 'rate-limit', 'what bars the account shows first, not its "tried last" backoff');
      const pick = pool.pick({now});
      assert.equal(pick.account, undefined);
      assert.equal(pick.account === undefined && pick.cooling, true);
    });
  });
});
