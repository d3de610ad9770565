// The incremental scanner that finds a streamed body's top-level "model" (proxy/body.ts).
import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import type {IncomingMessage} from 'node:http';
import {ModelScanner, streamedBody} from '../../source/proxy/body.js';

/** Feeds `text` in pieces of `size` bytes. */
function scan(text: string, size = text.length): ModelScanner {
  const scanner = new ModelScanner();
  const bytes = Buffer.from(text);
  for (let i = 0; i < bytes.length; i += size) scanner.feed(bytes.subarray(i, i + size));
  return scanner;
}

describe('ModelScanner', () => {
  it('finds the top-level model and the byte span of its string token, however the bytes are split', () => {
    const text = ' {"messages":[{"model":"inner","content":"a \\"model\\": \\"x\\""}],"metadata":{"model":"no"},"model":"claude-ü\\"q","stream":true}';
    const expected = text.indexOf('"claude-');
    for (const size of [1, 2, 3, 7, text.length]) {
      const scanner = scan(text, size);
      assert.equal(scanner.model?.value, 'claude-ü"q', `pieces of ${size}`);
      assert.equal(scanner.model?.start, Buffer.byteLength(text.slice(0, expected)));
      const token = Buffer.from(text).subarray(scanner.model!.start, scanner.model!.end).toString();
      assert.equal(token, '"claude-ü\\"q"');
    }
  });

  it('reads a string without escapes as JSON.parse does, whole in a chunk or cut inside a character', () => {
    const text = '{"stream":false,"model":"claude-ü中é-\x7f","user":"é"}';
    for (const size of [1, 2, 26, 27, 28, text.length]) {
      const scanner = scan(text, size);
      assert.equal(scanner.model?.value, JSON.parse(text).model, `pieces of ${size}`);
      assert.equal(scanner.refusal, undefined);
    }
    assert.match(scan('{"model":"a","Model":"b"}').refusal?.message ?? '', /top-level "Model" field/, 'a plain key is still checked');
  });

  it('says at once when the body is not a JSON object', () => {
    for (const text of ['[1,2]', '"model"', 'x', '\n\tnull']) assert.equal(scan(text).invalid, true, text);
    assert.equal(scan('  \n').invalid, false, 'blank so far: undecided');
  });

  it('finds no model when it is not a string at the top level', () => {
    assert.equal(scan('{"model":42,"a":{"model":"x"}}').model, undefined);
    assert.equal(scan('{"a":"model","b":"c"}').model, undefined);
    assert.equal(scan('{"a":{"b":1}}').done, true);
  });
});

