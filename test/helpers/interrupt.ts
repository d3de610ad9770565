// A test process that is interrupted (Ctrl-C on `npm test` sends SIGINT to its whole process
// group; SIGTERM, SIGHUP) dies at once: its after() hooks never run. The proxies its helpers started
// would outlive it: a background proxy (`proxy start`, `run`) on purpose, and any child in a process
// group of its own (detached: the terminal's Ctrl-C never reaches it). Registered here, they are
// stopped first; then the signal ends the process as it would have (its exit status unchanged).
import {readRunningProxy} from '../../source/services/proxy/pid-file.js';
import {ccsPaths} from '../../source/store/paths.js';

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
const pids = new Set<number>();
const ccsRoots = new Set<string>();
let installed = false;

function stopAll(): void {
  const targets = new Set(pids);
  for (const root of ccsRoots) {
    try {
      // Only a record whose pid is still the very process it names (pid-file.ts): never a pid reused since.
      const running = readRunningProxy(ccsPaths(root));
      if (running) targets.add(running.pid);
    } catch {
      // the dir is gone (cleaned up): nothing runs from it
    }
  }
  for (const pid of targets) {
    if (pid === process.pid || pid <= 1) continue;
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      // already gone
    }
  }
}

function install(): void {
  if (installed) return;
  installed = true;
  for (const signal of SIGNALS) {
    process.once(signal, function onSignal() {
      stopAll();
      for (const other of SIGNALS) process.removeAllListeners(other);
      // The default action now: the process ends by the signal, as it would have without this.
      process.kill(process.pid, signal);
    });
  }
}

/** Stops process `pid` (a child a helper spawned) if this test process is interrupted; the returned function forgets it. */
export function killOnInterrupt(pid: number | undefined): () => void {
  if (pid === undefined) return () => undefined;
  install();
  pids.add(pid);
  return () => pids.delete(pid);
}

/** Stops the proxy that CCS dir `root` records (tui/proxy.json), if any, if this test process is interrupted. */
export function stopProxyOnInterrupt(root: string | undefined): void {
  if (!root) return;
  install();
  ccsRoots.add(root);
}
