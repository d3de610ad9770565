// Attacks on the grant's safety with real processes and files (session 11 attack).
import assert from 'node:assert/strict';
import {existsSync, readFileSync, utimesSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {describe, it} from 'node:test';
import {switchNative} from '../../source/services/native/sync.js';
import {ensureFreshToken, settleSpentCopyScans} from '../../source/services/refresh.js';
import {grantKey, withGrantLock} from '../../source/store/grant-lock.js';
import {AccountStore} from '../../source/store/accounts.js';
import {loadSettings} from '../../source/store/settings.js';
import {makeTempCcs, type TempCcs} from '../helpers/ccs.js';
import {runBin} from '../helpers/cli.js';
import {rotatingGrant, startTokenServer, type TokenAnswer, type TokenServer} from '../helpers/token-server.js';

const granted = rotatingGrant;

const PAST = () => new Date(Date.now() - 3600_000).toISOString();
const claudeToken = (email: string, refreshToken: string, extra: Record<string, unknown> = {}) => ({type: 'claude', email, access_token: `sk-ant-oat01-${refreshToken}-at`, refresh_token: refreshToken, expired: PAST(), ...extra});

async function withServer(answer: TokenAnswer | undefined, body: (server: TokenServer, ccs: TempCcs) => Promise<void>, tui: Record<string, unknown> = {}): Promise<void> {
  const server = await startTokenServer(answer);
  const ccs = makeTempCcs();
  ccs.writeRaw('tui.json', JSON.stringify({endpoints: {claude: {token: `${server.url}/token`, usage: `${server.url}/usage`}}, ...tui}));
  try {
    await body(server, ccs);
  } finally {
    ccs.cleanup();
    await server.close();
  }
}

describe('a copy of a token file whose refresh token was refreshed through the other copy', () => {
  it('is marked: `accounts` says so, use --native does not hand its spent refresh token to the agent', async () => {
    await withServer(undefined, async (server, ccs) => {
      const holder = ccs.writeToken('claude-a@x.com.json', claudeToken('a@x.com', 'sk-ant-ort01-RT1-0123456789'));
      const copy = ccs.writeToken('claude-copy.json', claudeToken('a@x.com', 'sk-ant-ort01-RT1-0123456789'));
      const [holderId, copyId] = ['a@x.com#a@x.com', 'a@x.com#copy'];
      // One of them refreshed (the proxy serving it, the TUI's `t`): the other still holds the spent token.
      const store = new AccountStore(ccs.paths);
      await ensureFreshToken({store, settings: (await loadSettings(ccs.paths)).settings}, 'claude', holderId);
      assert.deepEqual(server.presented, ['sk-ant-ort01-RT1-0123456789']);
      assert.equal(JSON.parse(readFileSync(holder, 'utf8')).refresh_token, 'sk-ant-ort01-new-1-0123456789abcdef');
      assert.equal(JSON.parse(readFileSync(copy, 'utf8')).refresh_token, 'sk-ant-ort01-RT1-0123456789');

      const listed = await runBin(['accounts'], ccs.env);
      assert.match(listed.stdout, new RegExp(`${copyId} .*\\? refresh unknown`));
      assert.doesNotMatch(listed.stdout, new RegExp(`${holderId} .*\\? refresh unknown`));
      assert.ok(listed.stderr.includes(`claude ${copyId}: refresh unknown (its refresh token was spent refreshing claude-a@x.com.json, a copy of it that holds the grant now: remove this one)`), listed.stderr);

      const env = {...ccs.env, CLAUDE_CONFIG_DIR: path.join(ccs.env.HOME!, '.claude')};
      const used = await runBin(['use', '--native', 'claude', copyId], env);
      assert.equal(used.code, 1, used.stdout);
      assert.match(used.stderr, /is not put in Claude Code's credential file: refresh unknown/);
      assert.ok(!existsSync(path.join(env.CLAUDE_CONFIG_DIR, '.credentials.json')), 'the agent was not given the spent refresh token');
      assert.doesNotMatch(listed.stdout + listed.stderr + used.stderr, /sk-ant-ort01/, 'no token shown');
      assert.deepEqual(server.presented, ['sk-ant-ort01-RT1-0123456789']);
    });
  });

  it('made after the store read every file (new, overwritten in place, paused) is marked too; other grants are not', async () => {
    await withServer(undefined, async (server, ccs) => {
      const old = new Date(Date.now() - 3600_000);
      const aged = (file: string) => (utimesSync(file, old, old), file);
      aged(ccs.writeToken('claude-a@x.com.json', claudeToken('a@x.com', 'sk-ant-ort01-RT1-0123456789')));
      const overwritten = aged(ccs.writeToken('claude-b@x.com.json', claudeToken('b@x.com', 'sk-ant-ort01-RT2-0123456789')));
      aged(ccs.writeToken('claude-c@x.com.json', claudeToken('c@x.com', 'sk-ant-ort01-RT3-0123456789')));
      // A long-lived store (the TUI's) has read them all and keeps what it read.
      const store = new AccountStore(ccs.paths);
      assert.equal((await store.load()).accounts.length, 3);
      // Then another tool copies the grant: over b in place (an older time, so only the stamp tells), and as a new paused file.
      writeFileSync(overwritten, JSON.stringify(claudeToken('b@x.com', 'sk-ant-ort01-RT1-0123456789')));
      utimesSync(overwritten, new Date(old.getTime() + 5000), new Date(old.getTime() + 5000));
      ccs.writeToken('claude-paused.json', claudeToken('a@x.com', 'sk-ant-ort01-RT1-0123456789'), 'auth-paused');

      await ensureFreshToken({store, settings: (await loadSettings(ccs.paths)).settings}, 'claude', 'a@x.com');
      assert.deepEqual(server.presented, ['sk-ant-ort01-RT1-0123456789']);
      const listed = await runBin(['accounts'], ccs.env);
      assert.match(listed.stdout, /b@x\.com .*\? refresh unknown/);
      // Paused, it lists as paused; the mark is said below the table.
      assert.ok(listed.stderr.includes('claude a@x.com#paused: refresh unknown (its refresh token was spent refreshing claude-a@x.com.json'), listed.stderr);
      assert.doesNotMatch(listed.stdout, /c@x\.com .*refresh unknown/);
      assert.doesNotMatch(listed.stdout, /a@x\.com  .*refresh unknown/);
      assert.doesNotMatch(listed.stdout + listed.stderr, /sk-ant-ort01/, 'no token shown');
    });
  });

  it('two refreshed within a second: the first copy is marked at once, the second soon after (one scan for a burst)', async () => {
    await withServer(undefined, async (server, ccs) => {
      ccs.writeToken('claude-a@x.com.json', claudeToken('a@x.com', 'sk-ant-ort01-RTA-0123456789'));
      ccs.writeToken('claude-a-copy.json', claudeToken('a@x.com', 'sk-ant-ort01-RTA-0123456789'));
      ccs.writeToken('claude-b@x.com.json', claudeToken('b@x.com', 'sk-ant-ort01-RTB-0123456789'));
      ccs.writeToken('claude-b-copy.json', claudeToken('b@x.com', 'sk-ant-ort01-RTB-0123456789'));
      const store = new AccountStore(ccs.paths);
      const settings = (await loadSettings(ccs.paths)).settings;
      await ensureFreshToken({store, settings}, 'claude', 'a@x.com#a@x.com');
      await ensureFreshToken({store, settings}, 'claude', 'b@x.com#b@x.com');
      assert.deepEqual(server.presented, ['sk-ant-ort01-RTA-0123456789', 'sk-ant-ort01-RTB-0123456789']);
      const marked = async () => (await runBin(['accounts'], ccs.env)).stdout;
      assert.match(await marked(), /a@x\.com#a-copy .*\? refresh unknown/);
      let listed = await marked();
      for (const deadline = Date.now() + 10_000; !/b@x\.com#b-copy .*\? refresh unknown/.test(listed) && Date.now() < deadline; listed = await marked()) {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      assert.match(listed, /b@x\.com#b-copy .*\? refresh unknown/);
      assert.doesNotMatch(listed, /(a@x\.com#a@x\.com|b@x\.com#b@x\.com) .*refresh unknown/);
    });
  });

  it('the second of a burst is marked at once when its process stops (settleSpentCopyScans, the proxy at its stop)', async () => {
    await withServer(undefined, async (_server, ccs) => {
      ccs.writeToken('claude-a@x.com.json', claudeToken('a@x.com', 'sk-ant-ort01-RTA-0123456789'));
      ccs.writeToken('claude-b@x.com.json', claudeToken('b@x.com', 'sk-ant-ort01-RTB-0123456789'));
      ccs.writeToken('claude-b-copy.json', claudeToken('b@x.com', 'sk-ant-ort01-RTB-0123456789'));
      const store = new AccountStore(ccs.paths);
      const settings = (await loadSettings(ccs.paths)).settings;
      await ensureFreshToken({store, settings}, 'claude', 'a@x.com');
      await ensureFreshToken({store, settings}, 'claude', 'b@x.com#b@x.com');
      // b's scan waits for the end of the second; the process stopping now must not lose it.
      await settleSpentCopyScans(store);
      assert.match((await runBin(['accounts'], ccs.env)).stdout, /b@x\.com#b-copy .*\? refresh unknown/);
    });
  });

  it('a scan that failed (a token dir unreadable for a moment) is tried again: the copy is marked', async () => {
    await withServer(undefined, async (_server, ccs) => {
      ccs.writeToken('claude-a@x.com.json', claudeToken('a@x.com', 'sk-ant-ort01-RTA-0123456789'));
      ccs.writeToken('claude-a-copy.json', claudeToken('a@x.com', 'sk-ant-ort01-RTA-0123456789'));
      const store = new AccountStore(ccs.paths);
      const settings = (await loadSettings(ccs.paths)).settings;
      const holding = store.tokenFilesHolding.bind(store);
      let failures = 1;
      store.tokenFilesHolding = (tokens) => (failures-- > 0 ? Promise.reject(new Error('EACCES: permission denied, scandir')) : holding(tokens));
      await ensureFreshToken({store, settings}, 'claude', 'a@x.com#a@x.com');
      assert.equal(failures, 0, 'the first scan ran and failed');
      await settleSpentCopyScans(store);
      assert.match((await runBin(['accounts'], ccs.env)).stdout, /a@x\.com#a-copy .*\? refresh unknown/);
    });
  });

  it('whose refresh got no answer through the other copy, which was then removed: use --native still refuses it', async () => {
    const cut: TokenAnswer = (_n, res) => void res.socket?.destroy();
    await withServer(cut, async (server, ccs) => {
      ccs.writeToken('claude-a@x.com.json', claudeToken('a@x.com', 'sk-ant-ort01-RT1-0123456789'));
      ccs.writeToken('claude-copy.json', claudeToken('a@x.com', 'sk-ant-ort01-RT1-0123456789'));
      const store = new AccountStore(ccs.paths);
      await assert.rejects(ensureFreshToken({store, settings: (await loadSettings(ccs.paths)).settings}, 'claude', 'a@x.com#a@x.com'), /refresh outcome unknown/);
      assert.deepEqual(server.presented, ['sk-ant-ort01-RT1-0123456789']);
      const removed = await runBin(['remove', 'claude', 'a@x.com#a@x.com', '--yes'], ccs.env);
      assert.equal(removed.code, 0, removed.stderr);

      const env = {...ccs.env, CLAUDE_CONFIG_DIR: path.join(ccs.env.HOME!, '.claude')};
      const used = await runBin(['use', '--native', 'claude', 'a@x.com'], env);
      assert.equal(used.code, 1, used.stdout);
      assert.match(used.stderr, /is not put in Claude Code's credential file: refresh unknown \(this refresh token was already sent by process \d+/);
      assert.ok(!existsSync(path.join(env.CLAUDE_CONFIG_DIR, '.credentials.json')), 'the agent was not given the spent refresh token');
      assert.doesNotMatch(used.stderr, /sk-ant-ort01/, 'no token shown');
    });
  });
});


describe('a hand-off racing a refresh of another copy of its grant (session 13 attack)', () => {
  it('use --native that waited for the grant lock while the other copy was refreshed does not hand the spent refresh token to the agent', async () => {
    await withServer(undefined, async (server, ccs) => {
      ccs.writeToken('claude-a@x.com.json', claudeToken('a@x.com', 'sk-ant-ort01-RT1-0123456789'));
      ccs.writeToken('claude-copy.json', claudeToken('a@x.com', 'sk-ant-ort01-RT1-0123456789'));
      const store = new AccountStore(ccs.paths);
      const settings = (await loadSettings(ccs.paths)).settings;
      const env = {...ccs.env, CLAUDE_CONFIG_DIR: path.join(ccs.env.HOME!, '.claude')};
      const agentFile = path.join(env.CLAUDE_CONFIG_DIR, '.credentials.json');
      const key = grantKey('claude', 'claude-a@x.com.json', await store.readToken({tokenFile: 'claude-a@x.com.json', paused: false}));
      let release!: () => void;
      const released = new Promise<void>((resolve) => (release = resolve));
      let locked!: () => void;
      const lockTaken = new Promise<void>((resolve) => (locked = resolve));
      // Another holder of the grant's lock (the proxy refreshing the other copy) ...
      const holder = withGrantLock(ccs.paths, key, async () => {
        locked();
        await released;
        await ensureFreshToken({store, settings}, 'claude', 'a@x.com#a@x.com');
      });
      await lockTaken;
      // ... while use --native of the copy has passed its checks and waits for that lock.
      const switching = switchNative(new AccountStore(ccs.paths), 'claude', 'a@x.com#copy', env).then(
        () => undefined,
        (error: unknown) => error as Error,
      );
      await new Promise((resolve) => setTimeout(resolve, 500));
      release();
      await holder;
      assert.deepEqual(server.presented, ['sk-ant-ort01-RT1-0123456789']);
      const error = await switching;
      const handed = existsSync(agentFile) ? readFileSync(agentFile, 'utf8') : '';
      assert.doesNotMatch(handed, /sk-ant-ort01-RT1/, 'the agent was not given the spent refresh token');
      assert.match(String(error?.message), /is not put in Claude Code's credential file: refresh unknown/);
      assert.doesNotMatch(String(error?.message), /sk-ant-ort01/, 'no token shown');
    });
  });
});

describe('a refresh whose token file moved on while it was in flight (session 13 attack)', () => {
  it("still marks the copies holding the refresh token it spent: `accounts` says so", async () => {
    let ccsOf!: TempCcs;
    // Another tool writes a new login over the file while the refresh is in flight: the granted refresh is kept beside.
    const overwritten: TokenAnswer = (n, res, req) => {
      ccsOf.writeToken('claude-a@x.com.json', claudeToken('a@x.com', 'sk-ant-ort01-OTHER-0123456789'));
      granted(n, res, req);
    };
    await withServer(overwritten, async (server, ccs) => {
      ccsOf = ccs;
      ccs.writeToken('claude-a@x.com.json', claudeToken('a@x.com', 'sk-ant-ort01-RT1-0123456789'));
      ccs.writeToken('claude-copy.json', claudeToken('a@x.com', 'sk-ant-ort01-RT1-0123456789'));
      const store = new AccountStore(ccs.paths);
      await assert.rejects(ensureFreshToken({store, settings: (await loadSettings(ccs.paths)).settings}, 'claude', 'a@x.com#a@x.com'), /changed while its refresh was in flight.*kept in/);
      assert.deepEqual(server.presented, ['sk-ant-ort01-RT1-0123456789']);
      const listed = await runBin(['accounts'], ccs.env);
      assert.match(listed.stdout, /a@x\.com#copy .*\? refresh unknown/);
      assert.doesNotMatch(listed.stdout + listed.stderr, /sk-ant-ort01/, 'no token shown');
    });
  });
});
