// The proxy's listening line in proxy.log says what it serves as `proxy status` says it (one
// wording, services/proxy/ipc.ts servingText): it said `serving claude / work` for a pool while
// status said `claude / pool of 2 · now work`.
import assert from 'node:assert/strict';
import {readFileSync} from 'node:fs';
import path from 'node:path';
import {describe, it} from 'node:test';
import {makeTempCcs} from '../helpers/ccs.js';
import {runBin} from '../helpers/cli.js';
import {startFakeUpstream} from '../helpers/fake-upstreams.js';
import {oauthToken} from './fixture.js';
import {startClaudeProxyChild} from './proxy-child.js';

describe('a proxy serving a pool of two', async () => {
  const ccs = makeTempCcs();
  ccs.writeToken('claude-work@example.com.json', oauthToken('claude', 'work@example.com'));
  ccs.writeToken('claude-home@example.com.json', oauthToken('claude', 'home@example.com'));
  await startClaudeProxyChild(ccs, await startFakeUpstream());

  it('logs the pool, its size and the account now serving, in the words of proxy status', async () => {
    const status = await runBin(['proxy', 'status'], ccs.env);
    assert.equal(status.code, 0, status.stderr);
    const serving = /^serving: (.*)$/m.exec(status.stdout)?.[1];
    assert.match(serving ?? '', /^claude \/ pool of 2 · now (work|home)@example\.com$/, status.stdout);
    const log = readFileSync(path.join(ccs.paths.logs, 'proxy.log'), 'utf8');
    const listening = log.split('\n').find((line) => line.includes('listening on'));
    assert.ok(listening?.endsWith(` serving ${serving}`), `${listening} | ${serving}`);
  });
});
