// `ccs-tui proxy start/stop/status`, `proxy serve` on a busy port, and `env`, run as the built binary.
import assert from 'node:assert/strict';
import {existsSync, mkdirSync, readFileSync, writeFileSync} from 'node:fs';
import {createServer} from 'node:net';
import path from 'node:path';
import {after, describe, it} from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import {isProcessAlive} from '../../source/services/proxy/pid-file.js';
import {makeTempCcs} from '../helpers/ccs.js';
import {runBin} from '../helpers/cli.js';
import {answerByProtocol, freePort, REFUSED_PORT, sendJson, startFakeUpstream} from '../helpers/fake-upstreams.js';
import {API_KEY, oauthToken} from '../proxy/fixture.js';

/** One account per provider (env refuses a provider without one, as run does). */
function withAccounts(ccs: ReturnType<typeof makeTempCcs>, ...providers: string[]): void {
  for (const id of providers) ccs.writeToken(`${id}-x@example.com.json`, oauthToken(id, 'x@example.com', {api_key: 'sk-0123456789abcdef'}));
}

describe('proxy start / status / stop', async () => {
  const ccs = makeTempCcs();
  const upstream = await startFakeUpstream();
  ccs.writeToken('claude-a@example.com.json', oauthToken('claude', 'a@example.com'));
  ccs.writeRaw('cliproxy/config.yaml', `# keep me\nport: 8317\napi-keys:\n  - "${API_KEY}"\n`);
  writeFileSync(ccs.paths.settings, JSON.stringify({endpoints: {claude: {api: upstream.url}}}));
  after(async () => {
    await runBin(['proxy', 'stop'], ccs.env);
    await upstream.close();
    ccs.cleanup();
  });

  it('starts in the background, serves requests, reports status, and stops', async () => {
    const port = await freePort();
    const started = await runBin(['proxy', 'start', '--port', String(port), '--provider', 'claude', '--json'], ccs.env);
    assert.equal(started.code, 0, started.stderr);
    const entry = JSON.parse(started.stdout) as {pid: number; port: number; owner: string};
    assert.equal(entry.port, port);
    assert.equal(entry.owner, 'background');
    assert.ok(isProcessAlive(entry.pid));

    const client = new Anthropic({apiKey: API_KEY, baseURL: `http://127.0.0.1:${port}`, maxRetries: 0});
    const message = await client.messages.create({model: 'claude-opus-4-6', max_tokens: 8, messages: [{role: 'user', content: 'hi'}]});
    assert.equal(message.type, 'message');

    const again = await runBin(['proxy', 'start', '--port', String(port)], ccs.env);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /already running \(pid \d+, port \d+/);
    // --json answers its failure in JSON on stdout too, with the same words and the exit code.
    const againJson = await runBin(['proxy', 'start', '--port', String(port), '--json'], ccs.env);
    assert.equal(againJson.code, 1);
    const refusal = JSON.parse(againJson.stdout) as {error: string; exitCode: number};
    assert.match(refusal.error, /^a proxy is already running \(pid \d+, port \d+.*stop it first: ccs-tui proxy stop$/);
    assert.equal(refusal.exitCode, 1);

    const status = await runBin(['proxy', 'status', '--json'], ccs.env);
    const parsed = JSON.parse(status.stdout) as {running: boolean; pid: number; account: string; totalRequests: number};
    // `proxy start --json` answers in the shape `proxy status --json` uses; the record's own fields
    // (its nonce above all: a secret of the record) are never printed.
    assert.deepEqual(Object.keys(JSON.parse(started.stdout) as object).sort(), Object.keys(parsed).sort());
    for (const field of ['nonce', 'processStart', 'startedBy', 'stopRequest']) assert.ok(!started.stdout.includes(`"${field}"`), `start --json prints no ${field}`);
    const record = JSON.parse(readFileSync(path.join(ccs.paths.state, 'proxy.json'), 'utf8')) as {nonce: string};
    assert.ok(!(started.stdout + status.stdout).includes(record.nonce));
    assert.equal(parsed.running, true);
    assert.equal(parsed.pid, entry.pid);
    assert.equal(parsed.account, 'a@example.com');
    assert.equal(parsed.totalRequests, 1);
    const human = await runBin(['proxy', 'status'], {...ccs.env, TZ: 'Asia/Tokyo'});
    assert.match(human.stdout, new RegExp(`pid ${entry.pid}, http://127\\.0\\.0\\.1:${port}`));
    // Local time for people (Tokyo is UTC+9, no DST); --json keeps the ISO UTC instant.
    const startedAt = (JSON.parse(status.stdout) as {startedAt: string}).startedAt;
    assert.match(startedAt, /Z$/);
    const tokyo = new Date(Date.parse(startedAt) + 9 * 3600_000).toISOString().slice(0, 16).replace('T', ' ');
    assert.match(human.stdout, new RegExp(`^since ${tokyo}$`, 'm'));

    const log = readFileSync(path.join(ccs.paths.logs, 'proxy.log'), 'utf8');
    assert.match(log, /POST \/v1\/messages claude-opus-4-6 → claude\/a@example.com 200/);
    assert.ok(!log.includes(API_KEY) && !log.includes('at-a@example.com-0123456789abcdef'), 'no secrets in the log');

    const stopped = await runBin(['proxy', 'stop'], ccs.env);
    assert.equal(stopped.code, 0);
    assert.match(stopped.stdout, new RegExp(`proxy stopped \\(pid ${entry.pid}\\)`));
    assert.equal(isProcessAlive(entry.pid), false);
    assert.equal(existsSync(path.join(ccs.paths.state, 'proxy.json')), false);
    const after = await runBin(['proxy', 'status', '--json'], ccs.env);
    assert.deepEqual(JSON.parse(after.stdout), {running: false});
    assert.equal(after.code, 3, 'no proxy: exit 3, like systemctl status');
    const none = await runBin(['proxy', 'status'], ccs.env);
    assert.equal(none.code, 3);
    assert.match(none.stdout, /no proxy is running/);
  });

  it('reports a busy port clearly and exits 1', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as {port: number}).port;
    try {
      const result = await runBin(['proxy', 'serve', '--port', String(port)], ccs.env);
      assert.equal(result.code, 1);
      // Said once, on stderr: no `fatal:` line on stdout beside it.
      // What was asked (--port), and what to do instead: another --port (config.yaml's `port` was not used).
      assert.equal(result.stderr, `ccs-tui: port ${port} (asked with --port) is in use by another process; pass another --port N (0: any free port)\n`);
      assert.equal(result.stdout, '');
    } finally {
      blocker.close();
    }
  });

  it('rejects a bad --port, and every spelling of a number but plain digits (1e3, 0x50, " 80", 08080 opened another port)', async () => {
    for (const port of ['abc', '1e3', '0x50', ' 80', '08080', '80.0', '-1', '65536', '+80', '']) {
      const result = await runBin(['proxy', 'serve', `--port=${port}`], ccs.env);
      assert.equal(result.code, 2, `--port ${JSON.stringify(port)}: ${result.stderr}`);
      assert.match(result.stderr, /--port must be a port number \(1-65535, or 0 for any free port\), got/);
    }
    const login = await runBin(['login', 'codex', '--port', '0'], ccs.env);
    assert.equal(login.code, 2, login.stderr);
    assert.match(login.stderr, /--port must be a port number \(1-65535\), got "0"/);
  });
});

