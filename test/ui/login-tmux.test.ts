// A device login from the TUI in a real terminal (tmux, 80x24, the built binary) against a real
// authorization server on 127.0.0.1, ending with the account in the list.
import assert from 'node:assert/strict';
import {writeFileSync} from 'node:fs';
import {test} from 'node:test';
import {binPath} from '../helpers/cli.js';
import {makeTempCcs} from '../helpers/ccs.js';
import {oidcSettingsFor, startOidcServer} from '../helpers/oidc.js';
import {moveCursorTo, startTmux, tmuxSkipReason} from '../helpers/tmux.js';

test('tmux: a on Grok, device code with QR at 80x24, approval, the account is listed', {skip: tmuxSkipReason()}, async () => {
  const oidc = await startOidcServer({deviceInterval: 1});
  const ccs = makeTempCcs();
  writeFileSync(ccs.paths.settings, JSON.stringify(oidcSettingsFor(oidc, 'xai')));
  const env = {PATH: process.env.PATH, CCS_DIR: ccs.paths.root, HOME: ccs.env.HOME};
  const term = startTmux([process.execPath, binPath], {width: 80, height: 24, env});
  try {
    await term.waitFor(/Claude/);
    // Providers pane: move down to Grok (xAI), one key at a time as a person would.
    await moveCursorTo(term, /› Grok \(xAI\)/);
    await term.waitFor(/Grok \(xAI\) accounts/);
    term.keys(['a']);
    await term.waitFor('Which provider?');
    term.keys(['Enter']);
    const screen = await term.waitFor(/code expires in/);
    assert.match(screen, /Grok \(xAI\) — add an account/);
    assert.ok(screen.includes('█'), 'QR shown beside the code');
    const code = /│ ((?:[A-Z] ){3}[A-Z] - (?:[A-Z] ){3}[A-Z]) │/.exec(screen)?.[1]?.replace(/ /g, '');
    assert.ok(code, screen);
    // The person approves on their phone: the TUI sees it on its next poll.
    await oidc.approveDevice(`${oidc.issuer}/device?user_code=${code}`, 'tina');
    await term.waitFor(/Added Grok \(xAI\) account tina@example\.test/);
    term.keys(['Escape']);
    const list = await term.waitFor(/tina@example\.test/);
    assert.doesNotMatch(list, /code expires in/);
    term.keys(['q']);
    assert.equal(await term.waitForExit(), 0);
  } finally {
    term.kill();
    await oidc.close();
    ccs.cleanup();
  }
});
