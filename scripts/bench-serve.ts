// Waiting for a `ccs-tui proxy serve` child the benchmarks started to say where it listens.
import type {ChildProcess} from 'node:child_process';

/**
 * Resolves to the port the child announces on stdout (`listening on http://127.0.0.1:PORT`). Rejects
 * with everything it printed (stdout and stderr) if it exits first or says nothing within `timeoutMs`.
 * The child's stdout and stderr must be pipes; both are read from here on (the child never blocks on them).
 */
export function listeningPort(child: ChildProcess, timeoutMs = 15_000): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`the proxy did not start: ${out}`)), timeoutMs);
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', (data: string) => {
      out += data;
      const match = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    });
    child.stderr!.on('data', (data) => (out += String(data)));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the proxy exited with ${code}: ${out}`));
    });
  });
}
