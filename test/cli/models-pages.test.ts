// Live model lists follow the provider's pages (issue 10): Anthropic's /v1/models gives 20 at a time
// with has_more / last_id and takes after_id; an OpenAI-style list that pages says has_more and takes
// `after`. A list that cannot be read to the end says it is partial.
import assert from 'node:assert/strict';
import {afterEach, beforeEach, test} from 'node:test';
import {makeTempCcs, tokenFixture, type TempCcs} from '../helpers/ccs.js';
import {runBin} from '../helpers/cli.js';
import {findProvider, staticModels} from '../../source/providers/table.js';
import {sendJson, startFakeUpstream, type FakeUpstream, type RecordedRequest} from '../helpers/fake-upstreams.js';

const CLAUDE_IDS = Array.from({length: 45}, (_, i) => `claude-test-${String(i).padStart(2, '0')}`);

/** Anthropic's paging, faithfully: 20 per page whatever `limit` asks beyond it, `first_id`/`last_id`, `after_id`. */
function anthropicPage(req: RecordedRequest, ids: readonly string[], pageSize = 20) {
  const url = new URL(req.url, 'http://x');
  const after = url.searchParams.get('after_id');
  const start = after ? ids.indexOf(after) + 1 : 0;
  const limit = Math.min(pageSize, Number(url.searchParams.get('limit') ?? pageSize));
  const page = ids.slice(start, start + limit);
  return {data: page.map((id) => ({type: 'model', id, display_name: id, created_at: '2026-01-01T00:00:00Z'})), has_more: start + limit < ids.length, first_id: page[0] ?? null, last_id: page.at(-1) ?? null};
}

let ccs: TempCcs;
let upstream: FakeUpstream;
beforeEach(async () => {
  upstream = await startFakeUpstream((req, res) => sendJson(res, 200, anthropicPage(req, CLAUDE_IDS)));
  ccs = makeTempCcs();
  ccs.writeRaw('tui.json', JSON.stringify({endpoints: {claude: {api: upstream.url}, xai: {api: `${upstream.url}/v1`}}}));
  ccs.writeToken('claude-a.json', tokenFixture('claude', 'a@example.com'));
  ccs.writeToken('xai-x.json', tokenFixture('xai', 'x@example.com'));
});
afterEach(async () => {
  ccs.cleanup();
  await upstream.close();
});

test("Anthropic's /v1/models: every page is read (45 models in 20s), after_id from last_id", async () => {
  const run = await runBin(['models', 'claude', '--account', 'a@example.com', '--live', '--json'], ccs.env);
  assert.equal(run.code, 0, run.stderr);
  const out = JSON.parse(run.stdout);
  assert.equal(out.source, 'live');
  assert.deepEqual(out.models.map((m: {id: string}) => m.id), CLAUDE_IDS);
  assert.equal(out.partial, undefined);
  const asked = upstream.requests.map((r) => new URL(r.url, 'http://x'));
  assert.equal(asked.length, 3);
  assert.deepEqual(asked.map((u) => u.searchParams.get('after_id')), [null, 'claude-test-19', 'claude-test-39']);
  assert.ok(asked.every((u) => u.pathname === '/v1/models'));
});

test('an OpenAI-style list that pages is followed with `after`', async () => {
  const ids = Array.from({length: 7}, (_, i) => `grok-test-${i}`);
  upstream.handler = (req, res) => {
    const after = new URL(req.url, 'http://x').searchParams.get('after');
    const start = after ? ids.indexOf(after) + 1 : 0;
    const page = ids.slice(start, start + 3);
    sendJson(res, 200, {object: 'list', data: page.map((id) => ({id, object: 'model'})), has_more: start + 3 < ids.length});
  };
  const run = await runBin(['models', 'xai', '--account', 'x@example.com', '--live', '--json'], ccs.env);
  assert.equal(run.code, 0, run.stderr);
  assert.deepEqual(JSON.parse(run.stdout).models.map((m: {id: string}) => m.id), ids);
  assert.deepEqual(upstream.requests.map((r) => new URL(r.url, 'http://x').searchParams.get('after')), [null, 'grok-test-2', 'grok-test-5']);
});

test('a list that says there is more but never moves on is shown as partial, and says so; the static ids stay (they may be on a page not read)', async () => {
  upstream.handler = (_req, res) => sendJson(res, 200, {data: [{id: 'claude-only-0'}, {id: 'claude-only-1'}], has_more: true, last_id: 'claude-only-1'});
  const run = await runBin(['models', 'claude', '--account', 'a@example.com', '--live'], ccs.env);
  assert.equal(run.code, 0, run.stderr);
  const statics = staticModels(findProvider('claude')!);
  assert.match(run.stdout, new RegExp(`claude: ${statics.length + 2} of ${statics.length + 2} models \\(live list, partial\\)`));
  const listed = run.stdout.trim().split('\n').slice(1).map((line) => line.trim());
  assert.deepEqual(listed, [...statics, 'claude-only-0', 'claude-only-1']);
  assert.match(run.stderr, /the live list is partial: the provider says there are more models but not where they start; 2 models so far/);
  assert.equal(upstream.requests.length, 2, 'the repeated cursor is not followed again');
});
