// Copy with OSC 52: the terminal emulator on the person's own machine sets its clipboard, so it
// works over SSH. Nothing is shelled out.
//
// Inside tmux the sequence goes twice: plain, which tmux takes with `set -g set-clipboard on` (it
// keeps a paste buffer and passes the copy on to the outer terminal), and wrapped in a DCS
// passthrough, which reaches the outer terminal where `allow-passthrough` is on. tmux 3.3 and later
// drop passthrough by default, and its default `set-clipboard external` ignores a program's copy:
// with neither setting the copy is lost, which the status says (clipboardCaveat).
export function osc52Sequence(text: string, env: NodeJS.ProcessEnv = process.env): string {
  const payload = `\u001b]52;c;${Buffer.from(text, 'utf8').toString('base64')}\u0007`;
  return env.TMUX ? `${payload}\u001bPtmux;${payload.replace(/\u001b/g, '\u001b\u001b')}\u001b\\` : payload;
}

/** What a copy's status adds (` (OSC 52; …)`): where it may not arrive, as inside tmux. */
export function clipboardCaveat(env: NodeJS.ProcessEnv = process.env): string {
  return env.TMUX ? ' (OSC 52; inside tmux it arrives with `set -g set-clipboard on`)' : ' (OSC 52)';
}

export interface Clipboard {
  copy(text: string): void;
  /** clipboardCaveat for the terminal the copies go to (none: nothing to add). */
  caveat?: string;
}

export function terminalClipboard(output: NodeJS.WritableStream = process.stdout, env: NodeJS.ProcessEnv = process.env): Clipboard {
  return {copy: (text) => void output.write(osc52Sequence(text, env)), caveat: clipboardCaveat(env)};
}
