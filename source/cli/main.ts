#!/usr/bin/env node
// Entry point of the `ccs-tui` binary. Kept tiny: the command line never loads Ink.
import {exitQuietlyOnClosedPipe} from './closed-pipe.js';
import {runCli} from './run.js';

// Every command: a reader that closes early (`| head`) ends us quietly (exit 141), never a stack trace.
exitQuietlyOnClosedPipe([process.stdout, process.stderr]);

process.exitCode = await runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
  env: process.env,
});
