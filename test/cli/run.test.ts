// `ccs-tui run` with the REAL Claude Code CLI: it starts the background proxy, points Claude Code at
// it, Claude Code answers a prompt from a local Anthropic upstream, and its exit code comes back; a
// second run reuses the proxy. Agents the proxy cannot serve are refused before anything starts.
import assert from 'node:assert/strict';
import {spawn} from 'node:child_process';
import {createServer, type AddressInfo} from 'node:net';
import {mkdirSync, readFileSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {after, describe, it} from 'node:test';
import {readRunningAgents} from '../../source/services/agents/running.js';
import {fetchProxyStatus} from '../../source/services/proxy/control.js';
import {readRunningProxy} from '../../source/services/proxy/pid-file.js';
import {PROVIDERS} from '../../source/providers/table.js';
import {installedAgents} from '../helpers/agents.js';
import {makeTempCcs} from '../helpers/ccs.js';
import {binPath, runBin} from '../helpers/cli.js';
import {stopProxyOnInterrupt} from '../helpers/interrupt.js';
import {anthropicMessage, freePort, sendJson, startFakeUpstream, writeSse} from '../helpers/fake-upstreams.js';
import {API_KEY, oauthToken} from '../proxy/fixture.js';

const agents = installedAgents();

describe('ccs-tui run', async () => {
  const ccs = makeTempCcs();
  const upstream = await startFakeUpstream((req, res) => {
    if (req.path === '/v1/messages') return sendJson(res, 200, anthropicMessage(String(req.body?.model), 'pong from the fake upstream'));
    if (req.path === '/responses') return writeSse(res, responsesTurn(String(req.body?.model), 'pong from the codex upstream'), {});
    sendJson(res, 404, {error: {type: 'not_found_error', message: `no ${req.path}`}});
  });
  ccs.writeToken('codex-c@example.com.json', oauthToken('codex', 'c@example.com', {account_id: 'acct-c'}));
  ccs.writeToken('claude-a@example.com.json', oauthToken('claude', 'a@example.com'));
  ccs.writeToken('claude-b@example.com.json', oauthToken('claude', 'b@example.com'));
  const port = await freePort();
  ccs.writeRaw('cliproxy/config.yaml', `port: ${port}\napi-keys:\n  - "${API_KEY}"\n`);
  writeFileSync(ccs.paths.settings, JSON.stringify({endpoints: {claude: {api: upstream.url}, codex: {api: upstream.url}}}));
  const home = ccs.env.HOME!;
  mkdirSync(path.join(home, '.claude'), {recursive: true});
  const env = (command: string[]) => ({
    ...ccs.env,
    CCS_TUI_AGENT_CLAUDE: JSON.stringify(command),
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
    DISABLE_AUTOUPDATER: '1',
    DISABLE_TELEMETRY: '1',
    ANTHROPIC_API_KEY: 'sk-ant-must-be-removed',
  });
  after(async () => {
    await runBin(['proxy', 'stop'], ccs.env);
    await upstream.close();
    ccs.cleanup();
  });

  it('runs the real Claude Code on an account through a proxy it starts, then reuses the proxy', {skip: 'skip' in agents ? agents.skip : false, timeout: 120_000}, async () => {
    const command = (agents as {claude: string[]}).claude;
    const first = await runBin(['run', 'claude', 'a@example.com', '--', '-p', 'hi', '--output-format', 'json'], env(command), undefined, 90_000);
    assert.equal(first.code, 0, first.stderr);
    const answer = JSON.parse(first.stdout) as {result: string; is_error: boolean};
    assert.equal(answer.is_error, false, first.stdout);
    assert.match(answer.result, /pong from the fake upstream/);
    assert.match(first.stderr, /started the proxy in the background \(pid \d+, port \d+/);
    const proxy = readRunningProxy(ccs.paths);
    assert.ok(proxy, 'the background proxy keeps running after the agent exits');
    const sent = upstream.requests.filter((r) => r.path === '/v1/messages');
    assert.ok(sent.length > 0);
    // The proxy sent account a's token upstream, never the person's own ANTHROPIC_API_KEY.
    assert.ok(sent.every((r) => r.headers.authorization === 'Bearer at-a@example.com-0123456789abcdef'), JSON.stringify(sent.map((r) => r.headers.authorization)));

    const before = upstream.requests.length;
    const second = await runBin(['run', 'claude', 'b@example.com', '--', '-p', 'again', '--output-format', 'json'], env(command), undefined, 90_000);
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stderr, new RegExp(`using the running proxy \\(pid ${proxy.pid}, port ${proxy.port}\\), now serving claude / b@example.com`));
    assert.equal(readRunningProxy(ccs.paths)?.pid, proxy.pid, 'same proxy process');
    const later = upstream.requests.slice(before).filter((r) => r.path === '/v1/messages');
    assert.ok(later.length > 0 && later.every((r) => r.headers.authorization === 'Bearer at-b@example.com-0123456789abcdef'));
  });

  it('runs the real Codex CLI on a codex account (its -c model provider pointed at the proxy)', {skip: 'skip' in agents ? agents.skip : false, timeout: 120_000}, async () => {
    const codexHome = path.join(home, 'codex-home');
    mkdirSync(codexHome, {recursive: true});
    const result = await runBin(
      ['run', 'codex', '--agent', 'codex', '--', 'exec', '--skip-git-repo-check', 'say pong'],
      {...env((agents as {claude: string[]}).claude), CCS_TUI_AGENT_CODEX: JSON.stringify((agents as {codex: string[]}).codex), CODEX_HOME: codexHome},
      undefined,
      90_000,
    );
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /pong from the codex upstream/);
    assert.match(result.stderr, /provider: ccs-tui/);
    const sent = upstream.requests.filter((r) => r.path === '/responses');
    assert.ok(sent.length > 0 && sent.every((r) => r.headers.authorization === 'Bearer at-c@example.com-0123456789abcdef'));
  });

  it("returns the agent's exit code and forwards its arguments", async () => {
    const script = ccs.writeRaw('fake-agent.mjs', 'process.stdout.write(JSON.stringify({args: process.argv.slice(2), base: process.env.ANTHROPIC_BASE_URL, key: process.env.ANTHROPIC_AUTH_TOKEN, apiKey: process.env.ANTHROPIC_API_KEY ?? null})); process.exit(7);\n');
    const result = await runBin(['run', 'claude', '--', '--flag', 'value'], env([process.execPath, script]));
    assert.equal(result.code, 7, result.stderr);
    const seen = JSON.parse(result.stdout) as {args: string[]; base: string; key: string; apiKey: string | null};
    assert.deepEqual(seen.args, ['--flag', 'value']);
    assert.equal(seen.base, `http://127.0.0.1:${port}/api/provider/claude`);
    assert.equal(seen.key, API_KEY);
    assert.equal(seen.apiKey, null);
  });

  it("always names the provider's default model to Codex CLI, whose own default no other provider serves", async () => {
    const script = ccs.writeRaw('args-agent.mjs', 'process.stdout.write(JSON.stringify(process.argv.slice(2)));\n');
    for (const [provider, model] of [['claude', 'claude-opus-5'], ['codex', 'gpt-5.6-sol']]) {
      const result = await runBin(['run', provider!, '--agent', 'codex', '--', 'exec', 'hi'], {...ccs.env, CCS_TUI_AGENT_CODEX: JSON.stringify([process.execPath, script])});
      assert.equal(result.code, 0, result.stderr);
      const args = JSON.parse(result.stdout) as string[];
      assert.ok(args.includes(`model="${model}"`), `${provider}: ${args.join(' ')}`);
      assert.deepEqual(args.slice(-2), ['exec', 'hi']);
    }
  });

  it("returns the exit code of an agent that exits at once, and 128+n when a signal ends it", async () => {
    // No node start-up to hide behind: these exit before ccs-tui has written agents.json.
    const seven = await runBin(['run', 'claude'], env(['/bin/sh', '-c', 'exit 7']));
    assert.equal(seven.code, 7, seven.stderr);
    const no = await runBin(['run', 'claude'], env(['/bin/false']));
    assert.equal(no.code, 1, no.stderr);
    const killed = await runBin(['run', 'claude'], env(['/bin/sh', '-c', 'kill -TERM $$']));
    assert.equal(killed.code, 143, killed.stderr);
    const quit = await runBin(['run', 'claude'], env(['/bin/sh', '-c', 'kill -KILL $$']));
    assert.equal(quit.code, 137, quit.stderr);
    assert.deepEqual(readRunningAgents(ccs.paths), [], 'no agent left in agents.json');
  });

  it('warns, naming them, when a second run moves the shared proxy away from agents still running', async () => {
    const ready = ccs.writeRaw('first-agent-ready', '');
    // The first agent stays until killed; it says when it runs.
    const first = spawn(process.execPath, [binPath, 'run', 'claude', 'a@example.com'], {
      env: env(['/bin/sh', '-c', `echo up > ${ready}; exec sleep 60`]),
      stdio: 'ignore',
    });
    stopProxyOnInterrupt(ccs.paths.root);
    try {
      const deadline = Date.now() + 20_000;
      while (!readFileSync(ready, 'utf8') || readRunningAgents(ccs.paths).length === 0) {
        assert.ok(Date.now() < deadline, 'the first agent did not start');
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      const [agent] = readRunningAgents(ccs.paths);
      const second = await runBin(['run', 'claude', 'b@example.com'], env(['/bin/true']));
      assert.equal(second.code, 0, second.stderr);
      assert.match(
        second.stderr,
        new RegExp(`ccs-tui: warning: the proxy is shared with agents still running: claude pid ${agent!.pid} \\(started on claude / a@example\\.com\\) is now served by b@example\\.com`),
      );
      // Moving it back to the account the agent started on warns no more.
      const third = await runBin(['run', 'claude', 'a@example.com'], env(['/bin/true']));
      assert.equal(third.code, 0, third.stderr);
      assert.doesNotMatch(third.stderr, /warning/);
    } finally {
      first.kill('SIGTERM');
      await new Promise((resolve) => first.once('exit', resolve));
    }
  });

  it('refuses an agent the proxy cannot serve for the provider, before starting anything', async () => {
    const result = await runBin(['run', 'claude', '--agent', 'gemini'], env([process.execPath, '-e', 'process.exit(0)']));
    assert.equal(result.code, 1);
    assert.match(result.stderr, /Gemini CLI cannot use Claude through the proxy: the proxy has no gemini-api route/);
    const unknown = await runBin(['run', 'claude', '--agent', 'nope'], ccs.env);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /unknown agent "nope" \(--agent: claude, codex, qwen, gemini\)/);
  });

  it('names the ways to provide a missing agent binary', async () => {
    const result = await runBin(['run', 'claude', '--agent', 'qwen'], {...ccs.env, PATH: '/nonexistent'});
    // qwen (OpenAI Chat) on Claude (Anthropic) needs a translator; until one lands this is the refusal.
    assert.equal(result.code, 1);
    assert.match(result.stderr, /Qwen Code (cannot use Claude through the proxy|not found: no qwen on PATH \(install it, or set agents\.qwen\.command in tui\.json or CCS_TUI_AGENT_QWEN\))/);
  });
});

