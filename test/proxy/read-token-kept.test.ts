// Every credential the proxy has read from a token file stays masked after the file changes: an
// access token read but never sent (refreshed first, or replaced on disk by another process before
// the first request), the refresh and id tokens beside it. An old access token is still valid for
// hours or days after a refresh; an upstream may quote it (a prompt that held it, a log it echoes).
import assert from 'node:assert/strict';
import {renameSync} from 'node:fs';
import path from 'node:path';
import {after, before, describe, it} from 'node:test';
import {sendJson} from '../helpers/fake-upstreams.js';
import {askRaw} from './rv-harness.js';
import {askMessages, oauthToken, proxyFixture, type ProxyFixture} from './fixture.js';

const DAY_MS = 24 * 3600_000;
const claudeEcho = (text: string) => ({id: 'msg_1', type: 'message', role: 'assistant', model: 'm', content: [{type: 'text', text}], stop_reason: 'end_turn', usage: {input_tokens: 1, output_tokens: 1}});

describe('a codex token file without last_refresh, refreshed before its first request', () => {
  // Due (expires within codex's 5-day lead, and without last_refresh no shorter lead applies), yet
  // its access token stays valid for two more days.
  const old = {
    access_token: 'cdx-old-access-never-sent-0123456789',
    refresh_token: 'cdx-old-refresh-spent-0123456789',
    id_token: 'cdx-old-id-token-0123456789abcdef',
  };
  let f: ProxyFixture;
  before(async () => {
    const token = oauthToken('codex', 'x@example.com', {account_id: 'acct-1', ...old, expired: new Date(Date.now() + 2 * DAY_MS).toISOString()});
    delete token.last_refresh;
    f = await proxyFixture({provider: 'codex', apiPath: '/backend-api/codex', tokens: [{file: 'codex-x@example.com.json', token}]});
  });
  after(() => f.close());

  it('masks the old access, refresh and id tokens an upstream echoes, in the answer, its headers and the log', async () => {
    let sent = '';
    f.upstream.handler = (req, res) => {
      sent = String(req.headers.authorization);
      const text = `old ${old.access_token} / ${old.refresh_token} / ${old.id_token}`;
      res.setHeader('x-echo', old.access_token);
      sendJson(res, 400, {error: {type: 'invalid_request_error', message: text}});
    };
    const r = await askRaw(f, {model: 'gpt-5.2-codex', input: 'hi'}, '/v1/responses');
    assert.equal(f.tokenServer.refreshes, 1, 'the proxy refreshed before sending');
    assert.ok(sent.includes('refreshed-access-1'), `the refreshed token was sent: ${sent}`);
    assert.ok(!sent.includes(old.access_token), 'the old access token was never sent');
    for (const secret of Object.values(old)) {
      assert.ok(!r.text.includes(secret), `the client got ${secret}: ${r.text}`);
      const logged = JSON.stringify(f.events);
      assert.ok(!logged.includes(secret), `the log got ${secret}: ${logged}`);
    }
    assert.match(r.text, /cdx-…\(redacted\)/);
  });

  it('keeps masking them after more refreshes (still valid elsewhere: another client may hold them)', async () => {
    let text = '';
    f.upstream.handler = (_req, res) => sendJson(res, 200, {id: 'resp_1', object: 'response', status: 'completed', output: [{type: 'message', role: 'assistant', content: [{type: 'output_text', text}]}]});
    // Two more refreshes through the proxy's own path: each replaces the file. Each file holds a refresh
    // token of its own, as another process's refresh would leave it (one refreshed and rotated already
    // is spent: it is never sent again).
    for (let i = 0; i < 2; i++) {
      const file = path.join(f.ccs.paths.authDir, 'codex-x@example.com.json');
      const token = oauthToken('codex', 'x@example.com', {account_id: 'acct-1', access_token: `cdx-between-${i}-0123456789abcdef`, refresh_token: `cdx-between-refresh-${i}-0123456789abcdef`, expired: new Date(Date.now() + DAY_MS).toISOString()});
      delete token.last_refresh;
      const due = f.ccs.writeToken('due.tmp', token);
      renameSync(due, file);
      text = `again ${old.access_token} ${old.id_token} cdx-between-${i}-0123456789abcdef`;
      const r = await askRaw(f, {model: 'gpt-5.2-codex', input: 'hi'}, '/v1/responses');
      assert.equal(r.status, 200, r.text);
      assert.ok(!r.text.includes(old.access_token) && !r.text.includes(old.id_token), `the client got an old token: ${r.text}`);
      assert.ok(!r.text.includes(`cdx-between-${i}`), `the client got the token read before this refresh: ${r.text}`);
    }
    assert.equal(f.tokenServer.refreshes, 3);
  });
});

describe('a token file replaced on disk (another process refreshed it) after the proxy read it, before it sent it', () => {
  let f: ProxyFixture;
  const file = () => path.join(f.ccs.paths.authDir, 'claude-a@example.com.json');
  const first = {access_token: 'sk-ant-oat01-read-not-sent-0123456789', refresh_token: 'sk-ant-ort01-read-not-sent-0123456789'};
  before(async () => {
    f = await proxyFixture({provider: 'claude', tokens: [{file: 'claude-a@example.com.json', token: oauthToken('claude', 'a@example.com', first)}]});
  });
  after(() => f.close());

  it('masks the token the file held when the proxy read it', async () => {
    // The proxy has read the account (listen loads the served pool); then CCS refreshes it elsewhere.
    const fresh = f.ccs.writeToken('fresh.tmp', oauthToken('claude', 'a@example.com', {access_token: 'sk-ant-oat01-written-elsewhere-0123456789'}));
    renameSync(fresh, file());
    f.upstream.handler = (_req, res) => sendJson(res, 200, claudeEcho(`the earlier one: ${first.access_token} and ${first.refresh_token}`));
    const r = await askMessages(f);
    assert.equal(r.status, 200, r.text);
    assert.ok(f.upstream.requests.at(-1)!.headers.authorization?.includes('written-elsewhere'), 'the new token was sent');
    assert.ok(!r.text.includes(first.access_token), `the client got the token read earlier: ${r.text}`);
    assert.ok(!r.text.includes(first.refresh_token), `the client got the refresh token read earlier: ${r.text}`);
  });
});
