// How long a cut-off escape sequence is held (terminal.ts holdCutEscapes), on mocked timers: a lone
// ESC is the Esc key once ESC_TIMEOUT_MS pass with nothing after it (it must feel immediate), `ESC [`
// begun waits SEQUENCE_TIMEOUT_MS for its rest. Exact, where timing a real frame on a busy machine
// (split-reads.test.ts) can only say that Esc acted.
import assert from 'node:assert/strict';
import {EventEmitter} from 'node:events';
import {mock, test} from 'node:test';
import {ESC_TIMEOUT_MS, holdCutEscapes, SEQUENCE_TIMEOUT_MS} from '../../source/ui/terminal.js';

/** A stdin whose reads return the chunks queued, then null; counts `readable` events. */
function fakeStdin() {
  const stdin = new EventEmitter() as EventEmitter & {read(): string | null; queue: string[]; readable: number};
  stdin.queue = [];
  stdin.readable = 0;
  stdin.read = () => stdin.queue.shift() ?? null;
  stdin.on('readable', () => stdin.readable++);
  return stdin;
}

for (const [what, bytes, wait] of [
  ['a lone ESC (the Esc key)', '\u001b', ESC_TIMEOUT_MS],
  ['ESC [ with no final byte', '\u001b[1;5', SEQUENCE_TIMEOUT_MS],
] as const) {
  test(`${what} is held ${wait} ms for its rest, then passed on as it is`, () => {
    mock.timers.enable({apis: ['setTimeout']});
    try {
      const stdin = fakeStdin();
      holdCutEscapes(stdin as unknown as NodeJS.ReadStream);
      stdin.queue.push(bytes);
      assert.equal(stdin.read(), null, 'held');
      mock.timers.tick(wait - 1);
      assert.equal(stdin.readable, 0, 'not a millisecond early');
      mock.timers.tick(1);
      assert.equal(stdin.readable, 1);
      assert.equal(stdin.read(), bytes);
    } finally {
      mock.timers.reset();
    }
  });
}

test('a lone ESC whose rest comes in the next read is one key\'s sequence, not Esc', () => {
  mock.timers.enable({apis: ['setTimeout']});
  try {
    const stdin = fakeStdin();
    holdCutEscapes(stdin as unknown as NodeJS.ReadStream);
    stdin.queue.push('\u001b');
    assert.equal(stdin.read(), null);
    mock.timers.tick(ESC_TIMEOUT_MS - 1);
    stdin.queue.push('[A');
    assert.equal(stdin.read(), '\u001b[A');
    mock.timers.tick(SEQUENCE_TIMEOUT_MS);
    assert.equal(stdin.readable, 0, 'nothing left held');
  } finally {
    mock.timers.reset();
  }
});