describe('ccs-tui run on a provider nothing can serve', () => {
  it('refuses before starting the proxy or the agent, with the proxy\'s own reason', async () => {
    const ccs = makeTempCcs();
    try {
      ccs.writeToken('qwen-q@example.com.json', oauthToken('qwen', 'q@example.com'), 'auth-paused');
      const started = ccs.writeRaw('agent-started', '');
      // The agent would record that it ran; it must never get there.
      const env = {...ccs.env, CCS_TUI_AGENT_CLAUDE: JSON.stringify(['/bin/sh', '-c', `echo ran >> ${started}`])};
      const gemini = await runBin(['run', 'gemini'], env);
      assert.equal(gemini.code, 1, gemini.stderr);
      assert.match(gemini.stderr, /Claude Code cannot use Gemini: no Gemini account \(ccs-tui login gemini\)/);
      const paused = await runBin(['run', 'qwen'], env);
      assert.equal(paused.code, 1, paused.stderr);
      assert.match(paused.stderr, /every Qwen account is paused \(.*\): resume one with: ccs-tui resume qwen <account>/);
      const vertex = await runBin(['run', 'vertex'], env);
      assert.equal(vertex.code, 1, vertex.stderr);
      assert.match(vertex.stderr, /Claude Code cannot use Vertex AI through the proxy: Vertex AI has no inference base URL/);
      assert.equal(readRunningProxy(ccs.paths), undefined, 'no proxy was started');
      assert.equal(readFileSync(started, 'utf8'), '', 'the agent never ran');
    } finally {
      ccs.cleanup();
    }
  });
});

