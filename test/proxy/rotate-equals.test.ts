// The proxy's `r` (rotate) under most-headroom, its accounts of equal room (here: no quota known):
// rotating again and again reaches every account in turn, as `ccs-tui rotate` does. It went a → b →
// a → b, and the third account was never served by a rotation.
import assert from 'node:assert/strict';
import {mkdirSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {after, describe, it} from 'node:test';
import {AccountStore} from '../../source/store/accounts.js';
import {tokenFixture} from '../helpers/ccs.js';
import {accountTokens, proxyFixture} from './fixture.js';

describe('proxy rotate, most-headroom, three accounts of equal room', async () => {
  const f = await proxyFixture({provider: 'claude', strategy: 'most-headroom', tokens: accountTokens('claude', ['a@example.com', 'b@example.com', 'c@example.com'])});
  after(() => f.close());

  it('reaches each account in turn', async () => {
    const seen: string[] = [];
    for (let i = 0; i < 6; i++) seen.push((await f.proxy.rotate('claude'))!);
    assert.equal(new Set(seen).size, 3, seen.join(' → '));
    // Each rotation moves off the account before it.
    for (let i = 1; i < seen.length; i++) assert.notEqual(seen[i], seen[i - 1], seen.join(' → '));
    assert.deepEqual(seen.slice(3), seen.slice(0, 3), `a cycle: ${seen.join(' → ')}`);
  });
});

describe('proxy rotate named by another spelling of the provider', async () => {
  const f = await proxyFixture({provider: 'claude', strategy: 'most-headroom', tokens: accountTokens('claude', ['a@example.com', 'b@example.com', 'c@example.com'])});
  after(() => f.close());

  it('CLAUDE is claude: the same turn, the events and the answer name claude; an unknown provider is refused, not a fault', async () => {
    const seen: string[] = [];
    for (let i = 0; i < 3; i++) {
      const result = await f.proxy.rotateResult('CLAUDE');
      assert.ok('account' in result, JSON.stringify(result));
      assert.equal(result.provider, 'claude');
      seen.push(result.account);
    }
    assert.equal(new Set(seen).size, 3, seen.join(' → '));
    assert.ok(f.events.filter((e) => e.type === 'rotated').every((e) => e.type === 'rotated' && e.provider === 'claude'));
    const unknown = await f.proxy.rotateResult('nosuch');
    assert.deepEqual(unknown, {error: 'unknown provider "nosuch"', refused: true});
  });
});

// Newcomer (s44): `r` for a provider with no account at all said "no other healthy account".
describe('proxy rotate of a provider with no account', async () => {
  const f = await proxyFixture({provider: 'claude', tokens: accountTokens('claude', ['a@example.com'])});
  after(() => f.close());

  it('says it has none, in the words `ccs-tui rotate` uses; a lone account has no other', async () => {
    assert.deepEqual(await f.proxy.rotateResult('gemini'), {error: 'gemini has no accounts to rotate', refused: true});
    assert.deepEqual(await f.proxy.rotateResult('claude'), {error: 'claude: no other healthy account to rotate to', refused: true});
  });

  it('a provider whose only account is paused has one: none other can serve (as `ccs-tui rotate` says no other is usable)', async () => {
    mkdirSync(f.ccs.paths.pausedDir, {recursive: true, mode: 0o700});
    writeFileSync(path.join(f.ccs.paths.pausedDir, 'gemini-g@example.com.json'), JSON.stringify(tokenFixture('gemini', 'g@example.com')), {mode: 0o600});
    assert.match(await new AccountStore(f.ccs.paths).rotate('gemini').then(() => 'rotated', (error: Error) => error.message), /no other usable gemini account/);
    assert.deepEqual(await f.proxy.rotateResult('gemini'), {error: 'gemini: no other healthy account to rotate to', refused: true});
  });
});