describe('ModelScanner refuses top-level keys the proxy and an upstream could read differently', () => {
  const refusal = (text: string, size?: number) => scan(text, size).refusal?.message;

  it('refuses a repeated decided field, however the bytes are split and however the key is escaped', () => {
    const cases: [string, string][] = [
      ['{"model":"a","max_tokens":1,"model":"b"}', 'model'],
      ['{"model":"a","mod\\u0065l":"b"}', 'model'],
      ['{"\\u006d\\u006f\\u0064\\u0065\\u006c":"a","model":"b"}', 'model'],
      ['{"model":42,"model":"b"}', 'model'],
      ['{"stream":false,"messages":[],"stream":true}', 'stream'],
      ['{"metadata":{"user_id":"x"},"metadata":{"user_id":"y"}}', 'metadata'],
      ['{"user":"x","prompt_cache_key":"p","user":"y"}', 'user'],
      ['{"prompt_cache_key":"p","prompt_cache_\\u006bey":"q"}', 'prompt_cache_key'],
      ['{"messages":[],"messages":[{"role":"user"}]}', 'messages'],
    ];
    for (const [text, field] of cases) {
      for (const size of [1, 3, 7, text.length]) {
        assert.equal(refusal(text, size), `request body repeats the top-level "${field}" field: send it once (parsers disagree on which copy counts, so the proxy and the upstream could act on different values)`, `${text} in pieces of ${size}`);
      }
    }
  });

  it('refuses a decided field spelled in another case, as Go matches names (ſ is s, the Kelvin sign is k)', () => {
    for (const [text, key] of [
      ['{"Model":"x"}', 'Model'],
      ['{"model":"a","MODEL":"b"}', 'MODEL'],
      ['{"\\u017ftream":true}', '\u017ftream'],
      ['{"prompt_cache_\\u212aey":"p"}', 'prompt_cache_\u212aey'],
      // Not escaped: read in place (no JSON.parse), folded all the same; the ligature ﬆ folds to two letters.
      ['{"model":"a","\u017ftream":true}', '\u017ftream'],
      ['{"\ufb06ream":true}', '\ufb06ream'],
      ['{"model":"a","Stream":true}', 'Stream'],
      ['{"metadatA":{}}', 'metadatA'],
    ] as const) {
      const decoded = JSON.parse(`"${key}"`) as string;
      assert.match(refusal(text) ?? '', new RegExp(`^request body has a top-level ${JSON.stringify(decoded)} field: send it as "`), text);
    }
  });

  it('lets repeats below the top level, in strings, and of fields the proxy does not read through', () => {
    for (const text of [
      '{"model":"a","messages":[{"role":"user","content":"x","model":"b","model":"c"}],"metadata":{"user_id":"u","user_id":"v"}}',
      '{"model":"a","system":"\\"model\\":\\"b\\"","tools":[{"name":"stream"},{"name":"stream"}]}',
      '{"model":"a","max_tokens":1,"max_tokens":2,"__proto__":{"model":"b"},"__proto__":1,"constructor":2}',
      '{"model":"a","Messages2":1,"users":[],"temperature":1}',
    ]) {
      const scanner = scan(text, 2);
      assert.equal(scanner.refusal, undefined, text);
      assert.equal(scanner.model?.value, 'a', text);
      assert.equal(scanner.done, true, text);
    }
  });

  it('decides a key read whole from its bytes as it decides one cut across chunks (decoded), and reads no value but the model', () => {
    // Whole in one chunk, a plain lower-case key is decided from its bytes and a value that is not
    // the model's is not decoded; in pieces of one byte every string is decoded: both must agree.
    for (const text of [
      '{"max_tokens":1,"model":"m","stream":true,"stream":false}',
      '{"note":"model","model":"m","x":"stream","stream":true}',
      '{"mode":"a","models":"b","modell":"c","model":"m","streams":1,"user_id":2,"users":3}',
      '{"a":"\\q","b":"\u0000","model":"m","messages":[],"messages":[]}',
      '{"model":"m","model2":"n","prompt_cache_keys":"p","prompt_cache_key":"q","metadata":{},"user":"u"}',
      '{"system":"s","model":"first","model":"second"}',
      '{"x":"y","Model":"m"}',
    ]) {
      const whole = scan(text);
      const pieces = scan(text, 1);
      assert.equal(whole.refusal?.message, pieces.refusal?.message, text);
      assert.deepEqual(whole.model, pieces.model, text);
    }
    assert.equal(scan('{"note":"model","model":"m"}').model?.value, 'm');
    assert.match(scan('{"x":"stream","stream":true,"stream":false}').refusal?.message ?? '', /repeats the top-level "stream" field/);
    assert.equal(scan('{"models":"a","streams":1,"model":"m"}').refusal, undefined);
  });

  it('stops at the refused key: nothing after it is read', () => {
    const scanner = scan('{"model":"a","model":"b"}');
    assert.equal(scanner.model?.value, 'a');
    assert.equal(scanner.done, true);
  });
});