describe('ccs-tui run and env on a provider with no account', () => {
  it('refuses every provider before starting anything, leaves a running proxy where it was, and env exits 1 with the same reason', {timeout: 120_000}, async () => {
    const ccs = makeTempCcs();
    try {
      ccs.writeRaw('cliproxy/config.yaml', `port: ${await freePort()}\napi-keys:\n  - "${API_KEY}"\n`);
      const started = ccs.writeRaw('agent-started', '');
      const env = {...ccs.env, CCS_TUI_AGENT_CLAUDE: JSON.stringify(['/bin/sh', '-c', `echo ran >> ${started}`])};
      const none = await runBin(['run', 'claude', '--', '-p', 'hi'], env);
      assert.equal(none.code, 1, none.stderr);
      assert.match(none.stderr, /Claude Code cannot use Claude: no Claude account \(ccs-tui login claude\)/);
      assert.equal(readRunningProxy(ccs.paths), undefined, 'no proxy was started');

      ccs.writeToken('claude-a@example.com.json', oauthToken('claude', 'a@example.com'));
      const first = await runBin(['run', 'claude', 'a@example.com'], {...ccs.env, CCS_TUI_AGENT_CLAUDE: '/bin/true'});
      assert.equal(first.code, 0, first.stderr);
      const proxy = readRunningProxy(ccs.paths)!;
      const before = await fetchProxyStatus(ccs.paths, proxy.port);
      assert.deepEqual([before?.provider, before?.account], ['claude', 'a@example.com']);
      for (const row of PROVIDERS.filter((p) => p.id !== 'claude')) {
        const refused = await runBin(['run', row.id, '--', '-p', 'hi'], env);
        assert.equal(refused.code, 1, `${row.id}: ${refused.stderr}`);
        assert.match(refused.stderr, new RegExp(`Claude Code cannot use ${row.displayName.replace(/[()]/g, '\\$&')}(: no ${row.displayName.replace(/[()]/g, '\\$&')} account \\(ccs-tui login ${row.id}\\)| through the proxy: )`), row.id);
        const after = await fetchProxyStatus(ccs.paths, proxy.port);
        assert.deepEqual([after?.pid, after?.provider, after?.account], [proxy.pid, 'claude', 'a@example.com'], `${row.id}: the running proxy was moved`);

        const exported = await runBin(['env', row.id], ccs.env);
        assert.equal(exported.code, 1, `${row.id}: ${exported.stdout}${exported.stderr}`);
        assert.equal(exported.stdout, '', `${row.id}: no exports that would end in an error`);
        assert.match(exported.stderr, new RegExp(`(no ${row.displayName.replace(/[()]/g, '\\$&')} account \\(ccs-tui login ${row.id}\\)|cannot serve Claude Code)`), row.id);
      }
      assert.equal(readFileSync(started, 'utf8'), '', 'the agent never ran');
    } finally {
      await runBin(['proxy', 'stop'], ccs.env);
      ccs.cleanup();
    }
  });
});

