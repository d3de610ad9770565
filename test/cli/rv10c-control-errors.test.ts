// rv10c attack: `ccs-tui run` with a proxy recorded in tui/proxy.json that does not answer its
// control request: a proxy that is stopping (it frees its port first, then exits), or one killed
// after it proved itself and before it answered the switch. The run must fail as every refusal
// does (one clear line naming the proxy, exit 1), never with "unexpected error" and a stack trace.
import assert from 'node:assert/strict';
import {createServer, type Server} from 'node:http';
import type {AddressInfo} from 'node:net';
import {describe, it} from 'node:test';
import {controlProof} from '../../source/services/proxy/pid-file.js';
import {runBin} from '../helpers/cli.js';
import {freePort} from '../helpers/fake-upstreams.js';
import {oauthToken} from '../proxy/fixture.js';
import {recordedStandIn} from '../proxy/control-record.js';

const NONCE = 'c'.repeat(64);

/** A stand-in for a proxy that proves the nonce, then closes the connection instead of answering anything else. */
async function provesThenDrops(): Promise<{server: Server; port: number}> {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (url.pathname === '/_ccs-tui/hello') return void res.end(JSON.stringify({proof: controlProof(NONCE, url.searchParams.get('challenge') ?? '', req.socket.remotePort)}));
    req.socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {server, port: (server.address() as AddressInfo).port};
}

describe('rv10c: ccs-tui run on a recorded proxy that does not answer', () => {
  const standIn = recordedStandIn(NONCE);
  const run = async () => {
    standIn.ccs.writeToken('codex-c@example.com.json', oauthToken('codex', 'c@example.com', {account_id: 'acct-c'}));
    const agent = standIn.ccs.writeRaw('agent.mjs', 'process.stdout.write("agent ran");\n');
    return runBin(['run', 'codex', '--agent', 'codex'], {...standIn.ccs.env, CCS_TUI_AGENT_CODEX: JSON.stringify([process.execPath, agent])});
  };
  const assertRefusal = (result: Awaited<ReturnType<typeof run>>, port: number) => {
    assert.equal(result.code, 1, result.stderr);
    assert.doesNotMatch(result.stderr, /unexpected error|a fault in ccs-tui|\n\s+at /, result.stderr);
    assert.match(result.stderr, new RegExp(`^ccs-tui: .*pid ${standIn.pid}.*port ${port}|^ccs-tui: .*port ${port}.*pid ${standIn.pid}`, 'm'), result.stderr);
    assert.doesNotMatch(result.stdout, /agent ran/, 'the agent does not start');
  };

  it('its port refuses connections (a proxy that is stopping): a clear refusal, exit 1', async () => {
    const port = await freePort();
    standIn.record(port);
    assertRefusal(await run(), port);
  });

  it('it proves itself, then closes the connection before answering the switch (killed mid-request): a clear refusal, exit 1', async () => {
    const {server, port} = await provesThenDrops();
    try {
      standIn.record(port);
      assertRefusal(await run(), port);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
