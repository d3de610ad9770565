// `ccs-tui run` with the REAL Claude Code CLI: it starts the background proxy, points Claude Code at
// it, Claude Code answers a prompt from a local Anthropic upstream, and its exit code comes back; a
// second run reuses the proxy. Agents the proxy cannot serve are refused before anything starts.
import assert from 'node:assert/strict';
import {mkdirSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {after, describe, it} from 'node:test';
import {readRunningProxy} from '../../source/services/proxy/pid-file.js';
import {installedAgents} from '../helpers/agents.js';
import {makeTempCcs} from '../helpers/ccs.js';
import {runBin} from '../helpers/cli.js';
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