describe("ccs-tui run's hints", () => {
  it('a busy port: the hint names --port, and run --port starts the proxy there', async () => {
    const ccs = makeTempCcs();
    const busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    const busyPort = (busy.address() as AddressInfo).port;
    try {
      ccs.writeToken('claude-a@example.com.json', oauthToken('claude', 'a@example.com'));
      ccs.writeRaw('cliproxy/config.yaml', `port: ${busyPort}\napi-keys:\n  - "${API_KEY}"\n`);
      const env = {...ccs.env, CCS_TUI_AGENT_CLAUDE: '/bin/true'};
      const refused = await runBin(['run', 'claude'], env);
      assert.equal(refused.code, 1, refused.stderr);
      assert.match(refused.stderr, new RegExp(`port ${busyPort} \\(\`port\` in .*config\\.yaml\\) is in use by another process; set another \`port\` there, or pass --port N`));
      const port = await freePort();
      const started = await runBin(['run', 'claude', '--port', String(port)], env);
      assert.equal(started.code, 0, started.stderr);
      assert.match(started.stderr, new RegExp(`started the proxy in the background \\(pid \\d+, port ${port}; stop it: ccs-tui proxy stop\\), serving the claude pool \\(a@example\\.com first\\)`));
      const elsewhere = await runBin(['run', 'claude', 'a@example.com', '--port', String(busyPort)], env);
      assert.equal(elsewhere.code, 2, elsewhere.stderr);
      assert.match(elsewhere.stderr, new RegExp(`--port ${busyPort}: the proxy already runs on port ${port} \\(pid \\d+\\); use it \\(drop --port\\), or stop it first: ccs-tui proxy stop`));
      const bad = await runBin(['run', 'claude', '--port', 'x'], env);
      assert.equal(bad.code, 2);
      assert.match(bad.stderr, /--port must be a port number/);
    } finally {
      await runBin(['proxy', 'stop'], ccs.env);
      busy.close();
      ccs.cleanup();
    }
  });

  it("the provider's own CLI refused through the proxy points at native mode", async () => {
    const ccs = makeTempCcs();
    try {
      ccs.writeToken('gemini-g@example.com.json', oauthToken('gemini', 'g@example.com'));
      const result = await runBin(['run', 'gemini', '--agent', 'gemini'], {...ccs.env, CCS_TUI_AGENT_GEMINI: '/bin/true'});
      assert.equal(result.code, 1, result.stderr);
      assert.match(result.stderr, /Gemini CLI cannot use Gemini through the proxy: the proxy has no gemini-api route .*; to run Gemini CLI on g@example\.com without the proxy, use native mode: ccs-tui use --native gemini g@example\.com/);
      assert.equal(readRunningProxy(ccs.paths), undefined);
    } finally {
      ccs.cleanup();
    }
  });
});

