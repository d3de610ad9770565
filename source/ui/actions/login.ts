// `U` on the login screens: the auth URL alone on a page of its own, as ONE line the terminal
// soft-wraps, so a mouse selection copies it exactly even where the TUI's rows are hard breaks (a
// terminal or tmux without OSC 8 links). The TUI suspends meanwhile (terminal.ts); the login keeps
// running (its callback server, its polling) and the screen is back on Enter.
import {sanitizeLine} from '../../core/sanitize.js';
import type {AppServices} from '../services.js';

/** Shows `url` (sanitised: it may come from the network) until Enter; `what` names the login. */
export async function showUrlAlone(services: Pick<AppServices, 'suspend'>, what: string, url: string): Promise<void> {
  await services.suspend(async (terminal) => {
    terminal.privatePage();
    terminal.write(`\r\n${sanitizeLine(what)}: select the line below to copy the URL (one line, however it wraps):\r\n\r\n`);
    terminal.write(`${sanitizeLine(url)}\r\n\r\n`);
    terminal.write('Press Enter to return to ccs-tui (the login keeps waiting meanwhile).\r\n');
    await terminal.waitForEnter();
  });
}
