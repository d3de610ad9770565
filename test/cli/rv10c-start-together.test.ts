// rv10c attack: two `ccs-tui proxy start` at once in a fresh CCS dir. One proxy starts; the other
// is refused, and its starter prints the refused child's last lines. Both children wrote to the one
// tui/logs/proxy-stderr.log, each opened from its start: the refusal came out with the tail of the
// other child's line under it ("onfig.yaml (see: ccs-tui env)"). A start reads only its own child's lines.
import assert from 'node:assert/strict';
import {after, describe, it} from 'node:test';
import {makeTempCcs} from '../helpers/ccs.js';
import {runBin} from '../helpers/cli.js';
import {freePort} from '../helpers/fake-upstreams.js';

/** The lines a start may print about its own child, whole. */
const OWN_LINES = [
  // One line of its child's, or its header and then each of them (control.ts startBackgroundProxy).
  /^ccs-tui: the proxy did not start:$/,
  // Or the start's own check (it found the other's record before starting a child), as any refusal is said.
  /^(ccs-tui: (the proxy did not start: )?)?a proxy is already running \(pid \d+, port \d+\); stop it first: ccs-tui proxy stop$/,
  /^(ccs-tui: the proxy did not start: )?port \d+ .*is in use by (another process|the running proxy).*$/,
  /^(ccs-tui: )?config\.yaml had no api-keys; generated one and saved it in \/\S+ \(see: ccs-tui env\)$/,
];

describe('rv10c: two proxy start at once', () => {
  for (let round = 1; round <= 3; round++) {
    const ccs = makeTempCcs();
    after(async () => {
      await runBin(['proxy', 'stop'], ccs.env);
      ccs.cleanup();
    });
    it(`round ${round}: one starts; the other's refusal is its own child's lines, whole`, async () => {
      // No api-keys: the proxy that starts generates one and says so on its stderr.
      ccs.writeRaw('cliproxy/config.yaml', `port: ${await freePort()}\n`);
      const runs = await Promise.all([runBin(['proxy', 'start'], ccs.env), runBin(['proxy', 'start'], ccs.env)]);
      assert.deepEqual(runs.map((r) => r.code).sort(), [0, 1], runs.map((r) => r.stderr).join('\n---\n'));
      const refused = runs.find((r) => r.code === 1)!;
      for (const line of refused.stderr.split('\n').filter(Boolean)) assert.ok(OWN_LINES.some((own) => own.test(line)), `a line not its own, or cut: ${JSON.stringify(line)}\n${refused.stderr}`);
    });
  }
});
