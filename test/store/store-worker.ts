// Child process for the concurrency tests: one "person" (or CCS process) editing the store.
// argv: <ccsDir> <index> <mode>; mode `edit` does add/rename/pause/resume once, `loop` edits until killed.
import {AccountStore} from '../../source/store/accounts.js';
import {ccsPaths} from '../../source/store/paths.js';

const [ccsDir, indexText, mode] = process.argv.slice(2);
const index = Number(indexText);
const store = new AccountStore(ccsPaths(ccsDir!));
const email = `user${index}@example.com`;
const token = {
  type: 'kimi',
  email,
  access_token: `access-${index}-0123456789abcdef`,
  refresh_token: `refresh-${index}-0123456789abcdef`,
  expired: new Date(Date.now() + 3600_000).toISOString(),
};

if (mode === 'edit') {
  const account = await store.saveLogin({provider: 'kimi', token});
  await store.rename('kimi', account.id, `nick-${index}`);
  await store.setPaused('kimi', `nick-${index}`, true);
  if (index % 2 === 0) await store.setPaused('kimi', `nick-${index}`, false);
  await store.rename('claude', 'shared@example.com', `shared-by-${index}`);
} else {
  await store.saveLogin({provider: 'kimi', token});
  process.stdout.write('ready\n');
  for (let n = 0; ; n++) {
    await store.rename('kimi', email, `loop-${index}-${n}`);
    await store.updateToken('kimi', email, (t) => ({...t, access_token: `access-${n}-`.padEnd(200, 'x')}));
    await store.setPaused('kimi', email, n % 2 === 0);
  }
}
