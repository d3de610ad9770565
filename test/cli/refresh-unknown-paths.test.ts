// An account whose last refresh got no answer ("refresh unknown": its refresh token may have been
// spent) is never refreshed again by ccs-tui. Nor may it be handed to something that refreshes on
// its own: the agent's credential file (`use --native`) or a remote server (`push`). Each refusal
// says to log in again; `run` says so before launching on it.
import assert from 'node:assert/strict';
import {existsSync, readFileSync} from 'node:fs';
import path from 'node:path';
import {afterEach, beforeEach, describe, it} from 'node:test';
import {AccountStore} from '../../source/store/accounts.js';
import {makeTempCcs, tokenFixture, type TempCcs} from '../helpers/ccs.js';
import {runBin} from '../helpers/cli.js';
import type {FakeCliproxy} from '../helpers/fake-cliproxy/server.js';
import {remoteTarget} from '../helpers/fake-cliproxy/target.js';

const TOKEN = tokenFixture('claude', 'a@x.com', {refresh_token: 'sk-ant-ort01-SENT-NO-ANSWER-0123456789'});
const WORDS = /refresh unknown \(the token request timed out\): the refresh token may have been spent, so it is never sent again; a new login is needed \(ccs-tui login claude\)/;

describe('an account whose refresh outcome is unknown', () => {
  let ccs: TempCcs;
  let file: string;
  beforeEach(async () => {
    ccs = makeTempCcs();
    file = ccs.writeToken('claude-a@x.com.json', TOKEN);
    await new AccountStore(ccs.paths).setRefreshUnknown('claude', {tokenFile: 'claude-a@x.com.json'}, 'the token request timed out', String(TOKEN.refresh_token));
  });
  afterEach(() => ccs.cleanup());

  it('`use --native` refuses to put it in the agent\'s credential file (the agent would refresh it)', async () => {
    const env = {...ccs.env, CLAUDE_CONFIG_DIR: path.join(ccs.env.HOME!, '.claude')};
    const run = await runBin(['use', '--native', 'claude', 'a@x.com'], env);
    assert.equal(run.code, 1, run.stdout);
    assert.match(run.stderr, /claude account a@x\.com is not put in Claude Code's credential file: /);
    assert.match(run.stderr, WORDS);
    assert.ok(!existsSync(path.join(env.CLAUDE_CONFIG_DIR, '.credentials.json')), 'the agent got nothing');
    assert.ok(!run.stderr.includes(String(TOKEN.refresh_token)));
  });

  it('`push` refuses to send it to a server (the server would refresh it); the local account stays', async () => {
    const stand: FakeCliproxy = await remoteTarget(ccs);
    try {
      const run = await runBin(['push', 'claude', 'a@x.com', '--target', 'team'], ccs.env);
      assert.equal(run.code, 1, run.stdout);
      assert.match(run.stderr, /claude a@x\.com: not pushed to target team: /);
      assert.match(run.stderr, WORDS);
      assert.equal(stand.files.size, 0, 'nothing uploaded');
      assert.equal(JSON.parse(readFileSync(file, 'utf8')).refresh_token, TOKEN.refresh_token);
    } finally {
      await stand.close();
    }
  });

  it('`run` on it says it stops serving when its access token expires and to log in again, unless --force', async () => {
    const agent = ccs.writeRaw('agent.mjs', 'process.stdout.write("agent ran\\n");\n');
    const run = await runBin(['run', 'claude', 'a@x.com'], {...ccs.env, CCS_TUI_AGENT_CLAUDE: JSON.stringify([process.execPath, agent])});
    assert.equal(run.code, 1, run.stderr);
    assert.equal(run.stdout, '', 'the agent did not run');
    assert.match(run.stderr, /claude account a@x\.com cannot refresh its token \(refresh unknown: the token request timed out; the refresh token may have been spent, so it is never sent again\): it stops serving when its access token expires; no other claude account is healthy now; log in again \(ccs-tui login claude\), or launch on it anyway: add --force/);
  });
});
