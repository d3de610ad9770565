// Codex CLI's auth.json of an API-key login (`codex login --with-api-key`: `auth_mode` "apikey",
// `OPENAI_API_KEY` set, `tokens` null) is a login no account holds: `use --native codex` clears the
// key (a ChatGPT login must not be overridden by it), so the file is kept beside it first, as any
// foreign login is; and Codex CLI, which takes `auth_mode` over what the file holds, is told "chatgpt".
import assert from 'node:assert/strict';
import {mkdirSync, readFileSync, statSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {it} from 'node:test';
import {switchNative} from '../../source/services/native/sync.js';
import {tokenFixture, withTempHome} from '../helpers/ccs.js';

it("use --native codex over an API-key login keeps the key beside auth.json, not lost", async () => {
  await withTempHome(async ({ccs, home, store, env}) => {
    ccs.writeToken('codex-a.json', tokenFixture('codex', 'a@example.com', {account_id: 'acct-a'}));
    const file = path.join(home, '.codex', 'auth.json');
    mkdirSync(path.dirname(file), {recursive: true, mode: 0o700});
    // As Codex CLI writes it: `auth_mode` names the login it uses, whatever else the file holds.
    const before = JSON.stringify({auth_mode: 'apikey', OPENAI_API_KEY: 'sk-proj-own-key-0123456789abcdef', tokens: null, last_refresh: null});
    writeFileSync(file, before, {mode: 0o600});
    const result = await switchNative(store, 'codex', 'a@example.com', env);
    const written = JSON.parse(readFileSync(file, 'utf8'));
    assert.equal(written.OPENAI_API_KEY, null, 'the ChatGPT login is not overridden by the key');
    // An "apikey" mode left in place would have Codex CLI look for the key it no longer has.
    assert.equal(written.auth_mode, 'chatgpt', 'Codex CLI is told to use the tokens');
    assert.ok(result.foreignBackup, 'the API-key login is kept');
    assert.equal(readFileSync(result.foreignBackup, 'utf8'), before);
    assert.equal(statSync(result.foreignBackup).mode & 0o777, 0o600);
  });
});

it('a key beside the tokens ccs-tui wrote (set by hand since) is kept too', async () => {
  await withTempHome(async ({ccs, home, store, env}) => {
    ccs.writeToken('codex-a.json', tokenFixture('codex', 'a@example.com', {account_id: 'acct-a'}));
    ccs.writeToken('codex-b.json', tokenFixture('codex', 'b@example.com', {account_id: 'acct-b'}));
    const first = await switchNative(store, 'codex', 'a@example.com', env);
    const held = JSON.parse(readFileSync(first.file, 'utf8'));
    writeFileSync(first.file, JSON.stringify({...held, OPENAI_API_KEY: 'sk-proj-own-key-0123456789abcdef'}));
    const second = await switchNative(store, 'codex', 'b@example.com', env);
    assert.ok(second.foreignBackup, 'the key is kept');
    assert.equal(JSON.parse(readFileSync(second.foreignBackup, 'utf8')).OPENAI_API_KEY, 'sk-proj-own-key-0123456789abcdef');
  });
});
