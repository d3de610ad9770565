// One wording for one thing: an error names its account once and advises TUI keys (the command line
// names commands); the dead-refresh-token state is "re-login" on every screen and at every width.
import {cleanUp, renderTui, type TuiHandle} from '../helpers/ink.js';
import assert from 'node:assert/strict';
import {spawn} from 'node:child_process';
import {mkdirSync, writeFileSync} from 'node:fs';
import {afterEach, test} from 'node:test';
import {proxyPidFilePath} from '../../source/services/proxy/pid-file.js';
import {ProxySupervisor} from '../../source/services/proxy-supervisor.js';
import {AccountStore} from '../../source/store/accounts.js';
import type {TempCcs} from '../helpers/ccs.js';
import {makeUiCcs} from './fixtures.js';
import {CLOCK_MINUTE} from '../helpers/clock-text.js';

let ccs: TempCcs | undefined;
let tui: TuiHandle | undefined;
afterEach(() => ([tui, ccs] = cleanUp(tui, ccs)));

const statusLine = (frame: string) => frame.split('\n').at(-2) ?? '';

test('t on a re-login account at 80×24: the account is named once and the advice is the L key, not a command', async () => {
  ccs = makeUiCcs();
  await new AccountStore(ccs.paths).setNeedsLogin('claude', 'bob@example.com', 'refresh token revoked (invalid_grant)');
  tui = await renderTui({paths: ccs.paths, width: 80, height: 24});
  await tui.waitFor('alice@example.com');
  await tui.press('l', 'j', 't');
  await tui.waitFor('error:');
  // The whole message, from the message log (the status line cuts it at 80 columns).
  await tui.press('M');
  const frame = await tui.waitFor('(L: re-login)');
  // The log wraps a long message: its rows, inside the box's borders, joined.
  const rows = frame.split('\n').map((l) => l.replace(/^│ ?|\s*│$/g, '').trim());
  const first = rows.findIndex((l) => l.startsWith('error:'));
  const last = rows.findIndex((l, i) => i >= first && l.includes('(L: re-login)'));
  const line = rows.slice(first, last + 1).join(' ');
  assert.match(line, /error: claude bob@example\.com: re-login: refresh token revoked \(invalid_grant\) \(L: re-login\)/);
  assert.equal(line.split('bob@example.com').length - 1, 1, `the account is named once: ${line}`);
  assert.doesNotMatch(frame, /ccs-tui login/);
});

for (const [width, height] of [[80, 24], [60, 20], [160, 45]] as const) {
  test(`the re-login state reads "! re-login" in the accounts table at ${width}×${height}`, async () => {
    ccs = makeUiCcs();
    await new AccountStore(ccs.paths).setNeedsLogin('claude', 'bob@example.com', 'refresh token revoked');
    tui = await renderTui({paths: ccs.paths, width, height});
    await tui.waitFor('Claude accounts');
    await tui.press('l');
    const frame = await tui.waitFor('bob@example.com');
    const row = frame.split('\n').find((l) => l.includes('bob@example.com'))!;
    // At 60 columns the same word without its marker.
    assert.match(row, width === 60 ? /re-login/ : /! re-login/, row);
    assert.doesNotMatch(statusLine(frame), /needs-login/);
  });
}

test('the proxy screen, serving with no provider named, says so once (no "all providers / any provider")', async () => {
  ccs = makeUiCcs();
  const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], {stdio: 'ignore'});
  try {
    mkdirSync(ccs.paths.state, {recursive: true});
    writeFileSync(proxyPidFilePath(ccs.paths), JSON.stringify({pid: child.pid, port: 18102, startedAt: new Date().toISOString(), owner: 'background', kind: 'cliproxy-binary'}));
    const proxy = new ProxySupervisor({paths: ccs.paths, env: ccs.env});
    tui = await renderTui({paths: ccs.paths, width: 80, height: 24, route: {screen: 'proxy', params: {}}, services: {proxy}});
    const frame = await tui.waitFor(`PID ${child.pid}`);
    assert.match(frame, /Serving\s+every provider, picked by the model asked for/);
    assert.doesNotMatch(frame, /all providers|any provider/);
  } finally {
    child.kill('SIGKILL');
  }
});

test('u on the account that is already the default says so, and changes nothing', async () => {
  ccs = makeUiCcs();
  tui = await renderTui({paths: ccs.paths, width: 100, height: 30});
  await tui.waitFor('alice@example.com');
  await tui.press('l', 'u');
  const frame = await tui.waitFor('already the default');
  assert.match(frame, /work is already the default claude account/);
});

test('a count agrees with its verb: "1 needs attention", "2 need attention"', async () => {
  ccs = makeUiCcs();
  const store = new AccountStore(ccs.paths);
  await store.setNeedsLogin('claude', 'bob@example.com', 'refresh token revoked (invalid_grant)');
  tui = await renderTui({paths: ccs.paths, width: 100, height: 24});
  await tui.waitFor('Claude accounts (2) · 1 needs attention');
  tui.unmount();
  await store.setNeedsLogin('claude', 'alice@example.com', 'refresh token revoked (invalid_grant)');
  tui = await renderTui({paths: ccs.paths, width: 100, height: 24});
  await tui.waitFor('Claude accounts (2) · 2 need attention');
});

test('one account needing attention and another cooling down: both said, not the attention alone', async () => {
  ccs = makeUiCcs();
  const store = new AccountStore(ccs.paths);
  await store.setNeedsLogin('claude', 'bob@example.com', 'refresh token revoked (invalid_grant)');
  await store.setCooldown('claude', 'alice@example.com', {until: new Date(Date.now() + 10 * 60_000).toISOString(), kind: 'rate-limit', reason: 'rate limited'});
  tui = await renderTui({paths: ccs.paths, width: 130, height: 24});
  // bob cannot serve and alice, the one left, cools: none is free, said first.
  await tui.waitFor(new RegExp(String.raw`Claude accounts \(2\) · none free until ${CLOCK_MINUTE} · 1 needs attention · 1 cooling down`));
});
