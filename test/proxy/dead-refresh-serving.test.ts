// An account whose access token has expired and whose refresh failed or got no answer
// (refresh-failed, refresh-unknown) can serve nothing until a new login. Every surface says so
// alike (core/accounts.ts canServeNow): the proxy's pool and its 503, `/v1/models`, `ccs-tui env`
// and `ccs-tui run`. While its access token is still good it serves; an API key never expires.
import assert from 'node:assert/strict';
import {after, describe, it} from 'node:test';
import {AccountStore} from '../../source/store/accounts.js';
import {runBin} from '../helpers/cli.js';
import {API_KEY, askMessages, oauthToken, proxyFixture, type ProxyFixture} from './fixture.js';

const HOUR = 3600_000;
const dead = () => oauthToken('claude', 'dead@example.com', {expired: new Date(Date.now() - HOUR).toISOString()});
const live = () => oauthToken('claude', 'live@example.com');

/** Marks the account's refresh as refused (`failed`) or unanswered (`unknown`), before the proxy starts. */
const markFailed = (email: string, how: 'failed' | 'unknown' = 'failed') => async (store: AccountStore): Promise<void> => {
  const ref = {tokenFile: `claude-${email}.json`};
  const refresh = `rt-${email}-0123456789abcdef`;
  if (how === 'failed') await store.setRefreshFailed('claude', ref, 'refresh refused (invalid_request)', refresh);
  else await store.setRefreshUnknown('claude', ref, 'the token request timed out', refresh);
};

const models = (f: ProxyFixture) =>
  fetch(`${f.url}/v1/models`, {headers: {'x-api-key': API_KEY}}).then(async (r) => ({status: r.status, text: await r.text()}));

/** No access or refresh token of the fixture's accounts appears in `text`. */
function noToken(text: string): void {
  assert.doesNotMatch(text, /(at|rt)-\w+@example\.com-0123456789abcdef/, text);
}

for (const how of ['failed', 'unknown'] as const) {
  describe(`an expired account whose refresh ${how === 'failed' ? 'failed' : 'got no answer'}, alone`, async () => {
    const f = await proxyFixture({provider: 'claude', tokens: [{file: 'claude-dead@example.com.json', token: dead()}], prepare: markFailed('dead@example.com', how)});
    after(() => f.close());

    it('the proxy answers 503 naming it and the way out; nothing is sent upstream', async () => {
      const answer = await askMessages(f);
      assert.equal(answer.status, 503, answer.text);
      assert.match(answer.text, new RegExp(`no usable Claude account \\(dead@example\\.com: refresh ${how}; log in again with: ccs-tui login claude`));
      assert.equal(f.upstream.requests.length, 0, 'an expired token was sent upstream');
      assert.equal(f.tokenServer.requests.length, 0, 'its refresh token was sent');
      noToken(answer.text);
    });

    it('`ccs-tui env claude` and `ccs-tui run claude` refuse the pool with the same reason', async () => {
      const env = await runBin(['env', 'claude'], f.ccs.env);
      assert.match(env.stderr, new RegExp(`Claude Code cannot use Claude: no usable Claude account \\(dead@example\\.com: refresh ${how};`), env.stderr);
      const agent = f.ccs.writeRaw('agent.mjs', 'process.stdout.write("agent ran\\n");\n');
      const run = await runBin(['run', 'claude'], {...f.ccs.env, CCS_TUI_AGENT_CLAUDE: JSON.stringify([process.execPath, agent])});
      assert.equal(run.code, 1, run.stdout + run.stderr);
      assert.equal(run.stdout, '', 'the agent ran');
      assert.match(run.stderr, new RegExp(`cannot use Claude: no usable Claude account \\(dead@example\\.com: refresh ${how};`), run.stderr);
      noToken(env.stdout + env.stderr + run.stderr);
    });

    it('`ccs-tui run` on it says it cannot serve, even with --force', async () => {
      const agent = f.ccs.writeRaw('agent.mjs', 'process.stdout.write("agent ran\\n");\n');
      const run = await runBin(['run', 'claude', 'dead@example.com', '--force'], {...f.ccs.env, CCS_TUI_AGENT_CLAUDE: JSON.stringify([process.execPath, agent])});
      assert.equal(run.code, 1, run.stdout + run.stderr);
      assert.equal(run.stdout, '', 'the agent ran');
      assert.match(run.stderr, new RegExp(`claude account dead@example\\.com cannot serve \\(refresh ${how}: `), run.stderr);
      noToken(run.stderr);
    });
  });
}

describe('an expired account whose refresh failed, beside a healthy one', async () => {
  // fill-first in registry order: the dead one comes first and would be served first.
  const f = await proxyFixture({
    provider: 'claude',
    strategy: 'fill-first',
    tokens: [
      {file: 'claude-dead@example.com.json', token: dead()},
      {file: 'claude-live@example.com.json', token: live()},
    ],
    registry: {version: 1, providers: {claude: {default: 'dead@example.com', accounts: {'dead@example.com': {}, 'live@example.com': {}}}}},
    prepare: markFailed('dead@example.com'),
  });
  after(() => f.close());

  it('the proxy serves the healthy one, first time', async () => {
    const answer = await askMessages(f);
    assert.equal(answer.status, 200, answer.text);
    assert.equal(f.upstream.requests.length, 1, 'one request upstream');
    assert.match(String(f.upstream.requests[0]!.headers.authorization), /live@example\.com/);
    assert.equal(f.tokenServer.requests.length, 0);
  });

  it('`ccs-tui env claude` names no problem and builds the models from the healthy one', async () => {
    const env = await runBin(['env', 'claude', '--json'], f.ccs.env);
    assert.equal(env.code, 0, env.stderr);
    assert.doesNotMatch(env.stdout + env.stderr, /no usable|dead@example\.com/, env.stdout + env.stderr);
    noToken(env.stdout + env.stderr);
  });
});

describe('an API-key account (no expiry) beside an expired refresh-failed one', async () => {
  const f = await proxyFixture({
    provider: 'claude',
    tokens: [
      {file: 'claude-dead@example.com.json', token: dead()},
      {file: 'claude-key.json', token: {type: 'claude', email: 'key@example.com', api_key: 'sk-ant-api03-KEYACCOUNT-0123456789abcdef'}},
    ],
    prepare: markFailed('dead@example.com'),
  });
  after(() => f.close());

  it('the key account serves and /v1/models lists Claude', async () => {
    const answer = await askMessages(f);
    assert.equal(answer.status, 200, answer.text);
    assert.match(String(f.upstream.requests.at(-1)?.headers.authorization), /KEYACCOUNT/, 'the key account served');
    const list = await models(f);
    assert.equal(list.status, 200, list.text);
    assert.match(list.text, /claude-/);
    assert.doesNotMatch(list.text, /KEYACCOUNT/);
  });
});
