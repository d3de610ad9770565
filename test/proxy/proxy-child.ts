// The built proxy started as a child (`proxy start`) in a temp CCS dir, with Claude's API pointed at
// a fake upstream: what a real client of the proxy talks to. Stopped (with the upstream and the dir)
// after the test file, or at once if the test process is interrupted (runBin registers the CCS dir:
// helpers/interrupt.ts), since a background proxy outlives its starter on purpose.
import assert from 'node:assert/strict';
import {writeFileSync} from 'node:fs';
import {after} from 'node:test';
import type {TempCcs} from '../helpers/ccs.js';
import {runBin} from '../helpers/cli.js';
import {freePort, type FakeUpstream} from '../helpers/fake-upstreams.js';
import {API_KEY} from './fixture.js';

/** Starts the proxy child for Claude on a free port; returns the port. */
export async function startClaudeProxyChild(ccs: TempCcs, upstream: FakeUpstream): Promise<number> {
  ccs.writeRaw('cliproxy/config.yaml', `port: 8317\napi-keys:\n  - "${API_KEY}"\n`);
  writeFileSync(ccs.paths.settings, JSON.stringify({endpoints: {claude: {api: upstream.url}}}));
  const port = await freePort();
  after(async () => {
    await runBin(['proxy', 'stop'], ccs.env);
    await upstream.close();
    ccs.cleanup();
  });
  const started = await runBin(['proxy', 'start', '--port', String(port), '--provider', 'claude'], ccs.env);
  assert.equal(started.code, 0, started.stderr);
  return port;
}
