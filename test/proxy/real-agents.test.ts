// The real Claude Code and Codex CLI, headless, through the real proxy onto faithful local upstreams
// of other protocols: the scripted model asks the agent to run a tool on a file, the agent runs it,
// the file's content reaches the upstream in the tool result, and the final answer (made from it)
// comes out of the agent. The agents are installed once per machine (helpers/real-agents.ts).
import assert from 'node:assert/strict';
import {spawn} from 'node:child_process';
import {mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {before, describe, it} from 'node:test';
import {makeTempCcs} from '../helpers/ccs.js';
import {runBin} from '../helpers/cli.js';
import {startFakeGoogle} from '../helpers/fake-google/server.js';
import {startFakeInference, type Script, type Turn} from '../helpers/fake-inference/server.js';
import {freePort, sendJson} from '../helpers/fake-upstreams.js';
import {ensureClaudeCode, ensureCodex, type AgentCommand} from '../helpers/real-agents.js';
import {API_KEY, oauthToken, proxyFixture} from './fixture.js';
import {inferenceFixture, UPSTREAMS, type UpstreamCase} from './upstream-cases.js';

const SECRET = 'purple-otter-4217';
/** An agent run: generous, the agents start slowly and the machine is shared. */
const RUN_TIMEOUT_MS = 180_000;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs an agent with no standard input (both wait for stdin data when it is a pipe). */
function run(command: AgentCommand, args: string[], options: {cwd: string; env: NodeJS.ProcessEnv}): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(command.file, [...command.args, ...args], {...options, stdio: ['ignore', 'pipe', 'pipe']});
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (text: string) => (stdout += text));
    child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
    const timer = setTimeout(() => child.kill('SIGKILL'), RUN_TIMEOUT_MS);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({code, stdout, stderr});
    });
  });
}

/** A workspace with the file the agent is asked about, and a HOME of its own. */
function workspace(): {dir: string; home: string; file: string; cleanup: () => void} {
  const root = mkdtempSync(path.join(tmpdir(), 'ccs-tui-agent-'));
  const dir = path.join(root, 'project');
  const home = path.join(root, 'home');
  mkdirSync(dir);
  mkdirSync(home);
  const file = path.join(dir, 'notes.txt');
  writeFileSync(file, `The password of the day is ${SECRET}.\n`);
  return {dir, home, file, cleanup: () => rmSync(root, {recursive: true, force: true})};
}

/** The environment an agent runs in: none of this machine's credentials or settings. */
function cleanEnv(home: string, extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {PATH: process.env.PATH, HOME: home, LANG: 'C.UTF-8', TERM: 'dumb', ...extra};
  return env;
}

/** The answer once the tool's output came back: the password, read from the result. */
function answerFromResult(turn: Turn): {text: string} | undefined {
  const found = turn.toolResults.map((result) => new RegExp(`password of the day is (\\S+?)\\.`).exec(result)?.[1]).find(Boolean);
  return found ? {text: `The file says the password is ${found}.`} : undefined;
}

/** Claude Code, headless in the workspace, asked for the password through the proxy at `baseUrl` on `model`. */
function askForPassword(claude: AgentCommand, ws: {dir: string; home: string}, baseUrl: string, model: string): Promise<Run> {
  return run(claude, ['-p', 'What is the password in notes.txt? Read the file.', '--output-format', 'json', '--allowedTools', 'Read'], {
    cwd: ws.dir,
    env: cleanEnv(ws.home, {
      ANTHROPIC_BASE_URL: baseUrl,
      ANTHROPIC_AUTH_TOKEN: API_KEY,
      ANTHROPIC_MODEL: model,
      ANTHROPIC_DEFAULT_HAIKU_MODEL: model,
      ANTHROPIC_SMALL_FAST_MODEL: model,
      CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
      DISABLE_AUTOUPDATER: '1',
    }),
  });
}

function assertRoundTrip(turns: Turn[], refusals: unknown[], output: string, what: string): void {
  assert.deepEqual(refusals, [], `${what}: the upstream refused nothing`);
  assert.ok(turns.some((turn) => turn.toolResults.some((result) => result.includes(SECRET))), `${what}: the file's content reached the upstream in a tool result`);
  assert.match(output, new RegExp(`password is ${SECRET}`), `${what}: the final answer came out`);
}

