import assert from 'node:assert/strict';
import {afterEach, beforeEach, describe, test} from 'node:test';
import {makeTempCcs, tokenFixture, type TempCcs} from '../helpers/ccs.js';
import {runBin} from '../helpers/cli.js';
import {startFakeUpstream, type FakeUpstream} from '../helpers/fake-upstreams.js';

// Kimi's models endpoint, faithful to the OpenAI list shape, on 127.0.0.1 through a tui.json override.
const LIVE = ['kimi-k2', 'kimi-k2-thinking', 'kimi-k4-preview', 'kimi-k4-thinking'];

describe('ccs-tui models --live (built binary, local models endpoint)', () => {
  let ccs: TempCcs;
  let upstream: FakeUpstream;
  beforeEach(async () => {
    upstream = await startFakeUpstream((req, res) => {
      if (req.path !== '/coding/v1/models') {
        res.writeHead(404, {'content-type': 'application/json'}).end('{"error":{"message":"no such path"}}');
        return;
      }
      res.writeHead(200, {'content-type': 'application/json'});
      res.end(JSON.stringify({object: 'list', data: LIVE.map((id) => ({id, object: 'model', created: 0, owned_by: 'moonshot'}))}));
    });
    ccs = makeTempCcs();
    ccs.writeRaw('tui.json', JSON.stringify({endpoints: {kimi: {api: `${upstream.url}/coding/v1`}}}));
    ccs.writeRaw('cliproxy/config.yaml', 'oauth-excluded-models:\n  kimi:\n    - "*-thinking"\n');
    ccs.writeToken('kimi-1.json', tokenFixture('kimi', 'k@example.com', {device_id: 'dev-1'}));
  });
  afterEach(async () => {
    ccs.cleanup();
    await upstream.close();
  });

  test('the live list is the base: upstream ids before rules, labelled live, asked with the account', async () => {
    const run = await runBin(['models', 'kimi', '--account', 'k@example.com', '--live', '--json'], ccs.env);
    assert.equal(run.code, 0, run.stderr);
    const out = JSON.parse(run.stdout);
    assert.equal(out.source, 'live');
    assert.deepEqual(out.models, [
      {id: 'kimi-k2', upstream: 'kimi-k2'},
      {id: 'kimi-k4-preview', upstream: 'kimi-k4-preview'},
    ]);
    assert.deepEqual(out.excluded, [
      {id: 'kimi-k2-thinking', pattern: '*-thinking'},
      {id: 'kimi-k4-thinking', pattern: '*-thinking'},
    ]);
    const request = upstream.requests.at(-1)!;
    assert.equal(request.method, 'GET');
    assert.equal(request.headers.authorization, 'Bearer at-kimi-k@example.com-0123456789abcdef');
    assert.equal(request.headers['x-msh-device-id'], 'dev-1');
  });

  test('a failing models endpoint falls back to the static list and says why', async () => {
    upstream.handler = (_req, res) => {
      res.writeHead(401, {'content-type': 'application/json'}).end('{"error":{"message":"token revoked"}}');
    };
    const run = await runBin(['models', 'kimi', '--account', 'k@example.com', '--live', '--json'], ccs.env);
    assert.equal(run.code, 0, run.stderr);
    const out = JSON.parse(run.stdout);
    assert.equal(out.source, 'static');
    assert.equal(out.models.length, 7);
    assert.match(run.stderr, /no live list, showing the static one: 127\.0\.0\.1:\d+\/coding\/v1\/models answered 401: .*token revoked/);
    assert.match(out.warnings.join('\n'), /no live list, showing the static one: 127\.0\.0\.1:\d+\/coding\/v1\/models answered 401: .*token revoked/, 'said in the JSON too');
    assert.doesNotMatch(run.stderr, /at-kimi-k@example\.com/);
  });

  test('providers without a models endpoint and --live without an account', async () => {
    ccs.writeToken('codex-1a2b3c4d-c@example.com-pro.json', tokenFixture('codex', 'c@example.com', {account_id: 'acct'}));
    const codex = await runBin(['models', 'codex', '--account', 'c@example.com', '--live', '--json'], ccs.env);
    assert.equal(codex.code, 0, codex.stderr);
    assert.equal(JSON.parse(codex.stdout).source, 'static');
    assert.match(codex.stderr, /Codex has no models endpoint/);
    const bare = await runBin(['models', 'kimi', '--live'], ccs.env);
    assert.equal(bare.code, 2);
    assert.match(bare.stderr, /--live needs --account/);
  });
});

test("AI Studio's live list names models as resources (models/…): ccs-tui models --live shows the bare ids the proxy serves, each once, rules applied to them", async () => {
  const upstream = await startFakeUpstream((req, res) => {
    if (req.path !== '/v1beta/openai/models') return void res.writeHead(404, {'content-type': 'application/json'}).end('{"error":{"message":"no such path"}}');
    res.writeHead(200, {'content-type': 'application/json'});
    res.end(JSON.stringify({object: 'list', data: ['models/gemini-2.5-pro', 'models/gemini-2.5-flash', 'gemini-2.5-pro', 'models/gemma-3-27b-it'].map((id) => ({id, object: 'model', owned_by: 'google'}))}));
  });
  const ccs = makeTempCcs();
  try {
    ccs.writeRaw('tui.json', JSON.stringify({endpoints: {aistudio: {api: upstream.url}}}));
    ccs.writeRaw('cliproxy/config.yaml', 'oauth-excluded-models:\n  aistudio:\n    - "gemma-*"\n');
    ccs.writeToken('aistudio-studio1.json', {type: 'aistudio', email: 'studio1', api_key: 'AIzaSyTestKey0123456789abcdefghijklmno'});
    const run = await runBin(['models', 'aistudio', '--account', 'studio1', '--live', '--json'], ccs.env);
    assert.equal(run.code, 0, run.stderr);
    const out = JSON.parse(run.stdout);
    assert.equal(out.source, 'live');
    assert.deepEqual(out.models.map((m: {id: string}) => m.id), ['gemini-2.5-pro', 'gemini-2.5-flash']);
    assert.deepEqual(out.excluded, [{id: 'gemma-3-27b-it', pattern: 'gemma-*'}]);
  } finally {
    ccs.cleanup();
    await upstream.close();
  }
});
