// `ccs-tui run` with an agent path that cannot be run, and text echoed in errors (attack 11, F9):
// the path is checked before any proxy starts, the error names it, what is wrong and the setting
// that chose it; typed or file-read text is echoed on one line without escapes; an account whose
// nickname another tool stored with control characters can still be named.
import assert from 'node:assert/strict';
import {chmodSync, existsSync, mkdirSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {after, describe, test} from 'node:test';
import {makeTempCcs, tokenFixture} from '../helpers/ccs.js';
import {runBin} from '../helpers/cli.js';
import {freePort} from '../helpers/fake-upstreams.js';

const ESC = '\u001b';
const FORGED = `work\nccs-tui: FAKE LINE ${ESC}[31mred${ESC}]0;T\u0007`;

describe('run with an agent that cannot be run', async () => {
  const ccs = makeTempCcs();
  ccs.writeToken('claude-a@x.com.json', tokenFixture('claude', 'a@x.com'));
  const port = await freePort();
  ccs.writeRaw('cliproxy/config.yaml', `port: ${port}\napi-keys: ["sk-local-0123456789"]\n`);
  const dir = path.join(ccs.paths.root, 'agent-dir');
  mkdirSync(dir);
  const noexec = ccs.writeRaw('noexec', '#!/bin/sh\nexit 0\n');
  chmodSync(noexec, 0o600);
  const proxyRecord = path.join(ccs.paths.root, 'tui', 'proxy.json');
  after(async () => {
    await runBin(['proxy', 'stop'], ccs.env);
    ccs.cleanup();
  });

  for (const [what, agent, problem] of [
    ['a directory', dir, 'is a directory'],
    ['a file that is not executable', noexec, 'is not executable'],
    ['a path that does not exist', path.join(dir, 'missing'), 'does not exist'],
    ['a bare name not on PATH', JSON.stringify(['no-such-agent-cli', '--flag']), 'is not on PATH'],
  ] as const) {
    test(`${what}: refused before any proxy starts, naming the path and CCS_TUI_AGENT_CLAUDE`, async () => {
      const run = await runBin(['run', 'claude', '--port', String(port)], {...ccs.env, CCS_TUI_AGENT_CLAUDE: agent});
      assert.equal(run.code, 1, run.stderr);
      const shown = agent.startsWith('[') ? 'no-such-agent-cli' : agent;
      assert.equal(
        run.stderr,
        `ccs-tui: cannot run Claude Code: ${shown} ${problem} (set by CCS_TUI_AGENT_CLAUDE); point CCS_TUI_AGENT_CLAUDE at the claude executable (a path, or a JSON array such as ["node", "/path/to/cli.js"]), or unset CCS_TUI_AGENT_CLAUDE to use claude from PATH\n`,
      );
      assert.ok(!existsSync(proxyRecord), 'no proxy was started');
    });
  }

  test('set in tui.json: the error names agents.claude.command', async () => {
    writeFileSync(ccs.paths.settings, JSON.stringify({agents: {claude: {command: [dir]}}}));
    try {
      const run = await runBin(['run', 'claude', '--port', String(port)], ccs.env);
      assert.equal(run.code, 1);
      assert.match(run.stderr, /^ccs-tui: cannot run Claude Code: .*agent-dir is a directory \(set by agents\.claude\.command in tui\.json\); point agents\.claude\.command in tui\.json at the claude executable .*, or remove it to use claude from PATH\n$/);
      assert.ok(!existsSync(proxyRecord));
    } finally {
      writeFileSync(ccs.paths.settings, '{}');
    }
  });
});

describe('text echoed in errors, and a nickname stored with control characters', () => {
  const ccs = makeTempCcs();
  ccs.writeToken('claude-a@x.com.json', tokenFixture('claude', 'a@x.com'));
  ccs.writeRegistry({version: 1, providers: {claude: {default: 'a@x.com', accounts: {'a@x.com': {email: 'a@x.com', tokenFile: 'claude-a@x.com.json', nickname: FORGED}}}}});
  after(() => ccs.cleanup());

  /** Every stderr line is one of ccs-tui's own, and no escape reaches the terminal. */
  const oneLine = (stderr: string) => {
    assert.ok(!stderr.includes(ESC), JSON.stringify(stderr));
    assert.equal(stderr.trimEnd().split('\n').length, 1, JSON.stringify(stderr));
  };

  test('an unknown account, agent or port typed with a line break and escapes is echoed on one line', async () => {
    for (const args of [
      ['run', 'claude', `nosuch\nccs-tui: FAKE LINE ${ESC}[31m`],
      ['run', `nosuch\nccs-tui: FAKE LINE ${ESC}[31m`],
      ['run', 'claude', '--agent', `x\nccs-tui: FAKE LINE`],
      ['proxy', 'start', '--port', `1\nccs-tui: FAKE LINE`],
      ['pause', 'claude', `nosuch\nccs-tui: FAKE LINE`],
    ]) {
      const run = await runBin(args, ccs.env);
      assert.notEqual(run.code, 0);
      oneLine(run.stderr);
      assert.match(run.stderr, /"(nosuch|x|1) ccs-tui: FAKE LINE/);
    }
  });

  test('the account is named by the nickname as typed from the file, as listed, or by its email; the error says so', async () => {
    for (const name of [FORGED, 'work ccs-tui: FAKE LINE red', 'a@x.com']) {
      const paused = await runBin(['pause', 'claude', name], ccs.env);
      assert.equal(paused.code, 0, paused.stderr);
      oneLine(paused.stdout);
      const resumed = await runBin(['resume', 'claude', name], ccs.env);
      assert.equal(resumed.code, 0, resumed.stderr);
    }
    const run = await runBin(['pause', 'claude', `wrok\n${ESC}[31m`], ccs.env);
    oneLine(run.stderr);
    assert.match(run.stderr, /no claude account "wrok " \(accounts: work ccs-tui: FAKE LINE red\); account names are matched as listed, without control characters, or name one by its id or email: a@x\.com/);
  });
});
