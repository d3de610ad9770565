// The proxy screen's exports ask the live model list with the account the proxy serves first, and
// with the next one when that one's key is refused, as `ccs-tui env` does (one source).
import {cleanUp, renderTui, type TuiHandle} from '../helpers/ink.js';
import assert from 'node:assert/strict';
import {writeFileSync} from 'node:fs';
import {afterEach, test} from 'node:test';
import {makeTempCcs, type TempCcs} from '../helpers/ccs.js';
import {sendJson, startFakeUpstream, type FakeUpstream} from '../helpers/fake-upstreams.js';

let ccs: TempCcs | undefined;
let tui: TuiHandle | undefined;
let upstream: FakeUpstream | undefined;
afterEach(async () => {
  [tui, ccs] = cleanUp(tui, ccs);
  await upstream?.close();
  upstream = undefined;
});

test("AI Studio with the default's key refused: the screen's model variables come from the next account, and it says which", async () => {
  upstream = await startFakeUpstream((req, res) =>
    String(req.headers.authorization).endsWith('Spare0002') ? sendJson(res, 200, {object: 'list', data: [{id: 'models/gemini-2.5-pro'}]}) : sendJson(res, 401, {error: {message: 'API key not valid'}}),
  );
  ccs = makeTempCcs();
  ccs.writeRaw('cliproxy/config.yaml', 'api-keys:\n  - "sk-proxy-screen-0123456789"\n');
  ccs.writeToken('aistudio-main.json', {type: 'aistudio', email: 'main@example.com', api_key: 'AIzaSyMainKeyMainKeyMain0001'});
  ccs.writeToken('aistudio-spare.json', {type: 'aistudio', email: 'spare@example.com', api_key: 'AIzaSySpareKeySpareKeySpare0002'});
  ccs.writeRegistry({version: 1, providers: {aistudio: {default: 'main@example.com', accounts: {
    'main@example.com': {email: 'main@example.com', tokenFile: 'aistudio-main.json'},
    'spare@example.com': {email: 'spare@example.com', tokenFile: 'aistudio-spare.json'},
  }}}});
  writeFileSync(ccs.paths.settings, JSON.stringify({endpoints: {aistudio: {api: upstream.url}}}));
  tui = await renderTui({paths: ccs.paths, width: 200, height: 40, route: {screen: 'proxy', params: {provider: 'aistudio'}}});
  const frame = await tui.waitFor("export ANTHROPIC_MODEL='gemini-2.5-pro'", 10_000);
  // (The note wraps at the asking account's name.)
  assert.match(frame, /could not be had with main@example\.com: .*answered 401: .*; asked with/);
  assert.match(frame, /spare@example\.com, the account the proxy fails over to/);
  assert.match(frame, /models from the resolved list of spare@example\.com/);
});
