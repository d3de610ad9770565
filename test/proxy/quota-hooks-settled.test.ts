// A stopping proxy waits for the quota-cache write a response's rate-limit headers started
// (serve.ts stop → quotaHooks.settled): exiting meanwhile would cut it, leaving its lock and temp
// file, and a test's temp dir could not be removed (ENOTEMPTY).
import assert from 'node:assert/strict';
import {readdirSync, readFileSync} from 'node:fs';
import {test} from 'node:test';
import {quotaHooks} from '../../source/proxy/quota-hooks.js';
import {quotaCacheFile} from '../../source/services/quota/cache.js';
import {makeTempCcs} from '../helpers/ccs.js';

test('settled() resolves once the quota-cache write under way has ended: the windows are in the file, no lock or temp file is left', async () => {
  const ccs = makeTempCcs();
  try {
    const hooks = quotaHooks(ccs.paths);
    const resetAt = Math.floor(Date.now() / 1000) + 3600;
    for (const account of ['a', 'b', 'c']) {
      hooks.onQuotaHeaders('claude', account, {'anthropic-ratelimit-unified-5h-utilization': '0.42', 'anthropic-ratelimit-unified-5h-reset': String(resetAt), 'anthropic-ratelimit-unified-5h-status': 'allowed'});
    }
    await hooks.settled();
    const cache = JSON.parse(readFileSync(quotaCacheFile(ccs.paths), 'utf8')) as {accounts: Record<string, Record<string, {windows: {kind: string}[]}>>};
    for (const account of ['a', 'b', 'c']) assert.equal(cache.accounts.claude?.[account]?.windows[0]?.kind, '5h', account);
    const dir = readdirSync(ccs.paths.state);
    assert.deepEqual(dir.filter((name) => name !== 'quota-cache.json' && name.startsWith('quota-cache')), [], `left: ${dir.join(', ')}`);
    await hooks.settled();
  } finally {
    ccs.cleanup();
  }
});
