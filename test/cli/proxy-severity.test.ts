// The proxy's last error is its last error: a token file others can read is a warning (a log line,
// never `proxy status`'s last error, nor the proxy screen's Error row), and a config.yaml it refuses
// later replaces what was there. The TUI's proxy child (the built binary) under a supervisor.
import assert from 'node:assert/strict';
import {chmodSync, readFileSync} from 'node:fs';
import {after, test} from 'node:test';
import {proxyLogPath} from '../../source/services/proxy/pid-file.js';
import {builtProxySupervisor, stateWhen} from '../helpers/supervisor.js';
import {makeTempCcs} from '../helpers/ccs.js';
import {runBin} from '../helpers/cli.js';
import {API_KEY, oauthToken} from '../proxy/fixture.js';
import {CLOCK_SECOND} from '../helpers/clock-text.js';

const cleanups: Array<() => Promise<void>> = [];
after(async () => {
  for (const cleanup of cleanups) await cleanup();
});

test("another provider's 0644 token file is a warning in the log, never the last error; a refused config.yaml later is the last error everywhere", async () => {
  const ccs = makeTempCcs();
  ccs.writeToken('claude-a@example.com.json', oauthToken('claude', 'a@example.com'));
  chmodSync(ccs.writeToken('qwen-gina.json', oauthToken('qwen', 'gina@example.com')), 0o644);
  ccs.writeRaw('cliproxy/config.yaml', `api-keys:\n  - "${API_KEY}"\n`);
  const supervisor = builtProxySupervisor(ccs);
  cleanups.push(async () => {
    await supervisor.stop();
    ccs.cleanup();
  });
  await supervisor.start({provider: 'claude'});
  // The proxy's own line (its event), beside the `ccs-tui: warning:` its command line printed when it read the file (cli/run.ts).
  const fromProxy = (l: string) => l.includes('qwen-gina.json') && !l.startsWith('ccs-tui: ');
  const running = await stateWhen(supervisor, (s) => s.phase === 'running' && Boolean(s.port) && s.logTail.some(fromProxy));
  const line = running.logTail.find(fromProxy)!;
  assert.match(line, new RegExp(String.raw`^${CLOCK_SECOND} warning: .*qwen-gina\.json: readable by group and others \(mode 0644\)`));
  assert.ok(!running.logTail.some((l) => l.includes('qwen-gina.json') && /error: /.test(l)), 'never an error line');
  assert.equal(running.lastError, undefined, 'a warning is not the last error');
  const quiet = JSON.parse((await runBin(['proxy', 'status', '--json'], ccs.env)).stdout) as {lastError: string | null};
  assert.equal(quiet.lastError, null);

  // config.yaml broken mid-edit: the next request reads it, keeps the previous one, and says so.
  ccs.writeRaw('cliproxy/config.yaml', `api-keys:\n  - "${API_KEY}\n`);
  const ask = () => fetch(`http://127.0.0.1:${running.port}/v1/models`, {headers: {'x-api-key': API_KEY}}).then((r) => r.arrayBuffer());
  await ask();
  await new Promise((resolve) => setTimeout(resolve, 600));
  await ask();
  const refused = await stateWhen(supervisor, (s) => /config\.yaml/.test(s.lastError ?? ''));
  assert.match(refused.lastError!, /config\.yaml:3:1: invalid YAML.*; keeping the previous config/);
  assert.ok(refused.lastErrorAt, 'with its time');
  // Fixed again (`proxy status` reads its key there): the refusal stays the last error, with nothing newer.
  ccs.writeRaw('cliproxy/config.yaml', `api-keys:\n  - "${API_KEY}"\n`);
  const status = JSON.parse((await runBin(['proxy', 'status', '--json'], ccs.env)).stdout) as {lastError: string | null};
  assert.match(status.lastError ?? '', /config\.yaml:3:1: invalid YAML/);
  const log = readFileSync(proxyLogPath(ccs.paths), 'utf8');
  assert.match(log, /warning: .*qwen-gina\.json: readable by group/);
  assert.doesNotMatch(log, /error: .*qwen-gina\.json/);
});
