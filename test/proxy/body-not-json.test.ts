// A request body that is no JSON at all (cut off on the way, a typo) is told apart from JSON that is
// no object: the 400 says which, and where the JSON breaks, without quoting the client's text.
// Found by a newcomer: a cut body was answered "request body must be a JSON object".
import assert from 'node:assert/strict';
import {after, describe, it} from 'node:test';
import {API_KEY, oauthToken, proxyFixture} from './fixture.js';

describe('request bodies that are not JSON', async () => {
  const f = await proxyFixture({provider: 'claude', tokens: [{file: 'claude-a@example.com.json', token: oauthToken('claude', 'a@example.com')}]});
  after(() => f.close());
  const post = async (body: string) => {
    const response = await fetch(`${f.url}/v1/messages`, {method: 'POST', headers: {'x-api-key': API_KEY, 'content-type': 'application/json', 'anthropic-version': '2023-06-01'}, body});
    return {status: response.status, message: ((await response.json()) as {error: {message: string}}).error.message};
  };

  it('cut off (the JSON ends too soon), or broken at a character: 400 saying which, the upstream never asked', async () => {
    const before = f.upstream.requests.length;
    assert.deepEqual(await post('{"model":"claude-sonnet-4-5",'), {status: 400, message: 'request body is not valid JSON: it ends too soon (cut off?)'});
    assert.deepEqual(await post('{"model":"claude-sonnet-4-5", "secret-ish": x}'), {status: 400, message: 'request body is not UTF-8 JSON: "x" at offset 44, outside any string'});
    // Nested deeper than the offset scanner follows: no made-up place (it said "character NaN").
    assert.deepEqual(await post('{"a":'.repeat(100_000)), {status: 400, message: 'request body is not valid JSON'});
    assert.equal(f.upstream.requests.length, before);
  });

  it('JSON that is no object, or an object with more after it: says so, by the character it starts with (nothing more of it)', async () => {
    assert.deepEqual(await post('{"model":"claude-sonnet-4-5"} 5'), {status: 400, message: 'request body is not UTF-8 JSON: "5" at offset 30, after the top-level object'});
    for (const [body, first] of [['[1,2]', '`[`'], ['"str"', '`"`'], ['null', '`n`'], ['42', '`4`'], [' true', '`t`'], ['nope nope', '`n`'], ['\ufeff{"model":"x"}', 'byte 0xef']] as const) {
      assert.deepEqual(await post(body), {status: 400, message: `request body must be a JSON object; it starts with ${first}`}, body);
    }
    assert.deepEqual(await post(''), {status: 400, message: 'request body is empty (a JSON object was expected)'});
  });
});
