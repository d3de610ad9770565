// Mounts the App full screen on the real terminal with real services.
import {createElement} from 'react';
import type {CliContext} from '../cli/context.js';
import {App} from './App.js';
import {buildServices} from './app-services.js';
import {runFullScreen} from './terminal.js';

export async function launchTui(ctx: CliContext): Promise<number> {
  const io = {stdout: ctx.stdout as NodeJS.WriteStream, stdin: ctx.stdin as NodeJS.ReadStream, stderr: ctx.stderr as NodeJS.WriteStream};
  return runFullScreen(
    (controls) => createElement(App, {services: buildServices(ctx.paths, ctx.env, io.stdout, controls.suspend), size: controls.size}),
    io,
  );
}
