// The built binary in tmux: what the terminal does to the TUI never loses work. A login whose code
// is being exchanged survives a too-small terminal; keys read at once count (a held j) or run
// nothing (a paste).
import assert from 'node:assert/strict';
import {readdirSync, readFileSync, writeFileSync} from 'node:fs';
import {test} from 'node:test';
import {fakeClaude} from '../helpers/fake-providers/providers.js';
import {makeTempCcs} from '../helpers/ccs.js';
import {binInTmux, binInTmuxSkipReason} from '../helpers/tmux.js';
import {makeUiCcs} from './fixtures.js';

const skip = binInTmuxSkipReason();
const startBin = binInTmux();

test('tmux: too small and back while the code is being exchanged: the account is saved and the screen says so', {skip}, async () => {
  let release!: () => void;
  const fake = await fakeClaude({tokenGate: new Promise<void>((resolve) => (release = resolve))});
  try {
    const ccs = makeTempCcs();
    writeFileSync(ccs.paths.settings, JSON.stringify(fake.settings));
    const t = startBin(ccs, {width: 100, height: 30});
    await t.waitFor('Providers (');
    t.keys(['a']);
    await t.waitFor('Which provider?');
    t.keys(['Enter']);
    await t.waitFor('v: paste it here');
    t.keys(['v']);
    await t.waitFor(/Then paste[\s\S]*›/);
    t.keys(['a-code-from-the-page'], {literal: true});
    t.keys(['Enter']);
    await new Promise((resolve) => setTimeout(resolve, 300));
    t.resize(59, 19);
    await t.waitFor(/Terminal too small[\s\S]*59×19/);
    t.resize(100, 30);
    await new Promise((resolve) => setTimeout(resolve, 300));
    release();
    await t.waitFor('claude-user@example.com');
    assert.doesNotMatch(t.screen(), /v: paste it here/, 'the login was not restarted');
    assert.ok(readdirSync(ccs.paths.authDir).some((f) => f.includes('claude-user@example.com')), 'the token file is written');
    t.keys(['C-c']);
    assert.equal(await t.waitForExit(), 0);
  } finally {
    release();
    await fake.server.close();
  }
});

test('tmux: twelve j in one read move twelve rows; `workq` in one read runs nothing and says how to filter', {skip}, async () => {
  const ccs = makeUiCcs();
  const before = readFileSync(ccs.paths.registry, 'utf8');
  const t = startBin(ccs);
  await t.waitFor(/work\s+alice@example\.com/);
  t.keys(['jjjjjjjjjj'], {literal: true}); // ten: Claude → Google AI Studio, the 11th provider
  await t.waitFor('Google AI Studio accounts');
  t.keys(['kkkkkkkkkkkk'], {literal: true}); // twelve: back to the top
  await t.waitFor('Claude accounts');
  t.keys(['l']);
  await t.waitFor('▶ Claude accounts');
  t.keys(['workq'], {literal: true});
  await t.waitFor('paste ignored — press / to filter');
  assert.equal(readFileSync(ccs.paths.registry, 'utf8'), before, 'no reorder, rotation or default change');
  assert.match(t.screen(), /▶ Claude accounts/, 'still running, not quit');
  t.keys(['C-c']);
  assert.equal(await t.waitForExit(), 0);
});

test('tmux: a screen key and the next screen\'s key sent together act on the new screen (one write and two keys at once)', {skip}, async () => {
  const ccs = makeUiCcs();
  const t = startBin(ccs);
  await t.waitFor(/work\s+alice@example\.com/);
  t.keys(['2j'], {literal: true}); // one write: quota, then its cursor down
  await t.waitFor(/›★? ?\S* ?claude · bob@example\.com/);
  t.keys(['1', 'H']); // two keys in one send-keys: accounts, then hide empty providers
  await t.waitFor((s) => s.includes('Claude') && !s.includes('Gemini'));
  t.keys(['l', 'j']);
  await t.waitFor(/›\s+bob@example\.com/);
  t.keys(['Enter', 'Enter']); // open bob, then (on the detail screen) make bob the default
  await t.waitFor(/Account id\s+bob@example\.com/);
  await t.waitFor(/Default\s+\* yes/);
  assert.equal(JSON.parse(readFileSync(ccs.paths.registry, 'utf8')).providers.claude.default, 'bob@example.com');
  t.keys(['C-c']);
  assert.equal(await t.waitForExit(), 0);
});
