// Native mode saves the tokens an agent wrote into an account only when they can be attributed to it
// (the rule per format is in services/native/formats.ts): a login the agent made itself is kept and
// written nowhere; a refresh the agent was due to make is the native account's; tokens are saved into
// the account they belong to, never into the one the file "should" hold. Also: symlinked agent files.
import assert from 'node:assert/strict';
import {existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync, lstatSync} from 'node:fs';
import path from 'node:path';
import {describe, it} from 'node:test';
import {readNativeState, switchNative, syncNative} from '../../source/services/native/sync.js';
import {tokenFixture, withTempHome, type TempCcs} from '../helpers/ccs.js';

const FAR = '2030-01-02T03:04:05.000Z';
const jwt = (claims: Record<string, unknown>) => `e30.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.sig`;

const tokenOf = (ccs: TempCcs, name: string) => JSON.parse(readFileSync(path.join(ccs.paths.authDir, name), 'utf8')) as Record<string, unknown>;

describe('native mode: whose tokens the agent wrote', () => {
  it('gemini: the id_token email says whose login it is; another person\'s login is saved into no account', async () => {
    await withTempHome(async ({ccs, store, env}) => {
      ccs.writeToken('gemini-a.json', {...tokenFixture('gemini', 'a@example.com', {expired: FAR}), project_id: 'p1'});
      const {file} = await switchNative(store, 'gemini', 'a@example.com', env);
      // `gemini` logs in as c@example.com (unknown to ccs-tui).
      writeFileSync(file, JSON.stringify({access_token: 'ya29.c', refresh_token: '1//c', id_token: jwt({email: 'c@example.com'}), expiry_date: Date.parse(FAR)}));
      const result = await syncNative(store, 'gemini');
      assert.equal(result.saved, false);
      assert.match(result.problem ?? '', /no ccs-tui account's/);
      assert.equal(tokenOf(ccs, 'gemini-a.json').refresh_token, 'rt-gemini-a@example.com-0123456789abcdef');
      assert.equal(JSON.parse(readFileSync(file, 'utf8')).refresh_token, '1//c', 'the foreign login stays in the file');
      // a logs back in (new grant, id_token names a): saved into a.
      writeFileSync(file, JSON.stringify({access_token: 'ya29.a2', refresh_token: '1//a2', id_token: jwt({email: 'a@example.com'}), expiry_date: Date.parse(FAR)}));
      assert.equal((await syncNative(store, 'gemini')).saved, true);
      assert.equal(tokenOf(ccs, 'gemini-a.json').refresh_token, '1//a2');
    });
  });

  it('qwen: new tokens written when the access token was due to expire are the native account\'s refresh; its previous token file is kept aside', async () => {
    await withTempHome(async ({ccs, store, env}) => {
      const soon = new Date(Date.now() + 60_000).toISOString();
      ccs.writeToken('qwen-a.json', tokenFixture('qwen', 'a@example.com', {expired: soon}));
      const {file} = await switchNative(store, 'qwen', 'a@example.com', env);
      writeFileSync(file, JSON.stringify({access_token: 'at-rotated', refresh_token: 'rt-rotated', token_type: 'Bearer', expiry_date: Date.now() + 6 * 3600_000}));
      assert.equal((await syncNative(store, 'qwen')).saved, true);
      assert.equal(tokenOf(ccs, 'qwen-a.json').refresh_token, 'rt-rotated');
      const kept = readdirSync(path.join(ccs.paths.state, 'native-kept'));
      assert.equal(kept.length, 1);
      assert.equal(JSON.parse(readFileSync(path.join(ccs.paths.state, 'native-kept', kept[0]!), 'utf8')).refresh_token, 'rt-qwen-a@example.com-0123456789abcdef');
      // The next rotation descends from a known token: recognised as a's even far from expiry.
      writeFileSync(file, JSON.stringify({access_token: 'at-rotated', refresh_token: 'rt-rotated-2', token_type: 'Bearer', expiry_date: Date.now() + 6 * 3600_000}));
      assert.equal((await syncNative(store, 'qwen')).saved, true);
      assert.equal(tokenOf(ccs, 'qwen-a.json').refresh_token, 'rt-rotated-2');
    });
  });

  it('claude: the agent writes a\'s known tokens over b\'s file after a switch: saved into a, b untouched, the file shown as a\'s', async () => {
    await withTempHome(async ({ccs, store, env}) => {
      ccs.writeToken('claude-a.json', tokenFixture('claude', 'a@example.com', {expired: FAR}));
      ccs.writeToken('claude-b.json', tokenFixture('claude', 'b@example.com', {expired: FAR}));
      const {file} = await switchNative(store, 'claude', 'a@example.com', env);
      const asA = readFileSync(file, 'utf8');
      await switchNative(store, 'claude', 'b@example.com', env);
      // The agent (which read a's file before the switch) writes a's login back.
      writeFileSync(file, asA);
      const result = await syncNative(store, 'claude');
      assert.equal(result.problem, undefined);
      assert.equal(tokenOf(ccs, 'claude-b.json').refresh_token, 'rt-claude-b@example.com-0123456789abcdef', "b's token file never takes a's tokens");
      assert.equal(tokenOf(ccs, 'claude-a.json').refresh_token, 'rt-claude-a@example.com-0123456789abcdef');
      assert.equal(readNativeState(ccs.paths).claude?.account, 'a@example.com', 'the file holds a again');
    });
  });

  it('codex: the same workspace account_id for two people: the id_token email tells them apart', async () => {
    await withTempHome(async ({ccs, store, env}) => {
      ccs.writeToken('codex-a.json', tokenFixture('codex', 'a@example.com', {account_id: 'team-1', expired: FAR}));
      ccs.writeToken('codex-b.json', tokenFixture('codex', 'b@example.com', {account_id: 'team-1', expired: FAR}));
      const home = path.join(ccs.env.HOME!, 'codex');
      const {file} = await switchNative(store, 'codex', 'a@example.com', {...env, CODEX_HOME: home});
      const auth = JSON.parse(readFileSync(file, 'utf8'));
      auth.tokens = {...auth.tokens, access_token: 'at-b-new', refresh_token: 'rt-b-new', id_token: jwt({email: 'b@example.com'})};
      writeFileSync(file, JSON.stringify(auth));
      assert.equal((await syncNative(store, 'codex')).saved, true);
      assert.equal(tokenOf(ccs, 'codex-b.json').refresh_token, 'rt-b-new');
      assert.equal(tokenOf(ccs, 'codex-a.json').refresh_token, 'rt-codex-a@example.com-0123456789abcdef');
    });
  });
});

describe('native mode: a symlinked agent file', () => {
  it('a link to a regular file inside the agent dir is written through; the link stays', async () => {
    await withTempHome(async ({ccs, store, env}) => {
      ccs.writeToken('claude-a.json', tokenFixture('claude', 'a@example.com', {expired: FAR}));
      const dir = path.join(env.HOME!, '.claude');
      mkdirSync(path.join(dir, 'profiles'), {recursive: true, mode: 0o700});
      const real = path.join(dir, 'profiles', 'work.json');
      writeFileSync(real, JSON.stringify({mcpOAuth: {}}), {mode: 0o600});
      symlinkSync('profiles/work.json', path.join(dir, '.credentials.json'));
      const result = await switchNative(store, 'claude', 'a@example.com', env);
      assert.equal(result.file, real);
      assert.ok(lstatSync(path.join(dir, '.credentials.json')).isSymbolicLink(), 'the link is kept');
      assert.equal(JSON.parse(readFileSync(path.join(dir, '.credentials.json'), 'utf8')).claudeAiOauth.refreshToken, 'rt-claude-a@example.com-0123456789abcdef');
    });
  });

  it('a link outside the agent dir is refused with a message naming both, and nothing is replaced', async () => {
    await withTempHome(async ({ccs, store, env}) => {
      ccs.writeToken('claude-a.json', tokenFixture('claude', 'a@example.com', {expired: FAR}));
      const dir = path.join(env.HOME!, '.claude');
      mkdirSync(dir, {recursive: true, mode: 0o700});
      const outside = path.join(env.HOME!, 'dotfiles-creds.json');
      writeFileSync(outside, '{"theirs": true}', {mode: 0o600});
      symlinkSync(outside, path.join(dir, '.credentials.json'));
      await assert.rejects(switchNative(store, 'claude', 'a@example.com', env), (error: Error) => {
        assert.match(error.message, /\.credentials\.json is a symbolic link to .*dotfiles-creds\.json, outside/);
        return true;
      });
      assert.ok(lstatSync(path.join(dir, '.credentials.json')).isSymbolicLink());
      assert.equal(readFileSync(outside, 'utf8'), '{"theirs": true}');
      assert.equal(existsSync(path.join(ccs.paths.state, 'native.json')), false);
    });
  });
});
