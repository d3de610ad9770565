// A secret typed or pasted into a login field that is no secret field (the base URL, the account's
// name, a key file's path) is hidden in that field once recognised, and the error says why without
// quoting it; the hint bar's Esc says what Esc does in each step, as the step's own words do.
import {cleanUp, renderTui, type TuiHandle} from '../helpers/ink.js';
import assert from 'node:assert/strict';
import {afterEach, test} from 'node:test';
import {makeTempCcs, type TempCcs} from '../helpers/ccs.js';

let ccs: TempCcs | undefined;
let tui: TuiHandle | undefined;
afterEach(() => ([tui, ccs] = cleanUp(tui, ccs)));

const hintBar = (frame: string) => frame.split('\n').at(-1) ?? '';
/** The field's row: the one after the step's example. */
const fieldRow = (frame: string, after: string) => frame.split('\n')[frame.split('\n').findIndex((line) => line.includes(after)) + 1] ?? '';

async function bobAtUrlStep(key = 'bob-key-0123456789'): Promise<TuiHandle> {
  ccs = makeTempCcs();
  tui = await renderTui({paths: ccs.paths, width: 100, height: 30, route: {screen: 'login', params: {provider: 'bob'}}});
  await tui.waitFor('Enter skips');
  await tui.press('enter');
  await tui.waitFor('Step 1 of 2');
  await tui.type(key);
  await tui.press('enter');
  await tui.waitFor('Step 2 of 2');
  return tui;
}

test('IBM Bob: a key of no known shape in the base URL field is hidden once Enter finds it is no address, and stays hidden until the field is emptied', async () => {
  const KEY = 'gw-0123456789abcdefXYZ';
  const t = await bobAtUrlStep();
  await t.type(KEY);
  await t.press('enter');
  let frame = await t.waitFor((f) => f.replace(/\s+/g, ' ').includes('looks like a key'));
  assert.ok(!frame.includes('0123456789abcdef'), `the key is drawn nowhere:\n${frame}`);
  assert.match(fieldRow(frame, 'e.g. https://bob.example.com'), new RegExp(`•{${KEY.length - 1}}`), frame);
  // Still hidden while edited (it is still the key, less one character).
  await t.press('backspace');
  frame = await t.waitFor((f) => !f.replace(/\s+/g, ' ').includes('looks like a key'));
  assert.ok(!frame.includes('0123456789abcdef'), frame);
  // Emptied: what is typed next is an address, shown.
  await t.press('ctrl+u');
  await t.type('https://bob.example.com/v1');
  await t.waitFor('https://bob.example.com/v1 ');
});

test('IBM Bob: the key of step 1, or a key shape (sk-…), typed into the base URL field is hidden at once, before Enter', async () => {
  const t = await bobAtUrlStep('bob-key-0123456789');
  await t.type('bob-key-0123456789');
  let frame = await t.waitFor((f) => /•{18}/.test(f));
  assert.ok(!frame.includes('0123456789'), frame);
  await t.press('ctrl+u');
  await t.type('sk-proj-abcdefghijklmnop');
  frame = await t.waitFor((f) => /•{24}/.test(f));
  assert.ok(!frame.includes('abcdefghijklmnop'), frame);
  // An address typed without its scheme is shown: it is no secret, and the error says what it lacks.
  await t.press('ctrl+u');
  await t.type('bob.example.com/v1');
  await t.press('enter');
  frame = await t.waitFor((f) => f.replace(/\s+/g, ' ').includes('with no https:// in front'));
  assert.match(fieldRow(frame, 'e.g. https://bob.example.com'), /^bob\.example\.com\/v1/);
});

test('a key pasted where the account name is asked is hidden, and refused as a name without being quoted', async () => {
  ccs = makeTempCcs();
  tui = await renderTui({paths: ccs.paths, width: 100, height: 30, route: {screen: 'login', params: {provider: 'bob'}}});
  await tui.waitFor('Enter skips');
  await tui.type('sk-proj-abcdefghijklmnop');
  let frame = await tui.waitFor((f) => /•{24}/.test(f));
  assert.ok(!frame.includes('abcdefghijklmnop'), frame);
  await tui.press('enter');
  frame = await tui.waitFor((f) => f.replace(/\s+/g, ' ').includes('a nickname cannot be a key or token'));
  assert.ok(!frame.includes('abcdefghijklmnop'), frame);
  assert.match(frame, /Name this IBM Bob account/, 'still at the name step');
});

