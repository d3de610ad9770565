// `ccs-tui run P` on the provider's pool, with a proxy already running: the agent is given
// /api/provider/P, so the proxy's root (where `ccs-tui env` pointed a Claude Code started earlier)
// keeps serving what it served. Moving it sent that Claude Code's requests to P with P's token.
// A run on one account still moves the proxy there (one account per provider), as before.
import assert from 'node:assert/strict';
import {writeFileSync} from 'node:fs';
import {after, describe, it} from 'node:test';
import {fetchProxyStatus} from '../../source/services/proxy/control.js';
import {readRunningProxy} from '../../source/services/proxy/pid-file.js';
import {makeTempCcs} from '../helpers/ccs.js';
import {runBin} from '../helpers/cli.js';
import {anthropicMessage, freePort, sendJson, startFakeUpstream} from '../helpers/fake-upstreams.js';
import {API_KEY, oauthToken} from '../proxy/fixture.js';

describe('ccs-tui run on a pool leaves a running proxy\'s root where it was', async () => {
  const ccs = makeTempCcs();
  const upstream = await startFakeUpstream((req, res) => {
    if (req.path === '/v1/messages') return sendJson(res, 200, anthropicMessage(String(req.body?.model), 'from claude'));
    sendJson(res, 404, {error: {type: 'not_found_error', message: 'no such path'}});
  });
  const port = await freePort();
  ccs.writeRaw('cliproxy/config.yaml', `port: ${port}\napi-keys:\n  - "${API_KEY}"\n`);
  writeFileSync(ccs.paths.settings, JSON.stringify({endpoints: {claude: {api: upstream.url}, codex: {api: upstream.url}, kimi: {api: upstream.url}}}));
  ccs.writeToken('claude-a@example.com.json', oauthToken('claude', 'a@example.com'));
  ccs.writeToken('claude-b@example.com.json', oauthToken('claude', 'b@example.com'));
  ccs.writeToken('codex-c@example.com.json', oauthToken('codex', 'c@example.com', {account_id: 'acct-c'}));
  const agent = ccs.writeRaw('agent.mjs', 'process.stdout.write(process.env.ANTHROPIC_BASE_URL ?? "");\n');
  const env = {...ccs.env, CCS_TUI_AGENT_CLAUDE: JSON.stringify([process.execPath, agent])};
  /** What the root answers a Claude Code request with: whose token the upstream saw. */
  const rootSends = async () => {
    const before = upstream.requests.length;
    const answer = await fetch(`http://127.0.0.1:${port}/v1/messages`, {
      method: 'POST',
      headers: {'x-api-key': API_KEY, 'content-type': 'application/json', 'anthropic-version': '2023-06-01'},
      body: JSON.stringify({model: 'claude-sonnet-4-5', max_tokens: 16, messages: [{role: 'user', content: 'hi'}]}),
    });
    await answer.arrayBuffer();
    return upstream.requests.slice(before).map((r) => `${r.path} ${r.headers.authorization}`);
  };
  after(async () => {
    await runBin(['proxy', 'stop'], ccs.env);
    await upstream.close();
    ccs.cleanup();
  });

  it('a pool run of another provider: the root still serves claude, said; the agent gets its own route', async () => {
    assert.equal((await runBin(['proxy', 'start', '--provider', 'claude'], ccs.env)).code, 0);
    const proxy = readRunningProxy(ccs.paths)!;
    const run = await runBin(['run', 'codex'], env);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout, `http://127.0.0.1:${port}/api/provider/codex`);
    assert.match(run.stderr, new RegExp(`using the running proxy \\(pid ${proxy.pid}, port ${port}\\), serving the codex pool \\(c@example\\.com first\\) on /api/provider/codex; its root still serves the claude pool`));
    assert.doesNotMatch(run.stderr, /now serving|warning/);
    const status = await fetchProxyStatus(ccs.paths, port);
    assert.deepEqual([status?.provider, status?.pinned], ['claude', false]);
    assert.equal(readRunningProxy(ccs.paths)?.provider, 'claude', 'the pid file still names claude');
    // What a Claude Code pointed at the root by `ccs-tui env` meets: Claude, with a Claude token.
    const sent = await rootSends();
    assert.equal(sent.length, 1, sent.join('; '));
    assert.match(sent[0]!, /^\/v1\/messages Bearer at-(a|b)@example\.com-/);
  });

  it('a pool run with the root serving one account of another provider: that account still serves the root', async () => {
    assert.equal((await runBin(['proxy', 'stop'], ccs.env)).code, 0);
    assert.equal((await runBin(['proxy', 'start', '--account', 'b@example.com'], ccs.env)).code, 0);
    const run = await runBin(['run', 'codex'], env);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, /serving the codex pool \(c@example\.com first\) on \/api\/provider\/codex; its root still serves claude \/ b@example\.com/);
    const status = await fetchProxyStatus(ccs.paths, port);
    assert.deepEqual([status?.provider, status?.pinned, status?.account], ['claude', true, 'b@example.com']);
    assert.deepEqual(await rootSends(), ['/v1/messages Bearer at-b@example.com-0123456789abcdef']);
  });

  it("a pool run of the provider the root serves with one account alone: its pool serves again, as before", async () => {
    const run = await runBin(['run', 'claude'], env);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, /using the running proxy \(pid \d+, port \d+\), now serving the claude pool/);
    const status = await fetchProxyStatus(ccs.paths, port);
    assert.deepEqual([status?.provider, status?.pinned], ['claude', false]);
  });

  it('a run on one account still moves the proxy to that account (one account per provider), root included: warned', async () => {
    const run = await runBin(['run', 'codex', 'c@example.com'], env);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, /now serving codex \/ c@example\.com/);
    assert.match(run.stderr, /warning: the proxy's root URL served the claude pool and now serves codex \/ c@example\.com: a client pointed there \(ccs-tui env\) now reaches Codex; ccs-tui env <provider> gives a provider's own route/);
    const status = await fetchProxyStatus(ccs.paths, port);
    assert.deepEqual([status?.provider, status?.pinned], ['codex', true]);
  });

  it('the provider the root left serves its pool on its own route, not the account it served alone', async () => {
    // Root: claude / b alone; a run on codex's account moves the root; claude's route is its pool again.
    assert.equal((await runBin(['proxy', 'stop'], ccs.env)).code, 0);
    assert.equal((await runBin(['proxy', 'start', '--account', 'b@example.com'], ccs.env)).code, 0);
    assert.equal((await runBin(['run', 'codex', 'c@example.com'], env)).code, 0);
    const run = await runBin(['run', 'claude'], env);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, /serving the claude pool \(a@example\.com first\) on \/api\/provider\/claude; its root still serves codex \/ c@example\.com/);
    const status = await fetchProxyStatus(ccs.paths, port);
    assert.deepEqual(status?.pools?.find((p) => p.provider === 'claude')?.account, 'a@example.com', JSON.stringify(status?.pools));
    const before = upstream.requests.length;
    const answer = await fetch(`http://127.0.0.1:${port}/api/provider/claude/v1/messages`, {
      method: 'POST',
      headers: {'x-api-key': API_KEY, 'content-type': 'application/json', 'anthropic-version': '2023-06-01'},
      body: JSON.stringify({model: 'claude-sonnet-4-5', max_tokens: 16, messages: [{role: 'user', content: 'hi'}]}),
    });
    await answer.arrayBuffer();
    assert.match(String(upstream.requests.slice(before).at(-1)?.headers.authorization), /at-a@example\.com-/, 'the pool\'s pick (the default), not b');
  });

  it('a pool run on a proxy whose root routes by model: it still routes by model', async () => {
    assert.equal((await runBin(['proxy', 'stop'], ccs.env)).code, 0);
    assert.equal((await runBin(['proxy', 'start'], ccs.env)).code, 0);
    const before = await fetchProxyStatus(ccs.paths, port);
    const run = await runBin(['run', 'codex'], env);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, /serving the codex pool \(c@example\.com first\) on \/api\/provider\/codex; its root still serves every provider, by the model asked for\n/);
    const status = await fetchProxyStatus(ccs.paths, port);
    assert.equal(status?.provider, before?.provider);
    assert.match((await rootSends())[0] ?? '', /^\/v1\/messages Bearer at-(a|b)@example\.com-/);
  });
});