describe('ccs-tui env and run agree', () => {
  it("the agent gets exactly the variables ccs-tui env exports (small/fast and haiku models included)", async () => {
    const ccs = makeTempCcs();
    try {
      ccs.writeToken('iflow-i@example.com.json', oauthToken('iflow', 'i@example.com', {api_key: 'sk-iflow-0123456789abcdef'}));
      ccs.writeRaw('cliproxy/config.yaml', `port: ${await freePort()}\napi-keys:\n  - "${API_KEY}"\n`);
      const run = await runBin(['run', 'iflow'], {...ccs.env, CCS_TUI_AGENT_CLAUDE: JSON.stringify(['/bin/sh', '-c', 'env | grep ^ANTHROPIC_ | sort'])});
      assert.equal(run.code, 0, run.stderr);
      const env = await runBin(['env', 'iflow'], ccs.env);
      assert.equal(env.code, 0, env.stderr);
      const exported = [...env.stdout.matchAll(/^export (ANTHROPIC_\w+)='([^']*)'$/gm)].map((m) => `${m[1]}=${m[2]}`).sort();
      assert.deepEqual(run.stdout.trim().split('\n'), exported);
      assert.ok(exported.some((line) => line.startsWith('ANTHROPIC_SMALL_FAST_MODEL=')) && exported.some((line) => line.startsWith('ANTHROPIC_DEFAULT_HAIKU_MODEL=')), exported.join('\n'));
      // Translation landed: no note says the built-in proxy cannot translate.
      for (const provider of ['gemini', 'iflow']) {
        const out = await runBin(['env', provider], ccs.env);
        assert.doesNotMatch(out.stdout + out.stderr, /does not translate|useCliproxyBinary/);
      }
    } finally {
      await runBin(['proxy', 'stop'], ccs.env);
      ccs.cleanup();
    }
  });

  it("AI Studio (models only from its live list): the agent gets the model variables env exports, asked of the same list", async () => {
    const upstream = await startFakeUpstream((req, res) =>
      req.path === '/v1beta/openai/models'
        ? sendJson(res, 200, {object: 'list', data: ['models/gemini-2.5-pro', 'models/gemini-2.5-flash', 'models/gemini-2.5-flash-lite'].map((id) => ({id, object: 'model'}))})
        : sendJson(res, 404, {error: {message: `no ${req.path}`}}),
    );
    const ccs = makeTempCcs();
    try {
      ccs.writeToken('aistudio-me@example.com.json', {type: 'aistudio', email: 'me@example.com', api_key: 'AIzaSyTestKey0123456789'});
      ccs.writeRaw('cliproxy/config.yaml', `port: ${await freePort()}\napi-keys:\n  - "${API_KEY}"\n`);
      writeFileSync(ccs.paths.settings, JSON.stringify({endpoints: {aistudio: {api: upstream.url}}}));
      const run = await runBin(['run', 'aistudio'], {...ccs.env, CCS_TUI_AGENT_CLAUDE: JSON.stringify(['/bin/sh', '-c', 'env | grep ^ANTHROPIC_ | sort'])});
      assert.equal(run.code, 0, run.stderr);
      const env = await runBin(['env', 'aistudio'], ccs.env);
      assert.equal(env.code, 0, env.stderr);
      const exported = [...env.stdout.matchAll(/^export (ANTHROPIC_\w+)='([^']*)'$/gm)].map((m) => `${m[1]}=${m[2]}`).sort();
      assert.ok(exported.includes('ANTHROPIC_MODEL=gemini-2.5-pro') && exported.includes('ANTHROPIC_DEFAULT_HAIKU_MODEL=gemini-2.5-flash-lite'), exported.join('\n'));
      assert.deepEqual(run.stdout.trim().split('\n'), exported);
    } finally {
      await runBin(['proxy', 'stop'], ccs.env);
      await upstream.close();
      ccs.cleanup();
    }
  });

  it('env vertex says what is missing, not that every model is excluded', async () => {
    const ccs = makeTempCcs();
    try {
      const out = await runBin(['env', 'vertex'], ccs.env);
      const text = out.stdout + out.stderr;
      assert.match(text, /the proxy cannot serve Claude Code on Vertex AI: Vertex AI has no inference base URL/);
      assert.doesNotMatch(text, /excluded/);
    } finally {
      ccs.cleanup();
    }
  });
});