describe('proxy status of a proxy serving every provider, with refusals and a cooldown', async () => {
  const ccs = makeTempCcs();
  let limited = false;
  const upstream = await startFakeUpstream((req, res) =>
    limited ? sendJson(res, 429, {type: 'error', error: {type: 'rate_limit_error', message: 'slow down'}}, {'retry-after': '42'}) : answerByProtocol(req, res),
  );
  ccs.writeToken('claude-a@example.com.json', oauthToken('claude', 'a@example.com'));
  ccs.writeRaw('cliproxy/config.yaml', `api-keys:\n  - "${API_KEY}"\n`);
  writeFileSync(ccs.paths.settings, JSON.stringify({endpoints: {claude: {api: upstream.url}}}));
  after(async () => {
    await runBin(['proxy', 'stop'], ccs.env);
    await upstream.close();
    ccs.cleanup();
  });

  it('says what it serves, counts the requests it answered itself apart, and words the cooldown to the second', async () => {
    const port = await freePort();
    const started = await runBin(['proxy', 'start', '--port', String(port)], ccs.env);
    assert.equal(started.code, 0, started.stderr);
    const ask = (key = API_KEY) =>
      fetch(`http://127.0.0.1:${port}/v1/messages`, {
        method: 'POST',
        headers: {'x-api-key': key, 'content-type': 'application/json', 'anthropic-version': '2023-06-01'},
        body: JSON.stringify({model: 'claude-opus-4-6', max_tokens: 8, messages: [{role: 'user', content: 'hi'}]}),
      }).then(async (response) => ({status: response.status, text: await response.text()}));
    assert.equal((await ask()).status, 200);
    limited = true;
    // The upstream's 429 (forwarded: the one account's own answer) cools the account: the proxy
    // then answers "every account is cooling down" itself.
    const upstream429 = await ask();
    assert.equal(upstream429.status, 429, upstream429.text);
    assert.match(upstream429.text, /slow down/);
    const cooled = await ask();
    assert.equal(cooled.status, 429, cooled.text);
    assert.match(cooled.text, /cooling down/);
    assert.equal((await ask('wrong-key')).status, 401);

    const json = await runBin(['proxy', 'status', '--json'], ccs.env);
    const status = JSON.parse(json.stdout) as {provider: string | null; totalRequests: number; requestsPerMinute: number; refusedRequests: number; refusedPerMinute: number; cooling: {until: string}[]};
    assert.deepEqual(
      {provider: status.provider, totalRequests: status.totalRequests, requestsPerMinute: status.requestsPerMinute, refusedRequests: status.refusedRequests, refusedPerMinute: status.refusedPerMinute},
      {provider: null, totalRequests: 2, requestsPerMinute: 2, refusedRequests: 2, refusedPerMinute: 2},
    );
    const until = status.cooling[0]!.until;
    assert.match(until, /Z$/, '--json keeps the ISO UTC instant');

    const human = await runBin(['proxy', 'status'], {...ccs.env, TZ: 'Asia/Tokyo'});
    assert.equal(human.code, 0, human.stderr);
    assert.match(human.stdout, /^serving: every provider, picked by the model asked for$/m);
    assert.match(readFileSync(path.join(ccs.paths.logs, 'proxy.log'), 'utf8'), /listening on http:\/\/127\.0\.0\.1:\d+ \(pid \d+\) serving every provider, picked by the model asked for/);
    assert.match(human.stdout, /^requests: 2 forwarded \(2\/min\) · 2 refused by the proxy \(2\/min\)$/m);
    // Tokyo is UTC+9 (no DST): the end on the local clock to the second, after the seconds left.
    const tokyo = new Date(Date.parse(until) + 9 * 3600_000).toISOString().slice(11, 19);
    assert.match(human.stdout, new RegExp(`^cooling: claude/a@example\\.com (4[0-2]|3\\d)s \\(until (\\d{4}-\\d\\d-\\d\\d )?${tokyo}\\) \\(`, 'm'));
  });
});

