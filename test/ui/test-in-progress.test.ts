// `t` against a token endpoint that hangs (issue 13 screens #5): "testing…" stays on the status line
// as long as the request runs (a message expiring does not hide it), `t` again says it is under way,
// and after "refresh outcome unknown" the row says so, with re-login first in the hints.
import {renderTui, type TuiHandle} from '../helpers/ink.js';
import assert from 'node:assert/strict';
import {createServer, type Server} from 'node:http';
import type {AddressInfo, Socket} from 'node:net';
import {afterEach, test} from 'node:test';
import {FakeClock} from '../helpers/fake-clock.js';
import type {TempCcs} from '../helpers/ccs.js';
import {makeUiCcs} from './fixtures.js';

let tui: TuiHandle | undefined;
let ccs: TempCcs | undefined;
let server: Server | undefined;
const sockets = new Set<Socket>();
afterEach(async () => {
  tui?.unmount();
  for (const s of sockets) s.destroy();
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  ccs?.cleanup();
  [tui, ccs, server] = [undefined, undefined, undefined];
});

const statusLine = (frame: string) => frame.split('\n').at(-2) ?? '';
const hintBar = (frame: string) => frame.split('\n').at(-1) ?? '';

test('t with a hanging token endpoint: testing… lasts as long as the request; the row then says refresh unknown', async () => {
  // The token endpoint reads the request and never answers.
  let requests = 0;
  server = createServer(() => void requests++);
  server.on('connection', (s) => sockets.add(s));
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/oauth/token`;
  ccs = makeUiCcs();
  ccs.writeRaw('tui.json', JSON.stringify({endpoints: {claude: {token: url}}, refresh: {timeoutSeconds: 4}}));
  const clock = new FakeClock(Date.now());
  tui = await renderTui({paths: ccs.paths, width: 100, height: 24, services: {clock}});
  await tui.waitFor('Claude accounts');
  await tui.press('l', 'j');
  await tui.waitFor(/› +bob@example\.com/);
  await tui.press('t');
  await tui.waitFor((f) => /testing claude bob@example\.com…/.test(statusLine(f)));
  // The status message expires (10 s on the app's clock); the test is still running, so it still shows.
  await clock.advance(11_000);
  await new Promise((resolve) => setTimeout(resolve, 200));
  assert.match(statusLine(tui.frame()), /testing claude bob@example\.com…/);
  await tui.press('t');
  await tui.waitFor('already under way: testing claude bob@example.com…');
  // The request times out (4 s of real time): the outcome is unknown, the row says so.
  const frame = await tui.waitFor(/refresh outcome unknown/, 10_000);
  assert.equal(requests, 1, 'one refresh request, never a second');
  const row = frame.split('\n').find((l) => l.includes('bob@example.com') && l.includes('›'))!;
  assert.match(row, /\? refresh unknown/);
  assert.doesNotMatch(row, / ok /);
  await tui.waitFor((f) => /^L re-login/.test(hintBar(f)));
  await tui.press('enter');
  await tui.waitFor('the last refresh got no answer');
  // The whole message (the status line cuts it): the account once, by its name, and the way out is
  // the TUI's re-login key, not a command.
  await tui.press('M');
  // Read as one text: the message is wrapped at the overlay's width, wherever its words fall.
  const joined = (frame: string) => frame.split('\n').map((l) => l.replace(/^│ ?|\s*│$/g, '').trim()).join(' ');
  const line = joined(await tui.waitFor((f) => joined(f).includes('(L: re-login)')));
  assert.match(line, /error: claude bob@example\.com: refresh outcome unknown \(.*\); log in again only if the next request fails \(L: re-login\)/);
  assert.doesNotMatch(line, /ccs-tui login|account bob@example\.com/);
});
