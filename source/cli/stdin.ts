// Reading what a person gives a command on stdin: a pasted line (a redirect URL, a code, a key)
// or all of it (a key file's JSON), from a terminal or a pipe.
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
