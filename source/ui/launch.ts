// Mounts the App full screen on the real terminal with real services.
import {createElement} from 'react';
import {watchNativeFiles} from '../services/native/sync.js';
import {AccountStore} from '../store/accounts.js';
import type {CcsPaths} from '../store/paths.js';
import {App} from './App.js';
import {buildServices} from './app-services.js';
import {runFullScreen} from './terminal.js';

/** What the TUI needs from whoever starts it (the command line passes its own context). */
export interface TuiContext {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  stdin: NodeJS.ReadableStream;
  env: NodeJS.ProcessEnv;
  paths: CcsPaths;
}

export async function launchTui(ctx: TuiContext): Promise<number> {
  const io = {stdout: ctx.stdout as NodeJS.WriteStream, stdin: ctx.stdin as NodeJS.ReadStream, stderr: ctx.stderr as NodeJS.WriteStream};
  let services: ReturnType<typeof buildServices> | undefined;
  // Read before mounting, so the first frame shows the accounts instead of an empty list; a failure
  // here is shown by the app, which loads again.
  const initialAccounts = await new AccountStore(ctx.paths).load().catch(() => undefined);
  // Native mode: what an agent refreshes into its own credential file is saved while the TUI runs.
  const stopNativeWatch = watchNativeFiles(new AccountStore(ctx.paths));
  try {
    return await runFullScreen((controls) => {
      services = buildServices(ctx.paths, ctx.env, io.stdout, controls.suspend);
      return createElement(App, {services, size: controls.size, initialAccounts});
    }, io);
  } finally {
    stopNativeWatch();
    // Quitting the TUI stops its proxy child (signals kill it through the supervisor's exit hook).
    await services?.proxy?.dispose();
    services?.settings.dispose();
  }
}
