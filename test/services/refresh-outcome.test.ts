// What a forced refresh (`t`) reports having done (refreshNow's outcome), so that the TUI says
// "token refreshed" only for a refresh it sent and that was granted: an account the agent holds
// (native mode) is the agent's to refresh, with its newer tokens taken when it has some.
import assert from 'node:assert/strict';
import {readFileSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {test} from 'node:test';
import {refreshNow} from '../../source/services/refresh.js';
import {AccountStore} from '../../source/store/accounts.js';
import {loadSettings} from '../../source/store/settings.js';
import {makeTempCcs, tokenFixture} from '../helpers/ccs.js';
import {runBin} from '../helpers/cli.js';

test('native mode: the agent\'s newer token is taken (took), else nothing (not took); neither sends a refresh', async () => {
  const ccs = makeTempCcs();
  try {
    ccs.writeToken('codex-carol@example.com.json', tokenFixture('codex', 'carol@example.com', {account_id: 'acct-carol'}));
    // A closed port: a refresh sent from here would fail, and the outcome would be an error.
    writeFileSync(ccs.paths.settings, JSON.stringify({endpoints: {codex: {token: 'http://127.0.0.1:9/oauth/token'}}}));
    const used = await runBin(['use', '--native', 'codex', 'carol@example.com'], ccs.env);
    assert.equal(used.code, 0, used.stderr);
    const store = new AccountStore(ccs.paths);
    const {settings} = await loadSettings(ccs.paths, {report: false});
    const [account] = (await store.load()).accounts;

    const first = await refreshNow({store, settings}, 'codex', account!.id);
    assert.deepEqual(first.outcome, {kind: 'agent', agent: 'Codex CLI', took: false});
    assert.equal(first.token.refresh_token, 'rt-codex-carol@example.com-0123456789abcdef');

    // The agent refreshed its file (a new grant of the same ChatGPT account).
    const authFile = path.join(ccs.env.HOME!, '.codex', 'auth.json');
    const auth = JSON.parse(readFileSync(authFile, 'utf8')) as {tokens: Record<string, unknown>};
    auth.tokens = {...auth.tokens, access_token: 'at-from-the-agent-0123456789', refresh_token: 'rt-from-the-agent-0123456789', account_id: 'acct-carol'};
    writeFileSync(authFile, JSON.stringify(auth));
    const second = await refreshNow({store, settings}, 'codex', account!.id);
    assert.deepEqual(second.outcome, {kind: 'agent', agent: 'Codex CLI', took: true});
    assert.equal(second.token.refresh_token, 'rt-from-the-agent-0123456789');
  } finally {
    ccs.cleanup();
  }
});

test('an API-key account: nothing to refresh with (cannot), nothing sent', async () => {
  const ccs = makeTempCcs();
  try {
    ccs.writeToken('aistudio-key.json', {type: 'aistudio', api_key: 'AIzaSyKey0123456789', account_id: 'key-0123'});
    const store = new AccountStore(ccs.paths);
    const {settings} = await loadSettings(ccs.paths, {report: false});
    const [account] = (await store.load()).accounts;
    assert.deepEqual((await refreshNow({store, settings}, 'aistudio', account!.id)).outcome, {kind: 'cannot'});
  } finally {
    ccs.cleanup();
  }
});
