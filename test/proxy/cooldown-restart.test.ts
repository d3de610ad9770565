// A provider's wait outlives the proxy process: a quota or rate-limit cooldown is written to the
// account state (tui/account-state.json) and a restarted proxy (`proxy stop && proxy start`, the
// TUI's `R`) still waits it out, instead of sending the account's next request into the same 429.
import assert from 'node:assert/strict';
import {mkdirSync, readdirSync, readFileSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {describe, it} from 'node:test';
import {AccountStore} from '../../source/store/accounts.js';
import {makeTempCcs} from '../helpers/ccs.js';
import {runBin} from '../helpers/cli.js';
import {answerByProtocol, sendJson, startFakeUpstream} from '../helpers/fake-upstreams.js';
import {API_KEY, askMessages, claudeAccounts, oauthToken, proxyFixture} from './fixture.js';
import {startClaudeProxyChild} from './proxy-child.js';

/** One small Messages request to the proxy on `port`: its status and body text. */
const askProxy = (port: number) =>
  fetch(`http://127.0.0.1:${port}/v1/messages`, {
    method: 'POST',
    headers: {'x-api-key': API_KEY, 'content-type': 'application/json', 'anthropic-version': '2023-06-01'},
    body: JSON.stringify({model: 'claude-opus-4-6', max_tokens: 8, messages: [{role: 'user', content: 'hi'}]}),
  }).then(async (r) => ({status: r.status, text: await r.text()}));

describe('a 429 cooldown across a proxy restart', async () => {
  const ccs = makeTempCcs();
  ccs.writeToken('claude-me@example.com.json', oauthToken('claude', 'me@example.com'));
  ccs.writeToken('claude-four@example.com.json', oauthToken('claude', 'four@example.com'));
  const who = (authorization: unknown) => /at-(\S+?)-0123/.exec(String(authorization))?.[1];
  let limited: string | undefined;
  const upstream = await startFakeUpstream((req, res) => {
    // The first account asked is rate limited for two minutes; every later answer is a success.
    if (limited === undefined) {
      limited = who(req.headers.authorization);
      return sendJson(res, 429, {type: 'error', error: {type: 'rate_limit_error', message: 'rate limited'}}, {'retry-after': '120'});
    }
    return answerByProtocol(req, res);
  });
  const port = await startClaudeProxyChild(ccs, upstream);
  const ask = () =>
    fetch(`http://127.0.0.1:${port}/v1/messages`, {
      method: 'POST',
      headers: {'x-api-key': API_KEY, 'content-type': 'application/json', 'anthropic-version': '2023-06-01'},
      body: JSON.stringify({model: 'claude-opus-4-6', max_tokens: 8, messages: [{role: 'user', content: 'hi'}]}),
    }).then(async (r) => ({status: r.status, text: await r.text()}));
  const cooling = async () => (JSON.parse((await runBin(['proxy', 'status', '--json'], ccs.env)).stdout) as {cooling: {account: string; until: string}[]}).cooling;

  it('after `proxy stop` and `proxy start` the cooling account is still passed over, and status lists it', async () => {
    const first = await ask();
    assert.equal(first.status, 200, first.text);
    assert.equal(upstream.requests.length, 2);
    const other = who(upstream.requests[1]!.headers.authorization);
    assert.notEqual(other, limited);
    const [before] = await cooling();
    assert.equal(before?.account, limited);

    assert.equal((await runBin(['proxy', 'stop'], ccs.env)).code, 0);
    const restarted = await runBin(['proxy', 'start', '--port', String(port), '--provider', 'claude'], ccs.env);
    assert.equal(restarted.code, 0, restarted.stderr);

    const sent = upstream.requests.length;
    for (let i = 0; i < 3; i++) assert.equal((await ask()).status, 200);
    assert.deepEqual(upstream.requests.slice(sent).map((r) => who(r.headers.authorization)), [other, other, other]);
    const after = await cooling();
    assert.equal(after.length, 1);
    assert.equal(after[0]!.account, limited);
    // The same end as before the restart (to the second: the file keeps milliseconds).
    assert.equal(after[0]!.until, before!.until);
    // Where it is kept: the account state, beside needs-login marks.
    assert.match(readFileSync(ccs.paths.accountState, 'utf8'), /"cooldown": \{\s*"until": "[^"]+",\s*"kind": "rate-limit",\s*"reason": "rate limited"/);
  });
});

describe('a cooldown written beside a corrupt account state', async () => {
  const ccs = makeTempCcs();
  ccs.writeToken('claude-me@example.com.json', oauthToken('claude', 'me@example.com'));
  ccs.writeToken('claude-four@example.com.json', oauthToken('claude', 'four@example.com'));
  // A hand edit left a trailing comma: the file no longer parses, but it still holds a refresh-unknown mark.
  const corrupt = '{"claude/me@example.com": {"refreshUnknown": {"reason": "no answer", "at": "2026-11-30T00:00:00Z", "fingerprint": "abc"}},}';
  mkdirSync(path.dirname(ccs.paths.accountState), {recursive: true, mode: 0o700});
  writeFileSync(ccs.paths.accountState, corrupt, {mode: 0o600});
  let limited = false;
  const upstream = await startFakeUpstream((req, res) => {
    if (!limited) {
      limited = true;
      return sendJson(res, 429, {type: 'error', error: {type: 'rate_limit_error', message: 'rate limited'}}, {'retry-after': '120'});
    }
    return answerByProtocol(req, res);
  });
  const port = await startClaudeProxyChild(ccs, upstream);

  it('the proxy serves, and the corrupt file is kept in a copy before the cooldown replaces it', async () => {
    const answer = await askProxy(port);
    assert.equal(answer.status, 200, answer.text);
    assert.equal((await runBin(['proxy', 'stop'], ccs.env)).code, 0);
    assert.match(readFileSync(ccs.paths.accountState, 'utf8'), /"cooldown"/);
    const dir = path.dirname(ccs.paths.accountState);
    const copies = readdirSync(dir).filter((f) => f.startsWith('account-state.json.corrupt-'));
    assert.equal(copies.length, 1, `files in ${dir}: ${readdirSync(dir).join(', ')}`);
    assert.equal(readFileSync(path.join(dir, copies[0]!), 'utf8'), corrupt);
    // The proxy said what is wrong with the file, once, where its user looks (proxy.log, last error).
    const log = readFileSync(path.join(ccs.paths.logs, 'proxy.log'), 'utf8');
    assert.equal(log.split('\n').filter((line) => line.includes('account-state.json') && /invalid JSON/.test(line)).length, 1, log);
  });
});

describe('cooldowns a hand edit (or another version) left in the account state', async () => {
  const ccs = makeTempCcs();
  for (const name of ['far', 'bogus', 'plain']) ccs.writeToken(`claude-${name}@example.com.json`, oauthToken('claude', `${name}@example.com`));
  mkdirSync(path.dirname(ccs.paths.accountState), {recursive: true, mode: 0o700});
  writeFileSync(
    ccs.paths.accountState,
    JSON.stringify({
      'claude/far@example.com': {cooldown: {until: '9999-01-01T00:00:00Z', kind: 'quota', reason: 'weekly limit'}},
      'claude/bogus@example.com': {cooldown: {until: '9999-01-01T00:00:00Z', kind: 'forever', reason: {nested: true}}},
    }),
    {mode: 0o600},
  );
  const upstream = await startFakeUpstream((req, res) => answerByProtocol(req, res));
  const port = await startClaudeProxyChild(ccs, upstream);

  it('a wait past a week is cut to a week, and one of an unknown kind is no cooldown', async () => {
    const answer = await askProxy(port);
    assert.equal(answer.status, 200, answer.text);
    const cooling = (JSON.parse((await runBin(['proxy', 'status', '--json'], ccs.env)).stdout) as {cooling: {account: string; until: string}[]}).cooling;
    assert.deepEqual(cooling.map((c) => c.account), ['far@example.com']);
    const week = 7 * 24 * 60 * 60 * 1000;
    assert.ok(Date.parse(cooling[0]!.until) <= Date.now() + week, cooling[0]!.until);
  });
});

describe('stored cooldowns past their end', () => {
  it('are dropped from the account state when it is next written; waits still ahead and other marks stay', async () => {
    const ccs = makeTempCcs();
    try {
      for (const name of ['old', 'me', 'marked']) ccs.writeToken(`claude-${name}@example.com.json`, oauthToken('claude', `${name}@example.com`));
      mkdirSync(path.dirname(ccs.paths.accountState), {recursive: true, mode: 0o700});
      const needsLogin = {reason: 'revoked', at: '2026-11-30T00:00:00Z'};
      writeFileSync(
        ccs.paths.accountState,
        JSON.stringify({
          'claude/old@example.com': {cooldown: {until: new Date(Date.now() - 60_000).toISOString(), kind: 'rate-limit', reason: 'rate limited'}},
          'claude/marked@example.com': {needsLogin, cooldown: {until: new Date(Date.now() - 1000).toISOString(), kind: 'quota', reason: 'weekly limit'}},
        }),
        {mode: 0o600},
      );
      const until = new Date(Date.now() + 120_000).toISOString();
      await new AccountStore(ccs.paths).setCooldown('claude', 'me@example.com', {until, kind: 'rate-limit', reason: 'rate limited'});
      assert.deepEqual(JSON.parse(readFileSync(ccs.paths.accountState, 'utf8')), {
        'claude/marked@example.com': {needsLogin},
        'claude/me@example.com': {cooldown: {until, kind: 'rate-limit', reason: 'rate limited'}},
      });
    } finally {
      ccs.cleanup();
    }
  });
});

describe('a stored cooldown the running proxy did not meet itself, and a success on that account', async () => {
  const ccs = makeTempCcs();
  ccs.writeToken('claude-me@example.com.json', oauthToken('claude', 'me@example.com'));
  const port = await startClaudeProxyChild(ccs, await startFakeUpstream((req, res) => answerByProtocol(req, res)));
  /** The account's row of the `accounts` table. */
  const shown = async () => (await runBin(['accounts'], ccs.env)).stdout.split('\n').find((line) => line.includes('me@example.com')) ?? '';

  it('the success ends it: the accounts table no longer says cooling, nor does the file', async () => {
    // Left by an earlier run (or another process) after this proxy built its pool: a wait the provider has since lifted.
    writeFileSync(ccs.paths.accountState, JSON.stringify({'claude/me@example.com': {cooldown: {until: new Date(Date.now() + 3600_000).toISOString(), kind: 'rate-limit', reason: 'rate limited'}}}), {mode: 0o600});
    assert.match(await shown(), /cooling (59m|1h)/);
    // The proxy's account list is re-read within its 3 s cache.
    await new Promise((resolve) => setTimeout(resolve, 3200));
    const served = await askProxy(port);
    assert.equal(served.status, 200, served.text);
    assert.equal((await runBin(['proxy', 'stop'], ccs.env)).code, 0);
    assert.doesNotMatch(await shown(), /cooling/);
    assert.doesNotMatch(readFileSync(ccs.paths.accountState, 'utf8'), /cooldown/);
  });
});

describe('an account that joins a running pool with a stored cooldown', async () => {
  const ccs = makeTempCcs();
  ccs.writeToken('claude-me@example.com.json', oauthToken('claude', 'me@example.com'));
  ccs.writeToken('claude-four@example.com.json', oauthToken('claude', 'four@example.com'));
  assert.equal((await runBin(['pause', 'claude', 'four@example.com'], ccs.env)).code, 0);
  mkdirSync(path.dirname(ccs.paths.accountState), {recursive: true, mode: 0o700});
  writeFileSync(ccs.paths.accountState, JSON.stringify({'claude/four@example.com': {cooldown: {until: new Date(Date.now() + 3600_000).toISOString(), kind: 'quota', reason: 'weekly limit'}}}), {mode: 0o600});
  const bearers: string[] = [];
  // me is rate limited: a request that may fail over goes to four, if the pool lets it.
  const upstream = await startFakeUpstream((req, res) => {
    bearers.push(String(req.headers.authorization));
    if (String(req.headers.authorization).includes('four@')) return answerByProtocol(req, res);
    return sendJson(res, 429, {type: 'error', error: {type: 'rate_limit_error', message: 'rate limited'}}, {'retry-after': '120'});
  });
  const port = await startClaudeProxyChild(ccs, upstream);

  it('resumed while the proxy runs, it still waits out its stored wait', async () => {
    assert.equal((await runBin(['resume', 'claude', 'four@example.com'], ccs.env)).code, 0);
    const answer = await askProxy(port);
    assert.equal(answer.status, 429, answer.text);
    assert.match(answer.text, /every account is cooling down/);
    assert.ok(bearers.every((b) => !b.includes('four@')), `four was asked: ${bearers.join(', ')}`);
  });
});

describe("a wait another process stores while this proxy's request to the same account is on its way", () => {
  it("that request's success does not end it: the newer wait stays in the account state", async () => {
    const f = await proxyFixture({provider: 'claude', tokens: claudeAccounts('a')});
    try {
      const stored = {until: new Date(Date.now() + 3600_000).toISOString(), kind: 'quota', reason: 'weekly limit', met: ''};
      const bearers: string[] = [];
      f.upstream.handler = (req, res) => {
        bearers.push(String(req.headers.authorization));
        // The first answer: a 1 s wait, which this proxy stores.
        if (bearers.length === 1) return sendJson(res, 429, {type: 'error', error: {type: 'rate_limit_error', message: 'rate limited'}}, {'retry-after': '1'});
        // The next request, in flight: another proxy meets the account's weekly limit now and stores it.
        if (bearers.length === 2) {
          stored.met = new Date().toISOString();
          writeFileSync(f.ccs.paths.accountState, JSON.stringify({'claude/a@example.com': {cooldown: stored}}), {mode: 0o600});
        }
        return answerByProtocol(req, res);
      };
      assert.equal((await askMessages(f)).status, 429);
      await new Promise((resolve) => setTimeout(resolve, 1100));
      const served = await askMessages(f);
      assert.equal(served.status, 200, served.text);
      assert.equal(bearers.length, 2);
      await f.proxy.close();
      // The newer wait stays; the success is recorded as the account's last use (`served`), nothing else.
      const {cooldown, served: usedAt, ...rest} = JSON.parse(readFileSync(f.ccs.paths.accountState, 'utf8'))['claude/a@example.com'];
      assert.deepEqual({cooldown, rest}, {cooldown: stored, rest: {}});
      assert.ok(!Number.isNaN(Date.parse(usedAt)), String(usedAt));
    } finally {
      await f.close();
    }
  });
});
