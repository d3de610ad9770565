// Reading what a person gives a command on stdin: a pasted line (a redirect URL, a code, a key)
// or all of it (a key file's JSON), from a terminal or a pipe. A secret (an API key, a
// service-account key's JSON) is read with echo off on a terminal, as sudo and ssh read theirs:
// nothing of it is drawn, so it stays out of the screen and the scrollback. Echo goes off before
// the prompt is drawn (a key pasted when the prompt appears is never echoed), and for a login that
// reads one, as soon as the process starts (holdTerminalInput). Input that came before the prompt
// is never taken as the secret: ssh's readpassphrase drops it silently (TCSAFLUSH), sudo reads it
// (after the terminal drew it); here it is dropped, what the terminal drew of it is erased where
// that can be known, and the prompt says so. The terminal's mode is put back on every way out
// (Enter, Ctrl-D, Ctrl-C, an abort, an error; node itself resets it when a signal ends the
// process). From a pipe or a file a secret is read like any input (`echo KEY | ccs-tui login aistudio`).
import {closeSync, constants as fsConstants, openSync, readSync} from 'node:fs';
import type {CliContext} from './context.js';

/** The first line (or all of stdin for JSON) once stdin ends or a line arrives; '' once `signal` aborts, or when stdin has already ended. */
export function readStdin(ctx: CliContext, whole: boolean, signal?: AbortSignal): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const onData = (chunk: Buffer | string) => {
      text += chunk.toString();
      if (!whole && text.includes('\n')) finish();
    };
    const finish = () => {
      signal?.removeEventListener('abort', stop);
      ctx.stdin.off('data', onData);
      ctx.stdin.off('end', finish);
      ctx.stdin.off('error', reject);
      (ctx.stdin as NodeJS.ReadStream).pause?.();
      // A paused stdin pipe still holds the event loop open: let it go, so the command ends when its work does.
      (ctx.stdin as NodeJS.ReadStream).unref?.();
      resolve(whole ? text : (text.split('\n')[0] ?? ''));
    };
    const stop = () => {
      text = '';
      finish();
    };
    // Read again after its end (a paste asked for again after Ctrl-D): no 'end' comes a second time.
    if (signal?.aborted || (ctx.stdin as NodeJS.ReadStream).readableEnded) return stop();
    signal?.addEventListener('abort', stop, {once: true});
    ctx.stdin.on('data', onData);
    ctx.stdin.once('end', finish);
    ctx.stdin.once('error', reject);
    (ctx.stdin as NodeJS.ReadStream).ref?.();
    (ctx.stdin as NodeJS.ReadStream).resume?.();
  });
}

/**
 * Escape sequences a terminal sends for keys (arrows, Home, function keys: CSI `ESC [ … final` and
 * SS3 `ESC O x`) and for bracketed-paste marks: keys, not characters of the secret.
 */
