// Token files added, removed, renamed and moved to auth-paused/ in a tight loop while requests run:
// the proxy never crashes, every request gets an answer, and a request sent after an account's file
// left auth/ is never served by it.
import assert from 'node:assert/strict';
import {existsSync, mkdirSync, renameSync, rmSync} from 'node:fs';
import path from 'node:path';
import {after, describe, it} from 'node:test';
import {answerByProtocol, sendJson} from '../helpers/fake-upstreams.js';
import {askMessages, claudeAccounts, oauthToken, proxyFixture} from './fixture.js';

describe('token files churning while requests run', async () => {
  const f = await proxyFixture({provider: 'claude', tokens: claudeAccounts('me')});
  after(() => f.close());
  const auth = f.ccs.paths.authDir;
  const paused = path.join(path.dirname(auth), 'auth-paused');
  mkdirSync(paused, {recursive: true, mode: 0o700});
  // The first account always fails (500): a request goes to the other one whenever the pool has it.
  f.upstream.handler = (req, res) =>
    String(req.headers.authorization).includes('at-me@') ? sendJson(res, 500, {type: 'error', error: {type: 'api_error', message: 'internal error'}}) : answerByProtocol(req, res);
  const who = (from: number) => f.upstream.requests.slice(from).map((r) => /at-(\S+?)-0123/.exec(String(r.headers.authorization))?.[1]);

  it('a paused or removed account serves no request sent after it left; no request is lost', async () => {
    const file = 'claude-moved@example.com.json';
    let stop = false;
    // Unrelated files come and go the whole time (added, renamed, removed).
    const churn = (async () => {
      for (let i = 0; !stop; i++) {
        f.ccs.writeToken(`claude-churn${i}@example.com.json`, oauthToken('claude', `churn${i}@example.com`));
        if (existsSync(path.join(auth, `claude-churn${i}@example.com.json`))) renameSync(path.join(auth, `claude-churn${i}@example.com.json`), path.join(auth, `claude-churned${i}@example.com.json`));
        rmSync(path.join(auth, `claude-churned${i}@example.com.json`), {force: true});
        await new Promise((resolve) => setImmediate(resolve));
      }
    })();
    try {
      for (let round = 0; round < 40; round++) {
        f.ccs.writeToken(file, oauthToken('claude', 'moved@example.com'));
        const both = await askMessages(f);
        assert.equal(both.status, 200, `round ${round}: the file just written serves the failover: ${both.text}`);
        // Paused (moved to auth-paused/) or removed, in turn: the next request must not use it.
        if (round % 2 === 0) renameSync(path.join(auth, file), path.join(paused, file));
        else rmSync(path.join(auth, file));
        const before = f.upstream.requests.length;
        const answer = await askMessages(f);
        assert.ok(answer.status >= 500, `round ${round}: only the failing account is left: ${answer.status}`);
        assert.ok(!who(before).includes('moved@example.com'), `round ${round}: served by ${who(before).join(', ')} after its file left auth/`);
        rmSync(path.join(paused, file), {force: true});
      }
    } finally {
      stop = true;
      await churn;
    }
  });
});
