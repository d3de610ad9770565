// Waiting on a ProxySupervisor's state in tests; a supervisor of the built binary.
import {builtinServeArgs} from '../../source/services/proxy/launch.js';
import {ProxySupervisor, type ProxyState} from '../../source/services/proxy-supervisor.js';
import type {TempCcs} from './ccs.js';
import {binPath} from './cli.js';
import {stopProxyOnInterrupt} from './interrupt.js';

/** A supervisor whose child is the built `ccs-tui proxy serve`, as the TUI runs it, on any free port. */
export function builtProxySupervisor(ccs: TempCcs): ProxySupervisor {
  // Its child stops when this process dies (its IPC channel closes); stopped first on an interrupt all the same.
  stopProxyOnInterrupt(ccs.paths.root);
  return new ProxySupervisor({
    paths: ccs.paths,
    env: ccs.env,
    command: (target) => ({file: process.execPath, args: [binPath, ...builtinServeArgs({...target, port: 0})], kind: 'builtin'}),
  });
}

/** `supervisor`'s state once `predicate` holds (15 s at most; the timeout shows the state and its last log lines). */
export function stateWhen(supervisor: ProxySupervisor, predicate: (state: ProxyState) => boolean, timeoutMs = 15_000): Promise<ProxyState> {
  return new Promise<ProxyState>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out: ${JSON.stringify({...supervisor.current, logTail: supervisor.current.logTail.slice(-8)})}`)), timeoutMs);
    const unsubscribe = supervisor.subscribe((s) => {
      if (!predicate(s)) return;
      clearTimeout(timer);
      queueMicrotask(() => unsubscribe());
      resolve(s);
    });
  });
}