describe('real Claude Code (headless) through the proxy', async () => {
  let claude: AgentCommand | undefined;
  let skip: string | undefined;
  before(async () => {
    const installed = await ensureClaudeCode();
    if ('skip' in installed) skip = installed.skip;
    else claude = installed;
  });

  const cases: [string, UpstreamCase][] = [
    ['a Chat upstream (qwen)', UPSTREAMS.qwen!],
    ['a Responses upstream (codex)', UPSTREAMS.codex!],
    ['a Gemini upstream (gemini-cli, with its Cloud Code project)', UPSTREAMS.gemini!],
    ['iFlow, its request signature checked', UPSTREAMS.iflow!],
    ['AI Studio on Gemini 3 (the native Gemini API, thought signatures checked)', UPSTREAMS.aistudio!],
    ['a Chat upstream serving Gemini 3 (thought signatures in extra_content checked)', UPSTREAMS.bobGemini!],
  ];
  for (const [name, upstreamCase] of cases) {
    it(`reads a file with its Read tool on ${name}`, {timeout: RUN_TIMEOUT_MS + 30_000}, async (t) => {
      if (skip || !claude) return t.skip(skip);
      const ws = workspace();
      const script: Script = (turn) => {
        const answer = answerFromResult(turn);
        if (answer) return answer;
        if (turn.tools.includes('Read')) return {call: {name: 'Read', args: {file_path: ws.file}}};
        return {text: 'ok'};
      };
      const {f, upstream} = await inferenceFixture(upstreamCase, script);
      try {
        const model = upstreamCase.model;
        const result = await askForPassword(claude, ws, `${f.url}/api/provider/${upstreamCase.provider}`, model);
        const detail = `exit ${result.code}\nstdout: ${result.stdout.slice(0, 2000)}\nstderr: ${result.stderr.slice(0, 2000)}\nrefusals: ${JSON.stringify(upstream.refusals)}\nproxy errors: ${JSON.stringify(f.events.filter((e) => e.type === 'error'))}`;
        assert.equal(result.code, 0, detail);
        const output = JSON.parse(result.stdout) as {type: string; is_error: boolean; result: string};
        assert.equal(output.is_error, false, detail);
        assertRoundTrip(upstream.turns, upstream.refusals, output.result, name);
        t.diagnostic(`Claude Code answered: ${output.result}; upstream requests: ${upstream.requests.map((r) => r.path).join(', ')}`);
        assert.ok(upstream.requests.some((r) => r.body && JSON.stringify(r.body).includes(model)), 'the model variable reached the upstream');
      } finally {
        await f.close();
        ws.cleanup();
      }
    });
  }

  it('reads a file with its Read tool on Vertex AI (a service account, the native Gemini API of its project)', {timeout: RUN_TIMEOUT_MS + 30_000}, async (t) => {
    if (skip || !claude) return t.skip(skip);
    const ws = workspace();
    const google = await startFakeGoogle({
      users: {},
      vertexScript: (turn) => answerFromResult(turn) ?? (turn.tools.includes('Read') ? {call: {name: 'Read', args: {file_path: ws.file}}} : {text: 'ok'}),
    });
    const key = google.addServiceAccount('vertex-agent');
    const token = {type: 'vertex', email: key.client_email, project_id: key.project_id, service_account: key};
    const f = await proxyFixture({provider: 'vertex', tokens: [{file: 'vertex-agent.json', token}], endpoints: google.settings().endpoints});
    try {
      const model = 'gemini-2.5-pro';
      const result = await askForPassword(claude, ws, `${f.url}/api/provider/vertex`, model);
      const detail = `exit ${result.code}\nstdout: ${result.stdout.slice(0, 2000)}\nstderr: ${result.stderr.slice(0, 2000)}\nrefusals: ${JSON.stringify(google.vertexRefusals)}\nproxy errors: ${JSON.stringify(f.events.filter((e) => e.type === 'error'))}`;
      assert.equal(result.code, 0, detail);
      const output = JSON.parse(result.stdout) as {type: string; is_error: boolean; result: string};
      assert.equal(output.is_error, false, detail);
      assertRoundTrip(google.vertexTurns, google.vertexRefusals, output.result, 'Vertex AI');
      const paths = google.requests.filter((r) => r.path.startsWith('/v1/projects/')).map((r) => r.path);
      t.diagnostic(`Claude Code answered: ${output.result}; Vertex requests: ${paths.join(', ')}`);
      assert.ok(paths.some((p) => p === `/v1/projects/vertex-agent/locations/us-central1/publishers/google/models/${model}:streamGenerateContent`), paths.join(', '));
    } finally {
      await f.close();
      await google.close();
      ws.cleanup();
    }
  });
});

