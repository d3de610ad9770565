// Entry from the command line (`ccs-tui` with no arguments).
import type {CliContext} from '../cli/context.js';

export async function startTui(ctx: CliContext): Promise<number> {
  // React's development build is several times slower per frame; run the production build unless
  // someone asked otherwise. It must be set before React loads, hence the dynamic import.
  process.env.NODE_ENV ??= 'production';
  const {launchTui} = await import('./launch.js');
  return launchTui(ctx);
}
