// The loopback guard (loopback-guard.ts) for a child process: `NODE_OPTIONS=--import <this file>` on
// the built binary. Every connection beyond 127.0.0.1 fails before any name lookup, and at exit the
// hosts tried are written on stderr as `loopback guard blocked: <hosts>` for the test to assert on.
import {writeSync} from 'node:fs';
import {guardLoopback} from './loopback-guard.js';

const guard = guardLoopback();
process.on('exit', () => {
  if (guard.blocked.length > 0) writeSync(2, `loopback guard blocked: ${guard.blocked.join(' ')}\n`);
});
