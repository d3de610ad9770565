import assert from 'node:assert/strict';
import {readFileSync} from 'node:fs';
import {afterEach, beforeEach, describe, test} from 'node:test';
import {makeTempCcs, tokenFixture, type TempCcs} from '../helpers/ccs.js';
import {renderTui, type TuiHandle} from '../helpers/ink.js';
import {runBin} from '../helpers/cli.js';
import {startFakeUpstream} from '../helpers/fake-upstreams.js';

const CONFIG = `# shared with CLIProxyAPI
port: 8317
oauth-excluded-models:
  kimi:
    - "kimi-k3*"
`;

/** The right pane's model lines (what a client sees), read off the frame. */
function previewIds(frame: string, width: number): string[] {
  const left = Math.max(30, Math.floor(width * 0.45)) + 1;
  // The last line is the hint bar, not the preview.
  return frame
    .split('\n')
    .slice(0, -1)
    .map((line) => line.slice(left))
    .filter((cell) => /^ {2}\S/.test(cell))
    .map((cell) => cell.trim().split(/\s+/)[0]!);
}

describe('model rules screen', () => {
  let ccs: TempCcs;
  let tui: TuiHandle | undefined;
  beforeEach(() => {
    ccs = makeTempCcs();
    ccs.writeRaw('cliproxy/config.yaml', CONFIG);
    ccs.writeToken('kimi-1.json', tokenFixture('kimi', 'k@example.com'));
  });
  afterEach(() => {
    tui?.unmount();
    tui = undefined;
    ccs.cleanup();
  });

  test('typing a pattern one character at a time changes the preview after each key', async () => {
    tui = await renderTui({paths: ccs.paths, width: 100, height: 30, route: {screen: 'models', params: {provider: 'kimi'}}});
    await tui.waitFor('Models 6/8 visible (static list)');
    assert.match(tui.frame(), /✕ kimi-k3 +excluded by "kimi-k3\*"/);
    await tui.press('a');
    await tui.waitFor('typing the pattern');
    const counts: string[] = [];
    let typed = '';
    for (const ch of '*-thinking') {
      await tui.press(ch);
      typed += ch;
      // The frame with this key in the field (a busy machine can draw it after press stops waiting).
      const shown = new RegExp(`pattern: ${typed.replace(/\*/g, '\\*')}\\s`);
      const frame = await tui.waitFor(shown);
      counts.push(/Models (\d+\/\d+) visible/.exec(frame)![1]!);
      if (ch === '*') assert.match(frame, /pattern "\*" removes every model/);
    }
    // `*` hides everything, `*-` matches nothing, ..., `*-thinking` hides exactly one more.
    assert.deepEqual(counts, ['0/8', '6/8', '6/8', '6/8', '6/8', '6/8', '6/8', '6/8', '6/8', '5/8']);
    let frame = tui.frame();
    assert.match(frame, /✕ kimi-k2-thinking +excluded by "\*-thinking"/);
    assert.match(frame, /^\* unsaved · Provider kimi/m);
    await tui.press('enter');

    // Alias with fork: renamed shows `alias ← name`, forked shows both ids.
    await tui.press('A');
    await tui.type('kimi-k2');
    await tui.press('enter');
    await tui.type('k2');
    await tui.press('enter');
    frame = await tui.waitFor('k2 ← kimi-k2');
    assert.ok(!previewIds(frame, 100).includes('kimi-k2'), 'renamed away');
    await tui.press('f');
    frame = await tui.waitFor(/k2 ← kimi-k2 +fork/);
    assert.ok(previewIds(frame, 100).includes('kimi-k2'), 'fork keeps the original');
    assert.match(frame, /Models 6\/8 visible/);

    // Esc with unsaved changes asks first; No keeps the screen.
    await tui.press('escape');
    await tui.waitFor('Discard unsaved rule changes?');
    await tui.press('n');
    await tui.waitFor('Models 6/8 visible');

    await tui.press('s');
    await tui.waitFor('saved kimi rules');
    const text = readFileSync(ccs.paths.config, 'utf8');
    assert.ok(text.startsWith('# shared with CLIProxyAPI\nport: 8317\n'));
    assert.ok(text.includes('"*-thinking"'));
    assert.ok(text.includes('alias: "k2"') && text.includes('fork: true'));
    assert.doesNotMatch(tui.frame(), /\* unsaved/);
  });

  test('the discard question names its keys once, from the keymap: "[y/N]", not "(y/N) [y/N]"', async () => {
    tui = await renderTui({paths: ccs.paths, width: 100, height: 30, route: {screen: 'models', params: {provider: 'kimi'}}});
    await tui.waitFor('Models 6/8 visible (static list)');
    await tui.press('a');
    await tui.type('x');
    await tui.press('enter');
    await tui.press('escape');
    const frame = await tui.waitFor('Discard unsaved rule changes? [y/N, s: save, then go on]');
    assert.doesNotMatch(frame, /\(y\/N\)/);
    assert.equal(frame.split('y/N').length - 1, 1);
    await tui.press('n');
    await tui.waitFor('Models');
  });

  test('q on a too-small terminal with unsaved rules asks, and the too-small screen says a question waits; enlarged, it is answered', async () => {
    tui = await renderTui({paths: ccs.paths, width: 100, height: 30, route: {screen: 'models', params: {provider: 'kimi'}}});
    await tui.waitFor('Models 6/8 visible (static list)');
    await tui.press('a');
    await tui.type('x');
    await tui.press('enter');
    await tui.waitFor(/^\* unsaved/m);
    await tui.resize(59, 19);
    assert.doesNotMatch(await tui.waitFor('Terminal too small'), /question/);
    await tui.press('q');
    await tui.waitFor('A question is waiting: enlarge the window to answer it');
    await tui.resize(100, 30);
    await tui.waitFor('Quit and discard unsaved rule changes?');
    await tui.press('n');
    await tui.waitFor((frame) => !frame.includes('Quit and discard') && /^\* unsaved/m.test(frame));
  });

  test('a screen key with unsaved rules warns; discarding them replaces the warning, which is no longer true', async () => {
    tui = await renderTui({paths: ccs.paths, width: 100, height: 30, route: {screen: 'models', params: {provider: 'kimi'}}});
    await tui.waitFor('Models 6/8 visible (static list)');
    await tui.press('a');
    await tui.type('x');
    await tui.press('enter');
    await tui.press('1');
    await tui.waitFor(/unsaved rule changes: s saves them/);
    await tui.press('escape');
    await tui.waitFor('Discard unsaved rule changes?');
    await tui.press('y');
    const frame = await tui.waitFor('unsaved rule changes discarded');
    assert.doesNotMatch(frame, /unsaved rule changes: s saves them/);
  });

  test('on the first screen (nothing to go back to), Esc then y discards the edits on screen too', async () => {
    tui = await renderTui({paths: ccs.paths, width: 100, height: 30, route: {screen: 'models', params: {provider: 'kimi'}}});
    await tui.waitFor('Models 6/8 visible (static list)');
    await tui.press('a');
    await tui.type('*-thinking');
    await tui.press('enter');
    await tui.waitFor(/Models 5\/8 visible[\s\S]*✕ kimi-k2-thinking +excluded by "\*-thinking"/);
    await tui.press('escape');
    await tui.waitFor('Discard unsaved rule changes?');
    await tui.press('y');
    const frame = await tui.waitFor('unsaved rule changes discarded');
    assert.match(frame, /Models 6\/8 visible/);
    assert.doesNotMatch(frame, /\* unsaved|\*-thinking/);
    // Nothing is left to save or to ask about: Esc again asks nothing.
    await tui.press('escape');
    assert.doesNotMatch(tui.frame(), /Discard unsaved rule changes\?/);
    assert.doesNotMatch(readFileSync(ccs.paths.config, 'utf8'), /thinking/);
  });

  test('a or A alone is nothing unsaved and no error; Tab and Shift-Tab move between an alias entry\'s fields, and the hint bar says so', async () => {
    tui = await renderTui({paths: ccs.paths, width: 120, height: 30, route: {screen: 'models', params: {provider: 'kimi'}}});
    await tui.waitFor('Models 6/8 visible');
    const hintBar = (f: string) => f.split('\n').at(-1) ?? '';
    for (const key of ['a', 'A']) {
      await tui.press(key);
      const frame = await tui.waitFor(/typing the (pattern|model name)/);
      assert.doesNotMatch(frame, /\* unsaved/, `${key}: nothing typed, nothing unsaved`);
      assert.doesNotMatch(frame, /needs both a name and an alias|incomplete/, `${key}: no error before anything is typed`);
      await tui.press('escape');
      await tui.waitFor((f) => !/typing the/.test(f));
    }
    await tui.press('A');
    let frame = await tui.waitFor('typing the model name; Tab: the alias');
    assert.match(hintBar(frame), /^Enter done {2}Tab next field {2}S-Tab prev field +Esc cancel {2}\^C quit$/);
    await tui.type('kimi-k2');
    frame = await tui.waitFor(/^\* unsaved/m);
    assert.doesNotMatch(frame, /is not in the model list|needs both/, 'half typed: no error yet');
    await tui.press('tab');
    await tui.waitFor('typing the alias; Tab: the model name');
    await tui.type('k2');
    await tui.press('shift+tab');
    await tui.waitFor('typing the model name');
    await tui.type('.5');
    await tui.press('tab');
    await tui.waitFor('typing the alias');
    await tui.press('enter');
    frame = await tui.waitFor('k2 ← kimi-k2.5');
    assert.doesNotMatch(hintBar(frame), /next field/, 'no field open: the bar is the screen\'s again');
    // An entry left with its alias missing is said to be incomplete, once its field is left.
    await tui.press('A');
    await tui.type('kimi-k3');
    await tui.press('enter');
    await tui.waitFor('typing the alias');
    assert.doesNotMatch(tui.frame(), /needs both a name and an alias/);
    await tui.press('enter');
    await tui.waitFor('an alias entry needs both a name and an alias');
  });

  test('inline warnings: alias of an excluded model, duplicate alias', async () => {
    tui = await renderTui({paths: ccs.paths, width: 120, height: 30, route: {screen: 'models', params: {provider: 'kimi'}}});
    await tui.waitFor('Models 6/8 visible');
    await tui.press('A');
    await tui.type('kimi-k3');
    await tui.press('enter');
    await tui.type('three');
    await tui.press('enter');
    await tui.waitFor('alias "three" will not appear: kimi-k3 is excluded by "kimi-k3*"');
    await tui.press('A');
    await tui.type('kimi-k2.5');
    await tui.press('enter');
    await tui.type('three');
    await tui.press('enter');
    await tui.waitFor('alias "three" is already used for kimi-k3');
  });

  test('models --json agrees with the screen (same fixture)', async () => {
    ccs.writeRaw('cliproxy/config.yaml', `${CONFIG}oauth-model-alias:\n  kimi:\n    - name: kimi-k2.5\n      alias: k25\n    - name: kimi-k2\n      alias: k2\n      fork: true\n`);
    const run = await runBin(['models', 'kimi', '--json'], ccs.env);
    assert.equal(run.code, 0, run.stderr);
    const json = JSON.parse(run.stdout);
    tui = await renderTui({paths: ccs.paths, width: 100, height: 30, route: {screen: 'models', params: {provider: 'kimi'}}});
    const frame = await tui.waitFor(`Models ${json.models.length}/8 visible`);
    assert.deepEqual(previewIds(frame, 100).sort(), json.models.map((m: {id: string}) => m.id).sort());
    for (const excluded of json.excluded) assert.ok(frame.includes(`✕ ${excluded.id}  excluded by "${excluded.pattern}"`));
  });

  test('Tab picks an account: its token file rules are edited and saved, config.yaml stays', async () => {
    tui = await renderTui({paths: ccs.paths, width: 80, height: 24, route: {screen: 'models', params: {provider: 'kimi'}}});
    await tui.waitFor('Models 6/8 visible');
    await tui.press('tab');
    await tui.waitFor('Rules: k@example.com (token file)');
    assert.match(tui.frame(), /Global \(config\.yaml\), also applied/);
    await tui.press('a');
    await tui.type('*-code*');
    await tui.press('enter');
    await tui.waitFor('Models 4/8 visible');
    await tui.press('s');
    await tui.waitFor('saved kimi rules');
    const token = JSON.parse(readFileSync(`${ccs.paths.authDir}/kimi-1.json`, 'utf8'));
    assert.deepEqual(token.excluded_models, ['*-code*']);
    assert.equal(token.refresh_token, 'rt-kimi-k@example.com-0123456789abcdef');
    assert.equal(readFileSync(ccs.paths.config, 'utf8'), CONFIG);
    const json = JSON.parse((await runBin(['models', 'kimi', '--account', 'k@example.com', '--json'], ccs.env)).stdout);
    assert.equal(json.models.length, 4);
  });

  test('L asks the provider for its live list (with the account); edits stay; failures fall back to static', async () => {
    const upstream = await startFakeUpstream((req, res) => {
      res.writeHead(200, {'content-type': 'application/json'});
      res.end(JSON.stringify({object: 'list', data: [{id: 'kimi-k2'}, {id: 'kimi-k3-live'}, {id: 'kimi-k9'}]}));
    });
    try {
      ccs.writeRaw('tui.json', JSON.stringify({endpoints: {kimi: {api: `${upstream.url}/v1`}}}));
      tui = await renderTui({paths: ccs.paths, width: 100, height: 30, route: {screen: 'models', params: {provider: 'kimi'}}});
      await tui.waitFor('Models 6/8 visible (static list)');
      await tui.press('L');
      // The key that chooses an account, not the command line's flag.
      // (Wrapped in the right-hand column.)
      const said = await tui.waitFor((f) => f.includes("no live list: it is asked with an account's") && f.includes('credentials (Tab: account)'));
      assert.doesNotMatch(said, /--account/);
      await tui.press('tab');
      let frame = await tui.waitFor('Models 2/3 visible (live list)');
      assert.match(frame, /✕ kimi-k3-live +excluded by "kimi-k3\*"/);
      assert.equal(upstream.requests.at(-1)?.path, '/v1/models');
      // An unsaved edit survives switching the base list back to static.
      await tui.press('a');
      await tui.type('*9');
      await tui.press('enter');
      await tui.waitFor('Models 1/3 visible (live list)');
      await tui.press('L');
      frame = await tui.waitFor('Models 6/8 visible (static list)');
      assert.match(frame, /pattern "\*9" matches no model/);
      upstream.handler = (_req, res) => void res.writeHead(500).end('upstream broke');
      await tui.press('L');
      frame = await tui.waitFor(/no live list: 127\.0\.0\.1:\d+\/v1\/models answered\n.*500: upstream broke/);
      assert.match(frame, /Models 6\/8 visible \(static list\)/);
      assert.match(frame, /^\* unsaved/m);
    } finally {
      await upstream.close();
    }
  });

  test('a partial live list says so beside the counts, with the reason', async () => {
    // Every page says there are more, and the next one starts where this one did: cut short.
    const upstream = await startFakeUpstream((req, res) => {
      res.writeHead(200, {'content-type': 'application/json'});
      res.end(JSON.stringify({object: 'list', data: [{id: 'kimi-k2'}, {id: 'kimi-k9'}], has_more: true, last_id: 'kimi-k9'}));
    });
    try {
      ccs.writeRaw('tui.json', JSON.stringify({endpoints: {kimi: {api: `${upstream.url}/v1`}}}));
      tui = await renderTui({paths: ccs.paths, width: 100, height: 30, route: {screen: 'models', params: {provider: 'kimi'}}});
      await tui.waitFor('(static list)');
      await tui.press('L');
      await tui.press('tab');
      const frame = await tui.waitFor('(live list, partial)');
      const lines = frame.split('\n');
      const col = lines.find((l) => l.includes('(live list, partial)'))!.indexOf('Models');
      const right = lines.map((l) => l.slice(col).trimEnd()).join(' ').replace(/\s+/g, ' ');
      assert.match(right, /! the live list is partial: the provider says there are more models but not where they start; 2 models so far/);
    } finally {
      await upstream.close();
    }
  });

  test('a corrupt config.yaml is named with its line and column; nothing is written', async () => {
    const broken = 'port: 8317\noauth-excluded-models:\n  kimi: [a, b\n';
    ccs.writeRaw('cliproxy/config.yaml', broken);
    tui = await renderTui({paths: ccs.paths, width: 100, height: 30, route: {screen: 'models', params: {provider: 'kimi'}}});
    await tui.waitFor(/config\.yaml:\d+:\d+: invalid YAML/);
    await tui.press('a', 'x', 's');
    assert.equal(readFileSync(ccs.paths.config, 'utf8'), broken);
  });
  test('a config.yaml key naming a provider instead of its channel is warned about on the screen, as models does', async () => {
    ccs.writeRaw('cliproxy/config.yaml', `${CONFIG}oauth-model-alias:\n  gemini:\n    - name: gemini-2.5-pro\n      alias: pro\n`);
    tui = await renderTui({paths: ccs.paths, width: 160, height: 30, route: {screen: 'models', params: {provider: 'kimi'}}});
    const frame = await tui.waitFor('Models 6/8 visible');
    assert.match(frame, /! config\.yaml oauth-model-alias: key "gemini" is not a CLIProxyAPI channel and does nothing; Gemini's rules go under "gemini-cli"/);
    assert.doesNotMatch(frame, /no warnings/);
  });
});
