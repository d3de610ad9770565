// A nickname holding a key (a registry written by hand or by another tool: `rename` refuses one) is
// shown masked wherever the account is named: `accounts` (text, --json), the TUI list and detail.
import assert from 'node:assert/strict';
import {afterEach, test} from 'node:test';
import {makeTempCcs, type TempCcs} from '../helpers/ccs.js';
import {runBin} from '../helpers/cli.js';
import {cleanUp, renderTui, type TuiHandle} from '../helpers/ink.js';

const SECRET = 'AAAA1111BBBB2222CCCC3333DDDD';
const NICKNAME = `Bearer sk-proj-${SECRET}`;
let ccs: TempCcs | undefined;
let tui: TuiHandle | undefined;
afterEach(() => ([tui, ccs] = cleanUp(tui, ccs)));

function withNickname(): TempCcs {
  const made = makeTempCcs();
  made.writeToken('bob-main.json', {type: 'bob', api_key: 'bob-key-0123456789', base_url: 'https://bob.example.com/v1'});
  made.writeRaw('cliproxy/accounts.json', JSON.stringify({version: 1, providers: {bob: {accounts: {main: {tokenFile: 'bob-main.json', createdAt: '2026-01-01T00:00:00Z', nickname: NICKNAME}}, default: 'main'}}}));
  return made;
}

test('accounts (text and --json) show a nickname holding a key masked', async () => {
  ccs = withNickname();
  const text = await runBin(['accounts'], ccs.env);
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, /^bob +\* +Bearer sk-p…DDDD /m);
  const json = await runBin(['accounts', '--json'], ccs.env);
  assert.equal((JSON.parse(json.stdout) as Array<{nickname: string}>)[0]!.nickname, 'Bearer sk-p…DDDD');
  assert.ok(!`${text.stdout}${json.stdout}`.includes(SECRET.slice(0, 12)));
});

test('the accounts list and the detail screen show it masked', async () => {
  ccs = withNickname();
  tui = await renderTui({paths: ccs.paths, width: 120, height: 30});
  await tui.press('H');
  await tui.waitFor('IBM Bob accounts');
  await tui.press('l');
  let frame = await tui.waitFor(/›.*Bearer sk-p…DDDD/);
  assert.ok(!frame.includes(SECRET.slice(0, 12)), frame);
  await tui.press('enter');
  frame = await tui.waitFor('Key file');
  assert.match(frame, /Nickname +Bearer sk-p…DDDD/);
  assert.ok(!frame.includes(SECRET.slice(0, 12)), frame);
});
