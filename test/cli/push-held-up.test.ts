// `push` holds the grant's refresh lock while it uploads, but a push held up (suspended, a slow
// server) past the lock's bound loses it to a refresh that spends the token being pushed. Then the
// server must not keep that spent token, and the local file, which holds the new grant, must stay.
import assert from 'node:assert/strict';
import {readFileSync} from 'node:fs';
import {describe, it} from 'node:test';
import {makeTempCcs, type TempCcs} from '../helpers/ccs.js';
import {runBin, type CliRun} from '../helpers/cli.js';
import {startTokenServer} from '../helpers/token-server.js';
import type {MgmtRequest} from '../helpers/fake-cliproxy/server.js';
import {remoteTarget} from '../helpers/fake-cliproxy/target.js';

const RT1 = 'sk-ant-ort01-RT1-pushed-0123456789';
const RT2 = 'sk-ant-ort01-RT2-refreshed-0123456789';

/** A local claude account due for refresh, a server whose `step` is held until released, a token endpoint; the refresh lock stale after 1 s. */
async function heldPush(step: (request: MgmtRequest) => boolean, body: (ctx: {ccs: TempCcs; push: Promise<CliRun>; refreshed: () => Promise<void>; files: Map<string, {json: Record<string, unknown>}>}) => Promise<void>) {
  const tokens = await startTokenServer((_n, res) => {
    res.writeHead(200, {'content-type': 'application/json'});
    res.end(JSON.stringify({access_token: 'sk-ant-oat01-AT2-0123456789abcdef', refresh_token: RT2, expires_in: 3600, token_type: 'Bearer'}));
  });
  const ccs = makeTempCcs();
  const file = ccs.writeToken('claude-a@x.com.json', {type: 'claude', email: 'a@x.com', access_token: 'sk-ant-oat01-AT1-0123456789abcdef', refresh_token: RT1, expired: new Date(Date.now() - 60_000).toISOString()});
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let reached!: () => void;
  const atStep = new Promise<void>((resolve) => (reached = resolve));
  const stand = await remoteTarget(
    ccs,
    {gate: async (request) => {
      if (!step(request)) return;
      reached();
      await released;
    }},
    {endpoints: {claude: {token: `${tokens.url}/token`, usage: `${tokens.url}/usage`}}, refresh: {lockStaleSeconds: 1}},
  );
  try {
    const push = runBin(['push', 'claude', 'a@x.com', '--target', 'team'], ccs.env);
    await atStep;
    // Another process refreshes the account meanwhile: it takes the lock over once it is stale.
    const refreshed = async () => {
      const quota = await runBin(['quota', '--provider', 'claude', '--json'], ccs.env);
      assert.equal(JSON.parse(readFileSync(file, 'utf8')).refresh_token, RT2, `${quota.stdout}${quota.stderr}`);
      assert.deepEqual(tokens.presented, [RT1]);
      release();
    };
    await body({ccs, push, refreshed, files: stand.files});
  } finally {
    release();
    await stand.close();
    await tokens.close();
    ccs.cleanup();
  }
}

describe('a push held up past the refresh lock\'s bound while another process refreshes the account', () => {
  it('held during the upload: the server\'s copy (a spent refresh token) is removed and the local file with the new grant stays', async () => {
    await heldPush((r) => r.method === 'POST' && r.path === '/v0/management/auth-files', async ({ccs, push, refreshed, files}) => {
      await refreshed();
      const run = await push;
      assert.equal(run.code, 1, run.stdout);
      assert.match(run.stderr, /claude a@x\.com: another process refreshed it while this push was held up, so the copy uploaded holds a spent refresh token; the server's copy was removed, and the local account is kept: run push again/);
      assert.equal(files.size, 0, 'the server kept the spent token');
      assert.equal(JSON.parse(readFileSync(`${ccs.paths.authDir}/claude-a@x.com.json`, 'utf8')).refresh_token, RT2, 'the new grant is lost');
      assert.ok(!run.stderr.includes(RT1) && !run.stderr.includes(RT2));
    });
  });

  it('held before the upload: nothing is uploaded and the local file with the new grant stays', async () => {
    let lists = 0;
    await heldPush((r) => r.method === 'GET' && r.path === '/v0/management/auth-files' && ++lists === 1, async ({ccs, push, refreshed, files}) => {
      await refreshed();
      const run = await push;
      assert.equal(run.code, 1, run.stdout);
      assert.match(run.stderr, /claude a@x\.com: not pushed: another process refreshed it while this push was held up; nothing was uploaded, run push again/);
      assert.equal(files.size, 0);
      assert.equal(JSON.parse(readFileSync(`${ccs.paths.authDir}/claude-a@x.com.json`, 'utf8')).refresh_token, RT2);
    });
  });
});