describe('real Codex CLI (codex exec) through the proxy', async () => {
  let codex: AgentCommand | undefined;
  let skip: string | undefined;
  before(async () => {
    const installed = await ensureCodex();
    if ('skip' in installed) skip = installed.skip;
    else codex = installed;
  });

  const cases: [string, UpstreamCase][] = [
    ['a Chat upstream (qwen)', UPSTREAMS.qwen!],
    ['an Anthropic upstream (claude)', UPSTREAMS.claude!],
    ['AI Studio on Gemini 3 (the native Gemini API, thought signatures checked)', UPSTREAMS.aistudio!],
    ['a Chat upstream serving Gemini 3 (thought signatures in extra_content checked)', UPSTREAMS.bobGemini!],
  ];
  for (const [name, upstreamCase] of cases) {
    it(`runs a shell command on ${name}`, {timeout: RUN_TIMEOUT_MS + 30_000}, async (t) => {
      if (skip || !codex) return t.skip(skip);
      const ws = workspace();
      const script: Script = (turn) => {
        const answer = answerFromResult(turn);
        if (answer) return answer;
        // Codex's shell tool: `shell` takes an argv array, `exec_command` a command line.
        if (turn.tools.includes('shell')) return {call: {name: 'shell', args: {command: ['cat', 'notes.txt'], workdir: ws.dir}}};
        if (turn.tools.includes('exec_command')) return {call: {name: 'exec_command', args: {cmd: 'cat notes.txt', workdir: ws.dir}}};
        return {text: `no shell tool among: ${turn.tools.join(', ')}`};
      };
      const {f, upstream} = await inferenceFixture(upstreamCase, script);
      const codexHome = path.join(ws.home, '.codex');
      mkdirSync(codexHome);
      writeFileSync(
        path.join(codexHome, 'config.toml'),
        [
          `model = "${upstreamCase.model}"`,
          'model_provider = "ccs"',
          '',
          '[model_providers.ccs]',
          'name = "ccs-tui proxy"',
          `base_url = "${f.url}/api/provider/${upstreamCase.provider}/v1"`,
          'wire_api = "responses"',
          'env_key = "CCS_TUI_PROXY_KEY"',
          '',
        ].join('\n'),
      );
      try {
        const result = await run(codex, ['exec', '--skip-git-repo-check', '--sandbox', 'read-only', 'What is the password in notes.txt? Use the shell to read it.'], {
          cwd: ws.dir,
          env: cleanEnv(ws.home, {CODEX_HOME: codexHome, CCS_TUI_PROXY_KEY: API_KEY}),
        });
        const detail = `exit ${result.code}\nstdout: ${result.stdout.slice(0, 2000)}\nstderr: ${result.stderr.slice(-3000)}\ntools: ${JSON.stringify(upstream.turns[0]?.tools)}\nrefusals: ${JSON.stringify(upstream.refusals)}\nproxy errors: ${JSON.stringify(f.events.filter((e) => e.type === 'error'))}`;
        assert.equal(result.code, 0, detail);
        assertRoundTrip(upstream.turns, upstream.refusals, result.stdout, name);
        t.diagnostic(`Codex answered: ${result.stdout.trim()}; upstream requests: ${upstream.requests.map((r) => r.path).join(', ')}`);
      } finally {
        await f.close();
        ws.cleanup();
      }
    });
  }

  it('goes on when its codex pool moves to another account mid-task (the first out of quota; its reasoning unreadable there)', {timeout: RUN_TIMEOUT_MS + 30_000}, async (t) => {
    if (skip || !codex) return t.skip(skip);
    const ws = workspace();
    const upstream = await startFakeInference({
      accountBoundReasoning: true,
      script: (turn) => answerFromResult(turn) ?? {call: {name: turn.tools.includes('shell') ? 'shell' : 'exec_command', args: turn.tools.includes('shell') ? {command: ['cat', 'notes.txt'], workdir: ws.dir} : {cmd: 'cat notes.txt', workdir: ws.dir}}, reasoning: 'read notes.txt first'},
    });
    const faithful = upstream.handler;
    let aAnswered = false;
    upstream.handler = (req, res, ...rest) => {
      if (req.headers['chatgpt-account-id'] !== 'acct-a') return faithful(req, res, ...rest);
      if (aAnswered) return sendJson(res, 429, {error: {type: 'usage_limit_reached', message: 'The usage limit has been reached', resets_in_seconds: 3600}});
      aAnswered = true;
      return faithful(req, res, ...rest);
    };
    const c = UPSTREAMS.codex!;
    const f = await proxyFixture({
      provider: 'codex',
      apiPath: c.apiPath,
      upstream,
      tokens: [
        {file: 'codex-a@example.com.json', token: oauthToken('codex', 'a@example.com', {account_id: 'acct-a'})},
        {file: 'codex-b@example.com.json', token: oauthToken('codex', 'b@example.com', {account_id: 'acct-b'})},
      ],
    });
    const codexHome = path.join(ws.home, '.codex');
    mkdirSync(codexHome);
    const config = [`model = "${c.model}"`, 'model_provider = "ccs"', '', '[model_providers.ccs]', 'name = "ccs-tui proxy"', `base_url = "${f.url}/api/provider/codex/v1"`, 'wire_api = "responses"', 'env_key = "CCS_TUI_PROXY_KEY"', ''];
    writeFileSync(path.join(codexHome, 'config.toml'), config.join('\n'));
    try {
      const result = await run(codex, ['exec', '--skip-git-repo-check', '--sandbox', 'read-only', 'What is the password in notes.txt? Use the shell to read it.'], {
        cwd: ws.dir,
        env: cleanEnv(ws.home, {CODEX_HOME: codexHome, CCS_TUI_PROXY_KEY: API_KEY}),
      });
      const accounts = upstream.requests.map((r) => r.headers['chatgpt-account-id']);
      const detail = `exit ${result.code}\nstdout: ${result.stdout.slice(0, 1500)}\nstderr: ${result.stderr.slice(-2500)}\naccounts: ${accounts.join(', ')}\nrefusals: ${JSON.stringify(upstream.refusals)}`;
      assert.equal(result.code, 0, detail);
      assert.match(result.stdout, new RegExp(`password is ${SECRET}`), detail);
      assert.ok(upstream.requests.some((r) => r.headers['chatgpt-account-id'] === 'acct-a' && JSON.stringify(r.body).includes('enc-acct-a-')), `Codex CLI sent its reasoning back: ${detail}`);
      assert.ok(upstream.refusals.some((r) => /could not be verified/.test(r.message)), `account B refused A's reasoning: ${detail}`);
      assert.deepEqual(accounts.slice(-1), ['acct-b'], detail);
      t.diagnostic(`Codex answered: ${result.stdout.trim()}; accounts asked: ${accounts.join(', ')}`);
    } finally {
      await f.close();
      ws.cleanup();
    }
  });
});


