// A token endpoint that answers a server error (500) to a refresh: the grant's fate is unknown (the
// server may have spent the refresh token before it failed), so the token is never sent again, and
// the words say the server failed, not that it refused (newcomer, s41: "refused: boom (http_500)").
import assert from 'node:assert/strict';
import {createServer} from 'node:http';
import type {AddressInfo} from 'node:net';
import {test} from 'node:test';
import {makeTempCcs, tokenFixture} from '../helpers/ccs.js';
import {runBin} from '../helpers/cli.js';

test('a refresh answered 500: "failed (it answered 500: …)", the refresh outcome unknown, the token sent once', async () => {
  let tokenCalls = 0;
  const server = createServer((req, res) => {
    if (req.url?.includes('/oauth/token')) tokenCalls++;
    res.writeHead(500, {'content-type': 'text/plain'});
    res.end('boom');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const local = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const ccs = makeTempCcs();
  try {
    ccs.writeToken('claude-alice@example.com.json', tokenFixture('claude', 'alice@example.com', {expired: new Date(Date.now() - 60_000).toISOString()}));
    ccs.writeRaw('tui.json', JSON.stringify({endpoints: {claude: {token: `${local}/oauth/token`, usage: `${local}/usage`, api: local}}}));
    const first = await runBin(['quota', '--refresh'], ccs.env);
    const said = first.stdout + first.stderr;
    assert.match(said, /127\.0\.0\.1:\d+\/oauth\/token failed \(it answered 500: boom\)/, said);
    assert.doesNotMatch(said, /refused: boom/);
    const accounts = await runBin(['accounts'], ccs.env);
    assert.match(accounts.stdout, /refresh unknown/, accounts.stdout);
    await runBin(['quota', '--refresh'], ccs.env);
    assert.equal(tokenCalls, 1, 'the refresh token was sent again');
  } finally {
    ccs.cleanup();
    await new Promise((resolve) => server.close(resolve));
  }
});
