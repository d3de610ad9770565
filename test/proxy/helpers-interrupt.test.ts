// A test process interrupted (Ctrl-C on `npm test`) dies before its after() hooks: the proxies its
// helpers started must not outlive it. A stand-in test process starts a background proxy (`proxy
// start`, as test/proxy/proxy-child.ts does) and a `proxy serve` as a shell's job (serveByHand, its
// own process group), then gets SIGINT: both proxies are gone, and it still ends by that SIGINT.
import assert from 'node:assert/strict';
import {spawn} from 'node:child_process';
import {rmSync} from 'node:fs';
import path from 'node:path';
import {test} from 'node:test';
import {isProcessAlive} from '../../source/services/proxy/pid-file.js';
import {API_KEY} from './fixture.js';

const helper = (name: string) => new URL(`../helpers/${name}`, import.meta.url).href;

test('a test process interrupted by SIGINT stops the proxies its helpers started (background and shell job), then ends by the signal', async () => {
  const script = `
    import {readFileSync} from 'node:fs';
    import path from 'node:path';
    const {makeTempCcs} = await import(${JSON.stringify(helper('ccs.js'))});
    const {runBin, serveByHand} = await import(${JSON.stringify(helper('cli.js'))});
    const [background, byHand] = [makeTempCcs(), makeTempCcs()];
    for (const ccs of [background, byHand]) ccs.writeRaw('cliproxy/config.yaml', 'api-keys:\\n  - "${API_KEY}"\\n');
    const started = await runBin(['proxy', 'start', '--port', '0'], background.env);
    if (started.code !== 0) throw new Error(started.stderr);
    const record = JSON.parse(readFileSync(path.join(background.paths.root, 'tui', 'proxy.json'), 'utf8'));
    const served = await serveByHand(['--port', '0'], byHand.env, []);
    console.log(JSON.stringify({pids: [record.pid, served.pid, served.shell.pid], dirs: [background.paths.root, byHand.paths.root].map((root) => path.dirname(root))}));
    setInterval(() => {}, 1000);
  `;
  const testProcess = spawn(process.execPath, ['--input-type=module', '-e', script], {stdio: ['ignore', 'pipe', 'inherit']});
  let started: {pids: number[]; dirs: string[]} | undefined;
  try {
    started = await new Promise((resolve, reject) => {
      let out = '';
      testProcess.stdout.on('data', (d) => {
        out += String(d);
        if (out.includes('\n')) resolve(JSON.parse(out.split('\n')[0]!));
      });
      testProcess.once('exit', (code) => reject(new Error(`the stand-in test exited ${code}: ${out}`)));
    });
    assert.ok(started!.pids.every(isProcessAlive), 'the proxies run');
    const ended = new Promise<NodeJS.Signals | null>((resolve) => testProcess.once('exit', (_code, signal) => resolve(signal)));
    testProcess.kill('SIGINT');
    assert.equal(await ended, 'SIGINT', 'it still ends by the signal');
    const deadline = Date.now() + 10_000;
    while (started!.pids.some(isProcessAlive) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    assert.deepEqual(started!.pids.filter(isProcessAlive), [], 'no proxy outlived the interrupted test process');
  } finally {
    testProcess.kill('SIGKILL');
    for (const pid of started?.pids ?? []) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
    for (const dir of started?.dirs ?? []) rmSync(path.resolve(dir), {recursive: true, force: true});
  }
});
