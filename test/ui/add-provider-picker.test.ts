// `a` asks which provider to add an account to (as `gh auth login` asks), the cursor on the provider
// highlighted; Enter goes on to that provider's login as before, Esc goes back to the accounts.
import {cleanUp, renderTui, type TuiHandle} from '../helpers/ink.js';
import assert from 'node:assert/strict';
import {afterEach, test} from 'node:test';
import {makeTempCcs, type TempCcs} from '../helpers/ccs.js';

let ccs: TempCcs | undefined;
let tui: TuiHandle | undefined;
afterEach(() => ([tui, ccs] = cleanUp(tui, ccs)));

const hintBar = (f: string) => f.split('\n').at(-1) ?? '';

test('a on an empty accounts screen opens a provider picker on Claude; j j Enter logs in to Gemini; Esc goes back', async () => {
  ccs = makeTempCcs();
  tui = await renderTui({paths: ccs.paths, width: 100, height: 30});
  await tui.waitFor('No Claude account yet');
  await tui.press('a');
  let frame = await tui.waitFor('Which provider?');
  assert.match(frame, /^› Claude/m, frame);
  assert.doesNotMatch(frame, /Claude — add an account/, 'no login started before the choice');
  assert.match(hintBar(frame), /Enter choose/);
  assert.match(hintBar(frame), /Esc back/);
  await tui.press('escape');
  frame = await tui.waitFor('No Claude account yet');
  assert.doesNotMatch(frame, /Which provider/);

  await tui.press('a');
  await tui.waitFor('Which provider?');
  await tui.press('j', 'j');
  await tui.waitFor(/^› Gemini/m);
  await tui.press('enter');
  await tui.waitFor('Gemini — add an account');
});

test('a with another provider highlighted starts the picker on it', async () => {
  ccs = makeTempCcs();
  tui = await renderTui({paths: ccs.paths, width: 100, height: 30});
  await tui.waitFor('No Claude account yet');
  await tui.press('j');
  await tui.waitFor('No Codex account yet');
  await tui.press('a');
  const frame = await tui.waitFor('Which provider?');
  assert.match(frame, /^› Codex/m, frame);
});

// Esc goes back one step (k9s, lazygit, gh): from a login's first step to the picker it was chosen
// in (cursor on that provider), from the picker to the accounts; the hint bar says "Esc back".
test('a, Codex, Enter: Esc at the method prompt goes back to the picker on Codex; Esc again to the accounts', async () => {
  ccs = makeTempCcs();
  tui = await renderTui({paths: ccs.paths, width: 100, height: 30});
  await tui.waitFor('No Claude account yet');
  await tui.press('a');
  await tui.waitFor('Which provider?');
  await tui.press('j');
  await tui.waitFor(/^› Codex/m);
  await tui.press('enter');
  let frame = await tui.waitFor('How do you want to log in?');
  assert.match(hintBar(frame), /Esc back/, hintBar(frame));
  await tui.press('escape');
  frame = await tui.waitFor('Which provider?');
  assert.match(frame, /^› Codex/m, frame);
  assert.match(hintBar(frame), /Esc back/);
  await tui.press('escape');
  frame = await tui.waitFor('No Claude account yet');
  assert.doesNotMatch(frame, /Which provider|How do you want/);
});

test('a, Qwen: Esc in the name field (the first step) goes back to the picker on Qwen', async () => {
  ccs = makeTempCcs();
  tui = await renderTui({paths: ccs.paths, width: 100, height: 30});
  await tui.waitFor('No Claude account yet');
  await tui.press('a');
  await tui.waitFor('Which provider?');
  for (let i = 0; i < 4; i++) await tui.press('j');
  await tui.waitFor(/^› Qwen/m);
  await tui.press('enter');
  const frame = await tui.waitFor('Name this account');
  assert.match(hintBar(frame), /Esc back/, hintBar(frame));
  await tui.press('escape');
  assert.match(await tui.waitFor('Which provider?'), /^› Qwen/m);
});

test('a, Google AI Studio: Esc at the key goes back to the name, Esc there back to the picker', async () => {
  ccs = makeTempCcs();
  tui = await renderTui({paths: ccs.paths, width: 100, height: 30});
  await tui.waitFor('No Claude account yet');
  await tui.press('a');
  await tui.waitFor('Which provider?');
  await tui.press('G');
  await tui.press('k');
  await tui.waitFor(/^› Google AI Studio/m);
  await tui.press('enter');
  await tui.waitFor('Name this Google AI Studio account');
  await tui.press('enter');
  let frame = await tui.waitFor('Paste the Google AI Studio API key');
  assert.match(hintBar(frame), /Esc back/, hintBar(frame));
  await tui.press('escape');
  frame = await tui.waitFor('Name this Google AI Studio account');
  await tui.press('escape');
  assert.match(await tui.waitFor('Which provider?'), /^› Google AI Studio/m);
});

test('a login opened without the picker (L, or a route naming the provider): Esc at its first step leaves, the hint says cancel', async () => {
  ccs = makeTempCcs();
  tui = await renderTui({paths: ccs.paths, width: 100, height: 30, route: {screen: 'login', params: {provider: 'codex'}}});
  const frame = await tui.waitFor('How do you want to log in?');
  assert.match(hintBar(frame), /Esc cancel/, hintBar(frame));
});

// The add step's only request is the key check: the base URL's models list, asked WITH the key
// (services/key-check.ts askWithKey); nothing probes the base URL without it, before or after.
test('a, IBM Bob: the base URL hears one request, GET /v1/models with the key, and nothing else', async () => {
  const KEY = 'bob-secret-key-0123456789abcdef';
  const asked: string[] = [];
  const {createServer} = await import('node:http');
  const server = createServer((req, res) => {
    asked.push(`${req.method} ${req.url} ${req.headers.authorization === `Bearer ${KEY}` ? 'with the key' : 'without the key'}`);
    res.writeHead(200, {'content-type': 'application/json'}).end(JSON.stringify({data: [{id: 'bob-large'}]}));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const base = `http://127.0.0.1:${(server.address() as import('node:net').AddressInfo).port}/v1`;
    ccs = makeTempCcs();
    tui = await renderTui({paths: ccs.paths, width: 120, height: 30});
    await tui.waitFor('No Claude account yet');
    await tui.press('a');
    await tui.waitFor('Which provider?');
    await tui.press('G');
    await tui.waitFor(/^› IBM Bob/m);
    await tui.press('enter');
    await tui.waitFor('Name this IBM Bob account');
    await tui.press('enter');
    await tui.waitFor('Step 1 of 2');
    await tui.type(KEY);
    await tui.press('enter');
    await tui.waitFor('Step 2 of 2');
    await tui.type(base);
    assert.deepEqual(asked, [], 'nothing asked before the key check');
    await tui.press('enter');
    await tui.waitFor('✓ Added IBM Bob account');
    await tui.press('enter');
    await tui.waitFor('IBM Bob');
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.deepEqual(asked, ['GET /v1/models with the key']);
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
});
