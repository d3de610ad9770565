// The prompt for a secret is drawn only once the terminal's echo is off: a person pastes when the
// prompt shows, and a paste that arrives between the prompt and the echo going off is drawn in full
// (the newcomer's `"MIIEvwIB" is on the screen` on a loaded machine). Checked on the order of the
// calls themselves (a stand-in terminal), so no timing decides it.
import assert from 'node:assert/strict';
import {writeFileSync} from 'node:fs';
import {PassThrough, Writable} from 'node:stream';
import {test} from 'node:test';
import {runCli} from '../../source/cli/run.js';
import {makeTempCcs} from '../helpers/ccs.js';
import {fakeKeyedApi} from '../helpers/fake-providers/providers.js';
import {waitFor} from '../helpers/wait.js';

const KEY = 'AIzaSyTheRightKey0123456789abcdefXYZ';

/** A terminal's stdin stand-in: raw mode switches go to `events`. */
function terminalInput(events: string[]) {
  const stdin = new PassThrough() as PassThrough & {isTTY: boolean; isRaw: boolean; setRawMode(raw: boolean): unknown};
  stdin.isTTY = true;
  stdin.isRaw = false;
  stdin.setRawMode = (raw: boolean) => {
    events.push(raw ? 'echo off' : 'echo on');
    stdin.isRaw = raw;
    return stdin;
  };
  return stdin;
}

/** An output stream whose writes go to `events` as they are made. */
function recorded(events: string[], name: string) {
  const stream = new Writable({
    write(chunk, _encoding, done) {
      events.push(`${name}: ${String(chunk)}`);
      done();
    },
  }) as Writable & {isTTY: boolean};
  stream.isTTY = true;
  return stream;
}

for (const {provider, prompt, input, settings} of [
  {provider: 'aistudio', prompt: /Paste the Google AI Studio API key, then press Enter \(it is not shown\):/, input: `${KEY}\r`, settings: true},
  {provider: 'vertex', prompt: /Paste the service-account key JSON, then press Ctrl-D \(it is not shown\):/, input: '\x04', settings: false},
]) {
  test(`login ${provider} on a terminal: echo goes off before the prompt is drawn, and back on after; the prompt fits 80 columns`, async () => {
    const api = await fakeKeyedApi(KEY, '/v1beta/openai');
    const ccs = makeTempCcs();
    try {
      if (settings) writeFileSync(ccs.paths.settings, JSON.stringify({endpoints: {aistudio: {api: api.url}}}));
      const events: string[] = [];
      const stdin = terminalInput(events);
      const run = runCli(['login', provider], {stdin, stdout: recorded(events, 'stdout'), stderr: recorded(events, 'stderr'), env: ccs.env});
      await waitFor(() => events.some((e) => prompt.test(e)), 'the prompt');
      stdin.write(input);
      await run;
      const promptAt = events.findIndex((e) => prompt.test(e));
      const offAt = events.indexOf('echo off');
      assert.ok(offAt >= 0 && offAt < promptAt, `echo went off after the prompt was drawn:\n${events.join('\n')}`);
      assert.equal(events.filter((e) => e.startsWith('echo ')).at(-1), 'echo on', 'the echo is back');
      // On one row of an 80-column terminal (the AI Studio prompt was 120 columns: its colon wrapped alone at 120).
      for (const line of events[promptAt]!.replace(/^stderr: /, '').split('\n')) assert.ok(line.length < 80, `${line.length} columns: ${line}`);
    } finally {
      await api.close();
      ccs.cleanup();
    }
  });
}
