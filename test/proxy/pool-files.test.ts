// The proxy's pool follows the token files as they are on disk when a request starts: a file added
// by hand to the auth dir is in the pool for the next request (its first failover included), as a
// paused one is never used again.
import assert from 'node:assert/strict';
import {after, describe, it} from 'node:test';
import {answerByProtocol, sendJson} from '../helpers/fake-upstreams.js';
import {askMessages, claudeAccounts, oauthToken, proxyFixture} from './fixture.js';

const failOnce = new Set<string>();

describe('a token file added by hand while the proxy runs', async () => {
  const f = await proxyFixture({provider: 'claude', tokens: claudeAccounts('me')});
  after(() => f.close());
  f.upstream.handler = (req, res) => {
    const who = /at-(\S+?)-0123/.exec(String(req.headers.authorization))?.[1] ?? '?';
    if (failOnce.delete(who)) return sendJson(res, 500, {type: 'error', error: {type: 'api_error', message: 'internal error'}});
    return answerByProtocol(req, res);
  };
  const served = (from: number) => f.upstream.requests.slice(from).map((r) => /at-(\S+?)-0123/.exec(String(r.headers.authorization))?.[1]);

  it('is the failover of the very next request, right after it was written', async () => {
    assert.equal((await askMessages(f)).status, 200);
    f.ccs.writeToken('claude-four@example.com.json', oauthToken('claude', 'four@example.com'));
    failOnce.add('me@example.com');
    const before = f.upstream.requests.length;
    const answer = await askMessages(f);
    assert.equal(answer.status, 200, answer.text);
    assert.deepEqual(served(before), ['me@example.com', 'four@example.com']);
    assert.ok(
      f.events.some((e) => e.type === 'failover' && e.from === 'me@example.com'),
      'the log says it tried another account',
    );
  });

  it('is the failover of the first request after a wait longer than the list is cached', async () => {
    f.ccs.writeToken('claude-five@example.com.json', oauthToken('claude', 'five@example.com'));
    await new Promise((resolve) => setTimeout(resolve, 3500));
    failOnce.add('me@example.com');
    failOnce.add('four@example.com');
    const before = f.upstream.requests.length;
    const answer = await askMessages(f);
    assert.equal(answer.status, 200, answer.text);
    assert.deepEqual(served(before).sort(), ['five@example.com', 'four@example.com', 'me@example.com'], 'each account tried once, the new one last');
    assert.equal(served(before).at(-1), 'five@example.com');
  });
});