const KEY_SEQUENCES = /\x1b(?:\[[0-?]*[ -/]*[@-~]|O.|.?)/gs;

const CTRL_C = '\x03';
const CTRL_D = '\x04';
const CTRL_U = '\x15';
const BACKSPACES = new Set(['\x7f', '\b']);

type TerminalInput = NodeJS.ReadableStream & {isTTY?: boolean; isRaw?: boolean; fd?: number; setRawMode?(raw: boolean): unknown};
type TerminalOutput = NodeJS.WritableStream & {isTTY?: boolean; columns?: number};

const isTerminal = (stdin: TerminalInput): boolean => Boolean(stdin.isTTY) && typeof stdin.setRawMode === 'function';

/**
 * What waits in the terminal's input queue now, read at once (a non-blocking reopen of the same
 * terminal, as libuv opens it for process.stdin): '' where that cannot be done (not Linux, a fake
 * stream in a test).
 */
function takeWaiting(stdin: TerminalInput): string {
  if (process.platform !== 'linux' || typeof stdin.fd !== 'number') return '';
  const chunks: Buffer[] = [];
  let fd: number | undefined;
  try {
    fd = openSync(`/proc/self/fd/${stdin.fd}`, fsConstants.O_RDONLY | fsConstants.O_NONBLOCK | fsConstants.O_NOCTTY);
    const buffer = Buffer.alloc(4096);
    for (let n; (n = readSync(fd, buffer)) > 0; ) chunks.push(Buffer.from(buffer.subarray(0, n)));
  } catch {
    // EAGAIN: nothing more waits (or the terminal cannot be reopened: nothing to take).
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
  return Buffer.concat(chunks).toString();
}

/**
 * The rows a terminal's own echo of `text` took, from the column where it began (0: after the Enter
 * that ran the command): a line break starts a row (Enter is echoed as CR LF), a row wraps at
 * `columns`, a control character is echoed as `^X` (two cells), a tab to the next stop of 8.
 */
export function echoedRows(text: string, columns: number): number {
  let rows = 1;
  let column = 0;
  for (const char of text) {
    if (char === '\r' || char === '\n') {
      rows++;
      column = 0;
      continue;
    }
    if (char === '\x7f' || char === '\b') {
      // Erased by the echo itself (ECHOE): one cell back.
      column = Math.max(0, column - 1);
      continue;
    }
    const width = char === '\t' ? 8 - (column % 8) : char < ' ' ? 2 : 1;
    if (column + width > columns) {
      rows++;
      column = 0;
    }
    column += width;
  }
  return rows;
}

/** What arrived before a secret's prompt: `shown` the terminal drew (echo was on), `erased` whether that was taken off the screen. */
interface TypeAhead {
  shown: string;
  unseen: string;
  erased: boolean;
}

/** Input held since the command started (holdTerminalInput), until a secret's prompt takes it over. */
let held: {stdin: TerminalInput; wasRaw: boolean; ahead: TypeAhead; release: () => void} | undefined;

/**
 * For a command that will read a secret on this terminal (cli/login-early.ts): turns the echo off
 * now, before its slow part loads, and keeps whatever arrives until the prompt (readSecret) takes
 * it over. A terminal echoes what is typed or pasted until a program turns that off, so a key pasted
 * right after Enter is drawn before the program has even started: what waited already (`shown`) is
 * erased from the screen at once where `screen` is this terminal. Ctrl-C (raw mode keeps it from the
 * terminal's interrupt) is `onInterrupt`. The mode is put back by readSecret, by releaseTerminalInput,
 * and by Node on any exit.
 */
export function holdTerminalInput(stdin: TerminalInput, screen: TerminalOutput, onInterrupt: () => void): void {
  if (held || !isTerminal(stdin)) return;
  const wasRaw = Boolean(stdin.isRaw);
  stdin.setRawMode!(true);
  const shown = takeWaiting(stdin);
  const ahead: TypeAhead = {shown, unseen: '', erased: false};
  if (shown !== '' && screen.isTTY) {
    // Back to the row where the echo began, and everything from there down is cleared: the echo is
    // all that was drawn there (nothing of this process has been printed yet). Rows that scrolled
    // off the top are the terminal's scrollback: the prompt says so.
    const up = echoedRows(shown, screen.columns ?? 80) - 1;
    screen.write(`\r${up > 0 ? `\x1b[${up}A` : ''}\x1b[J`);
    ahead.erased = true;
  }
  const onData = (chunk: Buffer | string) => {
    const text = chunk.toString();
    if (text.includes(CTRL_C)) return onInterrupt();
    ahead.unseen += text;
  };
  stdin.on('data', onData);
  // Held, not waited for: the command ends when its work does.
  (stdin as NodeJS.ReadStream).unref?.();
  (stdin as NodeJS.ReadStream).resume?.();
  held = {
    stdin,
    wasRaw,
    ahead,
    release: () => {
      stdin.off('data', onData);
      (stdin as NodeJS.ReadStream).pause?.();
    },
  };
}

/** The command did not read a secret after all: the terminal's mode is put back (what was held is dropped). */
export function releaseTerminalInput(): void {
  if (!held) return;
  held.release();
  held.stdin.setRawMode!(held.wasRaw);
  held = undefined;
}

/**
 * Echo off (raw mode) from now on, and what arrived before: held since the start, or what waits
 * now (drawn by the terminal, whose echo was on until now).
 */
function takeOverTerminal(stdin: TerminalInput): {wasRaw: boolean; ahead: TypeAhead} {
  if (held?.stdin === stdin) {
    const {wasRaw, ahead, release} = held;
    release();
    held = undefined;
    // Arrived since the hold began but not yet read: it came before the prompt too.
    ahead.unseen += takeWaiting(stdin);
    return {wasRaw, ahead};
  }
  const wasRaw = Boolean(stdin.isRaw);
  stdin.setRawMode!(true);
  return {wasRaw, ahead: {shown: takeWaiting(stdin), unseen: '', erased: false}};
}

/** What the prompt says of input that came before it (dropped: a secret is read only after its prompt), or undefined. */
function typeAheadNote({shown, unseen, erased}: TypeAhead, what: string): string | undefined {
  const count = [...shown + unseen].length;
  if (count === 0) return undefined;
  const dropped = `ccs-tui: ${count === 1 ? '1 character' : `${count} characters`} typed before this prompt ${count === 1 ? 'was' : 'were'} discarded; paste ${what} at the prompt.`;
  if (shown === '') return dropped;
  return `${dropped}\n(the terminal drew ${count === 1 ? 'it' : 'them'} before its echo was off: ${erased ? 'erased from the screen now, its scrollback may still hold' : 'its scrollback may hold'} ${count === 1 ? 'it' : 'them'})`;
}

/**
 * Ctrl-C typed while echo is off: raw mode kept it from the terminal's interrupt, so the process
 * gets SIGINT as the terminal would have sent it: its handlers at once (a login's aborts it), else
 * the default (the process ends). Not process.kill alone when handled: a signal's watcher holds no
 * event loop open, so the process could end before the handler ran.
 */
export function interruptAsTerminal(): void {
  if (process.listenerCount('SIGINT') > 0) process.emit('SIGINT', 'SIGINT');
  else process.kill(process.pid, 'SIGINT');
}

/**
 * The secret typed or pasted after `prompt`: one line (`whole` false: up to Enter), or everything up
 * to Ctrl-D (`whole`: a pasted JSON file, Enter keeps its line breaks). On a terminal echo goes off
 * before the prompt is drawn, nothing is echoed, and what came before the prompt is dropped and
 * said (`what`: what to paste again, "the key"); an Enter with nothing (or only spaces) typed before it is said
 * with `emptyEnter` and the read goes on, where that is given; Backspace and Ctrl-U edit as in a normal line;
 * Ctrl-C is the terminal's interrupt (interruptAsTerminal). Resolves '' once `signal` aborts (as
 * readStdin does). Not a terminal: readStdin, with no prompt.
 */
export function readSecret(ctx: CliContext, {whole, signal, prompt, what, emptyEnter}: {whole: boolean; signal?: AbortSignal; prompt: string; what: string; emptyEnter?: string}): Promise<string> {
  const stdin = ctx.stdin as TerminalInput;
  if (!isTerminal(stdin)) return readStdin(ctx, whole, signal);
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return resolve('');
    const {wasRaw, ahead} = takeOverTerminal(stdin);
    let chars: string[] = [];
    let ended = false;
    /** `interrupted`: Ctrl-C, after which the abort its SIGINT brings still settles the read. */
    const end = (interrupted = false) => {
      if (ended) return false;
      ended = true;
      stdin.off('data', onData);
      stdin.off('end', onEnd);
      stdin.off('error', onError);
      if (!interrupted) signal?.removeEventListener('abort', onAbort);
      stdin.setRawMode!(wasRaw);
      (stdin as NodeJS.ReadStream).pause?.();
      (stdin as NodeJS.ReadStream).unref?.();
      return true;
    };
    const finish = (text: string) => {
      if (!end()) return;
      // Echo was off: Enter's line break was not drawn either.
      ctx.stderr.write('\n');
      resolve(text);
    };
    const onEnd = () => finish(chars.join(''));
    const onAbort = () => {
      if (ended) return resolve('');
      finish('');
    };
    const onError = (error: Error) => end() && reject(error);
    const onData = (chunk: Buffer | string) => {
      for (const char of chunk.toString().replace(KEY_SEQUENCES, '')) {
        if (char === CTRL_C) {
          end(true);
          return interruptAsTerminal();
        }
        if (char === CTRL_D) return finish(chars.join(''));
        if (char === '\r' || char === '\n') {
          // An Enter pressed before anything was pasted: said, and the read goes on (`emptyEnter`).
          if (!whole && emptyEnter !== undefined && chars.join('').trim() === '') {
            chars = [];
            ctx.stderr.write(`\n${emptyEnter}\n`);
            continue;
          }
          if (!whole) return finish(chars.join(''));
          chars.push('\n');
        } else if (BACKSPACES.has(char)) chars.pop();
        else if (char === CTRL_U) chars = [];
        else if (char >= ' ') chars.push(char);
      }
    };
    // Echo is off already: the prompt is drawn only now, so nothing pasted once it shows is echoed.
    const note = typeAheadNote(ahead, what);
    ctx.stderr.write(`${note ? `${note}\n` : ''}${prompt}\n`);
    signal?.addEventListener('abort', onAbort, {once: true});
    stdin.on('data', onData);
    stdin.once('end', onEnd);
    stdin.once('error', onError);
    (stdin as NodeJS.ReadStream).ref?.();
    (stdin as NodeJS.ReadStream).resume?.();
  });
}
