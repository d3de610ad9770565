// The ONLY module that knows terminal specifics: the alternate screen, the cursor, the window size,
// restoring the terminal on every way out (q, Ctrl-C, SIGTERM, SIGHUP, an uncaught error), suspending
// to run something in the foreground, and mounting Ink. Moving to another Ink version (which may
// manage the alternate screen itself) touches this file only.
import type {ReactElement} from 'react';
import {render} from 'ink';

const ENTER_ALT_SCREEN = '\u001b[?1049h';
const LEAVE_ALT_SCREEN = '\u001b[?1049l';
const HIDE_CURSOR = '\u001b[?25l';
const SHOW_CURSOR = '\u001b[?25h';
const ERASE_SCREEN = '\u001b[2J';
const CLEAR_SCREEN = `${ERASE_SCREEN}\u001b[H`;
// Left erased: tmux (3.3) keeps the alternate screen's rows below the height it was entered at
// when the window grew meanwhile, and shows them on the shell's screen after the TUI ends.
const LEAVE_FULL_SCREEN = ERASE_SCREEN + LEAVE_ALT_SCREEN;
// xterm's bracketed paste mode: pasted text arrives between ESC[200~ and ESC[201~, so a pasted line
// break is not an Enter (dispatcher.ts). Off again for whatever runs in the foreground, and on exit.
const BRACKETED_PASTE_ON = '\u001b[?2004h';
const BRACKETED_PASTE_OFF = '\u001b[?2004l';

export interface TerminalSize {
  columns: number;
  rows: number;
}

/** Where the UI reads its size from; tests and screenshots use fixedSize(). */
export interface SizeSource {
  size(): TerminalSize;
  onResize(listener: () => void): () => void;
}

type TtyOut = NodeJS.WriteStream;
type TtyIn = NodeJS.ReadStream;

export function streamSize(stdout: TtyOut): SizeSource {
  return {
    size: () => ({columns: stdout.columns || 80, rows: stdout.rows || 24}),
    onResize(listener) {
      stdout.on('resize', listener);
      return () => void stdout.off('resize', listener);
    },
  };
}

