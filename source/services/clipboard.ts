// Copy with OSC 52: the terminal emulator on the person's own machine sets its clipboard, so it
// works over SSH (and through tmux with `set -g set-clipboard on`). Nothing is shelled out.
export function osc52Sequence(text: string, env: NodeJS.ProcessEnv = process.env): string {
  const payload = `\u001b]52;c;${Buffer.from(text, 'utf8').toString('base64')}\u0007`;
  // Inside tmux the sequence must be wrapped in a DCS passthrough to reach the outer terminal.
  return env.TMUX ? `\u001bPtmux;${payload.replace(/\u001b/g, '\u001b\u001b')}\u001b\\` : payload;
}

export interface Clipboard {
  copy(text: string): void;
}

export function terminalClipboard(output: NodeJS.WritableStream = process.stdout, env: NodeJS.ProcessEnv = process.env): Clipboard {
  return {copy: (text) => void output.write(osc52Sequence(text, env))};
}
