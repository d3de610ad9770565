// The proxy screen at 80×24 with long notes on its exports (AI Studio with no model list to be had)
// and a log: a note is never cut mid-command (whole, or one line saying where they are), and the
// log keeps its last lines.
import {cleanUp, renderTui, type TuiHandle} from '../helpers/ink.js';
import assert from 'node:assert/strict';
import {spawn, type ChildProcess} from 'node:child_process';
import {mkdirSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {afterEach, test} from 'node:test';
import {proxyPidFilePath} from '../../source/services/proxy/pid-file.js';
import {ProxySupervisor} from '../../source/services/proxy-supervisor.js';
import {makeTempCcs, type TempCcs} from '../helpers/ccs.js';
import {freePort} from '../helpers/fake-upstreams.js';

let ccs: TempCcs | undefined;
let tui: TuiHandle | undefined;
let proxy: ProxySupervisor | undefined;
const children: ChildProcess[] = [];
afterEach(async () => {
  await proxy?.dispose();
  [tui, ccs] = cleanUp(tui, ccs);
  for (const child of children.splice(0)) child.kill('SIGKILL');
});

test('80×24: the exports\' notes are whole or summed up in one line, and the last log lines stay', async () => {
  ccs = makeTempCcs();
  ccs.writeToken('aistudio-key-443c8191a092.json', {type: 'aistudio', api_key: 'AIzaSyShortNotesKeyShortNotesKey000001', account_id: 'key-443c8191a092'});
  ccs.writeRaw('cliproxy/config.yaml', 'api-keys:\n  - "sk-short-notes-0123456789"\n');
  // Its live list cannot be had (nothing listens there): the notes say so and how to name models by hand.
  writeFileSync(ccs.paths.settings, JSON.stringify({endpoints: {aistudio: {api: `http://127.0.0.1:${await freePort()}`}}}));
  const other = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], {stdio: 'ignore'});
  children.push(other);
  mkdirSync(ccs.paths.state, {recursive: true});
  mkdirSync(ccs.paths.logs, {recursive: true});
  const startedAt = new Date(Date.now() - 1000).toISOString();
  writeFileSync(proxyPidFilePath(ccs.paths), JSON.stringify({pid: other.pid, port: 18777, provider: 'aistudio', startedAt, owner: 'background', kind: 'cliproxy-binary'}));
  const log = Array.from({length: 6}, (_, i) => `${new Date().toISOString()} log line number ${i + 1}`);
  writeFileSync(path.join(ccs.paths.logs, 'proxy.log'), `${log.join('\n')}\n`);
  proxy = new ProxySupervisor({paths: ccs.paths, env: ccs.env});
  tui = await renderTui({paths: ccs.paths, width: 80, height: 24, route: {screen: 'proxy', params: {}}, services: {proxy}});
  const frame = await tui.waitFor((f) => f.includes('log line number 6') && /export ANTHROPIC_BASE_URL/.test(f), 10_000);
  for (const n of [4, 5, 6]) assert.match(frame, new RegExp(`log line number ${n}`), frame);
  // The hand-export note is there whole (to its last words) or not at all, said in one line.
  const whole = /passes a model it does not list on as is\)/.test(frame.replace(/[\s│]+/g, ' '));
  const summed = /notes? on these exports: a taller terminal shows them/.test(frame);
  assert.ok(whole || summed, frame);
  if (!whole) assert.doesNotMatch(frame, /ANTHROPIC_MODEL=<model id>/, 'no note cut mid-command');
});
