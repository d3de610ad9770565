// bin/ccs-tui's hand-over of NODE_EXTRA_CA_CERTS, taken back as the entry's first step (why:
// services/extra-ca-certs.ts). A module of the entry's alone: one that the command line's other
// modules import too would be a file of its own that every run loads (scripts/merge-chunks.mjs).

/** What bin/ccs-tui moves NODE_EXTRA_CA_CERTS to (the same file name). */
export const HANDED_OVER_VARIABLE = 'CCS_TUI_EXTRA_CA_CERTS';

/**
 * `Symbol.for` of this names where the file is left on globalThis for services/extra-ca-certs.ts
 * (its HANDED_OVER, the same symbol: a test holds them together), which the TUI's bundle has a copy
 * of its own of.
 */
export const HANDED_OVER_KEY = 'ccs-tui.extra-ca-certs';

/**
 * HANDED_OVER_VARIABLE's file becomes NODE_EXTRA_CA_CERTS again in `env` (what children inherit),
 * and is left for services/extra-ca-certs.ts `extraCaContext`. Nothing when the variable is absent.
 */
export function takeOverExtraCaCerts(env: NodeJS.ProcessEnv = process.env): void {
  const file = env[HANDED_OVER_VARIABLE];
  if (file === undefined) return;
  delete env[HANDED_OVER_VARIABLE];
  if (file === '') return;
  env.NODE_EXTRA_CA_CERTS = file;
  (globalThis as Record<symbol, unknown>)[Symbol.for(HANDED_OVER_KEY)] = {file};
}