test('Vertex: the key file pasted where its path is asked is hidden, and the error says it is a key, never quoting it', async () => {
  ccs = makeTempCcs();
  tui = await renderTui({paths: ccs.paths, width: 100, height: 30, route: {screen: 'login', params: {provider: 'vertex'}}});
  let frame = await tui.waitFor(/Enter skips|Path of the service-account key file/);
  if (frame.includes('Enter skips')) {
    await tui.press('enter');
    await tui.waitFor('Path of the service-account key file');
  }
  const pasted = '{"type": "service_account", "private_key": "-----BEGIN PRIVATE KEY-----MIIEsecretsecret"}';
  await tui.type(pasted);
  frame = await tui.waitFor((f) => /•{20}/.test(f));
  assert.ok(!frame.includes('MIIEsecret'), frame);
  await tui.press('enter');
  frame = await tui.waitFor((f) => f.replace(/\s+/g, ' ').includes('that is a key, not the path of a key file'));
  assert.ok(!frame.includes('MIIEsecret') && !frame.includes('private_key'), frame);
});

test('Esc in the hint bar says what Esc does in each login step, as the step says it', async () => {
  const t = await bobAtUrlStep();
  // The hint bar follows the step's field once it is mounted: waited for, as a person sees it settle.
  let frame = await t.waitFor((f) => /Esc back to the key/.test(hintBar(f)));
  assert.match(frame, /Step 2 of 2: the IBM Bob base URL \(Esc: back to the key\)/);
  assert.doesNotMatch(hintBar(frame), /Esc cancel/);
  await t.press('escape');
  // Step 1: Esc goes back one step, to the name asked before the key.
  frame = await t.waitFor((f) => f.includes('Step 1 of 2') && /Esc back /.test(hintBar(f)));
  assert.doesNotMatch(hintBar(frame), /back to the key/);
  await t.press('escape');
  // The name, the login's first step (opened without the picker): Esc leaves the login.
  frame = await t.waitFor((f) => f.includes('Name this IBM Bob account') && /Esc cancel/.test(hintBar(f)));
});

test('a device login under way: the hint bar\'s Esc says cancel, as the step\'s own line does', async () => {
  const {fakeCopilot} = await import('../helpers/fake-providers/providers.js');
  const {writeFileSync} = await import('node:fs');
  const fake = await fakeCopilot();
  try {
    ccs = makeTempCcs();
    writeFileSync(ccs.paths.settings, JSON.stringify(fake.settings));
    tui = await renderTui({paths: ccs.paths, width: 120, height: 40, route: {screen: 'login', params: {provider: 'copilot'}}});
    const frame = await tui.waitFor((f) => f.includes('code expires in') && /Esc cancel$/.test(hintBar(f)));
    assert.match(frame, /Esc cancel/);
  } finally {
    await fake.server.close();
  }
});

// Newcomer (s40): the base URL typed at step 1 was taken as the key, and step 2 asked for the base URL.
test('IBM Bob: an address typed at the key step is refused there, saying the base URL comes next', async () => {
  ccs = makeTempCcs();
  tui = await renderTui({paths: ccs.paths, width: 100, height: 30, route: {screen: 'login', params: {provider: 'bob'}}});
  await tui.waitFor('Enter skips');
  await tui.press('enter');
  await tui.waitFor('Step 1 of 2');
  await tui.type('http://127.0.0.1:18941/v1');
  await tui.press('enter');
  const frame = await tui.waitFor((f) => f.replace(/\s+/g, ' ').includes('is an address (a URL), not a key'));
  assert.match(frame.replace(/\s+/g, ' '), /the base URL is given apart \(--base-url, or the next step in the TUI\)/);
  assert.match(frame, /Step 1 of 2/);
});

// Newcomer (s44): a 3-character key went to generativelanguage.googleapis.com to be checked, and the
// error showed it whole ("abc…(redacted)").
test('Google AI Studio: a key too short to be one is refused at its step, before it is sent anywhere, and shown nowhere', async () => {
  ccs = makeTempCcs();
  tui = await renderTui({paths: ccs.paths, width: 100, height: 30, route: {screen: 'login', params: {provider: 'aistudio'}}});
  await tui.waitFor('Enter skips');
  await tui.press('enter');
  // The empty field is labelled (a masked field is otherwise only a cursor).
  assert.match(await tui.waitFor('AIza'), /^Key:$/m);
  await tui.type('q7x');
  await tui.press('enter');
  const frame = await tui.waitFor((f) => f.replace(/\s+/g, ' ').includes('too short to be masked'));
  assert.match(frame.replace(/\s+/g, ' '), /the API key is 3 characters long, too short to be masked where it is echoed .*a gateway's can be made longer\): paste the whole key/);
  assert.ok(!frame.includes('q7x'), frame);
  assert.doesNotMatch(frame, /Checking|cannot reach/);
});
