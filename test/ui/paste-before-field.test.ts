// A key that opens a field, with a paste right behind it (people paste fast): the paste lands in the
// field, never "paste ignored", even when the field opens a render later than another commit (a busy
// machine: React yields between its tasks, so an unrelated commit can come between the key and the
// render of the field it opened).
import {cleanUp, renderTui, type TuiHandle} from '../helpers/ink.js';
import assert from 'node:assert/strict';
import {afterEach, test} from 'node:test';
import {makeTempCcs, type TempCcs} from '../helpers/ccs.js';

let ccs: TempCcs | undefined;
let tui: TuiHandle | undefined;
const realNow = performance.now.bind(performance);
afterEach(() => {
  performance.now = realNow;
  [tui, ccs] = cleanUp(tui, ccs);
});

const hintBar = (frame: string) => frame.split('\n').at(-1) ?? '';

test('`a`, a paste and Enter sent as the model rules open add the pasted pattern, on a machine too busy to render between tasks', async () => {
  // React's scheduler yields to the event loop when a task took over 5 ms: a clock that moves 6 ms
  // at every look makes it yield after every task, as on a loaded machine.
  let skew = 0;
  performance.now = () => realNow() + (skew += 6);
  const lost: string[] = [];
  for (let i = 0; i < 12; i++) {
    ccs = makeTempCcs();
    tui = await renderTui({paths: ccs.paths, width: 160, height: 30, route: {screen: 'models', params: {}}});
    const pattern = `claude-old-${i}-*`;
    tui.write('a');
    // Every other time as a bracketed paste (a real terminal's), else one unbracketed read.
    tui.write(i % 2 ? `\u001b[200~${pattern}\u001b[201~` : pattern);
    tui.write('\r');
    try {
      await tui.waitFor((f) => f.includes(pattern) && /s save/.test(hintBar(f)), 3000);
    } catch {
      lost.push(`${pattern}: ${tui.frame().split('\n').at(-2)}`);
    }
    [tui, ccs] = cleanUp(tui, ccs);
  }
  assert.deepEqual(lost, [], 'every pasted pattern is in the field and added');
});
