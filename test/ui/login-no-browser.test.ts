// On this machine a login opens the browser by itself as it starts. When none opens (no opener, or
// it finds no browser), the status line says so and why, and how to open the address by hand, as
// `o` does and as `ccs-tui login` does on stderr; before, the screen said "opened if this machine has
// one" and nothing else, and the person waited on a browser that never came.
import assert from 'node:assert/strict';
import {writeFileSync} from 'node:fs';
import {test} from 'node:test';
import {BrowserNotOpened} from '../../source/services/browser.js';
import type {AppServices} from '../../source/ui/services.js';
import {makeTempCcs} from '../helpers/ccs.js';
import {remoteTarget} from '../helpers/fake-cliproxy/target.js';
import {fakeClaude, fakeCopilot} from '../helpers/fake-providers/providers.js';
import {freePort} from '../helpers/fake-providers/server.js';
import {OIDC_CLIENT_ID, startOidcServer} from '../helpers/oidc.js';
import {renderTui} from '../helpers/ink.js';

// A note, not an error: the login waits on (an `o` that fails is an error: test/ui/login.test.ts).
const SAID = /(?<!error: )no browser opened: xdg-open found no browser \(exit 3\); c copies the URL, U shows it alone/;

function browsers() {
  const tried: string[] = [];
  return {
    tried,
    none: {open: async (url: string) => void (tried.push(url), await Promise.reject(new BrowserNotOpened('xdg-open found no browser (exit 3)')))},
    works: {open: async (url: string) => void tried.push(url)},
  };
}

for (const [kind, start] of [
  ['a device code (Copilot)', async () => ({fake: await fakeCopilot(), provider: 'copilot', shown: 'W D J B - M J H T'})],
  ['a browser login (Claude, the loopback port listening)', async () => ({fake: await fakeClaude(), provider: 'claude', shown: 'waiting for the browser to return'})],
] as const) {
  test(`${kind} on this machine: the browser it could not open is said on the status line; the login goes on; a browser that opens says nothing`, async () => {
    for (const opens of [false, true]) {
      const {fake, provider, shown} = await start();
      const ccs = makeTempCcs();
      const port = await freePort();
      writeFileSync(ccs.paths.settings, JSON.stringify({...fake.settings, login: {callbackPorts: {[provider]: port}}}));
      const b = browsers();
      const tui = await renderTui({paths: ccs.paths, width: 120, height: 40, env: {DISPLAY: ':0'}, route: {screen: 'login', params: {provider}}, services: {browser: opens ? b.works : b.none} as unknown as Partial<AppServices>});
      try {
        if (opens) {
          await tui.waitFor(() => b.tried.length === 1);
          await new Promise((r) => setTimeout(r, 100));
          assert.doesNotMatch(tui.frame(), /no browser opened/);
          if (provider === 'claude') assert.match(tui.frame(), /Log in in the browser \(opened if this machine has one\)/);
        } else {
          const frame = await tui.waitFor('no browser opened');
          assert.match(frame, SAID);
          assert.match(frame, new RegExp(shown), 'the login is still on screen');
          assert.doesNotMatch(frame, /opened if this machine has one/);
          // A note: the next key that does something clears it (it named keys of this screen).
          await tui.press('escape');
          await tui.waitFor((f) => !f.includes('no browser opened'));
        }
        assert.equal(b.tried.length, 1, 'opened once, as the login started');
      } finally {
        tui.unmount();
        await fake.server.close();
        ccs.cleanup();
      }
    }
  });
}

test('a login on a remote target, on this machine: the browser it could not open is said the same way', async () => {
  const oidc = await startOidcServer();
  const ccs = makeTempCcs();
  const stand = await remoteTarget(ccs, {oauth: {anthropic: {clientId: OIDC_CLIENT_ID, authorize: `${oidc.issuer}/auth`, token: `${oidc.issuer}/token`, userinfo: `${oidc.issuer}/me`}}});
  const b = browsers();
  const tui = await renderTui({paths: ccs.paths, width: 120, height: 40, env: {DISPLAY: ':0'}, target: 'team', route: {screen: 'login', params: {provider: 'claude'}}, services: {browser: b.none} as unknown as Partial<AppServices>});
  try {
    const frame = await tui.waitFor('no browser opened', 10_000);
    assert.match(frame, SAID);
    assert.match(frame, /Then paste the address it ends on/);
    assert.equal(b.tried.length, 1);
  } finally {
    tui.unmount();
    await stand.close();
    await oidc.close();
    ccs.cleanup();
  }
});

test('a retry whose browser opens: the heading says it was opened again (what the last attempt could not open is not this one\'s)', async () => {
  const fake = await fakeClaude();
  const ccs = makeTempCcs();
  const port = await freePort();
  writeFileSync(ccs.paths.settings, JSON.stringify({...fake.settings, login: {callbackPorts: {claude: port}}}));
  const tried: string[] = [];
  const browser = {open: async (url: string) => {
    tried.push(url);
    if (tried.length === 1) throw new BrowserNotOpened('xdg-open found no browser (exit 3)');
  }};
  const tui = await renderTui({paths: ccs.paths, width: 120, height: 40, env: {DISPLAY: ':0'}, route: {screen: 'login', params: {provider: 'claude'}}, services: {browser} as unknown as Partial<AppServices>});
  try {
    let frame = await tui.waitFor('no browser opened');
    assert.match(frame, /Open this address in a browser and log in/);
    // The provider refuses this attempt; Enter tries again, and this time the browser opens.
    const state = new URL(tried[0]!).searchParams.get('state');
    await fetch(`http://127.0.0.1:${port}/callback?error=access_denied&state=${state}`);
    await tui.waitFor('Enter: try again');
    await tui.press('enter');
    frame = await tui.waitFor(() => tried.length === 2 && /Log in in the browser \(opened if this machine has one\)/.test(tui.frame()));
    assert.doesNotMatch(frame, /no browser opened/);
  } finally {
    tui.unmount();
    await fake.server.close();
    ccs.cleanup();
  }
});
