#!/usr/bin/env node
// Entry point of the `ccs-tui` binary. Kept tiny: the command line never loads Ink, and the rest
// of it loads only after a login that reads a secret has turned the terminal's echo off.
import {exitQuietlyOnClosedPipe} from './closed-pipe.js';
import {takeOverExtraCaCerts} from './extra-ca-handover.js';

// First: bin/ccs-tui moved NODE_EXTRA_CA_CERTS aside (Node 20 reads it at start, ~40 ms); every
// program this process starts gets it back (cli/extra-ca-handover.ts).
takeOverExtraCaCerts();

// Every command: a reader that closes early (`| head`) ends us quietly (exit 141), never a stack trace.
exitQuietlyOnClosedPipe([process.stdout, process.stderr]);

const args = process.argv.slice(2);
// A key pasted right after Enter is drawn by the terminal until a program turns the echo off:
// before the command line's modules load (cli/login-early.ts).
// node:tty only then: loading it costs every other command a millisecond or two.
if (args[0] === 'login' && (await import('node:tty')).isatty(0)) (await import('./login-early.js')).holdForSecretLogin(args.slice(1), process.stdin, process.stderr);

const io = {stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env};
try {
  // No arguments: the TUI. run.ts (every command's dispatch, ~110 KB of modules) took ~10 ms to
  // compile before the TUI's first frame, and is loaded only if the TUI fails to start.
  process.exitCode = args.length === 0 ? await openTui(io) : await (await import('./run.js')).runCli(args, io);
} finally {
  // A login that ended before its prompt (bad usage, an error): the terminal's echo is back.
  if (args[0] === 'login') (await import('./stdin.js')).releaseTerminalInput();
}

/** The TUI on this machine; a failure to start is said as a command's is (run.ts). */
async function openTui(io: Parameters<typeof import('./run.js').runCli>[1]): Promise<number> {
  try {
    return await (await import('../ui/start.js')).openTui(io);
  } catch (error) {
    return (await import('./run.js')).reportTuiFailure(io, error);
  }
}
