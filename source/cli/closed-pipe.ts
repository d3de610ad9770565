// Output to a closed pipe (`ccs-tui accounts | head -5`): the reader went away, so there is nobody
// left to tell anything. Node ignores SIGPIPE and reports the failed write as an 'error' event on
// the stream, which, unhandled, crashes with a stack trace. Here it ends the process at once and
// quietly with 141 (128 + SIGPIPE), the status a shell reports for `cat`, `seq` or `yes` in the same
// place, so `set -o pipefail` scripts see what they see with any other Unix tool.

/** The exit status for output to a closed pipe: 128 + SIGPIPE (13). */
export const CLOSED_PIPE_EXIT_CODE = 141;

/**
 * Makes EPIPE on these streams end the process quietly with CLOSED_PIPE_EXIT_CODE. Any other stream
 * error is not ours to hide: it is rethrown as before. Called once, by the binary (cli/main.ts).
 */
export function exitQuietlyOnClosedPipe(streams: readonly NodeJS.WritableStream[], exit: (code: number) => never = process.exit): void {
  for (const stream of streams) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EPIPE') exit(CLOSED_PIPE_EXIT_CODE);
      throw error;
    });
  }
}