describe('as a user meets it: ccs-tui proxy start, eval "$(ccs-tui env iflow)", claude -p', async () => {
  it('Claude Code reads a file through the background proxy on iFlow, signed, with the models env chose', {timeout: RUN_TIMEOUT_MS + 60_000}, async (t) => {
    const installed = await ensureClaudeCode();
    if ('skip' in installed) return t.skip(installed.skip);
    const ws = workspace();
    const iflowKey = 'iflow-key-0123456789abcdef';
    const upstream = await startFakeInference({
      iflowKey,
      script: (turn) => answerFromResult(turn) ?? (turn.tools.includes('Read') ? {call: {name: 'Read', args: {file_path: ws.file}}} : {text: 'ok'}),
    });
    const ccs = makeTempCcs();
    const port = await freePort();
    ccs.writeToken('iflow-a@example.com-1.json', oauthToken('iflow', 'a@example.com', {api_key: iflowKey}));
    ccs.writeRaw('cliproxy/config.yaml', `port: ${port}\napi-keys:\n  - "${API_KEY}"\n`);
    writeFileSync(ccs.paths.settings, JSON.stringify({endpoints: {iflow: {api: `${upstream.url}/v1`}}}));
    try {
      const started = await runBin(['proxy', 'start', '--port', String(port)], ccs.env);
      assert.equal(started.code, 0, started.stderr);
      const exported = await runBin(['env', 'iflow', '--json'], ccs.env);
      assert.equal(exported.code, 0, exported.stderr);
      const {env} = JSON.parse(exported.stdout) as {env: Record<string, string>};
      assert.equal(env.ANTHROPIC_BASE_URL, `http://127.0.0.1:${port}/api/provider/iflow`);
      const result = await run(installed, ['-p', 'What is the password in notes.txt? Read the file.', '--output-format', 'json', '--allowedTools', 'Read'], {
        cwd: ws.dir,
        env: cleanEnv(ws.home, {...env, CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1', DISABLE_AUTOUPDATER: '1'}),
      });
      assert.equal(result.code, 0, `${result.stdout}\n${result.stderr}\n${JSON.stringify(upstream.refusals)}`);
      const output = JSON.parse(result.stdout) as {is_error: boolean; result: string};
      assertRoundTrip(upstream.turns, upstream.refusals, output.result, 'iflow via env');
      assert.ok(upstream.turns.every((turn) => turn.model === upstream.turns[0]!.model), 'one model');
      t.diagnostic(`ANTHROPIC_MODEL=${env.ANTHROPIC_MODEL} (sent upstream as ${upstream.turns[0]!.model}); Claude Code answered: ${output.result}`);
    } finally {
      await runBin(['proxy', 'stop'], ccs.env);
      await upstream.close();
      ccs.cleanup();
      ws.cleanup();
    }
  });
});

describe('as a user meets it: ccs-tui run <claude account> --agent codex -- exec "…", no -m', async () => {
  it('Codex CLI runs on the provider default model ccs-tui names and completes a shell tool round trip on an Anthropic upstream', {timeout: RUN_TIMEOUT_MS + 60_000}, async (t) => {
    const installed = await ensureCodex();
    if ('skip' in installed) return t.skip(installed.skip);
    const ws = workspace();
    const upstream = await startFakeInference({
      script: (turn) => {
        const answer = answerFromResult(turn);
        if (answer) return answer;
        if (turn.tools.includes('exec_command')) return {call: {name: 'exec_command', args: {cmd: 'cat notes.txt', workdir: ws.dir}}};
        if (turn.tools.includes('shell')) return {call: {name: 'shell', args: {command: ['cat', 'notes.txt'], workdir: ws.dir}}};
        return {text: `no shell tool among: ${turn.tools.join(', ')}`};
      },
    });
    const ccs = makeTempCcs();
    ccs.writeToken('claude-a@example.com.json', oauthToken('claude', 'a@example.com'));
    ccs.writeRaw('cliproxy/config.yaml', `port: ${await freePort()}\napi-keys:\n  - "${API_KEY}"\n`);
    writeFileSync(ccs.paths.settings, JSON.stringify({endpoints: {claude: {api: upstream.url}}}));
    const codexHome = path.join(ws.home, '.codex');
    mkdirSync(codexHome);
    try {
      const result = await runBin(
        ['run', 'a@example.com', '--agent', 'codex', '--', 'exec', '--skip-git-repo-check', 'What is the password in notes.txt? Use the shell to read it.'],
        {...cleanEnv(ws.home, {CODEX_HOME: codexHome}), CCS_DIR: ccs.env.CCS_DIR!, CCS_TUI_AGENT_CODEX: JSON.stringify([installed.file, ...installed.args])},
        undefined,
        RUN_TIMEOUT_MS,
      );
      const detail = `exit ${result.code}\nstdout: ${result.stdout.slice(0, 2000)}\nstderr: ${result.stderr.slice(-3000)}\nrefusals: ${JSON.stringify(upstream.refusals)}`;
      assert.equal(result.code, 0, detail);
      assertRoundTrip(upstream.turns, upstream.refusals, result.stdout, 'codex on a claude account via run');
      // No -m: ccs-tui named Claude's default (its tier table's big model), not Codex's own default.
      assert.ok(upstream.turns.length >= 2 && upstream.turns.every((turn) => turn.model === 'claude-opus-5'), JSON.stringify(upstream.turns.map((turn) => turn.model)));
      assert.match(result.stderr, /model: claude-opus-5/);
      t.diagnostic(`Codex answered: ${result.stdout.trim()}`);
    } finally {
      await runBin(['proxy', 'stop'], ccs.env);
      await upstream.close();
      ccs.cleanup();
      ws.cleanup();
    }
  });
});
