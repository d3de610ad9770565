// Mounts the App full screen on the real terminal with real services.
import {createElement} from 'react';
import {describeUserError} from '../store/errors.js';
import {watchNativeFiles} from '../services/native/sync.js';
import {holdExtraCaWarnings} from '../services/extra-ca-certs.js';
import {AccountStore} from '../store/accounts.js';
import type {CcsPaths} from '../store/paths.js';
import {App} from './App.js';
import {buildServices} from './app-services.js';
import {agentsLeftLine} from './actions/proxy.js';
import type {AppServices} from './services.js';
import {plainTerminal, runFullScreen} from './terminal.js';

/** What the TUI needs from whoever starts it (the command line passes its own context). */
export interface TuiContext {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  stdin: NodeJS.ReadableStream;
  env: NodeJS.ProcessEnv;
  paths: CcsPaths;
  /** `--target NAME`: start on this target (`local`, or one of tui.json "targets"). */
  target?: string;
}

export async function launchTui(ctx: TuiContext): Promise<number> {
  const io = {stdout: ctx.stdout as NodeJS.WriteStream, stdin: ctx.stdin as NodeJS.ReadStream, stderr: ctx.stderr as NodeJS.WriteStream};
  // Suspending needs the full screen, which comes later; the services are needed before it.
  let suspend: AppServices['suspend'] | undefined;
  const services = buildServices(ctx.paths, ctx.env, io.stdout, (task) => (suspend ? suspend(task) : task(plainTerminal(io.stdout))));
  // Native mode: what an agent refreshes into its own credential file is saved while the TUI runs.
  const stopNativeWatch = watchNativeFiles(new AccountStore(ctx.paths));
  let releaseWarnings: (() => void) | undefined;
  // Read as the screen goes, before the stop: agents that used the proxy say so on the shell.
  let agentsLeft: string | undefined;
  try {
    // Opened before the full screen: a wrong key, a ban or an unreachable server is a plain error on
    // the command line (the key is never part of it). Reported here, not by the caller: in the
    // bundle (start.ts) this module's UserError is not the command line's class.
    if (ctx.target) {
      try {
        await services.targets.switchTo(ctx.target);
      } catch (error) {
        const report = describeUserError(error);
        if (!report) throw error;
        ctx.stderr.write(`ccs-tui: ${report.text}\n`);
        return report.exitCode;
      }
    }
    // Read before mounting, so the first frame shows the accounts instead of an empty list; a failure
    // here is shown by the app, which loads again. Locally, the last TUI's snapshot while the files
    // it was read from are as they were (store/snapshot-cache.ts): the app reads them after that frame.
    const local = services.targets.current.accounts === services.store;
    const cached = local ? services.store.cachedSnapshot() : undefined;
    const initialAccounts = cached ?? (await services.targets.current.accounts.load().catch(() => undefined));
    // The hand-over's warnings (a CA file read in part) go to the problems list (M) while the screen is drawn.
    releaseWarnings = holdExtraCaWarnings();
    const code = await runFullScreen((controls) => {
      suspend = controls.suspend;
      return createElement(App, {services, size: controls.size, initialAccounts, initialFromCache: cached !== undefined});
    }, io);
    agentsLeft = agentsLeftLine(services);
    return code;
  } finally {
    releaseWarnings?.();
    // A login left to finish (Esc while its account was stored): waited for, saying so, once the
    // screen is given back; Ctrl-C still ends it.
    await services.unfinished.finish((line) => ctx.stderr.write(`ccs-tui: ${line}\n`));
    // What this TUI last read, for the next one's first frame; a failure costs only that.
    await services.store.keepSnapshotForNextStart().catch(() => undefined);
    stopNativeWatch();
    // Quitting the TUI stops its proxy child (signals kill it through the supervisor's exit hook)
    // and the quota poller: its timers and requests in flight would keep the process alive after quit.
    services.quota?.stop();
    await services.proxy?.dispose();
    if (agentsLeft) ctx.stderr.write(`ccs-tui: ${agentsLeft}\n`);
    services.targets.dispose();
    services.settings.dispose();
  }
}
