// A connect guard for tests that must reach no address but 127.0.0.1: every TCP and TLS connection
// of this process (undici's included) goes through net.Socket.prototype.connect; one to any other
// host is recorded and fails at once, so a leak shows up as a named host, not a slow test.
import net from 'node:net';

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);

export interface LoopbackGuard {
  /** Hosts something tried to reach, in order. */
  blocked: string[];
  restore(): void;
}

export function guardLoopback(): LoopbackGuard {
  const blocked: string[] = [];
  const original = net.Socket.prototype.connect;
  const patched = function (this: net.Socket, ...args: unknown[]) {
    // net.connect passes its normalised [options, callback] array; direct calls pass (options) or (port, host).
    const first = Array.isArray(args[0]) ? (args[0] as unknown[])[0] : args[0];
    let host: string | undefined;
    if (typeof first === 'object' && first !== null) {
      const options = first as {host?: string; path?: string};
      if (options.path === undefined) host = options.host ?? 'localhost';
    } else if (typeof args[1] === 'string') host = args[1];
    if (host !== undefined && !LOOPBACK.has(host)) {
      blocked.push(host);
      process.nextTick(() => this.destroy(new Error(`test guard: no connections beyond 127.0.0.1 (${host})`)));
      return this;
    }
    return (original as (...a: unknown[]) => net.Socket).apply(this, args);
  };
  net.Socket.prototype.connect = patched as typeof original;
  return {
    blocked,
    restore: () => {
      net.Socket.prototype.connect = original;
    },
  };
}
