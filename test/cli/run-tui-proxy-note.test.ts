// `ccs-tui run` on a proxy that is a TUI's own (its child, which stops when that TUI quits): the run
// says so, so that the agent's proxy going away when the TUI quits is no surprise (the TUI asks
// first: test/ui/quit-agents-proxy.test.ts). A background proxy's run says nothing of the kind. And
// `proxy stop` under a running agent says it left the agent without a proxy.
import assert from 'node:assert/strict';
import {readFileSync, writeFileSync} from 'node:fs';
import {after, describe, it} from 'node:test';
import {makeTempCcs} from '../helpers/ccs.js';
import {runBin} from '../helpers/cli.js';
import {freePort} from '../helpers/fake-upstreams.js';
import {proxyPidFilePath} from '../../source/services/proxy/pid-file.js';
import {API_KEY, oauthToken} from '../proxy/fixture.js';

describe("run on a TUI's proxy", () => {
  const ccs = makeTempCcs();
  after(async () => {
    await runBin(['proxy', 'stop'], ccs.env);
    ccs.cleanup();
  });

  it("says the proxy is a TUI's own and stops when that TUI quits; on a background proxy, not", async () => {
    ccs.writeToken('claude-a@example.com.json', oauthToken('claude', 'a@example.com'));
    ccs.writeRaw('cliproxy/config.yaml', `port: ${await freePort()}\napi-keys:\n  - "${API_KEY}"\n`);
    const agent = ccs.writeRaw('agent.mjs', 'process.stdout.write("agent ran");\n');
    const env = {...ccs.env, CCS_TUI_AGENT_CLAUDE: JSON.stringify([process.execPath, agent]), ANTHROPIC_MODEL: 'claude-sonnet-4-5'};
    const first = await runBin(['run', 'claude'], env);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stderr, /started the proxy in the background/);
    const background = await runBin(['run', 'claude'], env);
    assert.match(background.stderr, /using the running proxy \(pid \d+, port \d+\), serving the claude pool \(a@example\.com first\) on \/api\/provider\/claude\n/);
    // The record a TUI's child has (proxy/serve.ts under the supervisor): owner "tui".
    const record = JSON.parse(readFileSync(proxyPidFilePath(ccs.paths), 'utf8')) as Record<string, unknown>;
    writeFileSync(proxyPidFilePath(ccs.paths), JSON.stringify({...record, owner: 'tui'}), {mode: 0o600});
    const onTui = await runBin(['run', 'claude'], env);
    assert.equal(onTui.code, 0, onTui.stderr);
    assert.match(onTui.stdout, /agent ran/);
    assert.match(onTui.stderr, /using the running proxy \(pid \d+, port \d+; a TUI's own: it stops when that TUI quits, which asks first\), serving the claude pool/);
  });

  it('proxy stop with an agent on it: stopped, and the agent left without a proxy is said with how to serve it again', async () => {
    const record = JSON.parse(readFileSync(proxyPidFilePath(ccs.paths), 'utf8')) as {port: number};
    // An agent `run` recorded on that port (this test's own process stands in: it is alive).
    ccs.writeRaw('tui/agents.json', JSON.stringify([{pid: process.pid, agent: 'claude', provider: 'claude', port: record.port, startedAt: new Date().toISOString(), where: 'foreground'}]));
    const stopped = await runBin(['proxy', 'stop'], ccs.env);
    assert.equal(stopped.code, 0, stopped.stderr);
    assert.match(stopped.stdout, /^proxy stopped \(pid \d+\)$/m);
    // With what it served (the claude pool: `run claude` started it), so the same requests are served again.
    assert.equal(stopped.stderr, `ccs-tui: note: 1 running agent (claude pid ${process.pid}) used it and has none now: ccs-tui proxy start --port ${record.port} --provider claude serves it again in the background\n`);
  });
});
