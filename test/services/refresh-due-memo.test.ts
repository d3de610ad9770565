// refreshDue remembers the last `expired` text it parsed (issue 14: the proxy asks it per request,
// mostly of one token). Tokens that take turns must each be judged by their own expiry.
import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import type {TokenFile} from '../../source/core/types.js';
import {resolveProvider} from '../../source/services/oauth/provider-config.js';
import {DEFAULT_SETTINGS} from '../../source/store/settings.js';
import {refreshDue} from '../../source/services/refresh.js';

describe('refreshDue with tokens that take turns', () => {
  const claude = resolveProvider(DEFAULT_SETTINGS, 'claude');
  const now = Date.parse('2026-11-30T12:00:00.000Z');
  const token = (expired: string): TokenFile => ({type: 'claude', access_token: 'a', refresh_token: 'r', expired});
  const later = token('2026-12-30T12:00:00.000Z');
  const past = token('2026-11-29T12:00:00.000Z');
  const soon = token('2026-11-30T12:01:00+00:00');
  const unreadable = token('not a date');

  it('judges each by its own expiry, whichever was asked before', () => {
    for (let round = 0; round < 3; round++) {
      assert.equal(refreshDue(claude, later, now), false, 'a month left');
      assert.equal(refreshDue(claude, later, now), false, 'a month left, asked again');
      assert.equal(refreshDue(claude, past, now), true, 'expired yesterday');
      assert.equal(refreshDue(claude, later, now), false, 'a month left, after another token');
      assert.equal(refreshDue(claude, soon, now), true, 'a minute left (another spelling of a time)');
      assert.equal(refreshDue(claude, unreadable, now), true, 'an expiry that is no date');
      assert.equal(refreshDue(claude, unreadable, now), true, 'an expiry that is no date, asked again');
    }
  });
});
