import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {CUT_ECHO_MIN, Redactor} from '../../source/core/redact.js';
import {TextRunMasker} from '../../source/core/text-run-mask.js';

const SLASHED = 'ya29.a0AfH6SMB/xyz+Qq_abcdefghijklmn/opq';
const ANTHROPIC = 'sk-ant-oat01-AAAABBBBCCCCDDDDEEEEFFFF';
const NON_ASCII = 'zzzzzzzzzzzz-éé-token-1234';
const redactor = new Redactor([SLASHED, ANTHROPIC, NON_ASCII]);

/**
 * Every piece's output, checked to be one per piece. `batch`: the pieces go in `batch` at a time
 * (pushAll, as one upstream read's deltas do), else one by one (push).
 */
function run(pieces: string[], latin1 = false, batch = 0): string[] {
  const masker = new TextRunMasker(redactor, latin1);
  const outputs: string[] = [];
  if (batch > 0) for (let i = 0; i < pieces.length; i += batch) outputs.push(...masker.pushAll(pieces.slice(i, i + batch)));
  else for (const piece of pieces) outputs.push(...masker.push(piece));
  outputs.push(...masker.end());
  assert.equal(outputs.length, pieces.length, 'one output per piece');
  return outputs;
}

const TEXTS = [
  `a ${SLASHED} b ${ANTHROPIC}. {"k":"${SLASHED}"}`,
  // JSON-escaped, as a tool call's arguments carry it (`\/`), and nested once more.
  JSON.stringify(`a ${SLASHED} b`).slice(1, -1).replace(/\//g, '\\/'),
  JSON.stringify(JSON.stringify({key: ANTHROPIC, other: SLASHED})).slice(1, -1),
  `x ${NON_ASCII} y`,
  `${ANTHROPIC}${ANTHROPIC}`,
  `s${ANTHROPIC}s`,
];

describe('TextRunMasker: a run of pieces comes out masked as Redactor.redact masks it joined', () => {
  it('an echo with `\\u`-escaped letters that begins in a piece where another echo is masked: held, not let out decoded', () => {
    // redact decodes such escapes when it finds an echo among them: the piece's tail `sk-a\u006et-`
    // came back as `sk-ant-`, unlike raw, and went out whole; the next pieces finished the token.
    const escaped = ANTHROPIC.replace(/[a-z]/g, (c) => `\\u00${c.charCodeAt(0).toString(16)}`);
    const text = `${SLASHED} and ${escaped} end`;
    const want = redactor.redact(text);
    assert.ok(!want.includes(ANTHROPIC) && !want.includes('AAAABBBB'), want);
    for (let k = 1; k < text.length; k++) {
      for (let j = k; j < text.length; j += 3) {
        const pieces = [text.slice(0, k), text.slice(k, j), text.slice(j)];
        assert.equal(run(pieces).join(''), want, `cut at ${k}, ${j}`);
        assert.equal(run(pieces, false, 2).join(''), want, `cut at ${k}, ${j}, two at a time`);
      }
    }
  });

  it('an echo whose first letter is sent as it is and the next ones `\\u`-escaped, cut right after that letter: held from it', () => {
    // The hold began at the first escape, so `x s` went out and the rest, without its `s`, was no echo.
    const escaped = ANTHROPIC.replace(/[a-z]/g, (c) => `\\u00${c.charCodeAt(0).toString(16)}`).replace('\\u0073', 's');
    const text = `x ${escaped} end`;
    const want = redactor.redact(text);
    assert.equal(want, 'x sk-a…(redacted) end');
    for (let k = 1; k < text.length; k++) {
      for (let j = k; j < text.length; j++) assert.equal(run([text.slice(0, k), text.slice(k, j), text.slice(j)]).join(''), want, `cut at ${k}, ${j}`);
    }
  });

  it('a wrapped base64 echo (raw line breaks, or spaces) cut between pieces: held until whole, then masked', () => {
    // Line breaks and spaces are no echo characters: the held tail once stopped at the last one,
    // and the lines before it went out (a translated stream's deltas of a MIME-wrapped token).
    const b64 = Buffer.from(SLASHED).toString('base64');
    for (const [width, separator] of [[7, '\n'], [8, '\r\n'], [16, ' ']] as const) {
      const text = `see ${b64.match(new RegExp(`.{1,${width}}`, 'g'))!.join(separator)} ok`;
      const want = redactor.redact(text);
      assert.notEqual(want, text, `redact masks the ${JSON.stringify(separator)} wrapped form`);
      for (let k = 1; k < text.length; k++) {
        for (let j = k; j < text.length; j += 5) {
          const pieces = [text.slice(0, k), text.slice(k, j), text.slice(j)];
          assert.equal(run(pieces).join(''), want, `${JSON.stringify(separator)} cut at ${k}, ${j}`);
          assert.equal(run(pieces, false, 2).join(''), want, `${JSON.stringify(separator)} cut at ${k}, ${j}, two at a time`);
        }
      }
    }
  });

  for (const latin1 of [false, true]) {
    it(`${latin1 ? 'latin1 bytes' : 'text'}: cut in three at every pair of offsets, and in pieces of 1 to 6 characters`, () => {
      for (const source of TEXTS) {
        const text = latin1 ? Buffer.from(source, 'utf8').toString('latin1') : source;
        const want = latin1 ? redactor.redactLatin1(text) : redactor.redact(text);
        assert.notEqual(want, text);
        for (let k = 0; k <= text.length; k++) {
          for (let j = k; j <= text.length; j += 2) assert.equal(run([text.slice(0, k), text.slice(k, j), text.slice(j)], latin1).join(''), want, `${source} cut at ${k}, ${j}`);
        }
        for (let size = 1; size <= 6; size++) {
          const pieces = text.match(new RegExp(`[^]{1,${size}}`, 'g'))!;
          assert.equal(run(pieces, latin1).join(''), want, `${source} in pieces of ${size}`);
        }
      }
    });
  }

  for (const batch of [2, 3, 5]) {
    it(`pieces pushed ${batch} at a time: cut in three at every pair of offsets, in pieces of 1 to 6 characters, between text without a secret`, () => {
      for (const source of TEXTS) {
        const want = redactor.redact(source);
        const plain = ['plain words ', 'and more. ', 'ya29', '.a0 no'];
        for (let k = 0; k <= source.length; k++) {
          for (let j = k; j <= source.length; j += 3) {
            const pieces = [...plain, source.slice(0, k), source.slice(k, j), source.slice(j), ...plain];
            assert.equal(run(pieces, false, batch).join(''), plain.join('') + want + plain.join(''), `${source} cut at ${k}, ${j}`);
          }
        }
        for (let size = 1; size <= 6; size++) {
          const pieces = source.match(new RegExp(`[^]{1,${size}}`, 'g'))!;
          assert.equal(run(pieces, false, batch).join(''), want, `${source} in pieces of ${size}`);
        }
      }
    });
  }

  it('pushAll: pieces without a secret come back as the same pieces at once; a tail that may begin one waits', () => {
    const masker = new TextRunMasker(redactor);
    const pieces = ['a streamed ', 'answer, ', 'a few words each. '];
    assert.equal(masker.pushAll(pieces), pieces);
    assert.deepEqual(masker.pushAll(['one ', 'two ', 'key sk-ant-oa']), ['one ', 'two ']);
    assert.ok(masker.holding);
    assert.deepEqual(masker.pushAll(['t01-AAAABBBBCCCC', 'DDDDEEEEFFFF ok', '!']), ['key sk-a…(redacted) ok', '', '', '!']);
    assert.ok(!masker.holding);
    // A secret whole inside one batch: masked there, the pieces it spans empty.
    assert.deepEqual(masker.pushAll(['x ', 'sk-ant-oat01-AAAA', 'BBBBCCCCDDDDEEEEFFFF', ' ok!']), ['x ', 'sk-a…(redacted)', '', ' ok!']);
  });

  it('gives each piece its own text back while nothing is masked, even pieces that start like a secret', () => {
    const pieces = [...`nothing here: sk-ant-oat01-AAAABBBB, ya29.a0A and s`];
    assert.deepEqual(run(pieces), pieces);
  });

  it('lets a piece out at once when its tail cannot begin a secret, and holds one that may until the next settles it', () => {
    const masker = new TextRunMasker(redactor);
    assert.deepEqual(masker.push('hello '), ['hello ']);
    assert.deepEqual(masker.push('key sk-ant-oa'), []);
    assert.ok(masker.holding);
    // The masked form goes to the piece where the secret starts; the piece it spilled into comes out empty.
    assert.deepEqual(masker.push('t01-AAAABBBBCCCCDDDDEEEEFFFF ok!'), ['key sk-a…(redacted) ok!', '']);
    assert.ok(!masker.holding);
    assert.deepEqual(masker.push('sk-ant-oat01-XX'), []);
    assert.deepEqual(masker.push(' no!'), ['sk-ant-oat01-XX', ' no!']);
  });
});

describe('TextRunMasker.continueAfter: a token cut between two runs (a block change)', () => {
  const text = `key ${ANTHROPIC} end`;
  const start = text.indexOf(ANTHROPIC);
  /** Run A's pieces, then run B's, B going on from A's tail: both runs' outputs joined. */
  function across(a: string[], b: string[], latin1 = false): {a: string; b: string} {
    const first = new TextRunMasker(redactor, latin1);
    const outA = [...a.flatMap((piece) => first.push(piece)), ...first.end()];
    const second = new TextRunMasker(redactor, latin1);
    if (first.tail) second.continueAfter(first.tail);
    const outB = [...b.flatMap((piece) => second.push(piece)), ...second.end()];
    assert.equal(outA.length, a.length, 'one output per piece of A');
    assert.equal(outB.length, b.length, 'one output per piece of B');
    return {a: outA.join(''), b: outB.join('')};
  }

  it('at every cut, one piece or one character per piece: the client sees at most the first part, never the rest', () => {
    for (let cut = 1; cut < ANTHROPIC.length; cut++) {
      const [head, rest] = [text.slice(0, start + cut), text.slice(start + cut)];
      for (const [a, b] of [
        [[head], [rest]],
        [[...head], [...rest]],
      ]) {
        const seen = across(a!, b!);
        const want = cut < CUT_ECHO_MIN ? {a: head, b: `…(redacted) end`} : {a: 'key sk-a…(redacted)', b: ' end'};
        assert.deepEqual(seen, want, `cut at ${cut}, ${a!.length} pieces`);
        assert.ok(!(seen.a + seen.b).includes(ANTHROPIC.slice(Math.max(cut, 4))), `cut at ${cut}`);
      }
    }
  });

  it('latin1 pieces (an event\'s bytes) and a non-ASCII token: masked the same, as UTF-8 bytes', () => {
    const bytes = Buffer.from(`x ${NON_ASCII} y`, 'utf8').toString('latin1');
    const at = bytes.indexOf('zzz') + 6;
    const seen = across([bytes.slice(0, at)], [bytes.slice(at)], true);
    assert.equal(Buffer.from(seen.a + seen.b, 'latin1').toString('utf8'), `x zzzzzz…(redacted) y`);
  });

  it('text after the tail that does not go on with the token: both runs come out as they went in', () => {
    for (const b of [['-not-it'], [...'AAAAB'], [''], ['sk-ant-oat01-AAAA', 'BBBBCCCCDDDDEEEEFFFF!']]) {
      const head = `key ${ANTHROPIC.slice(0, 7)}`;
      const seen = across([head], b);
      assert.equal(seen.a, head);
      assert.equal(seen.b, redactor.redact(b.join('')), JSON.stringify(b));
    }
  });

  it('the next run ends while it may still go on with the token: its part masked as a cut echo would be', () => {
    const seen = across([`key ${ANTHROPIC.slice(0, 5)}`], [ANTHROPIC.slice(5, 14)]);
    assert.deepEqual(seen, {a: 'key sk-an', b: '…(redacted)'});
  });
});

describe('TextRunMasker: a tool input\'s last string, closed, is what a next run goes on from', () => {
  const PLAIN = Object.freeze({escaped: false});
  const ESCAPED = Object.freeze({escaped: true});

  it('its end that may begin a secret waits for the input\'s end, then is the tail (its quote and brackets left out); a 12+ start is masked as cut', () => {
    for (const cut of [4, CUT_ECHO_MIN - 1, CUT_ECHO_MIN, 20]) {
      const masker = new TextRunMasker(redactor, false, PLAIN);
      const first = masker.push(`{"p":"${ANTHROPIC.slice(0, cut)}"}`);
      assert.deepEqual(first, [], `cut ${cut}: held while the input may go on`);
      const outputs = masker.end();
      assert.deepEqual(outputs, [`{"p":"${cut < CUT_ECHO_MIN ? ANTHROPIC.slice(0, cut) : redactor.redact(ANTHROPIC)}"}`], `cut ${cut}`);
      // The held piece's text up to the quote (what the client read last), whatever came before it in the piece.
      assert.ok(masker.tail!.text.endsWith(`"${ANTHROPIC.slice(0, cut)}`), masker.tail!.text);
      assert.equal(masker.tail!.masked, cut >= CUT_ECHO_MIN);
    }
  });

  it('more keys after the string: it goes out with them, no tail', () => {
    const masker = new TextRunMasker(redactor, false, PLAIN);
    assert.deepEqual(masker.push('{"p":"sk-ant"'), []);
    assert.deepEqual(masker.push(',"n":1}'), ['{"p":"sk-ant"', ',"n":1}']);
    assert.deepEqual(masker.end(), []);
    assert.equal(masker.tail, undefined);
  });

  it('a quote the string holds (escaped), plain and escaped once more (an event\'s field): no closed string, nothing held', () => {
    for (const [json, piece] of [
      [PLAIN, '{"cmd":"echo \\"sk\\""}'],
      [ESCAPED, '{\\"cmd\\":\\"echo \\\\\\"sk\\\\\\"\\"}'],
      [PLAIN, '{"cmd":"a\\\\\\"'],
    ] as const) {
      const masker = new TextRunMasker(redactor, json === ESCAPED, json);
      assert.deepEqual(masker.push(piece), [piece], piece);
    }
    // Escaped once more, the string's own closing quote after an escaped backslash (`\\\\\"`: `\` then the quote) does close it.
    const masker = new TextRunMasker(redactor, true, ESCAPED);
    assert.deepEqual(masker.push('{\\"cmd\\":\\"a\\\\\\\\sk\\"}'), []);
  });
});