describe('ModelScanner refuses what only a lenient or differently-decoding parser would read', () => {
  const refusal = (text: string | Buffer, size?: number) => {
    const bytes = Buffer.isBuffer(text) ? text : Buffer.from(text);
    const scanner = new ModelScanner();
    const step = size ?? bytes.length;
    for (let i = 0; i < bytes.length; i += step) scanner.feed(bytes.subarray(i, i + step));
    return scanner.refusal?.message;
  };

  it('refuses a byte outside strings that JSON has no use for (UTF-16, comments, single quotes, NaN), however the bytes are split', () => {
    const cases: [string | Buffer, string][] = [
      [Buffer.from('{"model":"a"}', 'utf16le'), 'byte 0x00 at offset 1, outside any string'],
      ['{"model":"a",/*"*/"b":1}', '"/" at offset 13, outside any string'],
      ["{'model':'a'}", '"\'" at offset 1, outside any string'],
      ['{"model":"a","t":NaN}', '"N" at offset 17, outside any string'],
      ['{"model":"a",model:"b"}', '"m" at offset 13, outside any string'],
      ['{"model":"a"}\n{"model":"b"}', '"{" at offset 14, after the top-level object'],
      ['{"model":"a"} x', '"x" at offset 14, after the top-level object'],
      ['{"model":"a","b":1\u00a0}', 'byte 0xc2 at offset 18, outside any string'],
    ];
    for (const [text, where] of cases) {
      const length = Buffer.byteLength(text);
      for (let size = 1; size <= length; size++) {
        assert.equal(refusal(text, size), `request body is not UTF-8 JSON: ${where}`, `${String(text)} in pieces of ${size}`);
      }
    }
  });

  it('refuses a top-level key that is not a JSON string (a lenient parser may read "\\model" as "model")', () => {
    assert.equal(refusal('{"model":"a","\\model":"b"}'), 'request body is not UTF-8 JSON: the top-level key at offset 13 is not a JSON string');
    assert.equal(refusal('{"model":"a","mo\tdel":"b"}'), 'request body is not UTF-8 JSON: the top-level key at offset 13 is not a JSON string');
  });

  it('reads every JSON value, whitespace and a blank tail without a refusal, split anywhere', () => {
    const text = ' \r\n{"model" :\t"a\\"b" ,"n":[-1.5E+2,0.5e-1,true,false,null,{}],"s":"\\u00e9\u00e9"}\n\t ';
    for (let size = 1; size <= text.length; size++) {
      const scanner = new ModelScanner();
      const bytes = Buffer.from(text);
      for (let i = 0; i < bytes.length; i += size) scanner.feed(bytes.subarray(i, i + size));
      assert.equal(scanner.refusal, undefined, `pieces of ${size}`);
      assert.equal(scanner.model?.value, 'a"b');
    }
  });
});

describe('ModelScanner on strings of backslashes and quotes', () => {
  it('ends every string where JSON.parse does, for runs of backslashes before quotes cut at any byte', () => {
    // A seeded generator: the same 2,000 bodies every run.
    let seed = 0x2545f491;
    const next = (n: number) => {
      seed ^= seed << 13;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      return (seed >>> 0) % n;
    };
    const alphabet = ['\\', '\\', '"', '"', 'a', 'é', '\n', '\u2028', '\\\\'];
    const text = () => Array.from({length: next(24)}, () => alphabet[next(alphabet.length)]).join('');
    for (let round = 0; round < 2_000; round++) {
      const model = text();
      const body = `{"messages":[{"content":${JSON.stringify(text())}}],"system":${JSON.stringify(text())},"model":${JSON.stringify(model)},"x":${JSON.stringify(text())}}`;
      const bytes = Buffer.from(body);
      const scanner = new ModelScanner();
      for (let i = 0; i < bytes.length; ) {
        const size = 1 + next(9);
        scanner.feed(bytes.subarray(i, i + size));
        i += size;
      }
      assert.equal(scanner.refusal, undefined, body);
      assert.equal(scanner.done, true, body);
      assert.equal(scanner.model?.value, model, body);
      assert.equal(bytes.subarray(scanner.model.start, scanner.model.end).toString(), JSON.stringify(model), body);
    }
  });
});

describe('streamedBody', () => {
  it('replaces the model token wherever the head was split, and counts the new length', () => {
    const text = '{"max_tokens":8,"model":"sonnet","messages":[]}';
    const scanner = scan(text);
    const model = scanner.model!;
    const req = {} as IncomingMessage;
    for (const size of [1, 5, 20, 27, text.length]) {
      const bytes = Buffer.from(text);
      const head: Buffer[] = [];
      for (let i = 0; i < bytes.length; i += size) head.push(bytes.subarray(i, i + size));
      const body = streamedBody({head, req, declaredLength: bytes.length, model, scanner}, 'claude-sonnet-4-5-20250929');
      const sent = Buffer.concat(body.head).toString();
      assert.equal(sent, '{"max_tokens":8,"model":"claude-sonnet-4-5-20250929","messages":[]}', `pieces of ${size}`);
      assert.equal(body.length, Buffer.byteLength(sent));
    }
    const same = streamedBody({head: [Buffer.from(text)], req, declaredLength: text.length, model, scanner}, 'sonnet');
    assert.equal(Buffer.concat(same.head).toString(), text);
  });
});
