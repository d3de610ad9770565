// node:crypto, loaded on first use rather than at import: loading it costs about a tenth of
// `node -e 0`, and commands that only read (`ccs-tui accounts`) never hash or sign (issue 14).
import type * as NodeCrypto from 'node:crypto';

/** The node:crypto module (loaded by the first call, then cached by Node). */
export function nodeCrypto(): typeof NodeCrypto {
  return process.getBuiltinModule('node:crypto');
}
