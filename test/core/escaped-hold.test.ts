import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {Redactor} from '../../source/core/redact.js';

const TOKEN = 'sk-ant-oat01-AAAABBBBCCCCDDDDEEEEFFFF';

describe('StreamRedactor: a JSON echo with `\\u`-escaped letters cut between two chunks', () => {
  it('is masked at every cut, also when its first letter is sent as it is (the client JSON-decodes the token whole)', () => {
    const redactor = new Redactor([TOKEN]);
    const escaped = TOKEN.replace(/[a-z]/g, (c) => `\\u00${c.charCodeAt(0).toString(16)}`).replace('\\u0073', 's');
    const body = `data: {"type":"content_block_delta","delta":{"type":"text_delta","text":"x ${escaped} end"}}\n\n`;
    for (let cut = 1; cut < body.length; cut++) {
      const stream = redactor.stream();
      const out = Buffer.concat([stream.push(Buffer.from(body.slice(0, cut))), stream.push(Buffer.from(body.slice(cut))), stream.end()]).toString();
      const text = (JSON.parse(out.slice('data: '.length)) as {delta: {text: string}}).delta.text;
      assert.equal(text, 'x sk-a…(redacted) end', `cut at ${cut}`);
    }
  });
});
