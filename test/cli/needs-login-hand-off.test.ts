// An account marked needs-login (its refresh token refused or revoked) is a dead grant: handed to
// something that refreshes on its own it could only fail. `push` refuses it as `use --native` does,
// each saying why and to log in again; nothing is uploaded or written, the local account stays.
import assert from 'node:assert/strict';
import {existsSync, readFileSync} from 'node:fs';
import path from 'node:path';
import {afterEach, beforeEach, describe, it} from 'node:test';
import {AccountStore} from '../../source/store/accounts.js';
import {makeTempCcs, tokenFixture, type TempCcs} from '../helpers/ccs.js';
import {runBin} from '../helpers/cli.js';
import type {FakeCliproxy} from '../helpers/fake-cliproxy/server.js';
import {remoteTarget} from '../helpers/fake-cliproxy/target.js';

const TOKEN = tokenFixture('claude', 'a@x.com', {refresh_token: 'sk-ant-ort01-REVOKED-0123456789'});
const WORDS = /re-login \(refresh token revoked \(invalid_grant\)\): its refresh token no longer works, so whatever is given it cannot refresh it; a new login is needed \(ccs-tui login claude\)/;

describe('an account that needs a new login (its refresh token was refused)', () => {
  let ccs: TempCcs;
  let file: string;
  beforeEach(async () => {
    ccs = makeTempCcs();
    file = ccs.writeToken('claude-a@x.com.json', TOKEN);
    await new AccountStore(ccs.paths).setNeedsLogin('claude', {tokenFile: 'claude-a@x.com.json'}, 'refresh token revoked (invalid_grant)', String(TOKEN.refresh_token));
  });
  afterEach(() => ccs.cleanup());

  it('`push` refuses to send it to a server, says why and to log in again; nothing is uploaded and the local account stays', async () => {
    const stand: FakeCliproxy = await remoteTarget(ccs);
    try {
      for (const extra of [[], ['--force']]) {
        const run = await runBin(['push', 'claude', 'a@x.com', '--target', 'team', ...extra], ccs.env);
        assert.equal(run.code, 1, run.stdout);
        assert.match(run.stderr, /claude a@x\.com: not pushed to target team: /);
        assert.match(run.stderr, WORDS);
        assert.equal(stand.files.size, 0, 'nothing uploaded');
        assert.equal(JSON.parse(readFileSync(file, 'utf8')).refresh_token, TOKEN.refresh_token);
        assert.ok(!run.stderr.includes(String(TOKEN.refresh_token)));
      }
    } finally {
      await stand.close();
    }
  });

  it('`use --native` refuses it in the same words', async () => {
    const env = {...ccs.env, CLAUDE_CONFIG_DIR: path.join(ccs.env.HOME!, '.claude')};
    const run = await runBin(['use', '--native', 'claude', 'a@x.com'], env);
    assert.equal(run.code, 1, run.stdout);
    assert.match(run.stderr, /claude account a@x\.com is not put in Claude Code's credential file: /);
    assert.match(run.stderr, WORDS);
    assert.ok(!existsSync(path.join(env.CLAUDE_CONFIG_DIR, '.credentials.json')), 'the agent got nothing');
  });
});