describe('env', () => {
  it('generates and saves an API key when config.yaml has none, keeping its comments', async () => {
    const ccs = makeTempCcs();
    try {
      ccs.writeRaw('cliproxy/config.yaml', '# my comment\nport: 9000\n');
      withAccounts(ccs, 'claude');
      const result = await runBin(['env'], ccs.env);
      assert.equal(result.code, 0, result.stderr);
      const config = readFileSync(ccs.paths.config, 'utf8');
      assert.match(config, /# my comment/);
      const key = /api-keys:\n\s+- (\S+)/.exec(config)?.[1];
      assert.ok(key && key.length >= 32, config);
      assert.equal(result.stdout, `export ANTHROPIC_BASE_URL='http://127.0.0.1:9000'\nexport ANTHROPIC_AUTH_TOKEN='${key}'\n`);
      assert.match(result.stderr, /generated one and saved it/);
      const second = await runBin(['env', '--json'], ccs.env);
      assert.equal((JSON.parse(second.stdout) as {env: Record<string, string>}).env.ANTHROPIC_AUTH_TOKEN, key, 'the same key next time');
    } finally {
      ccs.cleanup();
    }
  });

  it('points Claude Code at a provider route with models from the resolved list', async () => {
    const ccs = makeTempCcs();
    try {
      ccs.writeRaw('cliproxy/config.yaml', `api-keys:\n  - "${API_KEY}"\noauth-excluded-models:\n  kimi:\n    - "kimi-k2.7-*"\n`);
      withAccounts(ccs, 'kimi');
      const result = await runBin(['env', 'kimi', '--json'], ccs.env);
      const {env} = JSON.parse(result.stdout) as {env: Record<string, string>};
      assert.equal(env.ANTHROPIC_BASE_URL, 'http://127.0.0.1:8317/api/provider/kimi');
      assert.equal(env.ANTHROPIC_AUTH_TOKEN, API_KEY);
      for (const name of ['ANTHROPIC_MODEL', 'ANTHROPIC_DEFAULT_OPUS_MODEL', 'ANTHROPIC_DEFAULT_SONNET_MODEL', 'ANTHROPIC_DEFAULT_HAIKU_MODEL']) {
        assert.ok(env[name]?.startsWith('kimi-'), `${name}=${env[name]}`);
        assert.ok(!env[name]!.startsWith('kimi-k2.7-'), `${name} must not be an excluded model`);
      }
    } finally {
      ccs.cleanup();
    }
  });
});

describe('proxy.useCliproxyBinary', () => {
  it('launches the CLIProxyAPI binary from PATH with -config <config.yaml>, and stops it', async () => {
    const ccs = makeTempCcs();
    try {
      const bin = path.join(path.dirname(ccs.paths.root), 'bin');
      const argsFile = path.join(bin, 'args.txt');
      ccs.writeRaw('cliproxy/config.yaml', `port: 8399\napi-keys:\n  - "${API_KEY}"\n`);
      writeFileSync(ccs.paths.settings, JSON.stringify({proxy: {useCliproxyBinary: true}}));
      mkdirSync(bin, {recursive: true});
      writeFileSync(path.join(bin, 'cli-proxy-api'), `#!/bin/sh\necho "$@" > "${argsFile}"\nexec sleep 60\n`, {mode: 0o755});
      const env = {...ccs.env, PATH: `${bin}${path.delimiter}${ccs.env.PATH ?? ''}`};
      const started = await runBin(['proxy', 'start', '--json'], env);
      assert.equal(started.code, 0, started.stderr);
      const entry = JSON.parse(started.stdout) as {pid: number; port: number; kind: string};
      assert.equal(entry.kind, 'cliproxy-binary');
      assert.equal(entry.port, 8399);
      assert.equal(readFileSync(argsFile, 'utf8').trim(), `-config ${ccs.paths.config}`);
      const stopped = await runBin(['proxy', 'stop'], env);
      assert.equal(stopped.code, 0);
      assert.equal(isProcessAlive(entry.pid), false);
    } finally {
      ccs.cleanup();
    }
  });

  it('works for every provider with an inference API, Claude Code translated where the provider speaks another protocol', async () => {
    const ccs = makeTempCcs();
    try {
      ccs.writeRaw('cliproxy/config.yaml', `api-keys:\n  - "${API_KEY}"\n`);
      withAccounts(ccs, 'codex', 'gemini', 'antigravity', 'qwen', 'iflow', 'kimi', 'xai', 'copilot');
      for (const id of ['codex', 'gemini', 'antigravity', 'qwen', 'iflow', 'kimi', 'xai', 'copilot']) {
        const result = await runBin(['env', id, '--json'], ccs.env);
        assert.equal(result.code, 0, `${id}: ${result.stdout}${result.stderr}`);
        const {env, notes} = JSON.parse(result.stdout) as {env: Record<string, string>; notes: string[]};
        assert.equal(env.ANTHROPIC_BASE_URL, `http://127.0.0.1:8317/api/provider/${id}`);
        for (const name of ['ANTHROPIC_MODEL', 'ANTHROPIC_DEFAULT_OPUS_MODEL', 'ANTHROPIC_DEFAULT_SONNET_MODEL', 'ANTHROPIC_DEFAULT_HAIKU_MODEL', 'ANTHROPIC_SMALL_FAST_MODEL']) {
          assert.ok(env[name], `${id}: ${name} is set`);
        }
        assert.ok(!notes.some((note) => /does not translate|cannot serve/.test(note)), `${id}: ${notes.join('; ')}`);
        if (id !== 'kimi') assert.ok(notes.some((note) => note.includes('translated')), `${id}: ${notes.join('; ')}`);
      }
    } finally {
      ccs.cleanup();
    }
  });

  it("fills every provider's slots from its tier table, never from part of a model's name", async () => {
    const ccs = makeTempCcs();
    try {
      ccs.writeRaw('cliproxy/config.yaml', `api-keys:\n  - "${API_KEY}"\n`);
      // [main = opus, sonnet, haiku = small/fast] per provider, from PROVIDERS.md's lists.
      const expected: Record<string, [string, string, string]> = {
        codex: ['gpt-5.6-sol', 'gpt-5.6-terra', 'gpt-5.6-luna'],
        gemini: ['gemini-3.1-pro-preview', 'gemini-3-flash-preview', 'gemini-3.1-flash-lite-preview'],
        antigravity: ['claude-opus-4-6-thinking', 'claude-sonnet-4-6', 'gemini-3-flash'],
        qwen: ['coder-model', 'qwen3-coder-plus', 'qwen3-coder-flash'],
        iflow: ['qwen3-coder-plus', 'glm-4.7', 'qwen3-coder-plus'],
        kimi: ['kimi-k3', 'kimi-k2.7-code', 'kimi-k2.7-code-highspeed'],
        xai: ['grok-4.6', 'grok-4.5', 'grok-3-mini-fast'],
        copilot: ['claude-opus-4.5', 'claude-sonnet-4.5', 'claude-haiku-4.5'],
      };
      withAccounts(ccs, 'claude', ...Object.keys(expected));
      for (const [id, [main, sonnet, haiku]] of Object.entries(expected)) {
        const result = await runBin(['env', id, '--json'], ccs.env);
        assert.equal(result.code, 0, `${id}: ${result.stderr}`);
        const {env} = JSON.parse(result.stdout) as {env: Record<string, string>};
        assert.deepEqual(
          [env.ANTHROPIC_MODEL, env.ANTHROPIC_DEFAULT_OPUS_MODEL, env.ANTHROPIC_DEFAULT_SONNET_MODEL, env.ANTHROPIC_DEFAULT_HAIKU_MODEL, env.ANTHROPIC_SMALL_FAST_MODEL],
          [main, main, sonnet, haiku, haiku],
          id,
        );
      }
      // A codex free account has no gpt-5.6-sol: the next id of the tier, not a name that merely contains "code".
      ccs.writeRaw('cliproxy/config.yaml', `api-keys:\n  - "${API_KEY}"\noauth-excluded-models:\n  codex:\n    - "gpt-5.6-sol"\n    - "gpt-5.6-luna"\n`);
      const {env} = JSON.parse((await runBin(['env', 'codex', '--json'], ccs.env)).stdout) as {env: Record<string, string>};
      assert.equal(env.ANTHROPIC_MODEL, 'gpt-5.6-terra');
      assert.equal(env.ANTHROPIC_DEFAULT_HAIKU_MODEL, 'gpt-5.4-mini');
      // The root provider keeps Claude Code's own model choice: no model variables.
      const claude = JSON.parse((await runBin(['env', 'claude', '--json'], ccs.env)).stdout) as {env: Record<string, string>};
      assert.deepEqual(Object.keys(claude.env).sort(), ['ANTHROPIC_AUTH_TOKEN', 'ANTHROPIC_BASE_URL']);
    } finally {
      ccs.cleanup();
    }
  });

  it("uses the person's aliases named like Claude's tiers for the model slots, the small/fast one included", async () => {
    const ccs = makeTempCcs();
    try {
      ccs.writeRaw(
        'cliproxy/config.yaml',
        `api-keys:\n  - "${API_KEY}"\noauth-model-alias:\n  iflow:\n    - name: "glm-4.7"\n      alias: "team-sonnet"\n    - name: "deepseek-v3.2"\n      alias: "team-haiku"\n    - name: "qwen3-max"\n      alias: "opus"\n`,
      );
      withAccounts(ccs, 'iflow');
      const result = await runBin(['env', 'iflow', '--json'], ccs.env);
      assert.equal(result.code, 0, result.stderr);
      const {env} = JSON.parse(result.stdout) as {env: Record<string, string>};
      assert.equal(env.ANTHROPIC_MODEL, 'opus');
      assert.equal(env.ANTHROPIC_DEFAULT_OPUS_MODEL, 'opus');
      assert.equal(env.ANTHROPIC_DEFAULT_SONNET_MODEL, 'team-sonnet');
      assert.equal(env.ANTHROPIC_DEFAULT_HAIKU_MODEL, 'team-haiku');
      assert.equal(env.ANTHROPIC_SMALL_FAST_MODEL, 'team-haiku');
    } finally {
      ccs.cleanup();
    }
  });

  it('a provider with no model list whose live list cannot be had: valid exports on stdout, and on stderr why, the commands that list its models and how to name one', async () => {
    const ccs = makeTempCcs();
    try {
      ccs.writeRaw('cliproxy/config.yaml', `api-keys:\n  - "${API_KEY}"\n`);
      // Nothing listens there: the live list is asked and fails.
      ccs.writeRaw('tui.json', JSON.stringify({endpoints: {aistudio: {api: `http://127.0.0.1:${REFUSED_PORT}`}}}));
      ccs.writeToken('aistudio-me@example.com.json', {type: 'aistudio', email: 'me@example.com', api_key: 'AIzaSyTestKey0123456789'});
      const result = await runBin(['env', 'aistudio'], ccs.env);
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stderr, new RegExp(`^# Google AI Studio's live model list could not be had: .*127\\.0\\.0\\.1:${REFUSED_PORT}.*$`, 'm'));
      assert.doesNotMatch(result.stderr, /AIzaSyTestKey0123456789/);
      // stdout is only export lines (what `eval` runs), without model variables.
      const lines = result.stdout.trim().split('\n');
      assert.ok(lines.every((line) => /^export ANTHROPIC_[A-Z_]+='[^']*'$/.test(line)), result.stdout);
      assert.deepEqual(lines.map((line) => line.split('=')[0]), ['export ANTHROPIC_BASE_URL', 'export ANTHROPIC_AUTH_TOKEN']);
      assert.match(result.stderr, /^# ccs-tui has no static Google AI Studio model list, so these exports set no model variables/m);
      // It does not also claim the models come from the account's list (it has none).
      assert.doesNotMatch(result.stderr, /resolved list/);
      assert.match(result.stderr, /^# list the provider's models: ccs-tui models aistudio --account me@example\.com --live$/m);
      // Every variable Claude Code reads for its model slots, as the exports would set them.
      const advice = /^# then name them for Claude Code after the eval.*: export (.*) \(the proxy/m.exec(result.stderr)?.[1];
      assert.deepEqual(advice?.split(' '), ['ANTHROPIC_MODEL=<model', 'id>', 'ANTHROPIC_DEFAULT_OPUS_MODEL=<model', 'id>', 'ANTHROPIC_DEFAULT_SONNET_MODEL=<model', 'id>', 'ANTHROPIC_DEFAULT_HAIKU_MODEL=<model', 'id>', 'ANTHROPIC_SMALL_FAST_MODEL=<model', 'id>'], result.stderr);
      const json = JSON.parse((await runBin(['env', 'aistudio', '--json'], ccs.env)).stdout) as {notes: string[]};
      assert.ok(json.notes.some((note) => note.includes('ccs-tui models aistudio --account me@example.com --live')), json.notes.join('; '));

      // Every model of a listed provider excluded: where to see the patterns and how to remove one.
      ccs.writeRaw('cliproxy/config.yaml', `api-keys:\n  - "${API_KEY}"\noauth-excluded-models:\n  kimi:\n    - "*"\n`);
      withAccounts(ccs, 'kimi');
      const kimi = await runBin(['env', 'kimi'], ccs.env);
      assert.equal(kimi.code, 0, kimi.stderr);
      assert.doesNotMatch(kimi.stdout, /ANTHROPIC_MODEL/);
      assert.match(kimi.stderr, /^# every Kimi model is excluded; no model variables$/m);
      assert.match(kimi.stderr, /^# see the patterns that hide them: ccs-tui models kimi --account x@example\.com; remove one: ccs-tui exclude rm kimi <pattern>/m);
    } finally {
      ccs.cleanup();
    }
  });

  it("AI Studio (no static list): the model variables come from its live list, the slots' Gemini ids picked from it, rules applied", async () => {
    const upstream = await startFakeUpstream((req, res) =>
      req.path === '/v1beta/openai/models'
        ? sendJson(res, 200, {object: 'list', data: ['models/embedding-001', 'models/gemini-2.5-flash-lite', 'models/gemini-2.5-pro', 'models/gemini-2.5-flash', 'models/gemini-3-pro-preview'].map((id) => ({id, object: 'model', owned_by: 'google'}))})
        : sendJson(res, 404, {error: {message: 'no such path'}}),
    );
    const ccs = makeTempCcs();
    try {
      ccs.writeRaw('cliproxy/config.yaml', `api-keys:\n  - "${API_KEY}"\noauth-excluded-models:\n  aistudio:\n    - "*-preview"\n`);
      ccs.writeRaw('tui.json', JSON.stringify({endpoints: {aistudio: {api: upstream.url}}}));
      ccs.writeToken('aistudio-me@example.com.json', {type: 'aistudio', email: 'me@example.com', api_key: 'AIzaSyTestKey0123456789'});
      const result = await runBin(['env', 'aistudio', '--json'], ccs.env);
      assert.equal(result.code, 0, result.stderr);
      const {env, notes} = JSON.parse(result.stdout) as {env: Record<string, string>; notes: string[]};
      // gemini-3-pro-preview would be the big slot's first choice, but it is excluded.
      assert.equal(env.ANTHROPIC_MODEL, 'gemini-2.5-pro');
      assert.equal(env.ANTHROPIC_DEFAULT_OPUS_MODEL, 'gemini-2.5-pro');
      assert.equal(env.ANTHROPIC_DEFAULT_SONNET_MODEL, 'gemini-2.5-flash');
      assert.equal(env.ANTHROPIC_DEFAULT_HAIKU_MODEL, 'gemini-2.5-flash-lite');
      assert.ok(notes.includes("models from the resolved list of me@example.com (Google AI Studio's live list, asked now)"), notes.join('; '));
      assert.equal(upstream.requests.at(-1)?.headers.authorization, 'Bearer AIzaSyTestKey0123456789');

      // A live list that names none of the slots' models: no variables (never an embedding model), and why.
      upstream.handler = (_req, res) => sendJson(res, 200, {object: 'list', data: [{id: 'models/embedding-001'}, {id: 'models/imagen-4.0-generate-001'}]});
      const none = await runBin(['env', 'aistudio'], ccs.env);
      assert.equal(none.code, 0, none.stderr);
      assert.doesNotMatch(none.stdout, /_MODEL=/);
      assert.match(none.stderr, /^# Google AI Studio's live list names none of the models ccs-tui fills Claude Code's slots with \(gemini-3\.1-pro-preview, .*\)$/m);
      assert.match(none.stderr, /^# ccs-tui has no static Google AI Studio model list/m);
    } finally {
      ccs.cleanup();
      await upstream.close();
    }
  });

  it("IBM Bob (no static list, no model tiers) with a live list: no model variables, and a note that says why without an empty list", async () => {
    const upstream = await startFakeUpstream((req, res) =>
      req.path === '/v1/models' ? sendJson(res, 200, {object: 'list', data: [{id: 'granite-code', object: 'model'}]}) : sendJson(res, 404, {error: {message: 'no such path'}}),
    );
    const ccs = makeTempCcs();
    try {
      ccs.writeRaw('cliproxy/config.yaml', `api-keys:\n  - "${API_KEY}"\n`);
      ccs.writeToken('bob-key.json', {type: 'bob', api_key: 'bob-key-0123456789', base_url: `${upstream.url}/v1`});
      const result = await runBin(['env', 'bob', '--json'], ccs.env);
      assert.equal(result.code, 0, result.stderr);
      const {env, notes} = JSON.parse(result.stdout) as {env: Record<string, string>; notes: string[]};
      assert.equal(env.ANTHROPIC_MODEL, undefined);
      assert.ok(notes.includes("ccs-tui knows no IBM Bob model tiers, so it cannot pick Claude Code's models from the live list"), notes.join('; '));
      assert.ok(!notes.some((note) => note.includes('()')), notes.join('; '));
    } finally {
      ccs.cleanup();
      await upstream.close();
    }
  });

  it("AI Studio whose live list names no small model: the Haiku slot gets the smallest tier listed, never the big model while a smaller one is there, and a note says so", async () => {
    let listed = ['models/gemini-2.5-pro', 'models/gemini-2.5-flash', 'models/embedding-001'];
    const upstream = await startFakeUpstream((req, res) =>
      req.path === '/v1beta/openai/models' ? sendJson(res, 200, {object: 'list', data: listed.map((id) => ({id, object: 'model'}))}) : sendJson(res, 404, {error: {message: 'no such path'}}),
    );
    const ccs = makeTempCcs();
    try {
      ccs.writeRaw('cliproxy/config.yaml', `api-keys:\n  - "${API_KEY}"\n`);
      ccs.writeRaw('tui.json', JSON.stringify({endpoints: {aistudio: {api: upstream.url}}}));
      ccs.writeToken('aistudio-me@example.com.json', {type: 'aistudio', email: 'me@example.com', api_key: 'AIzaSyTestKey0123456789'});
      const result = await runBin(['env', 'aistudio'], ccs.env);
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stdout, /^export ANTHROPIC_MODEL='gemini-2\.5-pro'$/m);
      assert.match(result.stdout, /^export ANTHROPIC_DEFAULT_SONNET_MODEL='gemini-2\.5-flash'$/m);
      assert.match(result.stdout, /^export ANTHROPIC_DEFAULT_HAIKU_MODEL='gemini-2\.5-flash'$/m);
      assert.match(result.stdout, /^export ANTHROPIC_SMALL_FAST_MODEL='gemini-2\.5-flash'$/m);
      assert.match(result.stderr, /^# the list names no small Google AI Studio model \(gemini-3\.1-flash-lite-preview, gemini-2\.5-flash-lite\): the Haiku slot gets gemini-2\.5-flash, the mid-tier model$/m);

      // Only the big tier listed: it is all there is, and the note says the small slot shares it.
      listed = ['models/gemini-2.5-pro', 'models/embedding-001'];
      const onlyBig = await runBin(['env', 'aistudio', '--json'], ccs.env);
      assert.equal(onlyBig.code, 0, onlyBig.stderr);
      const {env, notes} = JSON.parse(onlyBig.stdout) as {env: Record<string, string>; notes: string[]};
      assert.equal(env.ANTHROPIC_DEFAULT_HAIKU_MODEL, 'gemini-2.5-pro');
      assert.ok(notes.some((note) => /the Haiku slot gets gemini-2\.5-pro, the same model as the main one$/.test(note)), notes.join('; '));

      // A small model listed: no note.
      listed = ['models/gemini-2.5-pro', 'models/gemini-2.5-flash-lite'];
      const withSmall = await runBin(['env', 'aistudio'], ccs.env);
      assert.match(withSmall.stdout, /^export ANTHROPIC_DEFAULT_HAIKU_MODEL='gemini-2\.5-flash-lite'$/m);
      assert.doesNotMatch(withSmall.stderr, /no small/);
    } finally {
      ccs.cleanup();
      await upstream.close();
    }
  });

  it('with no account, says the refusal first and only: no note about where models would come from', async () => {
    const ccs = makeTempCcs();
    try {
      ccs.writeRaw('cliproxy/config.yaml', `api-keys:\n  - "${API_KEY}"\n`);
      const kimi = await runBin(['env', 'kimi'], ccs.env);
      assert.equal(kimi.code, 1);
      assert.equal(kimi.stdout, '');
      assert.equal(kimi.stderr, 'ccs-tui: Claude Code cannot use Kimi: no Kimi account (ccs-tui login kimi)\n');
    } finally {
      ccs.cleanup();
    }
  });

  it('exits 1 naming what is missing when the provider truly cannot be served', async () => {
    const ccs = makeTempCcs();
    try {
      ccs.writeRaw('cliproxy/config.yaml', `api-keys:\n  - "${API_KEY}"\n`);
      const vertex = await runBin(['env', 'vertex'], ccs.env);
      assert.equal(vertex.code, 1);
      assert.equal(vertex.stdout, '', 'no exports that would end in an error');
      assert.match(vertex.stderr, /Vertex AI has no inference base URL: .*set endpoints\.vertex\.api in tui\.json/);
      const bob = await runBin(['env', 'bob', '--json'], ccs.env);
      assert.equal(bob.code, 1);
      assert.match((JSON.parse(bob.stdout) as {error: string}).error, /IBM Bob has no inference base URL: log in first/);
    } finally {
      ccs.cleanup();
    }
  });

  it('serves vertex once a service account is imported: its project names the URL, Gemini models fill the tiers', async () => {
    const ccs = makeTempCcs();
    try {
      ccs.writeRaw('cliproxy/config.yaml', `api-keys:\n  - "${API_KEY}"\n`);
      const account = {type: 'service_account', project_id: 'p-1', client_email: 'sa@p-1.iam.gserviceaccount.com', private_key: 'unused here'};
      ccs.writeToken('vertex-sa@p-1.iam.gserviceaccount.com.json', {type: 'vertex', email: account.client_email, project_id: 'p-1', service_account: account});
      const result = await runBin(['env', 'vertex', '--json'], ccs.env);
      assert.equal(result.code, 0, result.stderr);
      const {env} = JSON.parse(result.stdout) as {env: Record<string, string>};
      assert.match(env.ANTHROPIC_BASE_URL!, /\/api\/provider\/vertex$/);
      assert.equal(env.ANTHROPIC_DEFAULT_OPUS_MODEL, 'gemini-2.5-pro');
      assert.equal(env.ANTHROPIC_DEFAULT_HAIKU_MODEL, 'gemini-2.5-flash-lite');
    } finally {
      ccs.cleanup();
    }
  });
});
