// `ccs-tui login gemini --paste` in a real terminal (tmux, the built binary): at 80x24 the QR does
// not fit, so one line says so and the address stays on screen above the prompt; on a big terminal
// the QR is printed first and the address after it.
import assert from 'node:assert/strict';
import {writeFileSync} from 'node:fs';
import {test} from 'node:test';
import {binPath} from '../helpers/cli.js';
import {makeTempCcs} from '../helpers/ccs.js';
import {startFakeGoogle} from '../helpers/fake-google/server.js';
import {binInTmuxSkipReason, startTmux} from '../helpers/tmux.js';

for (const [width, height, qr] of [
  [80, 24, false],
  [200, 70, true],
] as const) {
  test(`tmux ${width}x${height}: login gemini --paste ${qr ? 'prints the QR, then the address' : 'prints no QR but a note; the address is on screen'}`, {skip: binInTmuxSkipReason()}, async () => {
    const google = await startFakeGoogle({users: {}});
    const ccs = makeTempCcs();
    writeFileSync(ccs.paths.settings, JSON.stringify(google.settings()));
    const env = {PATH: process.env.PATH, CCS_DIR: ccs.paths.root, HOME: ccs.env.HOME};
    const term = startTmux([process.execPath, binPath, 'login', 'gemini', '--paste'], {width, height, env});
    try {
      const screen = await term.waitFor(/press Enter/);
      const lines = screen.split('\n');
      const openRow = lines.findIndex((l) => l.includes(`Open: ${google.url}/o/oauth2/v2/auth?`));
      assert.ok(openRow >= 0, `the address is on screen:\n${screen}`);
      const promptRow = lines.findIndex((l) => l.includes('After approving, paste'));
      assert.ok(promptRow > openRow, 'the prompt comes after the address');
      if (qr) {
        const qrRows = lines.map((l, i) => (l.includes('█') ? i : -1)).filter((i) => i >= 0);
        assert.ok(qrRows.length > 10, screen);
        assert.ok(qrRows.at(-1)! < openRow, 'the QR is above the address');
        assert.ok(lines.some((l) => l.startsWith('Gemini login')), 'the heading is still on screen');
      } else {
        assert.ok(!screen.includes('█') && !screen.includes('▀'), `no QR at ${width}x${height}:\n${screen}`);
        // The note wraps at the terminal's edge.
        assert.match(screen.replace(/\n/g, ''), /\(a QR code needs a terminal of at least \d+×\d+ for the QR alone; enlarge it, or open the address below\)/);
      }
    } finally {
      term.kill();
      await google.close();
      ccs.cleanup();
    }
  });
}
