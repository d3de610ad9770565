// A Gemini login from the TUI over SSH (paste mode) in a real terminal: tmux, 80x24, the built
// binary, against the Google stand-in. The person reads the URL off the screen, approves in a
// browser elsewhere, pastes the code Google's page shows, and the account appears with its project.
import assert from 'node:assert/strict';
import {writeFileSync} from 'node:fs';
import {test} from 'node:test';
import {binPath} from '../helpers/cli.js';
import {makeTempCcs} from '../helpers/ccs.js';
import {startFakeGoogle} from '../helpers/fake-google/server.js';
import {binInTmuxSkipReason, moveCursorTo, startTmux, urlBetween} from '../helpers/tmux.js';

test('tmux: Gemini over SSH, paste the code, the account is listed with its project', {skip: binInTmuxSkipReason()}, async () => {
  const google = await startFakeGoogle({users: {alice: {email: 'alice@example.com', codeAssist: {kind: 'project', project: 'alice-proj-1'}}}});
  const ccs = makeTempCcs();
  writeFileSync(ccs.paths.settings, JSON.stringify(google.settings()));
  const env = {PATH: process.env.PATH, CCS_DIR: ccs.paths.root, HOME: ccs.env.HOME, SSH_CONNECTION: '10.0.0.2 50000 10.0.0.1 22'};
  const term = startTmux([process.execPath, binPath], {width: 80, height: 24, env});
  try {
    await term.waitFor(/Claude/);
    // Providers pane: move down one key at a time, as a person would.
    await moveCursorTo(term, /› Gemini/);
    await term.waitFor(/Gemini accounts/);
    term.keys(['a']);
    await term.waitFor('Which provider?');
    term.keys(['Enter']);
    const screen = await term.waitFor(/v: paste it here/);
    assert.match(screen, /Gemini — add an account/);
    assert.match(screen, /Open this address in a browser and log in/);
    const url = urlBetween(screen, 'Open this address in a browser', 'Then paste the address');
    assert.ok(url.startsWith(`${google.url}/o/oauth2/v2/auth?`), url);
    // The browser on the person's laptop: Google ends on the Code Assist page, which shows the code.
    const landing = new URL(await google.approve(url, 'alice'));
    assert.equal(`${landing.origin}${landing.pathname}`, 'https://codeassist.google.com/authcode');
    term.keys(['v']);
    await term.waitFor(/Then paste the address[^\n]*\n\s*›/);
    const code = landing.searchParams.get('code')!;
    term.keys([code], {literal: true});
    // Enter once the paste is in the field, as a person does.
    await term.waitFor((text) => text.includes(`› ${code}`));
    term.keys(['Enter']);
    await term.waitFor(/Added Gemini account alice@example\.com/);
    term.keys(['Escape']);
    await term.waitFor(/›\*\s+alice@example\.com/);
    // Accounts pane, then open the account.
    term.keys(['l']);
    await new Promise((r) => setTimeout(r, 200));
    term.keys(['Enter']);
    // The detail screen's row (the status line names the project too, since the login said it).
    const detail = await term.waitFor(/Project\s+alice-proj-1/);
    assert.match(detail, /Project\s+alice-proj-1/);
    // What Google saw: offline access with consent, and the paste page as the exact redirect.
    const authorize = google.on('/o/oauth2/v2/auth')[0]!.query;
    assert.equal(authorize.get('access_type'), 'offline');
    assert.equal(authorize.get('prompt'), 'consent');
    assert.equal(google.on('/token')[0]!.fields.redirect_uri, 'https://codeassist.google.com/authcode');
    term.keys(['q']);
    assert.equal(await term.waitForExit(), 0);
  } finally {
    term.kill();
    await google.close();
    ccs.cleanup();
  }
});
