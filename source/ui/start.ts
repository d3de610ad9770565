// Entry from the command line (`ccs-tui` with no arguments).
import {fileURLToPath} from 'node:url';
import type {TuiContext} from './launch.js';

export async function startTui(ctx: TuiContext): Promise<number> {
  // React's development build is several times slower per frame; run the production build unless
  // someone asked otherwise. It must be set before React loads, hence the dynamic import.
  process.env.NODE_ENV ??= 'production';
  const {launchTui} = await withoutCiDetection(loadLaunch);
  return launchTui(ctx);
}

/**
 * Ink (is-in-ci) and its colour detection (supports-color) read CI once, when they load: with CI set
 * Ink draws no frame until exit and colours go off, a blank screen in a real terminal. The TUI only
 * starts when stdout is a TTY (cli/run.ts), so hide CI while they load and put it back after (the
 * proxy child and commands run from here still see it).
 */
async function withoutCiDetection<T>(load: () => Promise<T>): Promise<T> {
  const saved = {CI: process.env.CI, CONTINUOUS_INTEGRATION: process.env.CONTINUOUS_INTEGRATION};
  delete process.env.CI;
  delete process.env.CONTINUOUS_INTEGRATION;
  try {
    return await load();
  } finally {
    for (const [name, value] of Object.entries(saved)) if (value !== undefined) process.env[name] = value;
  }
}

/**
 * The TUI as one bundle (dist/tui/launch-script.js, made by scripts/bundle-tui.mjs) when it is there:
 * Ink, React and their dependencies load from one file in a third of the time of hundreds of
 * modules, and from V8's code cache after the first start (load-bundle.ts). Unbundled (running from
 * source, or before a bundle was built) the same code loads module by module.
 */
async function loadLaunch(): Promise<typeof import('./launch.js')> {
  const bundled = new URL('../../tui/launch-script.js', import.meta.url);
  const {existsSync} = await import('node:fs');
  if (import.meta.url.endsWith('/dist/source/ui/start.js') && existsSync(bundled)) {
    const {loadBundle} = await import('./load-bundle.js');
    return loadBundle(fileURLToPath(bundled));
  }
  return import('./launch.js');
}
