// Component-level tests with ink-testing-library (its terminal is 100 columns, enough for these):
// the pieces render on their own, without the shell.
import '../../helpers/force-color.js';
import assert from 'node:assert/strict';
import {test} from 'node:test';
import {render} from 'ink-testing-library';
import {cellWidth} from '../../../source/core/cells.js';
import {LinkText, urlRows} from '../../../source/ui/components/LinkText.js';
import {HelpOverlay} from '../../../source/ui/components/Chrome.js';
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
