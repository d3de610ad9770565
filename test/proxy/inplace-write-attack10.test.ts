// Attack review (issue 10): a token file caught half-written (an in-place rewrite by CCS or
// CLIProxyAPI truncates first) is not an auth failure: once the file is whole again, the next
// request is served. Copy into test/proxy/ to run.
import assert from 'node:assert/strict';
import {writeFileSync} from 'node:fs';
import path from 'node:path';
import {after, describe, it} from 'node:test';
import {accountTokens, askMessages, proxyFixture} from './fixture.js';

describe('token file truncated under the proxy', async () => {
  const tokens = accountTokens('claude', ['a@example.com']);
  const f = await proxyFixture({provider: 'claude', tokens});
  after(() => f.close());
  const ask = () => askMessages(f);
  it('serves again as soon as the file is whole', async () => {
    assert.equal((await ask()).status, 200);
    const file = path.join(f.ccs.paths.authDir, tokens[0]!.file);
    for (const partial of ['', '{"type":"claude","email":"a@exa']) {
      writeFileSync(file, partial);
      const during = await ask();
      assert.notEqual(during.status, 401, during.text);
      writeFileSync(file, JSON.stringify(tokens[0]!.token));
      const afterwards = await ask();
      assert.equal(afterwards.status, 200, `after a ${partial === '' ? 'truncated' : 'half-written'} file: ${afterwards.text}`);
    }
  });
});
