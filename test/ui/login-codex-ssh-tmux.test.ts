// A Codex browser login from the TUI over SSH in a real terminal: tmux, 80x24, the built binary,
// against oidc-provider. The picker says what works over SSH; the browser login names an `ssh -L`
// port, and the browser "on the laptop" coming back through that port (what the tunnel delivers)
// completes the login, after a stray request and a stale callback were ignored.
import assert from 'node:assert/strict';
import {writeFileSync} from 'node:fs';
import {after, before, test} from 'node:test';
import {binPath} from '../helpers/cli.js';
import {makeTempCcs} from '../helpers/ccs.js';
import {freePort} from '../helpers/fake-providers/server.js';
import {oidcSettingsFor, startOidcServer, type OidcServer} from '../helpers/oidc.js';
import {binInTmuxSkipReason, moveCursorTo, startTmux, urlBetween} from '../helpers/tmux.js';

let oidc: OidcServer;
before(async () => {
  oidc = await startOidcServer();
});
after(async () => {
  await oidc.close();
});

test('tmux: Codex browser login over SSH: the ssh -L port really listens and completes the login', {skip: binInTmuxSkipReason()}, async () => {
  const port = await freePort();
  const ccs = makeTempCcs();
  const settings = oidcSettingsFor(oidc, 'codex') as {login: Record<string, unknown>};
  settings.login.callbackPorts = {codex: port};
  writeFileSync(ccs.paths.settings, JSON.stringify(settings));
  const env = {PATH: process.env.PATH, CCS_DIR: ccs.paths.root, HOME: ccs.env.HOME, SSH_CONNECTION: '10.0.0.2 50000 10.0.0.1 22'};
  const term = startTmux([process.execPath, binPath], {width: 80, height: 24, env});
  const flat = (text: string) => text.replace(/\s+/g, '');
  try {
    await term.waitFor(/Claude/);
    await moveCursorTo(term, /› Codex/);
    await term.waitFor(/Codex accounts/);
    term.keys(['a']);
    await term.waitFor('Which provider?');
    term.keys(['Enter']);
    let screen = await term.waitFor(/How do you want to log in\?/);
    assert.match(screen, /works over SSH as is/);
    assert.ok(flat(screen).includes(flat(`over SSH: forward port ${port} (ssh -L)`)), screen);
    term.keys(['k']);
    await term.waitFor(/› Browser login/);
    term.keys(['Enter']);
    screen = await term.waitFor((text) => flat(text).includes(`ssh-L${port}:localhost:${port}10.0.0.1`));
    const url = urlBetween(screen, 'Open this address in a browser and log in', 'waiting for the browser');
    assert.ok(url.startsWith(`${oidc.issuer}/auth?`), url);
    // A port scanner's request and a stale tab's callback reach the forwarded port first: ignored.
    assert.equal((await fetch(`http://127.0.0.1:${port}/favicon.ico`)).status, 404);
    assert.equal((await fetch(`http://127.0.0.1:${port}/auth/callback?code=old&state=stale`)).status, 400);
    await new Promise((r) => setTimeout(r, 200));
    assert.match(term.screen(), /waiting for the browser/);
    // The laptop's browser: the provider sends it to localhost:<port>, the tunnel to this port here.
    const redirect = new URL(await oidc.authorize(url, 'lee'));
    assert.equal(redirect.port, String(port));
    redirect.hostname = '127.0.0.1';
    assert.equal((await fetch(redirect)).status, 200);
    await term.waitFor(/Added Codex account lee@example\.test/);
    term.keys(['q']);
    assert.equal(await term.waitForExit(), 0);
  } finally {
    term.kill();
    ccs.cleanup();
  }
});
