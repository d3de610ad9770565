// Waiting on a ProxySupervisor's state in tests.
import type {ProxySupervisor, ProxyState} from '../../source/services/proxy-supervisor.js';

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
