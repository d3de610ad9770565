// A newcomer's pool of two Claude accounts (alice@example.com, 92 % of her 5-hour quota used, and
// bob@example.com nicknamed "work", 30 % used), hand-written token files, the quota cache present,
// a fake upstream on 127.0.0.1, a real `proxy start` child and the real CLI. What every display says
// serves is what serves, from the first request on, and a person's default changes all reach the proxy.
import assert from 'node:assert/strict';
import {readFileSync, writeFileSync} from 'node:fs';
import {after, describe, it} from 'node:test';
import {proxyLogPath} from '../../source/services/proxy/pid-file.js';
import {makeTempCcs, tokenFixture, type TempCcs} from '../helpers/ccs.js';
import {runBin} from '../helpers/cli.js';
import {anthropicMessage, freePort, sendJson, startFakeUpstream, type FakeUpstream} from '../helpers/fake-upstreams.js';
import {quotaWindowFixture, writeQuotaCache} from '../helpers/quota.js';
import {waitFor} from '../helpers/wait.js';
import {startClaudeProxyChild} from '../proxy/proxy-child.js';
import {API_KEY} from '../proxy/fixture.js';

const HOUR = 3600_000;
const tokenOf = (email: string) => `Bearer at-claude-${email}-0123456789abcdef`;
const ALICE = tokenOf('alice@example.com');
const WORK = tokenOf('bob@example.com');

/** The newcomer's two accounts, `defaultAccount` the default, and the quota cache as the TUI left it. */
async function newcomerPool(defaultAccount: 'alice@example.com' | 'work'): Promise<{ccs: TempCcs; upstream: FakeUpstream}> {
  const ccs = makeTempCcs();
  const upstream = await startFakeUpstream((req, res) => sendJson(res, 200, anthropicMessage(String(req.body?.model), 'pong')));
  ccs.writeToken('claude-alice@example.com.json', tokenFixture('claude', 'alice@example.com'));
  ccs.writeToken('claude-bob@example.com.json', tokenFixture('claude', 'bob@example.com'));
  for (const args of [['rename', 'claude', 'bob@example.com', 'work'], ['use', 'claude', defaultAccount]]) {
    const run = await runBin(args, ccs.env);
    assert.equal(run.code, 0, run.stderr);
  }
  const window = (usedPct: number) => quotaWindowFixture(Date.now(), '5h', usedPct, 2 * HOUR, 18000);
  writeQuotaCache(ccs, new Date(), {claude: {'alice@example.com': [window(92)], 'bob@example.com': [window(30)]}});
  return {ccs, upstream};
}

async function ask(port: number, upstream: FakeUpstream): Promise<string | undefined> {
  const before = upstream.requests.length;
  const res = await fetch(`http://127.0.0.1:${port}/v1/messages`, {
    method: 'POST',
    headers: {'content-type': 'application/json', 'x-api-key': API_KEY, 'anthropic-version': '2023-06-01'},
    body: JSON.stringify({model: 'claude-opus-5', max_tokens: 16, messages: [{role: 'user', content: 'hi'}]}),
  });
  assert.equal(res.status, 200, await res.text());
  return upstream.requests.slice(before).at(-1)?.headers.authorization as string | undefined;
}

const servingLine = async (ccs: TempCcs) => {
  const status = await runBin(['proxy', 'status'], ccs.env);
  assert.equal(status.code, 0, status.stderr);
  return status.stdout.split('\n').find((line) => line.startsWith('serving: ')) ?? status.stdout;
};

const log = (ccs: TempCcs) => readFileSync(proxyLogPath(ccs.paths), 'utf8');

