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

describe('streamedBody', () => {
  it('replaces the model token wherever the head was split, and counts the new length', () => {
    const text = '{"max_tokens":8,"model":"sonnet","messages":[]}';
    const model = scan(text).model!;
    const rest = {} as IncomingMessage;
    for (const size of [1, 5, 20, 27, text.length]) {
      const bytes = Buffer.from(text);
      const head: Buffer[] = [];
      for (let i = 0; i < bytes.length; i += size) head.push(bytes.subarray(i, i + size));
      const body = streamedBody(head, rest, bytes.length, model, 'claude-sonnet-4-5-20250929');
      const sent = Buffer.concat(body.head).toString();
      assert.equal(sent, '{"max_tokens":8,"model":"claude-sonnet-4-5-20250929","messages":[]}', `pieces of ${size}`);
      assert.equal(body.length, Buffer.byteLength(sent));
    }
    const same = streamedBody([Buffer.from(text)], rest, text.length, model, 'sonnet');
    assert.equal(Buffer.concat(same.head).toString(), text);
  });
});
