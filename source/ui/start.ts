// Placeholder until the Ink app lands: owned by the TUI shell work.
import type {CliContext} from '../cli/context.js';

export async function startTui(ctx: CliContext): Promise<number> {
  ctx.stderr.write('the TUI is not built yet\n');
  return 1;
}
