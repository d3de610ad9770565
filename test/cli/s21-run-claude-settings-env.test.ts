// Claude Code applies the `env` of its settings.json (~/.claude/settings.json, the project's
// .claude/settings.json and settings.local.json) over the environment it is started with (checked
// with the real binary: a base URL there took every request). A person who points Claude Code at
// another gateway there ran `ccs-tui run claude`, was told the proxy served the chosen account, and
// Claude Code went to that gateway (with the proxy's key, when the file sets no token). The run
// refuses, before anything starts, naming the file and the variables.
import assert from 'node:assert/strict';
import {spawnSync} from 'node:child_process';
import {existsSync, mkdirSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {after, it} from 'node:test';
import {makeTempCcs} from '../helpers/ccs.js';
import {binPath, runBin} from '../helpers/cli.js';
import {freePort} from '../helpers/fake-upstreams.js';
import {API_KEY, oauthToken} from '../proxy/fixture.js';

const ccs = makeTempCcs();
after(async () => {
  await runBin(['proxy', 'stop'], ccs.env);
  ccs.cleanup();
});

it("run claude with a base URL in Claude Code's own settings.json: refused, naming the file and field; a model there is no refusal", async () => {
  ccs.writeToken('claude-a@example.com.json', oauthToken('claude', 'a@example.com'));
  ccs.writeRaw('cliproxy/config.yaml', `port: ${await freePort()}\napi-keys:\n  - "${API_KEY}"\n`);
  const settings = path.join(ccs.env.HOME!, '.claude', 'settings.json');
  mkdirSync(path.dirname(settings), {recursive: true});
  writeFileSync(settings, JSON.stringify({env: {ANTHROPIC_BASE_URL: 'https://gateway.example', API_TIMEOUT_MS: '600000'}, model: 'opus'}));
  const env = {...ccs.env, CCS_TUI_AGENT_CLAUDE: JSON.stringify(['/bin/sh', '-c', 'echo agent ran'])};
  const refused = await runBin(['run', 'claude'], env);
  assert.equal(refused.code, 1, refused.stderr);
  assert.equal(refused.stdout, '', 'the agent did not run');
  assert.match(refused.stderr, new RegExp(`^ccs-tui: Claude Code would not use the proxy: ${settings.replace(/[.]/g, '\\.')} sets env\\.ANTHROPIC_BASE_URL, which Claude Code takes over what ccs-tui gives it; remove it there`));
  assert.equal(existsSync(path.join(ccs.paths.state, 'proxy.json')), false, 'no proxy was started');
  // Settings that point nowhere else (a timeout, a model) are the person's own: the run goes on.
  writeFileSync(settings, JSON.stringify({env: {API_TIMEOUT_MS: '600000', ANTHROPIC_MODEL_NOT: 'x'}}));
  const ran = await runBin(['run', 'claude'], env);
  assert.equal(ran.code, 0, ran.stderr);
  assert.equal(ran.stdout, 'agent ran\n');
  // Run from a directory that was removed meanwhile (no project settings to read): the run goes on.
  const gone = path.join(ccs.env.HOME!, 'gone');
  mkdirSync(gone);
  const fromGone = spawnSync('/bin/sh', ['-c', 'cd "$1" && rmdir "$1" && exec "$2" "$3" run claude', 'sh', gone, process.execPath, binPath], {env, encoding: 'utf8', timeout: 20_000});
  assert.equal(fromGone.status, 0, fromGone.stderr);
  assert.equal(fromGone.stdout, 'agent ran\n');
});

it("run claude with this proxy's own base URL and key in settings.json (as `ccs-tui env` prints them), or switches set off: no refusal; a switch set on still is", async () => {
  const settings = path.join(ccs.env.HOME!, '.claude', 'settings.json');
  mkdirSync(path.dirname(settings), {recursive: true});
  const env = {...ccs.env, CCS_TUI_AGENT_CLAUDE: JSON.stringify(['/bin/sh', '-c', 'echo agent ran'])};
  // The run above left its proxy running: `ccs-tui env claude` names it.
  const exported = await runBin(['env', 'claude', '--json'], env);
  assert.equal(exported.code, 0, exported.stderr);
  const own = (JSON.parse(exported.stdout) as {env: Record<string, string>}).env;
  assert.match(own.ANTHROPIC_BASE_URL!, /^http:\/\/127\.0\.0\.1:\d+/);
  writeFileSync(settings, JSON.stringify({env: {ANTHROPIC_BASE_URL: own.ANTHROPIC_BASE_URL, ANTHROPIC_AUTH_TOKEN: own.ANTHROPIC_AUTH_TOKEN, CLAUDE_CODE_USE_BEDROCK: '0', CLAUDE_CODE_USE_VERTEX: 'false', ANTHROPIC_API_KEY: ''}}));
  const ran = await runBin(['run', 'claude'], env);
  assert.equal(ran.code, 0, ran.stderr);
  assert.equal(ran.stdout, 'agent ran\n');
  // Another key, or a cloud switch on: refused as before, naming each.
  writeFileSync(settings, JSON.stringify({env: {ANTHROPIC_BASE_URL: own.ANTHROPIC_BASE_URL, ANTHROPIC_AUTH_TOKEN: 'another-key-0123456789', CLAUDE_CODE_USE_VERTEX: 'TRUE'}}));
  const refused = await runBin(['run', 'claude'], env);
  assert.equal(refused.code, 1, refused.stderr);
  assert.equal(refused.stdout, '');
  assert.match(refused.stderr, /sets env\.ANTHROPIC_AUTH_TOKEN, env\.CLAUDE_CODE_USE_VERTEX, which Claude Code takes/);
  assert.doesNotMatch(refused.stderr, /another-key-0123456789/);
});
