// The system browser opener says when no browser opened (the TUI's `o` and `ccs-tui login` then tell
// the person to open the address themselves), instead of failing silently. Driven through `open`'s
// xdg-open with $BROWSER set to a stand-in program: no desktop, no real browser is ever started.
import assert from 'node:assert/strict';
import {chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {after, before, test} from 'node:test';
import {BrowserNotOpened, openOrWhyNot, systemBrowser} from '../../source/services/browser.js';

const linuxOnly = process.platform === 'linux' ? false : 'xdg-open is the Linux opener';
const DESKTOP_VARIABLES = ['DISPLAY', 'WAYLAND_DISPLAY', 'XDG_CURRENT_DESKTOP', 'DESKTOP_SESSION', 'KDE_FULL_SESSION', 'GNOME_DESKTOP_SESSION_ID', 'BROWSER'];
let dir: string;
/** The opener holds no process open (a login's wait does, in use): the test's loop is held here. */
let hold: NodeJS.Timeout;
const saved: Record<string, string | undefined> = {};

before(() => {
  hold = setInterval(() => {}, 1000);
  dir = mkdtempSync(path.join(tmpdir(), 'ccs-browser-'));
  for (const name of DESKTOP_VARIABLES) {
    saved[name] = process.env[name];
    delete process.env[name];
  }
  writeFileSync(path.join(dir, 'opens'), `#!/bin/sh\nprintf '%s' "$1" > "${dir}/opened"\n`);
  writeFileSync(path.join(dir, 'finds-none'), '#!/bin/sh\nexit 1\n');
  chmodSync(path.join(dir, 'opens'), 0o755);
  chmodSync(path.join(dir, 'finds-none'), 0o755);
});

after(() => {
  clearInterval(hold);
  for (const name of DESKTOP_VARIABLES) {
    if (saved[name] === undefined) delete process.env[name];
    else process.env[name] = saved[name];
  }
  rmSync(dir, {recursive: true, force: true});
});

test('a browser that opens the address: resolved, the address given to it', {skip: linuxOnly}, async () => {
  process.env.BROWSER = path.join(dir, 'opens');
  await systemBrowser.open('http://127.0.0.1:9/authorize?state=abc');
  assert.equal(readFileSync(path.join(dir, 'opened'), 'utf8'), 'http://127.0.0.1:9/authorize?state=abc');
  assert.equal(await openOrWhyNot(systemBrowser, 'http://127.0.0.1:9/again'), undefined);
});

test('no browser to open: rejected with why, without the address; openOrWhyNot says it', {skip: linuxOnly}, async () => {
  process.env.BROWSER = path.join(dir, 'finds-none');
  await assert.rejects(systemBrowser.open('http://127.0.0.1:9/authorize?code_challenge=secretish'), (error: Error) => {
    assert.ok(error instanceof BrowserNotOpened);
    assert.match(error.message, /^xdg-open found no browser \(exit \d+\)$/);
    return true;
  });
  assert.match((await openOrWhyNot(systemBrowser, 'http://127.0.0.1:9/x')) ?? '', /found no browser/);
  assert.equal(await openOrWhyNot(systemBrowser, undefined), undefined, 'no address, nothing to open');
});
