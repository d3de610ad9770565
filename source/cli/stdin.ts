// Reading what a person gives a command on stdin: a pasted line (a redirect URL, a code, a key)
// or all of it (a key file's JSON), from a terminal or a pipe. A secret (an API key, a
// service-account key's JSON) is read with echo off on a terminal, as sudo, ssh and `gh auth login`
// read theirs: nothing of it is drawn, so it stays out of the screen and the scrollback. The
// terminal's mode is put back on every way out (Enter, Ctrl-D, Ctrl-C, an abort, an error; node
// itself resets it when SIGINT or SIGTERM ends the process). From a pipe or a file a secret is read
// like any input (`echo KEY | ccs-tui login aistudio`).
import type {CliContext} from './context.js';

/** The first line (or all of stdin for JSON) once stdin ends or a line arrives; '' once `signal` aborts. */
export function readStdin(ctx: CliContext, whole: boolean, signal?: AbortSignal): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const onData = (chunk: Buffer | string) => {
      text += chunk.toString();
      if (!whole && text.includes('\n')) finish();
    };
    const finish = () => {
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
    if (signal?.aborted) return stop();
    signal?.addEventListener('abort', stop, {once: true});
    ctx.stdin.on('data', onData);
    ctx.stdin.once('end', finish);
    ctx.stdin.once('error', reject);
    (ctx.stdin as NodeJS.ReadStream).ref?.();
    (ctx.stdin as NodeJS.ReadStream).resume?.();
  });
}

type TerminalInput = NodeJS.ReadableStream & {isTTY?: boolean; isRaw?: boolean; setRawMode?(raw: boolean): unknown};

/**
 * Escape sequences a terminal sends for keys (arrows, Home, function keys: CSI `ESC [ … final` and
 * SS3 `ESC O x`) and for bracketed-paste marks: keys, not characters of the secret.
 */
const KEY_SEQUENCES = /\x1b(?:\[[0-?]*[ -/]*[@-~]|O.|.?)/gs;

const CTRL_C = '\x03';
const CTRL_D = '\x04';
const CTRL_U = '\x15';
const BACKSPACES = new Set(['\x7f', '\b']);

/**
 * The secret typed or pasted: one line (`whole` false: up to Enter), or everything up to Ctrl-D
 * (`whole`: a pasted JSON file, Enter keeps its line breaks). On a terminal nothing is echoed;
 * Backspace and Ctrl-U edit as in a normal line. Ctrl-C is the terminal's interrupt: the mode is
 * put back and the process gets SIGINT, as it would have with echo on. Resolves '' once `signal`
 * aborts (as readStdin does). Not a terminal: readStdin.
 */
export function readSecret(ctx: CliContext, {whole, signal}: {whole: boolean; signal?: AbortSignal}): Promise<string> {
  const stdin = ctx.stdin as TerminalInput;
  if (!stdin.isTTY || typeof stdin.setRawMode !== 'function') return readStdin(ctx, whole, signal);
  return new Promise((resolve, reject) => {
    const wasRaw = Boolean(stdin.isRaw);
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
          ctx.stderr.write('\n');
          // The interrupt raw mode kept from the terminal, as the terminal would have sent it: to the
          // process's SIGINT handlers at once (the login's aborts it, settling this read), else
          // the default (the process ends). Not process.kill alone: a signal's watcher holds no
          // event loop open, so the process could end before the handler ran.
          if (process.listenerCount('SIGINT') > 0) process.emit('SIGINT', 'SIGINT');
          else process.kill(process.pid, 'SIGINT');
          return;
        }
        if (char === CTRL_D) return finish(chars.join(''));
        if (char === '\r' || char === '\n') {
          if (!whole) return finish(chars.join(''));
          chars.push('\n');
        } else if (BACKSPACES.has(char)) chars.pop();
        else if (char === CTRL_U) chars = [];
        else if (char >= ' ') chars.push(char);
      }
    };
    if (signal?.aborted) return resolve('');
    signal?.addEventListener('abort', onAbort, {once: true});
    stdin.setRawMode!(true);
    stdin.on('data', onData);
    stdin.once('end', onEnd);
    stdin.once('error', onError);
    (stdin as NodeJS.ReadStream).ref?.();
    (stdin as NodeJS.ReadStream).resume?.();
  });
}
