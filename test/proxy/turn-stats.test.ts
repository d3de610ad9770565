// The proxy shares its looks at the files (auth dir, registry, token file) among the requests one
// event-loop turn serves. A look taken before the turn read its sockets (the status report's, on a
// timer every second) is older than a request sent after a change that finished in between: such a
// request must still see the change. Here `ccs-tui rotate` (a new default in accounts.json, written
// whole by another process) finishes right after that look, and then the agents send their requests:
// each is served by the new default, never the old one.
import assert from 'node:assert/strict';
import {renameSync, writeFileSync} from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import {describe, it} from 'node:test';
import {accountTokens, API_KEY, askMessages, proxyFixture} from './fixture.js';

const BODY = JSON.stringify({model: 'claude-sonnet-4-5-20250929', max_tokens: 8, messages: [{role: 'user', content: 'hi'}]});
const EMAILS = ['a@example.com', 'b@example.com'];
const registry = (defaultId: string) => ({
  version: 1,
  providers: {claude: {default: defaultId, accounts: Object.fromEntries(EMAILS.map((email) => [email, {email, tokenFile: `claude-${email}.json`, createdAt: '2026-01-01T00:00:00.000Z'}]))}},
});

/** A keep-alive connection to the proxy, and a way to send a Messages request on it (whole, in one write) and read its answer's status line. */
async function connection(port: number) {
  const socket = await new Promise<net.Socket>((resolve) => {
    const s = net.connect(port, '127.0.0.1', () => resolve(s));
  });
  let text = '';
  socket.on('data', (d) => (text += d));
  return {
    send: () => socket.write(`POST /v1/messages HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nx-api-key: ${API_KEY}\r\ncontent-type: application/json\r\nanthropic-version: 2023-06-01\r\ncontent-length: ${Buffer.byteLength(BODY)}\r\n\r\n${BODY}`),
    status: async () => {
      for (let i = 0; i < 500 && !text.includes('\r\n'); i++) await new Promise((r) => setTimeout(r, 10));
      return text.split('\r\n')[0];
    },
    close: () => socket.destroy(),
  };
}

describe('a rotate finished after the proxy\'s last look at the files', () => {
  for (const connections of [1, 8]) {
    it(`the requests sent after it are served by the new default (${connections} connection${connections > 1 ? 's' : ''})`, async () => {
      const f = await proxyFixture({provider: 'claude', tokens: accountTokens('claude', EMAILS), registry: registry('a@example.com')});
      try {
        assert.equal((await askMessages(f)).status, 200);
        const port = Number(new URL(f.url).port);
        const clients = await Promise.all(Array.from({length: connections}, () => connection(port)));
        // Let the proxy take the connections in before the timer below runs.
        await new Promise((r) => setTimeout(r, 50));
        const from = f.upstream.requests.length;
        await new Promise<void>((resolve) =>
          setTimeout(() => {
            // The status report (serve.ts sends one every second) looks at the files from a timer.
            void f.proxy.currentStatus();
            // Another process's `ccs-tui rotate` finishes: accounts.json replaced whole.
            const temp = path.join(f.ccs.paths.cliproxy, 'accounts.json.rotate');
            writeFileSync(temp, JSON.stringify(registry('b@example.com')));
            renameSync(temp, f.ccs.paths.registry);
            // Then the agents send their requests.
            for (const client of clients) client.send();
            resolve();
          }, 0),
        );
        for (const client of clients) assert.match(await client.status(), /^HTTP\/1\.1 200/);
        const bearers = f.upstream.requests.slice(from).map((r) => String(r.headers.authorization));
        assert.equal(bearers.length, connections);
        for (const bearer of bearers) assert.match(bearer, /b@example\.com/, 'served by the new default');
        for (const client of clients) client.close();
      } finally {
        await f.close();
      }
    });
  }
});
