// A token file rewritten in place at the same size, its old mtime put back (`cp -p`, `touch -d`, a
// sync tool): the readers that keep what they parsed must still see the new contents.
import assert from 'node:assert/strict';
import {readFileSync, utimesSync} from 'node:fs';
import {setTimeout as sleep} from 'node:timers/promises';
import {test} from 'node:test';
import {AccountStore} from '../../source/store/accounts.js';
import {RECENT_CHANGE_MS} from '../../source/store/file-stamp.js';
import {makeTempCcs, tokenFixture} from '../helpers/ccs.js';
import {rewriteKeepingMtime} from '../helpers/rewrite-in-place.js';

test('the copies of a grant are found in a file rewritten in place at the same size and mtime', async (t) => {
  const ccs = makeTempCcs();
  t.after(() => ccs.cleanup());
  const file = ccs.writeToken('claude-a@example.com.json', tokenFixture('claude', 'a@example.com', {refresh_token: 'sk-ant-ort01-AAAA-0123456789'}));
  const old = new Date(Date.now() - 60_000);
  utimesSync(file, old, old);
  await sleep(RECENT_CHANGE_MS + 100); // past the "racily clean" second: the read below is kept
  // Two readers that keep the file's read: one looks at once (changed in the last second), the
  // other only after that second (the stamp alone decides).
  const stores = [new AccountStore(ccs.paths), new AccountStore(ccs.paths)];
  for (const store of stores) {
    await store.load();
    assert.deepEqual((await store.tokenFilesHolding(['sk-ant-ort01-AAAA-0123456789'])).get('sk-ant-ort01-AAAA-0123456789'), ['claude-a@example.com.json']);
  }

  rewriteKeepingMtime(file, readFileSync(file, 'utf8').replace('AAAA', 'BBBB'));
  for (const [n, store] of stores.entries()) {
    if (n === 1) await sleep(RECENT_CHANGE_MS + 100);
    const holding = await store.tokenFilesHolding(['sk-ant-ort01-AAAA-0123456789', 'sk-ant-ort01-BBBB-0123456789']);
    assert.deepEqual(holding.get('sk-ant-ort01-BBBB-0123456789'), ['claude-a@example.com.json'], `reader ${n}`);
    assert.deepEqual(holding.get('sk-ant-ort01-AAAA-0123456789'), [], `reader ${n}`);
  }
});
