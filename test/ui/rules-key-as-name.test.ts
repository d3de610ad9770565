// A key pasted into the model rules editor (a model name, an alias, a pattern) is refused as the
// nickname field refuses one: said under the field, naming it, the key never drawn, nothing saved.
// Rules that already hold one (config.yaml, a token file) are drawn masked, in the list and the warnings.
import {cleanUp, renderTui, type TuiHandle} from '../helpers/ink.js';
import assert from 'node:assert/strict';
import {readFileSync} from 'node:fs';
import {afterEach, test} from 'node:test';
import {makeTempCcs, tokenFixture, type TempCcs} from '../helpers/ccs.js';

const KEY = 'sk-fakebob-AAAA1111BBBB2222CCCC3333';
const SECRET_PART = 'AAAA1111';
const MASKED = 'sk-f…3333';

let ccs: TempCcs | undefined;
let tui: TuiHandle | undefined;
afterEach(() => ([tui, ccs] = cleanUp(tui, ccs)));

async function bobRules(): Promise<TuiHandle> {
  ccs = makeTempCcs();
  ccs.writeToken('bob-main.json', {type: 'bob', email: 'main@bob.example', api_key: 'bob-key-0123456789', base_url: 'https://bob.example.com/v1'});
  tui = await renderTui({paths: ccs.paths, width: 120, height: 30, route: {screen: 'models', params: {provider: 'bob'}}});
  await tui.waitFor('Provider bob');
  await tui.press('tab');
  await tui.waitFor('Rules: main@bob.example (token file)');
  return tui;
}

const noKey = (frame: string) => assert.ok(!frame.includes(SECRET_PART), frame);

test('a key typed as an alias entry\'s model name is refused under the field, named, never drawn; Tab and Enter keep the field; nothing is saved', async () => {
  const t = await bobRules();
  await t.press('A');
  await t.type(KEY);
  await t.press('enter');
  let frame = await t.waitFor((f) => f.includes('! the model name cannot be a key or token') && f.includes(`("${MASKED}" looks like one`));
  noKey(frame);
  assert.match(frame, /typing the model name/);
  await t.press('tab');
  frame = await t.waitFor('typing the model name');
  assert.match(frame, /the model name cannot be a key or token/);
  noKey(frame);
  // Esc drops the new entry: nothing to save, the token file as it was.
  await t.press('escape');
  await t.waitFor((f) => !f.includes('typing the'));
  await t.press('s');
  await t.waitFor('nothing to save');
  const token = JSON.parse(readFileSync(`${ccs!.paths.authDir}/bob-main.json`, 'utf8')) as Record<string, unknown>;
  assert.equal(token.model_aliases, undefined);
  noKey(readFileSync(`${ccs!.paths.authDir}/bob-main.json`, 'utf8'));
});

test('a key typed as the alias, or as an exclusion pattern, is refused the same way', async () => {
  const t = await bobRules();
  await t.press('A');
  await t.type('granite-code');
  await t.press('enter');
  await t.waitFor('typing the alias');
  await t.type(KEY);
  await t.press('enter');
  noKey(await t.waitFor((f) => f.includes('! the alias cannot be a key or token') && f.includes(MASKED)));
  await t.press('escape');
  await t.waitFor((f) => !f.includes('typing the'));
  await t.press('a');
  await t.type(KEY);
  await t.press('enter');
  noKey(await t.waitFor((f) => f.includes('! the pattern cannot be a key or token') && f.includes(MASKED)));
  // A key no longer: the field is left, the error gone.
  for (let i = 0; i < KEY.length; i++) await t.press('backspace');
  await t.type('granite-*');
  const frame = await t.waitFor((f) => !f.includes('cannot be a key'));
  assert.match(frame, /granite-\*/);
  await t.press('enter');
  await t.waitFor((f) => !f.includes('typing the'));
});

test('rules already holding a key (a token file, config.yaml) are drawn masked in the list, the preview and the warnings', async () => {
  ccs = makeTempCcs();
  ccs.writeRaw('cliproxy/config.yaml', `oauth-model-alias:\n  kimi:\n    - name: "${KEY}"\n      alias: big\n`);
  ccs.writeToken('kimi-1.json', tokenFixture('kimi', 'k@example.com', {model_aliases: [{name: 'kimi-k2', alias: KEY}], excluded_models: [KEY]}));
  tui = await renderTui({paths: ccs.paths, width: 120, height: 30, route: {screen: 'models', params: {provider: 'kimi'}}});
  let frame = await tui.waitFor(`big ← ${MASKED}`);
  assert.match(frame, new RegExp(`! alias "big": ${MASKED} is not in the model list`));
  noKey(frame);
  await tui.press('tab');
  frame = await tui.waitFor('Rules: k@example.com (token file)');
  frame = await tui.waitFor(`${MASKED} ← kimi-k2`);
  assert.match(frame, new RegExp(`✕ ${MASKED}`));
  noKey(frame);
  // Opening the entry as it is in the file and leaving it unchanged is no new key: it stays as read.
  await tui.press('e');
  await tui.waitFor('typing the');
  noKey(tui.frame());
});

test('a save asked while the key is still in its field (the quit prompt\'s s) writes nothing and says why', async () => {
  const t = await bobRules();
  await t.press('A');
  await t.type(KEY);
  await t.press('ctrl+c');
  await t.waitFor('Quit and discard unsaved rule changes?');
  await t.press('s');
  const frame = await t.waitFor('not saved: the model name cannot be a key or token');
  noKey(frame);
  const token = JSON.parse(readFileSync(`${ccs!.paths.authDir}/bob-main.json`, 'utf8')) as Record<string, unknown>;
  assert.equal(token.model_aliases, undefined);
});

test('an account\'s own key of no known shape (an IBM Bob key), typed as an alias, is drawn masked and refused at save; nothing is written', async () => {
  const t = await bobRules();
  const own = 'bob-key-0123456789';
  await t.press('A');
  await t.type('granite-code');
  await t.press('enter');
  await t.waitFor('typing the alias');
  await t.type(`x ${own}`);
  // Drawn hidden while typed, and masked in the list once the field is left.
  assert.ok(!t.frame().includes('0123456789'), t.frame());
  await t.press('enter');
  const listed = await t.waitFor((f) => !f.includes('typing the'));
  assert.match(listed, /x bob-…\(redacted\) ← granite-code/);
  await t.press('s');
  const frame = await t.waitFor('not saved: the alias cannot be a key or token');
  assert.ok(!frame.includes('0123456789'), frame);
  const token = JSON.parse(readFileSync(`${ccs!.paths.authDir}/bob-main.json`, 'utf8')) as Record<string, unknown>;
  assert.equal(token.model_aliases, undefined);
});
