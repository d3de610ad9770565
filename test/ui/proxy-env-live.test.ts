// The proxy screen's Claude Code exports are `ccs-tui env`'s (one source): for AI Studio (no static
// model list) the model variables come from its live list, asked off the frame, and `c` copies the
// same lines the command prints.
import {cleanUp, renderTui, type TuiHandle} from '../helpers/ink.js';
import assert from 'node:assert/strict';
import {writeFileSync} from 'node:fs';
import {afterEach, test} from 'node:test';
import {makeTempCcs, type TempCcs} from '../helpers/ccs.js';
import {runBin} from '../helpers/cli.js';
import {startFakeServer} from '../helpers/fake-providers/server.js';
import type {Clipboard} from '../../source/services/clipboard.js';

let ccs: TempCcs | undefined;
let tui: TuiHandle | undefined;
let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  [tui, ccs] = cleanUp(tui, ccs);
  await close?.();
  close = undefined;
});

const KEY = 'AIzaSyLiveListKeyLiveListKeyLiveList001';
const API_KEY = 'sk-env-live-0123456789abcdef';

test('AI Studio: the screen shows and c copies the exports `ccs-tui env aistudio` prints, model variables from the live list', async () => {
  const studio = await startFakeServer({
    'GET /v1beta/openai/models': () => ({json: {object: 'list', data: ['gemini-2.5-pro', 'gemini-2.5-flash', 'gemini-2.5-flash-lite'].map((id) => ({id, object: 'model'}))}}),
  });
  close = () => studio.close();
  ccs = makeTempCcs();
  ccs.writeToken('aistudio-key-443c8191a092.json', {type: 'aistudio', api_key: KEY, account_id: 'key-443c8191a092'});
  ccs.writeRaw('cliproxy/config.yaml', `api-keys:\n  - "${API_KEY}"\n`);
  writeFileSync(ccs.paths.settings, JSON.stringify({endpoints: {aistudio: {api: studio.url}}}));
  const cli = await runBin(['env', 'aistudio'], ccs.env);
  assert.equal(cli.code, 0, cli.stderr);
  const printed = cli.stdout.trim().split('\n');
  assert.ok(printed.some((line) => line.startsWith('export ANTHROPIC_MODEL=')), cli.stdout);

  const copied: string[] = [];
  const clipboard: Clipboard = {copy: (text) => void copied.push(text)};
  tui = await renderTui({paths: ccs.paths, width: 160, height: 40, route: {screen: 'proxy', params: {provider: 'aistudio'}}, services: {clipboard}});
  const frame = await tui.waitFor("export ANTHROPIC_MODEL='gemini-2.5-pro'", 10_000);
  assert.doesNotMatch(frame, /no static Google AI Studio model list/);
  for (const line of printed.filter((l) => !l.includes('ANTHROPIC_AUTH_TOKEN'))) assert.ok(frame.includes(line), `${line}\n${frame}`);
  await tui.press('c');
  await tui.waitFor(`copied ${printed.length} export lines`);
  assert.deepEqual(copied.at(-1)?.trim().split('\n'), printed);
});
