#!/usr/bin/env node
// Entry point of the `ccs-tui` binary. Kept tiny: the command line never loads Ink.
import {runCli} from './run.js';

process.exitCode = await runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
  env: process.env,
});
