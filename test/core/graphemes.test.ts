// Graphemes without Intl.Segmenter where every code unit is one (core/graphemes.ts): the TUI's first
// frame makes no segmenter, and what it finds is what the segmenter finds, on any text.
import assert from 'node:assert/strict';
import {test} from 'node:test';
import {graphemes, graphemeSegments, lazySegmenter, ONE_CELL_STYLED_TEXT, ONE_CELL_TEXT} from '../../source/core/graphemes.js';
import {seededRandom} from '../helpers/seeded-random.js';

const segmenter = new Intl.Segmenter(undefined, {granularity: 'grapheme'});
const expected = (text: string) => Array.from(segmenter.segment(text), ({segment, index}) => ({segment, index}));
const found = (text: string) => Array.from(graphemes(text), ({segment, index}) => ({segment, index}));

test('every one-cell character and control character but CR is a grapheme of its own beside any other of them', () => {
  const singles: string[] = [];
  for (let code = 0; code <= 0xffff; code++) {
    const char = String.fromCharCode(code);
    if (ONE_CELL_TEXT.test(char) || (code < 0x20 && code !== 0x0d) || code === 0x7f) singles.push(char);
  }
  assert.ok(singles.length > 1900, `${singles.length} characters`);
  // Each beside its neighbours in the list and beside the escape of a terminal sequence.
  for (let i = 0; i < singles.length; i++) {
    const text = `${singles[i]}${singles[(i + 1) % singles.length]}\u001b${singles[i]}a${singles[i]}`;
    assert.deepEqual(found(text), expected(text), `U+${singles[i]!.charCodeAt(0).toString(16)}`);
  }
  const next = seededRandom(14);
  for (let round = 0; round < 300; round++) {
    let text = '';
    for (let n = Math.floor(next() * 80); n > 0; n--) text += singles[Math.floor(next() * singles.length)];
    assert.deepEqual(found(text), expected(text), JSON.stringify(text));
  }
});

test('text with what joins or spans code units is segmented by Intl.Segmenter', () => {
  for (const text of ['e\u0301', 'a\r\nb', '👩‍💻 x', '🇯🇵🇯🇵', '研究者', '\u1100\u1161', 'x\u200dy', '☺\ufe0f', 'ok\u00adok', '\u001b[1m古\u001b[22m', '']) {
    assert.deepEqual(found(text), expected(text), JSON.stringify(text));
  }
});

test('a lazy segmenter makes its Intl.Segmenter on the first segment() only, and once', () => {
  const intl = Intl as {Segmenter: typeof Intl.Segmenter};
  const Original = intl.Segmenter;
  let made = 0;
  intl.Segmenter = class extends Original {
    constructor(...args: ConstructorParameters<typeof Intl.Segmenter>) {
      super(...args);
      made++;
    }
  } as typeof Intl.Segmenter;
  try {
    const lazy = lazySegmenter(undefined, {granularity: 'word'});
    assert.equal(made, 0);
    assert.deepEqual(Array.from(lazy.segment('two words'), (s) => s.segment), ['two', ' ', 'words'], 'the options are the ones given');
    lazy.segment('again');
    assert.equal(made, 1);
  } finally {
    intl.Segmenter = Original;
  }
});

test('styled one-cell text: escapes and one-cell characters only', () => {
  assert.ok(ONE_CELL_STYLED_TEXT.test('\u001b[1m› ★ user@example.com\u001b[22m \u001b]8;;https://example.com\u0007link\u001b]8;;\u0007'));
  for (const text of ['tab\there', 'soft\u00adhyphen', 'zero\u200bwidth', '研', 'e\u0301', '\u0000']) assert.ok(!ONE_CELL_STYLED_TEXT.test(text), JSON.stringify(text));
});

test('graphemeSegments answers containing() and iterates as Intl.Segmenter\'s segments do, at every index and past both ends', () => {
  const pick = (segment: {segment: string; index: number} | undefined) => segment && {segment: segment.segment, index: segment.index};
  const next = seededRandom(23);
  const texts = ['', 'a', 'plain › ★ text', '\u001b[1mbold\u001b[22m · dim', 'e\u0301', 'a\r\nb', '👩‍💻 x', '研究者', 'x\u200dy'];
  for (let round = 0; round < 100; round++) texts.push(Array.from({length: Math.floor(next() * 30)}, () => String.fromCharCode(0x20 + Math.floor(next() * 0x2600))).join(''));
  for (const text of texts) {
    const ours = graphemeSegments(text);
    const intl = segmenter.segment(text);
    assert.deepEqual(Array.from(ours, pick), Array.from(intl, pick), JSON.stringify(text));
    for (let index = -2; index <= text.length + 2; index++) assert.deepEqual(pick(ours.containing(index)), pick(intl.containing(index)), `${JSON.stringify(text)} at ${index}`);
    assert.deepEqual(pick(ours.containing()), pick(intl.containing()), JSON.stringify(text));
  }
});