describe("a new proxy serves the pool's own pick from its first request", () => {
  it('`proxy start`: the first request, the listening line and `proxy status` all name work (most headroom), not the default', async () => {
    const {ccs, upstream} = await newcomerPool('alice@example.com');
    const port = await startClaudeProxyChild(ccs, upstream);
    assert.equal(await ask(port, upstream), WORK, 'the first request went to the account with the most room left');
    assert.equal(await ask(port, upstream), WORK);
    assert.match(log(ccs), /listening on http:\/\/127\.0\.0\.1:\d+ \(pid \d+\) serving claude \/ pool of 2 · now work\n/);
    assert.equal(await servingLine(ccs), 'serving: claude / pool of 2 · now work');
  });

  it('`run claude` says who serves first as the proxy does, and the agent\'s first request goes there', async () => {
    const {ccs, upstream} = await newcomerPool('alice@example.com');
    // `run` starts the proxy, on config.yaml's port.
    after(async () => {
      await runBin(['proxy', 'stop'], ccs.env);
      await upstream.close();
      ccs.cleanup();
    });
    ccs.writeRaw('cliproxy/config.yaml', `port: ${await freePort()}\napi-keys:\n  - "${API_KEY}"\n`);
    writeFileSync(ccs.paths.settings, JSON.stringify({endpoints: {claude: {api: upstream.url}}}));
    const agent = ccs.writeRaw(
      'agent.mjs',
      `const res = await fetch(process.env.ANTHROPIC_BASE_URL + '/v1/messages', {method: 'POST', headers: {'content-type': 'application/json', 'x-api-key': process.env.ANTHROPIC_AUTH_TOKEN, 'anthropic-version': '2023-06-01'}, body: JSON.stringify({model: 'claude-opus-5', max_tokens: 16, messages: [{role: 'user', content: 'hi'}]})});\nprocess.stdout.write('agent got ' + res.status + '\\n');\n`,
    );
    const run = await runBin(['run', 'claude'], {...ccs.env, CCS_TUI_AGENT_CLAUDE: JSON.stringify([process.execPath, agent])});
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout, 'agent got 200\n');
    assert.match(run.stderr, /serving the claude pool \(work first\)/);
    assert.equal(upstream.requests.at(-1)?.headers.authorization, WORK);
    // The log's request lines are written in batches (a line may follow the answer by a moment).
    await waitFor(() => /POST \/api\/provider\/claude\/v1\/messages claude-opus-5 → claude\/work 200/.test(log(ccs)), 'the request line in the proxy log');
  });
});

describe('a running proxy follows every default change a person makes', () => {
  it('`rotate`s back to back (alice → work → alice): the proxy serves alice, and says so', async () => {
    const {ccs, upstream} = await newcomerPool('alice@example.com');
    const port = await startClaudeProxyChild(ccs, upstream);
    assert.equal(await ask(port, upstream), WORK, 'most headroom serves work while alice is the default');
    // It moves on from what the proxy serves (work), not from the default: to alice, the default already.
    const moved = await runBin(['rotate', 'claude'], ccs.env);
    assert.equal(moved.stdout, 'claude: work → alice@example.com (what the running proxy served; alice@example.com was the default already)\n', moved.stderr);
    assert.equal(await ask(port, upstream), ALICE);
    const first = await runBin(['rotate', 'claude'], ccs.env);
    const second = await runBin(['rotate', 'claude'], ccs.env);
    assert.equal(first.stdout + second.stdout, 'claude: alice@example.com → work\nclaude: work → alice@example.com\n', first.stderr + second.stderr);
    assert.equal(await servingLine(ccs), 'serving: claude / pool of 2 · now alice@example.com');
    assert.equal(await ask(port, upstream), ALICE);
    await waitFor(() => /claude now serves alice@example\.com\n/.test(log(ccs)), 'the log says the proxy moved to alice');
  });

  it('`use` of the default while the pool serves another puts it first and says so; then it is only "already the default"', async () => {
    const {ccs, upstream} = await newcomerPool('alice@example.com');
    const port = await startClaudeProxyChild(ccs, upstream);
    assert.equal(await ask(port, upstream), WORK);
    assert.equal(await servingLine(ccs), 'serving: claude / pool of 2 · now work');
    const use = await runBin(['use', 'claude', 'alice@example.com'], ccs.env);
    assert.equal(use.code, 0, use.stderr);
    assert.equal(use.stdout, "claude: alice@example.com is already the default; the proxy served work (the pool's own pick) and now serves alice@example.com\n");
    assert.equal(await servingLine(ccs), 'serving: claude / pool of 2 · now alice@example.com');
    assert.equal(await ask(port, upstream), ALICE);
    await waitFor(() => /claude now serves alice@example\.com\n/.test(log(ccs)), 'the log says the proxy moved to alice');
    const again = await runBin(['use', 'claude', 'alice@example.com'], ccs.env);
    assert.equal(again.stdout, 'claude: alice@example.com is already the default\n', again.stderr);
  });

  it('`use` of an account added a moment before (both seen by the proxy in one look): it serves that account', async () => {
    const {ccs, upstream} = await newcomerPool('alice@example.com');
    const port = await startClaudeProxyChild(ccs, upstream);
    assert.equal(await ask(port, upstream), WORK);
    // A login's file, then `use` of it, before the proxy's next request.
    ccs.writeToken('claude-carol@example.com.json', tokenFixture('claude', 'carol@example.com'));
    const use = await runBin(['use', 'claude', 'carol@example.com'], ccs.env);
    assert.equal(use.code, 0, use.stderr);
    assert.equal(await ask(port, upstream), tokenOf('carol@example.com'));
    assert.equal(await servingLine(ccs), 'serving: claude / pool of 3 · now carol@example.com');
  });
});
