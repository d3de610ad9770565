// tui/proxy.json holds the running proxy's nonce, the secret it proves before anyone sends it the API
// key (services/proxy/pid-file.ts): loosened by someone (group or others may read it), it is warned
// of as the other secret files are, by every command that reads it, once, and in the store's problems
// (the TUI's banner, the proxy's log). A record without a nonce (the CLIProxyAPI binary's) holds none.
import assert from 'node:assert/strict';
import {spawnSync} from 'node:child_process';
import {chmodSync} from 'node:fs';
import {after, test} from 'node:test';
import {AccountStore} from '../../source/store/accounts.js';
import {makeTempCcs} from '../helpers/ccs.js';
import {runBin} from '../helpers/cli.js';

/** A pid no process has now: the record is stale, and nothing is signalled or asked. */
const gonePid = () => spawnSync('true').pid!;

const recordWarning = /^ccs-tui: warning: \S*tui\/proxy\.json: readable by group and others \(mode 0644\); it holds the proxy's nonce \(a secret: it proves the proxy before the API key is sent to it\) and is rewritten 0600 on its next write \(or now: chmod 600 \S*tui\/proxy\.json\)$/gm;

function record(nonce: boolean) {
  const ccs = makeTempCcs();
  after(() => ccs.cleanup());
  const file = ccs.writeRaw('tui/proxy.json', JSON.stringify({pid: gonePid(), port: 1, startedAt: new Date().toISOString(), owner: 'background', kind: 'builtin', ...(nonce ? {nonce: 'ab'.repeat(32)} : {})}));
  chmodSync(file, 0o644);
  return ccs;
}

test('a tui/proxy.json others may read is warned of once by each command that reads it, and is a store problem (the banner)', async () => {
  for (const args of [['accounts'], ['proxy', 'status'], ['proxy', 'stop']]) {
    const ccs = record(true);
    const run = await runBin(args, ccs.env);
    assert.equal(run.stderr.match(recordWarning)?.length, 1, `${args.join(' ')}: ${run.stderr}`);
    assert.ok(!run.stderr.includes('ab'.repeat(32)), 'the nonce is never printed');
  }
  const ccs = record(true);
  const {problems} = await new AccountStore(ccs.paths).load();
  assert.deepEqual(
    problems.filter((p) => p.file.endsWith('proxy.json')).map((p) => p.severity),
    ['warning'],
  );
});

test('a tui/proxy.json without a nonce, or one that is 0600, is not warned of', async () => {
  const open = record(false);
  assert.doesNotMatch((await runBin(['proxy', 'status'], open.env)).stderr, /proxy\.json: readable/);
  const closed = record(true);
  chmodSync(closed.paths.state + '/proxy.json', 0o600);
  assert.doesNotMatch((await runBin(['accounts'], closed.env)).stderr, /proxy\.json: readable/);
  assert.deepEqual((await new AccountStore(closed.paths).load()).problems, []);
});