/** A whole Responses stream as OpenAI sends it (Codex CLI needs the item events around the deltas). */
function responsesTurn(model: string, text: string): string[] {
  const event = (data: Record<string, unknown>) => `event: ${data.type}\ndata: ${JSON.stringify(data)}\n\n`;
  const response = {id: 'resp_1', object: 'response', created_at: 1_700_000_000, model, status: 'in_progress', output: []};
  const item = {id: 'msg_1', type: 'message', role: 'assistant', status: 'in_progress', content: []};
  const done = {...item, status: 'completed', content: [{type: 'output_text', text, annotations: []}]};
  return [
    event({type: 'response.created', sequence_number: 0, response}),
    event({type: 'response.output_item.added', sequence_number: 1, output_index: 0, item}),
    event({type: 'response.content_part.added', sequence_number: 2, item_id: 'msg_1', output_index: 0, content_index: 0, part: {type: 'output_text', text: '', annotations: []}}),
    event({type: 'response.output_text.delta', sequence_number: 3, item_id: 'msg_1', output_index: 0, content_index: 0, delta: text}),
    event({type: 'response.output_text.done', sequence_number: 4, item_id: 'msg_1', output_index: 0, content_index: 0, text}),
    event({type: 'response.content_part.done', sequence_number: 5, item_id: 'msg_1', output_index: 0, content_index: 0, part: {type: 'output_text', text, annotations: []}}),
    event({type: 'response.output_item.done', sequence_number: 6, output_index: 0, item: done}),
    event({type: 'response.completed', sequence_number: 7, response: {...response, status: 'completed', output: [done], usage: {input_tokens: 5, output_tokens: 3, total_tokens: 8}}}),
  ];
}
