// `U` on a login screen: the URL alone on the normal screen, sanitised (it may come from the network).
import assert from 'node:assert/strict';
import {test} from 'node:test';

test('the U path prints a URL with invisible characters made visible, never raw', async () => {
  const {showUrlAlone} = await import('../../source/ui/actions/login.js');
  let written = '';
  await showUrlAlone({suspend: async (run: (terminal: unknown) => Promise<void>) => run({write: (text: string) => void (written += text), waitForEnter: async () => {}, privatePage: () => {}} as never)} as never, 'Codex login', 'https://auth.example/device?x=1\u200b\ufeff&y=\u2060');
  assert.ok(written.includes('https://auth.example/device?x=1\\u200b\\ufeff&y=\\u2060'), written);
  assert.ok(!/[\u200b\ufeff\u2060]/.test(written));
});
