// Entry from the command line (`ccs-tui` with no arguments).
import type {TuiContext} from './launch.js';

export async function startTui(ctx: TuiContext): Promise<number> {
  // React's development build is several times slower per frame; run the production build unless
  // someone asked otherwise. It must be set before React loads, hence the dynamic import.
  process.env.NODE_ENV ??= 'production';
  const {launchTui} = await loadLaunch();
  return launchTui(ctx);
}

/**
 * The TUI as one bundle (dist/tui/launch.js, made by scripts/bundle-tui.mjs) when it is there: Ink,
 * React and their dependencies load from one file in a third of the time of hundreds of modules.
 * Unbundled (running from source, or before a bundle was built) the same code loads module by module.
 */
async function loadLaunch(): Promise<typeof import('./launch.js')> {
  const bundled = new URL('../../tui/launch.js', import.meta.url);
  const {existsSync} = await import('node:fs');
  if (import.meta.url.endsWith('/dist/source/ui/start.js') && existsSync(bundled)) {
    return (await import(bundled.href)) as typeof import('./launch.js');
  }
  return import('./launch.js');
}
