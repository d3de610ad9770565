import assert from 'node:assert/strict';
import {test} from 'node:test';
import {listWindow} from '../../source/core/list-window.js';

test('a list shorter than the window shows everything', () => {
  assert.deepEqual(listWindow(3, 2, 10), {start: 0, end: 3});
  assert.deepEqual(listWindow(0, 0, 10), {start: 0, end: 0});
  assert.deepEqual(listWindow(5, 0, 0), {start: 0, end: 0});
});

test('the window stays put while the cursor moves inside it, and scrolls one row at its edges', () => {
  assert.deepEqual(listWindow(1000, 5, 10, 0), {start: 0, end: 10});
  assert.deepEqual(listWindow(1000, 10, 10, 0), {start: 1, end: 11});
  assert.deepEqual(listWindow(1000, 5, 10, 1), {start: 1, end: 11});
  assert.deepEqual(listWindow(1000, 0, 10, 1), {start: 0, end: 10});
});

test('jumps (G, g, page) bring the cursor into view; the window never runs past the end', () => {
  assert.deepEqual(listWindow(1000, 999, 10, 0), {start: 990, end: 1000});
  assert.deepEqual(listWindow(1000, 0, 10, 990), {start: 0, end: 10});
  // The list shrank under a stale start (accounts removed on disk).
  assert.deepEqual(listWindow(12, 11, 10, 500), {start: 2, end: 12});
  // Cursor beyond the end is clamped.
  assert.deepEqual(listWindow(12, 50, 10, 0), {start: 2, end: 12});
});

test('walking down a 1,000-row list always keeps the cursor visible in a window of the same height', () => {
  let start = 0;
  for (let cursor = 0; cursor < 1000; cursor++) {
    const w = listWindow(1000, cursor, 17, start);
    assert.ok(cursor >= w.start && cursor < w.end);
    assert.equal(w.end - w.start, 17);
    start = w.start;
  }
});
