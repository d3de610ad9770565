// The proxy's own live model list (LiveListCache), asked with the account its pool serves next: when
// that account's ask fails, the next accounts in serving order are asked (at most LIVE_LIST_TRIES),
// as the proxy itself goes on to the next account; a failure is cached only when every one failed.
// An upstream that echoes the token in its error is masked in the warning.
import assert from 'node:assert/strict';
import {after, describe, it} from 'node:test';
import {LIVE_LIST_TRIES} from '../../source/services/proxy/serving-order.js';
import {answerByProtocol, sendJson, startFakeUpstream, type RecordedRequest} from '../helpers/fake-upstreams.js';
import {accountTokens, API_KEY, proxyFixture} from './fixture.js';

const isList = (req: RecordedRequest) => req.method === 'GET' && /\/models$/.test(req.path);
const emails = ['a@example.com', 'b@example.com', 'c@example.com', 'd@example.com'];
const registry = {version: 1, providers: {kimi: {default: 'a@example.com', accounts: Object.fromEntries(emails.map((e) => [e, {}]))}}};
const whose = (req: RecordedRequest) => emails.find((e) => String(req.headers.authorization).includes(`at-${e}`));

async function listed(url: string): Promise<{status: number; text: string}> {
  const response = await fetch(`${url}/v1/models`, {headers: {authorization: `Bearer ${API_KEY}`}});
  return {status: response.status, text: await response.text()};
}

describe("the first account's live list fails, the second's answers", async () => {
  const upstream = await startFakeUpstream((req, res) => {
    if (!isList(req)) return answerByProtocol(req, res);
    if (whose(req) === 'a@example.com') return sendJson(res, 500, {error: {message: `backend choked on ${String(req.headers.authorization)}`}});
    sendJson(res, 200, {object: 'list', data: [{id: 'kimi-live-only-7'}]});
  });
  const f = await proxyFixture({provider: 'kimi', strategy: 'fill-first', upstream, registry, tokens: accountTokens('kimi', emails)});
  after(() => f.close());

  it('/v1/models lists the live model, asked with the next account; the third is not asked', async () => {
    const answer = await listed(f.url);
    assert.equal(answer.status, 200, answer.text);
    assert.match(answer.text, /"kimi-live-only-7"/);
    assert.deepEqual(upstream.requests.filter(isList).map(whose), ['a@example.com', 'b@example.com']);
    assert.ok(!f.events.some((e) => e.type === 'problem' && /live model list not had/.test(e.message)), 'a failure was told');
  });
});

describe('every account tried fails', async () => {
  const upstream = await startFakeUpstream((req, res) => {
    if (!isList(req)) return answerByProtocol(req, res);
    sendJson(res, 503, {error: {message: `no list for ${String(req.headers.authorization)}`}});
  });
  const f = await proxyFixture({provider: 'kimi', strategy: 'fill-first', upstream, registry, tokens: accountTokens('kimi', emails)});
  after(() => f.close());

  it(`asks ${LIVE_LIST_TRIES} accounts at most, serves the static list, and caches the failure`, async () => {
    const answer = await listed(f.url);
    assert.equal(answer.status, 200, answer.text);
    assert.match(answer.text, /"kimi-/, 'the static list is served');
    assert.deepEqual(upstream.requests.filter(isList).map(whose), emails.slice(0, LIVE_LIST_TRIES));
    const again = await listed(f.url);
    assert.equal(again.status, 200, again.text);
    assert.equal(upstream.requests.filter(isList).length, LIVE_LIST_TRIES, 'asked again within the failure cache time');
    const warning = f.events.filter((e) => e.type === 'problem' && /live model list not had/.test(e.message)).map((e) => (e as {message: string}).message);
    assert.equal(warning.length, 1, warning.join('\n'));
    assert.match(warning[0]!, /a@example\.com: .*503.*; b@example\.com: .*503.*; c@example\.com: .*503/, warning[0]);
    assert.doesNotMatch(warning[0]!, /at-\w@example\.com-0123456789abcdef/, 'a token in the warning');
  });
});
