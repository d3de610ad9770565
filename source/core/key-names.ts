// Turns what the terminal library reports for a key press into the keymap's key names
// (`j`, `G`, `enter`, `escape`, `ctrl+c`, `pageup`, ...), or `paste` for several characters at once. Pure, so the mapping is tested without a TTY.

/** The fields of Ink's `Key` that matter here (structural, so core does not import Ink). */
export interface RawKey {
  upArrow?: boolean;
  downArrow?: boolean;
  leftArrow?: boolean;
  rightArrow?: boolean;
  pageUp?: boolean;
  pageDown?: boolean;
  home?: boolean;
  end?: boolean;
  return?: boolean;
  escape?: boolean;
  ctrl?: boolean;
  shift?: boolean;
  tab?: boolean;
  backspace?: boolean;
  delete?: boolean;
  meta?: boolean;
}

/**
 * Escape sequences (VT100/xterm, normal and application cursor mode) of the keys a held key repeats,
 * as they arrive when the dispatcher splits a run of them out of one read (key-routing.ts).
 */
export const KEY_SEQUENCES: Readonly<Record<string, string>> = {
  '\u001b[A': 'up',
  '\u001b[B': 'down',
  '\u001bOA': 'up',
  '\u001bOB': 'down',
  '\u001b[5~': 'pageup',
  '\u001b[6~': 'pagedown',
};

export function keyName(input: string, key: RawKey): string {
  if (key.upArrow) return 'up';
  if (key.downArrow) return 'down';
  if (key.leftArrow) return 'left';
  if (key.rightArrow) return 'right';
  if (key.pageUp) return 'pageup';
  if (key.pageDown) return 'pagedown';
  if (key.home) return 'home';
  if (key.end) return 'end';
  if (key.return) return 'enter';
  if (key.tab) return key.shift ? 'shift+tab' : 'tab';
  if (key.backspace) return 'backspace';
  if (key.delete) return 'delete';
  if (key.escape) return 'escape';
  if (key.ctrl && input.length === 1) return `ctrl+${input.toLowerCase()}`;
  if (input === ' ') return 'space';
  // Control bytes without key flags: what a run of coalesced keys is split into.
  const control: Record<string, string> = {'\r': 'enter', '\n': 'enter', '\t': 'tab', '\u001b': 'escape', '\u007f': 'backspace', '\b': 'backspace'};
  if (control[input]) return control[input]!;
  if (Object.hasOwn(KEY_SEQUENCES, input)) return KEY_SEQUENCES[input]!;
  // Ctrl-A … Ctrl-Z as raw bytes (0x01-0x1a), e.g. Ctrl-U or Ctrl-W split out of one read.
  const code = input.length === 1 ? input.charCodeAt(0) : 0;
  if (code >= 1 && code <= 26) return `ctrl+${String.fromCharCode(code + 96)}`;
  // Several characters at once is a paste (or fast typing): never mistake "home" for the Home key.
  if ([...input].length > 1) return 'paste';
  return input;
}
