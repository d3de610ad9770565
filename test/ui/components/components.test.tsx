// Component-level tests with ink-testing-library (its terminal is 100 columns, enough for these):
// the pieces render on their own, without the shell.
import '../../helpers/force-color.js';
import assert from 'node:assert/strict';
import {test} from 'node:test';
import {render} from 'ink-testing-library';
import {cellWidth} from '../../../source/core/cells.js';
import {LinkText, urlRows} from '../../../source/ui/components/LinkText.js';
import {HelpOverlay, HintBar} from '../../../source/ui/components/Chrome.js';
import {stripAnsi} from '../../helpers/fake-terminal.js';

const URL = `https://claude.ai/oauth/authorize?code=true&client_id=9d1c250a&state=${'s'.repeat(60)}&scope=user%3Aprofile`;

test('LinkText: a long URL as whole rows of the width, joined they are the URL; OSC 8 on every row only when asked', () => {
  const linked = render(<LinkText url={URL} width={40} links />);
  const raw = linked.lastFrame()!;
  const rows = stripAnsi(raw).split('\n');
  assert.equal(rows.join(''), URL);
  assert.ok(rows.every((r) => cellWidth(r) <= 40));
  assert.equal([...raw.matchAll(/\u001b\]8;;https:[^\u0007]+\u0007/g)].length, rows.length, 'every row links the whole URL');
  linked.unmount();
  const plain = render(<LinkText url={URL} width={40} links={false} />);
  assert.ok(!plain.lastFrame()!.includes('\u001b]8;;'));
  plain.unmount();
  assert.deepEqual(urlRows('ab界cd', 3), ['ab', '界c', 'd'], 'wide characters take two cells');
});

test('HelpOverlay: descriptions wrap inside a narrow overlay instead of being cut', () => {
  const view = render(<HelpOverlay width={40} height={60} scopes={['home', 'list', 'global']} />);
  const frame = stripAnsi(view.lastFrame()!).replace(/[│╭╮╰╯─]/g, ' ').replace(/\s+/g, ' ');
  assert.ok(frame.includes("Rotate the provider's default to the next usable account"), frame);
  assert.ok(!frame.includes('…'));
  view.unmount();
});

test('HintBar: the state\'s way out (first) leads and survives the cut; a prompt\'s other answers are listed', () => {
  const bar = (props: Parameters<typeof HintBar>[0]) => {
    const view = render(<HintBar {...props} />);
    const text = stripAnsi(view.lastFrame()!);
    view.unmount();
    return text;
  };
  const scopes = ['home', 'list', 'global'] as const;
  assert.doesNotMatch(bar({width: 60, scopes}), /L re-login/, 'without first, re-login is past the cut (it is late in the keymap)');
  for (const width of [60, 80]) {
    const text = bar({width, scopes, overrides: {first: ['account.relogin']}});
    assert.match(text, /^L re-login {2}\//, `${width}: ${text}`);
    assert.ok(cellWidth(text) <= width);
  }
  const prompt = bar({width: 80, scopes: ['confirm'], extra: [{action: 'rules.save', keys: ['s'], scopes: ['confirm'], description: 'save, then quit'}]});
  assert.match(prompt, /y\/Y Yes {2}n\/N\/Enter\/Esc No \(default\) {2}s save, then quit/);
});
