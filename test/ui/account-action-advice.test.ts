// What `t`, `r` and `R` say when they cannot do their job: a test the provider refused leaves the
// row showing what the test found and the status line the re-login key; rotating or refreshing the
// quota of a provider without accounts says there is nothing to do and the key that adds one.
import {renderTui, type TuiHandle} from '../helpers/ink.js';
import assert from 'node:assert/strict';
import {createServer, type Server} from 'node:http';
import type {AddressInfo} from 'node:net';
import {afterEach, test} from 'node:test';
import type {TempCcs} from '../helpers/ccs.js';
import {makeUiCcs} from './fixtures.js';

let tui: TuiHandle | undefined;
let ccs: TempCcs | undefined;
let server: Server | undefined;
afterEach(async () => {
  tui?.unmount();
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  ccs?.cleanup();
  [tui, ccs, server] = [undefined, undefined, undefined];
});

const statusLine = (frame: string) => frame.split('\n').at(-2) ?? '';

test('t refused by the token endpoint: the row shows refresh failed, the status line why and the re-login key', async () => {
  let requests = 0;
  server = createServer((_req, res) => {
    requests++;
    res.writeHead(404, {'content-type': 'application/json'});
    res.end(JSON.stringify({error: 'http_404', error_description: 'stand-in: no route /oauth/token'}));
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  ccs = makeUiCcs();
  ccs.writeRaw('tui.json', JSON.stringify({endpoints: {claude: {token: `http://127.0.0.1:${(server.address() as AddressInfo).port}/oauth/token`}}}));
  tui = await renderTui({paths: ccs.paths, width: 180, height: 24});
  await tui.waitFor('Claude accounts');
  await tui.press('l', 'j');
  await tui.waitFor(/› +bob@example\.com/);
  await tui.press('t');
  const frame = await tui.waitFor((f) => /refresh failed/.test(statusLine(f)));
  assert.equal(requests, 1);
  // A 404 is no token endpoint's answer: the address is what to check. The access token's expiry as a time.
  assert.match(statusLine(frame), /claude bob@example\.com: refresh failed \(L logs in again; the access token serves until \d{4}-\d\d-\d\d \d\d:\d\d\): 127\.0\.0\.1:\d+\/oauth\/token is no token endpoint/);
  const row = await tui.waitFor((f) => /! refresh failed/.test(f.split('\n').find((l) => l.includes('bob@example.com') && l.includes('›')) ?? ''));
  assert.doesNotMatch(row.split('\n').find((l) => l.includes('bob@example.com') && l.includes('›'))!, / ok /);
});

test('r and R on a provider without accounts: nothing to do, and the key that adds one', async () => {
  ccs = makeUiCcs();
  tui = await renderTui({paths: ccs.paths, width: 110, height: 30});
  await tui.waitFor('Claude accounts');
  await tui.press('j', 'j');
  await tui.waitFor('Gemini accounts');
  await tui.press('r');
  let frame = await tui.waitFor((f) => /nothing to rotate/.test(statusLine(f)));
  assert.match(statusLine(frame), /nothing to rotate: gemini has no accounts yet \(a adds one\)/);
  assert.doesNotMatch(statusLine(frame), /error/);
  await tui.press('R');
  frame = await tui.waitFor((f) => /nothing to refresh/.test(statusLine(f)));
  assert.match(statusLine(frame), /nothing to refresh: gemini has no accounts yet \(a adds one\)/);
  assert.doesNotMatch(statusLine(frame), /quota of 0/);
});

test('t answered with a new refresh token and no access token: the status line names the account once and says the new token was kept', async () => {
  server = createServer((_req, res) => {
    res.writeHead(200, {'content-type': 'application/json'});
    res.end(JSON.stringify({refresh_token: 'sk-ant-ort01-rotated-0123456789abcdef', token_type: 'Bearer'}));
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  ccs = makeUiCcs();
  ccs.writeRaw('tui.json', JSON.stringify({endpoints: {claude: {token: `http://127.0.0.1:${(server.address() as AddressInfo).port}/oauth/token`}}}));
  tui = await renderTui({paths: ccs.paths, width: 240, height: 24});
  await tui.waitFor('Claude accounts');
  await tui.press('l', 'j');
  await tui.waitFor(/› +bob@example\.com/);
  await tui.press('t');
  const frame = await tui.waitFor((f) => /no access token/.test(statusLine(f)));
  assert.match(statusLine(frame), /claude bob@example\.com: no access token from the refresh/);
  assert.doesNotMatch(frame, /account bob@example\.com/, 'the account is named once');
  assert.doesNotMatch(frame, /sk-ant-ort01-rotated/, 'the new refresh token is not shown');
});
