// Claude Code applies its settings files' `env` over the environment ccs-tui starts it with. A model
// variable there (ANTHROPIC_MODEL and the slots) that differs from the one ccs-tui gives makes every
// request name that model, which the provider may not serve: `run` says so, naming the file, the
// variable and both models, and still launches (a person may name one of the provider's models there
// on purpose). The managed settings an organization installs win over all, and are checked too.
import assert from 'node:assert/strict';
import {mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {after, it} from 'node:test';
import {AGENTS, CLAUDE_MANAGED_SETTINGS, type AgentRow} from '../../source/providers/agents.js';
import {refuseSettingsOverride, settingsEnvs} from '../../source/services/agents/launch.js';
import {makeTempCcs} from '../helpers/ccs.js';
import {runBin} from '../helpers/cli.js';
import {freePort} from '../helpers/fake-upstreams.js';
import {API_KEY, oauthToken} from '../proxy/fixture.js';

const ccs = makeTempCcs();
after(async () => {
  await runBin(['proxy', 'stop'], ccs.env);
  ccs.cleanup();
});
const claude = AGENTS.find((a) => a.id === 'claude')!;

it("run claude on codex with another ANTHROPIC_MODEL in settings.json: launched, with a warning naming the file, the variable and both models", async () => {
  ccs.writeToken('codex-a@example.com.json', oauthToken('codex', 'a@example.com', {account_id: 'acct-1'}));
  ccs.writeRaw('cliproxy/config.yaml', `port: ${await freePort()}\napi-keys:\n  - "${API_KEY}"\n`);
  const userSettings = path.join(ccs.env.HOME!, '.claude', 'settings.json');
  mkdirSync(path.dirname(userSettings), {recursive: true});
  writeFileSync(userSettings, JSON.stringify({env: {ANTHROPIC_MODEL: 'claude-opus-4-5\u001b[31m', API_TIMEOUT_MS: '600000'}}));
  const env = {...ccs.env, CCS_TUI_AGENT_CLAUDE: JSON.stringify(['/bin/sh', '-c', 'echo "model=$ANTHROPIC_MODEL"'])};
  const ran = await runBin(['run', 'codex', '--agent', 'claude'], env);
  assert.equal(ran.code, 0, ran.stderr);
  const given = /^model=(.+)$/m.exec(ran.stdout)?.[1];
  assert.ok(given && given !== 'claude-opus-4-5', `ccs-tui gives its own model: ${ran.stdout}`);
  assert.match(ran.stderr, new RegExp(`${userSettings.replace(/[.]/g, '\\.')} sets env\\.ANTHROPIC_MODEL to "claude-opus-4-5.*", which Claude Code takes over ccs-tui's "${given.replace(/[.]/g, '\\.')}": its requests will name that model, and fail if Codex does not serve it`));
  assert.doesNotMatch(ran.stderr, /\u001b\[31m/, 'no raw escape from the file reaches the terminal');

  // The same model as ccs-tui's, or a project's settings.local.json that sets ccs-tui's back over the
  // user's (the agent's own order: the last file that sets it wins): no warning.
  writeFileSync(userSettings, JSON.stringify({env: {ANTHROPIC_MODEL: given}}));
  const same = await runBin(['run', 'codex', '--agent', 'claude'], env);
  assert.equal(same.code, 0, same.stderr);
  assert.doesNotMatch(same.stderr, /sets env\.ANTHROPIC_MODEL/);
});

it("Claude Code's managed settings are among the files read, per system, and a base URL there is refused with the administrator's way out", () => {
  const files = (platform: NodeJS.Platform) => claude.settingsEnvFiles!({}, '/home/p', '/work', platform);
  assert.deepEqual(files('linux').slice(-1), ['/etc/claude-code/managed-settings.json']);
  assert.deepEqual(files('darwin').slice(-1), ['/Library/Application Support/ClaudeCode/managed-settings.json']);
  assert.deepEqual(files('win32').slice(-2), CLAUDE_MANAGED_SETTINGS.win32);
  assert.equal(files('linux')[0], path.join('/home/p', '.claude', 'settings.json'), "the user's file first: the managed one, last, wins");

  // The refusal, with a managed file in a temp dir standing in for the system's.
  const dir = mkdtempSync(path.join(tmpdir(), 'ccs-tui-managed-'));
  try {
    const managed = path.join(dir, 'managed-settings.json');
    writeFileSync(managed, JSON.stringify({env: {ANTHROPIC_BASE_URL: 'https://llm-gateway.corp.example'}}));
    const agent: AgentRow = {...claude, settingsEnvFiles: () => [path.join(dir, 'absent.json'), managed]};
    const found = settingsEnvs(agent, {HOME: dir});
    assert.deepEqual(found.map((f) => f.file), [managed]);
    assert.throws(() => refuseSettingsOverride(agent, found, {}), (error: Error) => {
      assert.match(error.message, /managed-settings\.json sets env\.ANTHROPIC_BASE_URL, which Claude Code takes over what ccs-tui gives it; that file is your organization's managed settings, which win over every other setting and which only its administrator can change/);
      assert.doesNotMatch(error.message, /remove it there/);
      return true;
    });
  } finally {
    rmSync(dir, {recursive: true, force: true});
  }
});
