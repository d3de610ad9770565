// Mounts the App full screen on the real terminal with real services.
import {createElement} from 'react';
import type {CliContext} from '../cli/context.js';
import {AccountStore} from '../store/accounts.js';
import {App} from './App.js';
import {buildServices} from './app-services.js';
import {runFullScreen} from './terminal.js';

export async function launchTui(ctx: CliContext): Promise<number> {
  const io = {stdout: ctx.stdout as NodeJS.WriteStream, stdin: ctx.stdin as NodeJS.ReadStream, stderr: ctx.stderr as NodeJS.WriteStream};
  let services: ReturnType<typeof buildServices> | undefined;
  // Read before mounting, so the first frame shows the accounts instead of an empty list; a failure
  // here is shown by the app, which loads again.
  const initialAccounts = await new AccountStore(ctx.paths).load().catch(() => undefined);
  try {
    return await runFullScreen((controls) => {
      services = buildServices(ctx.paths, ctx.env, io.stdout, controls.suspend);
      return createElement(App, {services, size: controls.size, initialAccounts});
    }, io);
  } finally {
    // Quitting the TUI stops its proxy child (signals kill it through the supervisor's exit hook)
    // and the quota poller: its timers and requests in flight would keep the process alive after quit.
    services?.quota?.stop();
    await services?.proxy?.dispose();
  }
}
