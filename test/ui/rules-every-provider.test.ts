// The model rules screen reaches every provider that has models: `p` steps through all of them,
// those with only a live list (AI Studio, IBM Bob) included, and says how to see that list.
import {cleanUp, renderTui, type TuiHandle} from '../helpers/ink.js';
import assert from 'node:assert/strict';
import {afterEach, test} from 'node:test';
import {PROVIDERS} from '../../source/providers/table.js';
import type {TempCcs} from '../helpers/ccs.js';
import {startFakeUpstream} from '../helpers/fake-upstreams.js';
import {makeUiCcs} from './fixtures.js';

/** The text of the pane whose title starts at `title`'s column, lines joined by spaces. */
const rightPane = (frame: string, title: string): string => {
  const column = frame.split('\n').find((line) => line.includes(title))!.indexOf(title);
  return frame.split('\n').map((line) => line.slice(column).trim()).filter(Boolean).join(' ');
};

let ccs: TempCcs | undefined;
let tui: TuiHandle | undefined;
afterEach(() => ([tui, ccs] = cleanUp(tui, ccs)));

test('p on the rules screen cycles through every provider, AI Studio and IBM Bob (live list only) included', async () => {
  ccs = makeUiCcs();
  tui = await renderTui({paths: ccs.paths, width: 100, height: 30, route: {screen: 'models', params: {provider: 'claude'}}});
  await tui.waitFor('Provider claude');
  const seen: string[] = [];
  for (let press = 0; press <= PROVIDERS.length; press++) {
    const frame = await tui.waitFor(/Provider (\S+) \[p\]/);
    const provider = /Provider (\S+) \[p\]/.exec(frame)![1]!;
    if (seen.includes(provider)) break;
    seen.push(provider);
    await tui.press('p');
    await tui.waitFor((f) => !f.includes(`Provider ${provider} [p]`));
  }
  assert.deepEqual(seen.toSorted(), PROVIDERS.map((row) => row.id).toSorted());
});

test('AI Studio on the rules screen: no static list, said so; L then Tab shows its live list asked with the account, rules applied', async () => {
  const upstream = await startFakeUpstream((req, res) => {
    if (req.path !== '/v1beta/openai/models') return void res.writeHead(404, {'content-type': 'application/json'}).end('{"error":{"message":"no such path"}}');
    res.writeHead(200, {'content-type': 'application/json'});
    res.end(JSON.stringify({object: 'list', data: ['models/gemini-2.5-pro', 'models/gemini-2.5-flash', 'models/gemma-3-27b-it'].map((id) => ({id, object: 'model', owned_by: 'google'}))}));
  });
  try {
    ccs = makeUiCcs();
    ccs.writeRaw('tui.json', JSON.stringify({endpoints: {aistudio: {api: upstream.url}}}));
    ccs.writeRaw('cliproxy/config.yaml', 'oauth-excluded-models:\n  aistudio:\n    - "gemma-*"\n');
    ccs.writeToken('aistudio-studio1.json', {type: 'aistudio', email: 'studio1', api_key: 'AIzaSyTestKey0123456789abcdefghijklmno'});
    tui = await renderTui({paths: ccs.paths, width: 100, height: 30, route: {screen: 'models', params: {provider: 'aistudio'}}});
    let frame = await tui.waitFor(/Models 0\/0 visible/);
    assert.match(rightPane(frame, 'Models 0/0'), /No static list: aistudio's models are its live list\. L asks the provider for it with an account \(Tab picks one\)\./);
    assert.doesNotMatch(frame, /matches nothing|matches no model/, 'no list, nothing to check a pattern against');
    await tui.press('tab');
    await tui.waitFor(/Rules: .*studio1/);
    await tui.press('L');
    frame = await tui.waitFor(/Models 2\/3 visible/);
    assert.match(frame, /gemini-2\.5-pro/);
    assert.match(frame, /gemma-3-27b-it +excluded by "gemma-\*"/);
    assert.doesNotMatch(frame, /No static list/);
    assert.doesNotMatch(frame, /matches nothing|matches no model/, 'the pattern is checked against the live list only');
    assert.ok(upstream.requests.some((r) => r.path === '/v1beta/openai/models'), 'asked the provider');
  } finally {
    await upstream.close();
  }
});
