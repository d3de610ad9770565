// Entry from the command line (`ccs-tui` with no arguments, or only --target).
import {fileURLToPath} from 'node:url';
import {ccsDirProblem, ccsPaths, resolveCcsDir} from '../store/paths.js';
import type {TuiContext} from './launch.js';

/** The streams and environment the TUI is opened with (the command line's). */
export type TuiIo = Omit<TuiContext, 'paths' | 'target' | 'stdin' | 'stdout'> & {
  stdin: NodeJS.ReadableStream & {isTTY?: boolean};
  stdout: NodeJS.WritableStream & {isTTY?: boolean};
};

/**
 * Opens the TUI on `target` (local, or one of tui.json "targets") with the CCS dir the environment
 * names; resolves with the exit code. Refuses (exit 2, said on stderr) where it cannot draw (no
 * terminal, or TERM=dumb) and where the CCS dir cannot be used (a file: ccsDirProblem).
 */
export async function openTui(io: TuiIo, target = 'local'): Promise<number> {
  if (!io.stdout.isTTY || !io.stdin.isTTY) {
    io.stderr.write('ccs-tui: the full-screen TUI needs a terminal (stdin and stdout must be a TTY).\n' + 'For scripts, use the commands instead: ccs-tui --help\n');
    return 2;
  }
  if (io.env.TERM === 'dumb') {
    io.stderr.write('ccs-tui: this terminal (TERM=dumb) cannot draw the full-screen TUI (no cursor movement).\n' + 'Use the commands instead: ccs-tui accounts, ccs-tui login <provider>, ccs-tui --help\n');
    return 2;
  }
  const paths = ccsPaths(resolveCcsDir(io.env));
  const problem = ccsDirProblem(paths);
  if (problem) {
    // CCS_DIR is text from the environment: said without escapes (sanitize.ts loaded only then).
    const {sanitizeLine} = await import('../core/sanitize.js');
    io.stderr.write(`ccs-tui: ${sanitizeLine(problem)}\n`);
    return 2;
  }
  return startTui({...io, paths, target});
}

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
