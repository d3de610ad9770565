// A proxy that serves one account alone (--account): another account's broken token file is a log
// line, not the proxy's "last error" (proxy status showed it as one, though nothing it serves was
// touched); the pinned account's own broken file, and any of its provider's for a pool, still are.
import assert from 'node:assert/strict';
import {rmSync} from 'node:fs';
import path from 'node:path';
import {after, describe, it} from 'node:test';
import {accountTokens, proxyFixture} from './fixture.js';

describe('file problems and a proxy that serves one account alone', async () => {
  const f = await proxyFixture({provider: 'claude', serve: {provider: 'claude', account: 'a@example.com'}, tokens: accountTokens('claude', ['a@example.com', 'b@example.com'])});
  after(() => f.close());

  it("another account's broken file, or a broken file of no account: a warning line, no last error", async () => {
    // Written anew (not in place): the proxy sees the auth dir change and reads the files again.
    rmSync(path.join(f.ccs.paths.authDir, 'claude-b@example.com.json'));
    f.ccs.writeRaw('cliproxy/auth/claude-b@example.com.json', '{"type": "claude", ');
    f.ccs.writeRaw('cliproxy/auth/stray.json', 'not json');
    const status = await pokeAndStatus();
    assert.equal(status.lastError, undefined, JSON.stringify(status.lastError));
    assert.ok(!f.events.some((e) => e.type === 'error'), 'no error event');
    assert.ok(f.events.some((e) => e.type === 'problem' && /claude-b@example\.com\.json/.test(e.message)), 'said in the log');
  });

  it("the served account's own broken file: the last error", async () => {
    rmSync(path.join(f.ccs.paths.authDir, 'claude-a@example.com.json'));
    f.ccs.writeRaw('cliproxy/auth/claude-a@example.com.json', '{"type": "claude", ');
    await pokeAndStatus();
    // Recorded as an error of this proxy (the request after it then says the account is gone).
    assert.ok(f.events.some((e) => e.type === 'error' && /claude-a@example\.com\.json/.test(e.message)), JSON.stringify(f.events.filter((e) => e.type === 'error')));
  });

  /** A request makes the proxy look at its files again; then its status. */
  async function pokeAndStatus() {
    await new Promise((resolve) => setTimeout(resolve, 1100));
    await fetch(`${f.url}/v1/models`, {headers: {'x-api-key': (await import('./fixture.js')).API_KEY}}).then((r) => r.arrayBuffer());
    await fetch(`${f.url}/v1/messages`, {
      method: 'POST',
      headers: {'x-api-key': (await import('./fixture.js')).API_KEY, 'content-type': 'application/json', 'anthropic-version': '2023-06-01'},
      body: JSON.stringify({model: 'claude-opus-4-6', max_tokens: 8, messages: [{role: 'user', content: 'hi'}]}),
    }).then((r) => r.arrayBuffer());
    return f.proxy.status();
  }
});
