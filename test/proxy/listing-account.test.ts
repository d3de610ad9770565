// An account's own aliases (its token file's `model_aliases`) are listed by /v1/models with the
// account the pool serves next, as the ★, `proxy status` and the live list name it: while the default
// is cooling down, the aliases shown are those of the account a request would reach, not the default's.
import assert from 'node:assert/strict';
import {after, describe, it} from 'node:test';
import {accountTokens, API_KEY, proxyFixture} from './fixture.js';

const aliasOf = (email: string) => ({model_aliases: [{name: 'kimi-k2', alias: `${email.split('@')[0]}-house`}]});

describe("/v1/models lists the aliases of the account served next", async () => {
  const f = await proxyFixture({
    provider: 'kimi',
    tokens: accountTokens('kimi', ['first@example.com', 'second@example.com'], aliasOf),
    registry: {
      version: 1,
      providers: {
        kimi: {
          default: 'first@example.com',
          accounts: {
            'first@example.com': {email: 'first@example.com', tokenFile: 'kimi-first@example.com.json'},
            'second@example.com': {email: 'second@example.com', tokenFile: 'kimi-second@example.com.json'},
          },
        },
      },
    },
    // The default met its limit (a cooldown another process wrote): the pool serves the other one.
    prepare: (store) => store.setCooldown('kimi', 'first@example.com', {until: new Date(Date.now() + 3600_000).toISOString(), kind: 'quota', reason: 'weekly limit'}),
  });
  after(() => f.close());

  it("names second's alias, not the cooling default's", async () => {
    const response = await fetch(`${f.url}/v1/models`, {headers: {authorization: `Bearer ${API_KEY}`}});
    const text = await response.text();
    assert.equal(response.status, 200, text);
    const ids = (JSON.parse(text) as {data: {id: string}[]}).data.map((m) => m.id);
    assert.ok(ids.includes('second-house'), `second's alias listed: ${ids.join(', ')}`);
    assert.ok(!ids.includes('first-house'), `the cooling default's alias not listed: ${ids.join(', ')}`);
  });
});
