// Plain http:// to another machine, as the TUI shows it: an endpoint override the command line warns
// of is in the banner (and M) in the same words; a remote target allowed in plain http
// ("allowInsecureHttp": true) is marked in the target picker, and the live one is in the banner.
import {cleanUp, renderTui, type TuiHandle} from '../helpers/ink.js';
import assert from 'node:assert/strict';
import {writeFileSync} from 'node:fs';
import {afterEach, test} from 'node:test';
import {plainHttpWarnings, loadSettings} from '../../source/store/settings.js';
import {plainHttpTargetNote} from '../../source/store/targets.js';
import type {TempCcs} from '../helpers/ccs.js';
import {makeUiCcs} from './fixtures.js';

let ccs: TempCcs | undefined;
let tui: TuiHandle | undefined;
afterEach(() => ([tui, ccs] = cleanUp(tui, ccs)));

/** The frame's text with box lines and line breaks as single spaces (the banner wraps). */
const flat = (frame: string) => frame.replace(/[│┃╭╮╰╯─━┏┓┗┛]/g, ' ').replace(/\s+/g, ' ');

test('an endpoint override in plain http:// to another machine: the banner says what the command line says', async () => {
  ccs = makeUiCcs();
  writeFileSync(ccs.paths.settings, JSON.stringify({endpoints: {aistudio: {api: 'http://gateway.example:8080'}}}));
  // The command line's words (test/cli/plain-http-credentials.test.ts), the CCS dir left out as the banner does.
  const cli = 'endpoints.aistudio.api is plain http:// to gateway.example: the credentials sent there cross the network unencrypted; use https://, or set "allowInsecureHttp": true in endpoints.aistudio if you accept that';
  assert.deepEqual(plainHttpWarnings((await loadSettings(ccs.paths)).settings), [`${ccs.paths.settings}: ${cli}`]);
  tui = await renderTui({paths: ccs.paths, width: 120, height: 30});
  // Above the accounts, which show as ever.
  await tui.waitFor((f) => flat(f).includes(`warning: tui.json: ${cli}`) && /work\s+alice@example\.com/.test(f));
  // Meant (allowInsecureHttp): nothing to say, as on the command line.
  writeFileSync(ccs.paths.settings, JSON.stringify({endpoints: {aistudio: {api: 'http://gateway.example:8080', allowInsecureHttp: true}}}));
  await tui.waitFor((f) => !flat(f).includes('plain http'));
});

test('a target allowed in plain http:// is marked in the target picker, and its note says what that means', async () => {
  ccs = makeUiCcs();
  writeFileSync(
    ccs.paths.settings,
    JSON.stringify({targets: {team: {url: 'https://proxy.example.com:8317', managementKeyEnv: 'K'}, lab: {url: 'http://lab.example:8317', managementKeyEnv: 'K', allowInsecureHttp: true}}}),
  );
  tui = await renderTui({paths: ccs.paths, width: 120, height: 30});
  await tui.waitFor('alice@example.com');
  await tui.press('T');
  let frame = await tui.waitFor(/lab {2}! plain http/);
  assert.doesNotMatch(frame, /team {2}! plain http/);
  await tui.press('j', 'j');
  frame = await tui.waitFor('❯ lab');
  assert.ok(flat(frame).includes('! targets.lab.url uses plain http:// to lab.example: the management key crosses the network unencrypted ("allowInsecureHttp": true)'), frame);
});

test('the live target\'s note (the banner\'s) comes from its own URL: plain http to another machine only', () => {
  assert.equal(plainHttpTargetNote('lab', 'http://lab.example:8317'), 'targets.lab.url uses plain http:// to lab.example: the management key crosses the network unencrypted ("allowInsecureHttp": true)');
  assert.equal(plainHttpTargetNote('here', 'http://127.0.0.1:8317'), undefined);
  assert.equal(plainHttpTargetNote('team', 'https://proxy.example.com'), undefined);
});

test('an API-key account whose base URL is plain http:// to another machine (--allow-insecure-http): its detail says so', async () => {
  ccs = makeUiCcs();
  const key = (baseUrl: string) => ({type: 'bob', api_key: 'bob-key-0123456789abcdef', account_id: 'key-0123456789ab', base_url: baseUrl});
  ccs.writeToken('bob-lab.json', key('http://ops:hunter2@bob.lab.example:8080/v1?tenant=7'));
  ccs.writeToken('bob-cloud.json', key('https://bob.example.com/v1'));
  ccs.writeRegistry({
    version: 1,
    providers: {bob: {default: 'lab', accounts: {lab: {tokenFile: 'bob-lab.json'}, cloud: {tokenFile: 'bob-cloud.json'}}}},
  });
  tui = await renderTui({paths: ccs.paths, width: 140, height: 30, route: {screen: 'detail', params: {provider: 'bob', accountId: 'lab'}}});
  const frame = await tui.waitFor('Base URL');
  // The password and query are not shown; the host and what plain http means are.
  assert.match(frame, /Base URL\s+http:\/\/…@bob\.lab\.example:8080\/v1\?…  ! plain http\s/);
  // The whole sentence in the notes, wrapped: read in full at any width.
  assert.match(flat(frame), /! Base URL: plain http:\/\/ to bob\.lab\.example: the API key crosses the network unencrypted/);
  assert.ok(!frame.includes('hunter2') && !frame.includes('tenant'), frame);
  tui.unmount();
  tui = await renderTui({paths: ccs.paths, width: 60, height: 30, route: {screen: 'detail', params: {provider: 'bob', accountId: 'lab'}}});
  assert.match(flat(await tui.waitFor('Base URL')), /! Base URL: plain http:\/\/ to bob\.lab\.example: the API key crosses the network unencrypted/);
  tui.unmount();
  tui = await renderTui({paths: ccs.paths, width: 140, height: 30, route: {screen: 'detail', params: {provider: 'bob', accountId: 'cloud'}}});
  const cloud = await tui.waitFor('Base URL');
  assert.match(cloud, /Base URL\s+https:\/\/bob\.example\.com\/v1\s*│/);
  assert.ok(!cloud.includes('plain http'), cloud);
});