/** A size that only changes when told to (tests, screenshots, benchmarks). */
export function fixedSize(columns: number, rows: number): SizeSource & {resize(columns: number, rows: number): void} {
  let current = {columns, rows};
  const listeners = new Set<() => void>();
  return {
    size: () => current,
    onResize(listener) {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
    resize(nextColumns, nextRows) {
      current = {columns: nextColumns, rows: nextRows};
      for (const listener of listeners) listener();
    },
  };
}

/** The terminal while the TUI is suspended: the normal screen, for the task that runs meanwhile. */
export interface SuspendedTerminal {
  /** Writes text to the normal screen as it is (`\r\n` line ends: the terminal may be in raw mode). */
  write(text: string): void;
  /** Resolves when Enter is pressed (Esc, q and Ctrl-C count too); no key typed meanwhile reaches the TUI. */
  waitForEnter(): Promise<void>;
  /**
   * Moves to a cleared alternate screen for a page of the TUI's own (the `U` URL page): the terminal
   * soft-wraps what is written there as on the normal screen, and nothing of it lands on the shell's
   * screen or scrollback, whatever resizes happen meanwhile; the TUI's return redraws over it.
   */
  privatePage(): void;
}

/** A SuspendedTerminal on a plain stream (before the full screen exists): writes go out, nothing waits. */
export const plainTerminal = (stdout: NodeJS.WritableStream): SuspendedTerminal => ({
  write: (text) => void stdout.write(text),
  waitForEnter: async () => undefined,
  // Nothing waits for an answer here: what is written is the output, and stays.
  privatePage: () => undefined,
});

export interface FullScreenControls {
  size: SizeSource;
  /** Leaves the alternate screen (cooked mode, visible cursor) while `task` runs, then redraws. */
  suspend<T>(task: (terminal: SuspendedTerminal) => Promise<T>): Promise<T>;
}

export interface FullScreenIo {
  stdout: TtyOut;
  stdin: TtyIn;
  stderr: NodeJS.WriteStream;
}

/** How long input already queued in the terminal takes to arrive once reading restarts (ms): one poll. */
const PENDING_INPUT_MS = 50;

/** Reads and drops whatever input is queued now (what arrives within PENDING_INPUT_MS). */
async function discardPendingInput(stdin: TtyIn): Promise<void> {
  const drop = () => {
    while (stdin.read() !== null) {
      /* dropped: typed for the program that had the terminal */
    }
  };
  drop();
  await new Promise((resolve) => setTimeout(resolve, PENDING_INPUT_MS));
  drop();
}

/**
 * Escape sequences Ink 6.8's useInput throws on ("unexpected error"): it reads `ESC [ n X`,
 * `ESC [ 1 ; m X` and `ESC [ n ; m ~` (also after `ESC O`) as a key with a Ctrl modifier when the
 * number minus one has bit 4 set, then fails on a key it has no name for. Such sequences are
 * dropped from what Ink reads unless they are keys it names: arrows, Home/End/Clear (A–F, H), F1–F4
 * (P–S), Shift-Tab (Z), rxvt's a–e, and the `~ $ ^` forms of Insert … F12. Colours (SGR, `ESC[31m`:
 * pasted coloured text) are among the dropped; the mouse's SGR reports (ESC[<…m) are not matched.
 */
/** An SGR sequence (colours, bold…): output only, never a key. */
const SGR_SEQUENCE = /\u001b\[[0-9;]*m/g;
const UNNAMED_CTRL_SEQUENCE = /\u001b+(?:O|\[\[?)(?:(\d+)(?:;(\d+))?([~^$])|(?:1;)?(\d+)?([a-zA-Z]))/g;
const NAMED_LETTERS = new Set([...'ABCDEFHPQRSZabcde']);
const NAMED_TILDE_CODES = new Set([1, 2, 3, 4, 5, 6, 7, 8, 11, 12, 13, 14, 15, 17, 18, 19, 20, 21, 23, 24]);
const hasCtrlBit = (modifier: string | undefined) => modifier !== undefined && ((Number(modifier) - 1) & 4) !== 0;
function withoutUnnamedCtrlKeys(text: string): string {
  if (!text.includes('\u001b')) return text;
  return text.replace(SGR_SEQUENCE, '').replace(UNNAMED_CTRL_SEQUENCE, (sequence, code?: string, tildeModifier?: string, _tilde?: string, letterModifier?: string, letter?: string) => {
    if (letter !== undefined) return hasCtrlBit(letterModifier) && !NAMED_LETTERS.has(letter) ? '' : sequence;
    return hasCtrlBit(tildeModifier ?? '1') && !NAMED_TILDE_CODES.has(Number(code)) ? '' : sequence;
  });
}

/**
 * An escape sequence cut off at the end of a read: ESC alone (or twice), `ESC [` or `ESC O` with the
 * parameter and intermediate bytes so far (0x20–0x3f, and the `[` of rxvt's `ESC [ [`), no final byte.
 */
const INCOMPLETE_ESCAPE = /\u001b\u001b?(?:(?:\[\[?|O)[\u0020-\u003f]*)?$/;
/**
 * How long the rest of a cut-off sequence is waited for (ms). A lone ESC is the Esc key unless more
 * follows at once (as tmux's escape-time and vim's ttimeout): short, the key must feel immediate.
 * `ESC [` or `ESC O` begun is a key's sequence (no one types Alt+[ and digits that fast): over SSH
 * its rest can come a round trip later, so it is waited for longer before passing as it is.
 */
export const ESC_TIMEOUT_MS = 50;
export const SEQUENCE_TIMEOUT_MS = 500;

/**
 * Wraps `stdin.read` (Ink's only way in): an escape sequence cut off at the end of a read is held
 * until the next read completes it, then filtered whole (withoutUnnamedCtrlKeys): `ESC[1;5` in one
 * read and `I` in the next would reach Ink together, which joins them and throws, or apart, as Esc
 * and text. With no rest within the timeout the held part goes on as it is (a lone ESC: the Esc
 * key), and `readable` is emitted for it. Returns `drop()`, which forgets what is held (when the
 * terminal is handed to a program in the foreground).
 */
export function holdCutEscapes(stdin: TtyIn): {drop(): void} {
  const readTty = stdin.read.bind(stdin);
  let held = '';
  let due = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const drop = () => {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    held = '';
    due = false;
  };
  stdin.read = ((size?: number) => {
    for (;;) {
      const chunk = readTty(size) as string | Buffer | null;
      if (chunk === null) {
        if (!due) return null;
        const rest = held;
        drop();
        return rest;
      }
      if (typeof chunk !== 'string') return chunk;
      const text = held + chunk;
      drop();
      const cut = INCOMPLETE_ESCAPE.exec(text)?.index ?? text.length;
      held = text.slice(cut);
      if (held !== '') {
        const lone = /^\u001b+$/.test(held);
        timer = setTimeout(() => {
          timer = undefined;
          due = true;
          stdin.emit('readable');
        }, lone ? ESC_TIMEOUT_MS : SEQUENCE_TIMEOUT_MS);
        timer.unref();
      }
      const whole = withoutUnnamedCtrlKeys(text.slice(0, cut));
      if (whole !== '') return whole;
    }
  }) as typeof stdin.read;
  return {drop};
}

const SIGNAL_EXIT_CODES = {SIGTERM: 143, SIGHUP: 129, SIGINT: 130} as const;

/**
 * Runs the app full screen until it exits (Ink's `exit()`), then restores the terminal. Resolves with
 * the exit code. Signals and uncaught errors restore the terminal before the process ends.
 */
export async function runFullScreen(app: (controls: FullScreenControls) => ReactElement, io: FullScreenIo): Promise<number> {
  const {stdout, stdin, stderr} = io;
  const stdoutWrite = stdout.write;
  const write = (text: string) => {
    // After SIGHUP the terminal may be gone (EIO): restoring is best effort.
    try {
      stdoutWrite.call(stdout, text);
    } catch {
      /* terminal gone */
    }
  };
  let restored = false;
  const restore = () => {
    if (restored) return;
    restored = true;
    try {
      if (stdin.isTTY) stdin.setRawMode(false);
    } catch {
      /* terminal gone */
    }
    write(BRACKETED_PASTE_OFF + SHOW_CURSOR + LEAVE_FULL_SCREEN);
  };

  write(ENTER_ALT_SCREEN + HIDE_CURSOR + CLEAR_SCREEN + BRACKETED_PASTE_ON);

  const size = streamSize(stdout);
  // While suspended, Ctrl-C belongs to the program in the foreground (the whole process group gets it).
  let suspended = 0;
  const controls: FullScreenControls = {
    size,
    async suspend(task) {
      suspended++;
      // A cut-off sequence held now was typed for the TUI: it goes nowhere else.
      held.drop();
      // Frames Ink renders meanwhile (a clock, a status) would land in the foreground program's
      // screen: they are dropped, and the resize below redraws everything.
      stdout.write = (() => true) as typeof stdout.write;
      write(BRACKETED_PASTE_OFF + SHOW_CURSOR + LEAVE_FULL_SCREEN);
      if (stdin.isTTY) stdin.setRawMode(false);
      stdin.pause();
      // pause() alone keeps the tty handle reading (Ink reads on 'readable'), so keys typed for the
      // foreground program would reach this process instead: stop the handle until we are back.
      const handle = (stdin as unknown as {_handle?: {reading?: boolean; readStop?: () => number; readStart?: () => number}})._handle;
      const stopped = Boolean(handle?.reading && handle.readStop && handle.readStart);
      if (stopped) {
        handle!.reading = false;
        handle!.readStop!();
      }
      /** Runs `read` with the tty read raw by this module, Ink's reader detached until it is done. */
      const readDetached = async (read: () => Promise<void>) => {
        const readers = stdin.listeners('readable') as Array<() => void>;
        stdin.removeAllListeners('readable');
        if (stdin.isTTY) stdin.setRawMode(true);
        if (stopped) {
          handle!.reading = true;
          handle!.readStart!();
        }
        try {
          await read();
        } finally {
          for (const reader of readers) stdin.on('readable', reader);
        }
      };
      const terminal: SuspendedTerminal = {
        write,
        privatePage: () => write(ENTER_ALT_SCREEN + CLEAR_SCREEN + SHOW_CURSOR),
        async waitForEnter() {
          // Raw, so Enter needs no line discipline; the keys read here never reach the TUI.
          await readDetached(
            () =>
              new Promise<void>((resolve) => {
                const onReadable = () => {
                  let chunk: unknown;
                  while ((chunk = stdin.read()) !== null) {
                    if (!/[\r\n\u0003\u001bq]/.test(String(chunk))) continue;
                    stdin.off('readable', onReadable);
                    resolve();
                    return;
                  }
                };
                stdin.on('readable', onReadable);
                onReadable();
              }),
          );
          // Back to the suspended state for the rest of the task.
          if (stopped) {
            handle!.reading = false;
            handle!.readStop!();
          }
          if (stdin.isTTY) stdin.setRawMode(false);
        },
      };
      try {
        return await task(terminal);
      } finally {
        suspended--;
        // Keys typed while the foreground program ran, and left unread by it, wait in the
        // terminal's input queue: they were meant for that program, never for the TUI (`jjq` typed
        // during an agent must not quit it). They are read into nothing, raw, so a half-typed line
        // (no Enter) is readable too.
        await readDetached(() => discardPendingInput(stdin));
        held.drop();
        stdin.resume();
        // Frames show again only now: what the screen says (the agent's exit code) is heard by keys.
        stdout.write = stdoutWrite;
        write(ENTER_ALT_SCREEN + HIDE_CURSOR + CLEAR_SCREEN + BRACKETED_PASTE_ON);
        // Ink redraws everything on a resize; the screen was cleared under it.
        stdout.emit('resize');
      }
    },
  };

  // Ink 6.8's useInput throws on an escape sequence it takes for a Ctrl key it has no name for
  // (withoutUnnamedCtrlKeys: Ctrl+Tab as some terminals send it, pasted colours), and the TUI ended
  // with "unexpected error": those sequences are dropped from what Ink reads, also when one comes
  // split over two reads (holdCutEscapes).
  const held = holdCutEscapes(stdin);

  const instance = render(app(controls), {
    stdout,
    stdin,
    stderr,
    exitOnCtrlC: false,
    patchConsole: true,
    // Ink throttles frames to maxFps (30 by default): a key pressed right after a frame would wait
    // up to 33 ms. A frame costs a few ms, so 60 keeps a key's frame within one 16 ms frame.
    maxFps: 60,
  });

  const onSignal = (signal: keyof typeof SIGNAL_EXIT_CODES) => {
    if (signal === 'SIGINT' && suspended > 0) return;
    try {
      instance.unmount();
    } catch {
      /* already unmounted */
    }
    restore();
    process.exit(SIGNAL_EXIT_CODES[signal]);
  };
  const onFatal = (error: unknown) => {
    try {
      instance.unmount();
    } catch {
      /* already unmounted */
    }
    restore();
    stderr.write(`ccs-tui: unexpected error: ${(error as Error)?.stack ?? String(error)}\n`);
    process.exit(1);
  };
  const handlers = {
    SIGTERM: () => onSignal('SIGTERM'),
    SIGHUP: () => onSignal('SIGHUP'),
    SIGINT: () => onSignal('SIGINT'),
  };
  for (const [signal, handler] of Object.entries(handlers)) process.on(signal, handler);
  process.on('uncaughtException', onFatal);
  process.on('unhandledRejection', onFatal);
  process.on('exit', restore);

  try {
    await instance.waitUntilExit();
    return 0;
  } catch (error) {
    restore();
    stderr.write(`ccs-tui: unexpected error: ${(error as Error)?.stack ?? String(error)}\n`);
    return 1;
  } finally {
    restore();
    for (const [signal, handler] of Object.entries(handlers)) process.off(signal, handler);
    process.off('uncaughtException', onFatal);
    process.off('unhandledRejection', onFatal);
    process.off('exit', restore);
  }
}
