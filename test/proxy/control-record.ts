// The setting of a control-request test (control.ts controlRequest): a tui/proxy.json naming a
// live process (a `sleep` standing for the proxy's pid, so the record is not stale) on the port under
// test, with a nonce, and a config.yaml holding the fixture's API key.
import {spawn, type ChildProcess} from 'node:child_process';
import {after, before} from 'node:test';
import {processStartToken} from '../../source/services/proxy/pid-file.js';
import {makeTempCcs, type TempCcs} from '../helpers/ccs.js';
import {killAll} from '../helpers/cli.js';
import {API_KEY} from './fixture.js';

export interface RecordedStandIn {
  readonly ccs: TempCcs;
  /** The pid the record names. */
  readonly pid: number;
  /** Writes tui/proxy.json naming the stand-in on `port`, with the nonce. */
  record(port: number): void;
}

/** Made in the calling describe's `before` and removed (the process killed) in its `after`. */
export function recordedStandIn(nonce: string): RecordedStandIn {
  let ccs: TempCcs | undefined;
  let other: ChildProcess | undefined;
  before(() => {
    ccs = makeTempCcs();
    ccs.writeRaw('cliproxy/config.yaml', `port: 8317\napi-keys:\n  - "${API_KEY}"\n`);
    other = spawn('sleep', ['120'], {stdio: 'ignore'});
  });
  after(() => {
    killAll(other?.pid ? [other.pid] : []);
    ccs?.cleanup();
  });
  return {
    get ccs() {
      return ccs!;
    },
    get pid() {
      return other!.pid!;
    },
    record(port) {
      const pid = other!.pid!;
      ccs!.writeRaw('tui/proxy.json', JSON.stringify({pid, port, startedAt: new Date().toISOString(), owner: 'background', kind: 'builtin', processStart: processStartToken(pid), nonce}));
    },
  };
}
