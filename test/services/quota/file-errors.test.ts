// A quota read that meets a broken local file (a token file broken after the account was listed)
// says the file and its position, worded as a file problem, never as an `unexpected` answer.
import assert from 'node:assert/strict';
import {test} from 'node:test';
import {fetchAccountQuota} from '../../../source/services/quota/service.js';
import {quotaErrorText} from '../../../source/services/quota/errors.js';
import {makeQuotaFixture} from './fixture.js';

test('a token file broken after the account was listed: a file error naming it and its position', async () => {
  const fx = await makeQuotaFixture();
  try {
    fx.serve('claude', {five_hour: {utilization: 12, resets_at: null}});
    const deps = await fx.deps();
    const account = await fx.account('claude');
    fx.ccs.writeRaw('cliproxy/auth/claude-user@example.com.json', '{"type": "claude", "email": ');
    const entry = await fetchAccountQuota(deps, account, {force: true});
    assert.equal(entry.error?.kind, 'file');
    assert.match(entry.error!.message, /cliproxy\/auth\/claude-user@example\.com\.json:1:\d+: invalid JSON/);
    assert.match(quotaErrorText(entry.error!), /^file: \S+claude-user@example\.com\.json:1:\d+: invalid JSON/);
    assert.deepEqual(fx.upstream.requests.map((r) => r.path), []);
  } finally {
    await fx.close();
  }
});
