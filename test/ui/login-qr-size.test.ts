// The login's QR at 120×40: a device login's short address fits; an auth-code login's long one
// (Claude ~400 characters, Google ~550) cannot, and the note says the least terminal size it needs
// (the same whatever size the window has meanwhile) and that U shows the address alone. Grown to that
// size, the QR shows.
import assert from 'node:assert/strict';
import {writeFileSync} from 'node:fs';
import {test} from 'node:test';
import type {AppServices} from '../../source/ui/services.js';
import {FakeClock} from '../helpers/fake-clock.js';
import {makeTempCcs} from '../helpers/ccs.js';
import {fakeCopilot} from '../helpers/fake-providers/providers.js';
import {renderTui} from '../helpers/ink.js';

const services = {
  clipboard: {copy: () => undefined},
  browser: {open: async () => undefined},
  clock: new FakeClock(),
} as unknown as Partial<AppServices>;
const hasQr = (frame: string) => /[█▀▄]{10}/.test(frame);

for (const provider of ['claude', 'gemini', 'antigravity']) {
  test(`${provider} login at 120×40: the note names the size the QR needs and U; at that size the QR shows`, async () => {
    const ccs = makeTempCcs();
    const tui = await renderTui({paths: ccs.paths, width: 120, height: 40, route: {screen: 'login', params: {provider}}, services});
    try {
      let frame = await tui.waitFor(/a QR code needs|[█▀▄]{10}/, 10_000);
      if (/Enter: go on|Name this account|choose/i.test(frame) && !frame.includes('QR code needs')) {
        await tui.press('enter');
        frame = await tui.waitFor(/a QR code needs/, 10_000);
      }
      const note = new RegExp(`\\(a QR code needs a terminal of at least (\\d+)×(\\d+) beside this text; U shows the address alone, to copy\\)`).exec(frame.replace(/\n\s*/g, ' '));
      assert.ok(note, frame);
      assert.ok(!hasQr(frame), frame);
      const [columns, rows] = [Number(note[1]), Number(note[2])];
      assert.ok(rows > 40, `${columns}×${rows}`);
      // The size said does not follow the window: wider (still too short) or taller (still too narrow), the same words.
      for (const [w, h] of [
        [columns + 40, 40],
        [columns - 1, rows + 10],
      ] as const) {
        await tui.resize(w, h);
        const again = await tui.waitFor((f) => /a QR code needs a terminal of at least \d+×\d+/.test(f.replace(/\n\s*/g, ' ')) && !hasQr(f));
        assert.match(again.replace(/\n\s*/g, ' '), new RegExp(`a QR code needs a terminal of at least ${columns}×${rows}`), `at ${w}×${h}`);
      }
      await tui.resize(columns, rows);
      frame = await tui.waitFor(hasQr);
      assert.doesNotMatch(frame, /a QR code needs/);
      // One row fewer and the note is back: the size said is the least that fits.
      await tui.resize(columns, rows - 1);
      await tui.waitFor(`a QR code needs a terminal of at least ${columns}×${rows}`);
    } finally {
      tui.unmount();
      ccs.cleanup();
    }
  });
}

test('a device login (GitHub Copilot) shows its QR at 120×40', async () => {
  const fake = await fakeCopilot();
  const ccs = makeTempCcs();
  writeFileSync(ccs.paths.settings, JSON.stringify(fake.settings));
  const tui = await renderTui({paths: ccs.paths, width: 120, height: 40, route: {screen: 'login', params: {provider: 'copilot'}}, services});
  try {
    const frame = await tui.waitFor('code expires in');
    assert.ok(hasQr(frame), frame);
  } finally {
    tui.unmount();
    await fake.server.close();
    ccs.cleanup();
  }
});
