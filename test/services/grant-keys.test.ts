// A refresh request that was sent is the one refresh, whatever the account is called since. An
// unregistered token file's account id is derived from its email and changes when a second file of
// that email appears (`a@x.com` becomes `a@x.com#a@x.com`) or goes: what protects a grant (the "sent
// once" record, the refresh lock, the state marks, the native mark) must not be keyed by that id.
// Also: a login stored while a refresh of that token file is in flight is neither overwritten by the
// refresh's result nor lost. Real processes (the command line) against a fake token endpoint on
// 127.0.0.1 that logs every refresh token presented.
import assert from 'node:assert/strict';
import {existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync} from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import type {AddressInfo} from 'node:net';
import path from 'node:path';
import {describe, it} from 'node:test';
import {ensureFreshToken, RefreshOutcomeUnknownError} from '../../source/services/refresh.js';
import {legacyAttemptFile, tokenFingerprint} from '../../source/services/refresh-attempt.js';
import {AccountStore} from '../../source/store/accounts.js';
import {grantKey, refreshLockPath} from '../../source/store/grant-lock.js';
import {pidNamespace, procStartToken} from '../../source/store/process-identity.js';
import {loadSettings} from '../../source/store/settings.js';
import {makeTempCcs, type TempCcs} from '../helpers/ccs.js';
import {runBin} from '../helpers/cli.js';
import {waitFor} from '../helpers/wait.js';

interface TokenServer {
  url: string;
  /** Refresh tokens presented to /token, in order. */
  presented: string[];
  /** Answers sent to /token so far. */
  answered: number;
  close(): Promise<void>;
}

/**
 * A fake Claude token and usage endpoint. `cutFirst`: the first refresh's answer is lost (the socket
 * is destroyed after the request was read: the token may be spent). `delayMs`: each answer's delay.
 * `refuse`: every refresh is answered 400 invalid_request.
 * Each granted refresh rotates: `at-new-<n>…`, `rt-new-<n>…`.
 */
async function tokenServer(options: {cutFirst?: boolean; delayMs?: number; refuse?: boolean} = {}): Promise<TokenServer> {
  const state = {presented: [] as string[], answered: 0};
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      if (req.url?.startsWith('/token')) {
        let refreshToken: string | null;
        try {
          refreshToken = (JSON.parse(body) as {refresh_token?: string}).refresh_token ?? null;
        } catch {
          refreshToken = new URLSearchParams(body).get('refresh_token');
        }
        state.presented.push(refreshToken ?? '');
        const n = state.presented.length;
        if (options.cutFirst && n === 1) return void req.socket.destroy();
        setTimeout(() => {
          state.answered++;
          // A refusal that does not end the grant (the token is not spent: a retry later may pass).
          if (options.refuse) return void res.writeHead(400, {'content-type': 'application/json'}).end(JSON.stringify({error: 'invalid_request', error_description: 'try again later'}));
          res.writeHead(200, {'content-type': 'application/json'});
          res.end(JSON.stringify({access_token: `sk-ant-oat01-new-${n}-0123456789abcdef`, refresh_token: `sk-ant-ort01-new-${n}-0123456789abcdef`, expires_in: 3600, token_type: 'Bearer'}));
        }, options.delayMs ?? 0);
        return;
      }
      res.writeHead(200, {'content-type': 'application/json'});
      res.end(JSON.stringify({five_hour: {utilization: 10, resets_at: new Date(Date.now() + 3600_000).toISOString()}}));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    get presented() {
      return state.presented;
    },
    get answered() {
      return state.answered;
    },
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

const PAST = () => new Date(Date.now() - 3600_000).toISOString();
const LATER = () => new Date(Date.now() + 5 * 3600_000).toISOString();
const claudeToken = (email: string, refreshToken: string, extra: Record<string, unknown> = {}) => ({
  type: 'claude',
  email,
  access_token: `sk-ant-oat01-${refreshToken}-at`,
  refresh_token: refreshToken,
  expired: PAST(),
  ...extra,
});

/** A temp CCS dir whose tui.json points claude's token and usage endpoints at `server`. */
function ccsFor(server: TokenServer): TempCcs {
  const ccs = makeTempCcs();
  ccs.writeRaw('tui.json', JSON.stringify({endpoints: {claude: {token: `${server.url}/token`, usage: `${server.url}/usage`}}}));
  return ccs;
}

async function withServer(options: Parameters<typeof tokenServer>[0], body: (server: TokenServer, ccs: TempCcs) => Promise<void>): Promise<void> {
  const server = await tokenServer(options);
  const ccs = ccsFor(server);
  try {
    await body(server, ccs);
  } finally {
    ccs.cleanup();
    await server.close();
  }
}

const SECOND_FILE = 'claude-a@x.com-org2.json';
const addSecondFileOfEmail = (ccs: TempCcs) => ccs.writeToken(SECOND_FILE, claudeToken('a@x.com', 'sk-ant-ort01-OTHER-org2', {expired: LATER(), organization_uuid: 'org2'}));

async function refreshIn(ccs: TempCcs, accountId: string) {
  const {settings} = await loadSettings(ccs.paths);
  const store = new AccountStore(ccs.paths);
  return ensureFreshToken({store, settings}, 'claude', accountId);
}

const idOf = async (ccs: TempCcs, file: string) => (await new AccountStore(ccs.paths).load()).accounts.find((a) => a.tokenFile === file)!;

describe('what protects a grant survives a change of the account id', () => {
  it('a refresh whose answer was lost is not sent again after a second file of the email shifts the id (and shifts it back)', async () => {
    await withServer({cutFirst: true}, async (server, ccs) => {
      ccs.writeToken('claude-a@x.com.json', claudeToken('a@x.com', 'sk-ant-ort01-RT1-spent-once'));
      await assert.rejects(refreshIn(ccs, 'a@x.com'), RefreshOutcomeUnknownError);
      assert.deepEqual(server.presented, ['sk-ant-ort01-RT1-spent-once']);

      addSecondFileOfEmail(ccs);
      const shifted = await idOf(ccs, 'claude-a@x.com.json');
      assert.equal(shifted.id, 'a@x.com#a@x.com', 'the id changed');
      assert.equal(shifted.health, 'refresh-unknown', 'the mark follows the refresh token, not the id');
      await assert.rejects(refreshIn(ccs, shifted.id), RefreshOutcomeUnknownError);

      rmSync(path.join(ccs.paths.authDir, SECOND_FILE));
      assert.equal((await idOf(ccs, 'claude-a@x.com.json')).id, 'a@x.com', 'shifted back');
      await assert.rejects(refreshIn(ccs, 'a@x.com'), RefreshOutcomeUnknownError);
      assert.deepEqual(server.presented, ['sk-ant-ort01-RT1-spent-once'], 'the spent refresh token was sent once');
    });
  });

  it("an earlier version's record (keyed by the id the account had) still stops the token after the id shifted", async () => {
    await withServer({}, async (server, ccs) => {
      ccs.writeToken('claude-a@x.com.json', claudeToken('a@x.com', 'sk-ant-ort01-RT-old-version'));
      const legacy = legacyAttemptFile(ccs.paths.state, 'claude', 'a@x.com');
      mkdirSync(path.dirname(legacy), {recursive: true, mode: 0o700});
      writeFileSync(legacy, JSON.stringify({fingerprint: tokenFingerprint('sk-ant-ort01-RT-old-version'), outcome: 'unknown', at: new Date().toISOString(), pid: 1, host: 'h'}), {mode: 0o600});
      addSecondFileOfEmail(ccs);
      await assert.rejects(refreshIn(ccs, 'a@x.com#a@x.com'), RefreshOutcomeUnknownError);
      assert.deepEqual(server.presented, []);
    });
  });

  it('two processes, one started before the id shifted: one refresh request, both end with the rotated grant', async () => {
    await withServer({delayMs: 1500}, async (server, ccs) => {
      const file = ccs.writeToken('claude-a@x.com.json', claudeToken('a@x.com', 'sk-ant-ort01-RT1'));
      const first = runBin(['quota', '--provider', 'claude', '--refresh'], ccs.env);
      await waitFor(() => server.presented.length === 1, 'the first process sent its refresh');
      addSecondFileOfEmail(ccs);
      const second = await runBin(['quota', '--provider', 'claude', '--refresh'], ccs.env);
      const one = await first;
      assert.equal(one.code, 0, one.stderr);
      assert.equal(second.code, 0, second.stderr);
      assert.deepEqual(server.presented, ['sk-ant-ort01-RT1'], 'RT1 was presented once');
      assert.equal(JSON.parse(readFileSync(file, 'utf8')).refresh_token, 'sk-ant-ort01-new-1-0123456789abcdef');
      assert.doesNotMatch(second.stdout + second.stderr, /refresh outcome unknown/);
    });
  });
});

describe('a login stored during a refresh of the same token file', () => {
  it('waits for the refresh (another process) and is not overwritten by its result', async () => {
    await withServer({delayMs: 1500}, async (server, ccs) => {
      const file = ccs.writeToken('claude-a@x.com.json', claudeToken('a@x.com', 'sk-ant-ort01-RT1'));
      const refreshing = runBin(['quota', '--provider', 'claude', '--refresh'], ccs.env);
      await waitFor(() => server.presented.length === 1, 'the refresh was sent');
      const store = new AccountStore(ccs.paths);
      const login = {type: 'claude', email: 'a@x.com', access_token: 'sk-ant-oat01-LOGIN-0123456789', refresh_token: 'sk-ant-ort01-LOGIN-GRANT-0123456789', expired: LATER()};
      const stored = await store.saveLogin({provider: 'claude', token: login});
      assert.equal(server.answered, 1, 'the login was stored after the refresh had its answer');
      assert.equal(stored.outcome, 'logged-in-again');
      const run = await refreshing;
      assert.equal(run.code, 0, run.stderr);
      assert.equal(JSON.parse(readFileSync(file, 'utf8')).refresh_token, 'sk-ant-ort01-LOGIN-GRANT-0123456789', 'the login is what the file holds');
    });
  });

  it('a refresh whose file was rewritten without the lock (another tool) leaves it and keeps its grant beside, saying where', async () => {
    await withServer({delayMs: 800}, async (server, ccs) => {
      const file = ccs.writeToken('claude-a@x.com.json', claudeToken('a@x.com', 'sk-ant-ort01-RT1'));
      const refreshing = refreshIn(ccs, 'a@x.com');
      await waitFor(() => server.presented.length === 1, 'the refresh was sent');
      // Another tool (CLIProxyAPI's login) writes the file, taking no lock of ours.
      ccs.writeToken('claude-a@x.com.json', claudeToken('a@x.com', 'sk-ant-ort01-OTHER-TOOL', {expired: LATER()}));
      const error = await refreshing.then(() => undefined, (e: Error) => e);
      assert.ok(error, 'the refresh says its result could not go into the file');
      assert.match(error.message, /changed while its refresh was in flight/);
      assert.equal(JSON.parse(readFileSync(file, 'utf8')).refresh_token, 'sk-ant-ort01-OTHER-TOOL', 'the newer grant stays');
      const keptDir = path.join(ccs.paths.state, 'refresh-kept');
      const [kept] = readdirSync(keptDir);
      assert.ok(kept && error.message.includes(path.join(keptDir, kept)), error.message);
      assert.equal(JSON.parse(readFileSync(path.join(keptDir, kept), 'utf8')).refresh_token, 'sk-ant-ort01-new-1-0123456789abcdef', 'the refreshed grant is kept');
      assert.equal(statSync(path.join(keptDir, kept)).mode & 0o777, 0o600);
      assert.ok(!error.message.includes('sk-ant-ort01-new-1'), 'no token in the message');
    });
  });
});

describe('native mode: the mark survives a change of the account id', () => {
  /** `use --native` one@x.com, its token file expired, then a second file of one@x.com appears. */
  const nativeThenShift = async (ccs: TempCcs, env: NodeJS.ProcessEnv, asEarlierVersion: boolean) => {
    for (const who of ['one', 'two']) ccs.writeToken(`claude-${who}@x.com.json`, claudeToken(`${who}@x.com`, `sk-ant-ort01-RT-${who}-0123456789`, {expired: LATER()}));
    const used = await runBin(['use', '--native', 'claude', 'one@x.com'], env);
    assert.equal(used.code, 0, used.stderr);
    const tokenFile = path.join(ccs.paths.authDir, 'claude-one@x.com.json');
    writeFileSync(tokenFile, JSON.stringify({...JSON.parse(readFileSync(tokenFile, 'utf8')), expired: PAST()}), {mode: 0o600});
    if (asEarlierVersion) {
      // As an earlier version left it: the account not registered, the mark by id alone.
      rmSync(ccs.paths.registry, {force: true});
      const nativeFile = path.join(ccs.paths.state, 'native.json');
      const state = JSON.parse(readFileSync(nativeFile, 'utf8'));
      for (const entry of state.claude.files) delete entry.tokenFile;
      writeFileSync(nativeFile, JSON.stringify(state), {mode: 0o600});
    }
    ccs.writeToken('claude-one@x.com-org2.json', claudeToken('one@x.com', 'sk-ant-ort01-ORG2', {expired: LATER(), organization_uuid: 'org2'}));
  };

  for (const asEarlierVersion of [false, true]) {
    it(`the refresher leaves the agent's grant alone after the shift${asEarlierVersion ? " (an earlier version's mark, by id)" : ''}; the default stays`, async () => {
      await withServer({}, async (server, ccs) => {
        const env = {...ccs.env, CLAUDE_CONFIG_DIR: path.join(ccs.env.HOME!, '.claude')};
        await nativeThenShift(ccs, env, asEarlierVersion);
        const quota = await runBin(['quota', '--provider', 'claude', '--refresh'], env);
        assert.equal(quota.code, 0, quota.stderr);
        assert.deepEqual(server.presented, [], 'no refresh token was sent');
        const agent = JSON.parse(readFileSync(path.join(env.CLAUDE_CONFIG_DIR, '.credentials.json'), 'utf8'));
        assert.equal(agent.claudeAiOauth.refreshToken, 'sk-ant-ort01-RT-one-0123456789');
        if (!asEarlierVersion) {
          const accounts = await new AccountStore(ccs.paths).load();
          assert.equal(accounts.accounts.find((a) => a.default)?.tokenFile, 'claude-one@x.com.json', 'the star stays on the native account');
        }
        assert.ok(existsSync(path.join(ccs.paths.state, 'native.json')));
      });
    });
  }
});

describe('`quota` when a refresh\'s grant could not go into its token file', () => {
  it('says where the grant was kept (the row and --json), instead of asking with the spent token', async () => {
    await withServer({delayMs: 800}, async (server, ccs) => {
      ccs.writeToken('claude-a@x.com.json', claudeToken('a@x.com', 'sk-ant-ort01-RT1'));
      const quota = runBin(['quota', '--provider', 'claude', '--refresh', '--json'], ccs.env);
      await waitFor(() => server.presented.length === 1, 'the refresh was sent');
      // Another tool (CLIProxyAPI's login) writes the file, taking no lock of ours.
      ccs.writeToken('claude-a@x.com.json', claudeToken('a@x.com', 'sk-ant-ort01-OTHER-TOOL', {expired: LATER()}));
      const run = await quota;
      const keptDir = path.join(ccs.paths.state, 'refresh-kept');
      const [kept] = readdirSync(keptDir);
      assert.ok(kept, 'the grant was kept');
      const rows = JSON.parse(run.stdout) as {accounts?: {error?: {kind: string; message: string}}[]} | {error?: {kind: string; message: string}}[];
      const text = JSON.stringify(rows);
      assert.match(text, /changed while its refresh was in flight/, run.stdout);
      assert.ok(text.includes(path.join(keptDir, kept!)), `the kept file is named: ${run.stdout}`);
      assert.ok(!`${run.stdout}${run.stderr}`.includes('sk-ant-ort01-new-1'), 'no token printed');
      const shown = await runBin(['quota', '--provider', 'claude'], ccs.env);
      assert.ok(shown.stdout.includes(kept!), `the table names the kept file: ${shown.stdout}`);
    });
  });
});

describe('the account changes while its refresh is in flight', () => {
  const changes: [string, (ccs: TempCcs, store: AccountStore) => Promise<string>][] = [
    ['paused', async (_ccs, store) => (await store.setPaused('claude', 'a@x.com', true), path.join(store.paths.pausedDir, 'claude-a@x.com.json'))],
    ['given a nickname (registered)', async (_ccs, store) => (await store.rename('claude', 'a@x.com', 'work'), path.join(store.paths.authDir, 'claude-a@x.com.json'))],
    [
      'its file renamed by CCS',
      async (ccs, store) => {
        const to = path.join(store.paths.authDir, 'claude-a@x.com-renamed.json');
        writeFileSync(to, readFileSync(path.join(store.paths.authDir, 'claude-a@x.com.json')), {mode: 0o600});
        ccs.writeRegistry({version: 1, providers: {claude: {default: 'a@x.com', accounts: {'a@x.com': {email: 'a@x.com', tokenFile: 'claude-a@x.com-renamed.json', createdAt: new Date().toISOString()}}}}});
        rmSync(path.join(store.paths.authDir, 'claude-a@x.com.json'));
        return to;
      },
    ],
  ];
  for (const [what, change] of changes) {
    it(`${what}: the rotated grant goes into the file where it is now, one request`, async () => {
      await withServer({delayMs: 800}, async (server, ccs) => {
        ccs.writeToken('claude-a@x.com.json', claudeToken('a@x.com', 'sk-ant-ort01-RT1'));
        const refreshing = refreshIn(ccs, 'a@x.com');
        await waitFor(() => server.presented.length === 1, 'the refresh was sent');
        const now = await change(ccs, new AccountStore(ccs.paths));
        const fresh = await refreshing;
        assert.equal(fresh.refresh_token, 'sk-ant-ort01-new-1-0123456789abcdef');
        assert.equal(JSON.parse(readFileSync(now, 'utf8')).refresh_token, 'sk-ant-ort01-new-1-0123456789abcdef');
        assert.deepEqual(server.presented, ['sk-ant-ort01-RT1']);
      });
    });
  }

  it('`ccs-tui remove` (another process) waits for the refresh: the refresh succeeds, nothing is kept aside, then the file is gone', async () => {
    await withServer({delayMs: 800}, async (server, ccs) => {
      const file = ccs.writeToken('claude-a@x.com.json', claudeToken('a@x.com', 'sk-ant-ort01-RT1'));
      const refreshing = refreshIn(ccs, 'a@x.com');
      await waitFor(() => server.presented.length === 1, 'the refresh was sent');
      const removed = await runBin(['remove', 'claude', 'a@x.com', '--yes'], ccs.env);
      assert.equal(removed.code, 0, removed.stderr);
      assert.match(removed.stdout, /claude: removed a@x\.com/);
      assert.equal(server.answered, 1, 'the remove waited for the refresh to have its answer');
      const fresh = await refreshing;
      assert.equal(fresh.refresh_token, 'sk-ant-ort01-new-1-0123456789abcdef', 'the refresh was not told its file is gone');
      assert.ok(!existsSync(file), 'the token file is removed, as asked');
      assert.ok(!existsSync(path.join(ccs.paths.state, 'refresh-kept')), 'no grant of a removed account left aside');
      assert.equal((await new AccountStore(ccs.paths).load()).accounts.length, 0, 'the account does not come back');
      assert.deepEqual(server.presented, ['sk-ant-ort01-RT1']);
    });
  });

  it('removed by another tool (no lock of ours): the refreshed grant is kept beside and the error says where', async () => {
    await withServer({delayMs: 800}, async (server, ccs) => {
      const file = ccs.writeToken('claude-a@x.com.json', claudeToken('a@x.com', 'sk-ant-ort01-RT1'));
      const refreshing = refreshIn(ccs, 'a@x.com');
      await waitFor(() => server.presented.length === 1, 'the refresh was sent');
      rmSync(file);
      const error = await refreshing.then(() => undefined, (e: Error) => e);
      assert.match(error?.message ?? '', /claude-a@x\.com\.json is gone \(removed\?\), and the refreshed grant was kept in /);
      const keptDir = path.join(ccs.paths.state, 'refresh-kept');
      const [kept] = readdirSync(keptDir);
      assert.equal(JSON.parse(readFileSync(path.join(keptDir, kept!), 'utf8')).refresh_token, 'sk-ant-ort01-new-1-0123456789abcdef');
      assert.ok(!existsSync(file), 'the removed account is not brought back');
    });
  });

  it('paused while a file of its name is in auth-paused/ already (another grant): refused, both files as they were', async () => {
    await withServer({}, async (_server, ccs) => {
      const active = ccs.writeToken('claude-a@x.com.json', claudeToken('a@x.com', 'sk-ant-ort01-ACTIVE', {expired: LATER()}));
      const other = ccs.writeToken('claude-a@x.com.json', claudeToken('a@x.com', 'sk-ant-ort01-OTHER-COPY', {expired: LATER()}), 'auth-paused');
      const paused = await runBin(['pause', 'claude', 'a@x.com'], ccs.env);
      assert.equal(paused.code, 1, paused.stdout);
      assert.ok(paused.stderr.includes(`${other} exists already and is not a copy of ${active}`), paused.stderr);
      assert.match(paused.stderr, /nothing was moved/);
      assert.equal(JSON.parse(readFileSync(active, 'utf8')).refresh_token, 'sk-ant-ort01-ACTIVE');
      assert.equal(JSON.parse(readFileSync(other, 'utf8')).refresh_token, 'sk-ant-ort01-OTHER-COPY', 'the other grant is not written over');
    });
  });
});

describe('a refresh lock left by a process that died', () => {
  it('its pid now another process (Linux: a later start): `quota --refresh` refreshes at once, one request', {skip: process.platform !== 'linux'}, async () => {
    await withServer({}, async (server, ccs) => {
      const token = claudeToken('a@x.com', 'sk-ant-ort01-RT1');
      const file = ccs.writeToken('claude-a@x.com.json', token);
      // The dead holder's pid is this test's now (alive), which started after the holder recorded itself.
      const [boot, ticks] = procStartToken(process.pid)!.split(' ');
      const lock = `${refreshLockPath(ccs.paths, grantKey('claude', 'claude-a@x.com.json', token))}.lock`;
      mkdirSync(path.dirname(lock), {recursive: true, mode: 0o700});
      writeFileSync(lock, JSON.stringify({pid: process.pid, host: os.hostname(), nonce: 'dead', at: Date.now() - 1000, start: `${boot} ${Number(ticks) - 100}`, pidns: pidNamespace()}), {mode: 0o600});
      const run = await runBin(['quota', '--provider', 'claude', '--refresh'], ccs.env);
      assert.equal(run.code, 0, run.stderr);
      assert.doesNotMatch(run.stdout + run.stderr, /in progress/);
      assert.deepEqual(server.presented, ['sk-ant-ort01-RT1']);
      assert.equal(JSON.parse(readFileSync(file, 'utf8')).refresh_token, 'sk-ant-ort01-new-1-0123456789abcdef');
    });
  });
});

describe('refreshes of one grant requested together in one process: one token request', () => {
  const settingsOf = async (ccs: TempCcs) => (await loadSettings(ccs.paths)).settings;

  it('two ids of one token file (a long-running process still knows the id it had before a second file of its email came)', async () => {
    await withServer({delayMs: 800, refuse: true}, async (server, ccs) => {
      ccs.writeToken('claude-a@x.com.json', claudeToken('a@x.com', 'sk-ant-ort01-RT1'));
      const store = new AccountStore(ccs.paths);
      const settings = await settingsOf(ccs);
      await store.load();
      addSecondFileOfEmail(ccs);
      const byOldId = ensureFreshToken({store, settings}, 'claude', 'a@x.com');
      await waitFor(() => server.presented.length === 1, 'the refresh was sent');
      const byNewId = ensureFreshToken({store, settings}, 'claude', 'a@x.com#a@x.com');
      const [one, two] = await Promise.allSettled([byOldId, byNewId]);
      assert.equal(one.status, 'rejected');
      assert.equal(two.status, 'rejected');
      assert.match(String((two as PromiseRejectedResult).reason), /try again later/, 'the second caller gets the refusal the one request got');
      assert.deepEqual(server.presented, ['sk-ant-ort01-RT1'], 'one token request');
    });
  });

  it('a forced refresh (a 401 upstream, `t`) while a due one is in flight: one token request, refused or granted', async () => {
    for (const refuse of [true, false]) {
      await withServer({delayMs: 800, refuse}, async (server, ccs) => {
        const file = ccs.writeToken('claude-a@x.com.json', claudeToken('a@x.com', 'sk-ant-ort01-RT1'));
        const store = new AccountStore(ccs.paths);
        const settings = await settingsOf(ccs);
        const due = ensureFreshToken({store, settings}, 'claude', 'a@x.com');
        await waitFor(() => server.presented.length === 1, 'the refresh was sent');
        const forced = ensureFreshToken({store, settings}, 'claude', 'a@x.com', {force: true});
        const results = await Promise.allSettled([due, forced]);
        assert.deepEqual(server.presented, ['sk-ant-ort01-RT1'], `one token request (${refuse ? 'refused' : 'granted'})`);
        if (refuse) {
          assert.deepEqual(results.map((r) => r.status), ['rejected', 'rejected']);
        } else {
          const tokens = results.map((r) => (r as PromiseFulfilledResult<{refresh_token?: string}>).value.refresh_token);
          assert.deepEqual(tokens, ['sk-ant-ort01-new-1-0123456789abcdef', 'sk-ant-ort01-new-1-0123456789abcdef']);
          assert.equal(JSON.parse(readFileSync(file, 'utf8')).refresh_token, 'sk-ant-ort01-new-1-0123456789abcdef');
        }
      });
    }
  });
});

describe('an account marked "refresh unknown" whose attempt record is gone (cleaned away, another copy of tui/)', () => {
  /** The mark a lost answer leaves in account-state.json, without the record in tui/refresh/. */
  const markOnly = async (ccs: TempCcs, expired: string) => {
    const file = ccs.writeToken('claude-a@x.com.json', claudeToken('a@x.com', 'sk-ant-ort01-RT-SENT', {expired}));
    await new AccountStore(ccs.paths).setRefreshUnknown('claude', {tokenFile: 'claude-a@x.com.json'}, 'the token request timed out', 'sk-ant-ort01-RT-SENT');
    assert.ok(!existsSync(path.join(ccs.paths.state, 'refresh')), 'no attempt record');
    return file;
  };

  it('a forced refresh of a token not yet due (a 401 upstream, `t`) sends nothing and says refresh outcome unknown', async () => {
    await withServer({}, async (server, ccs) => {
      await markOnly(ccs, LATER());
      const {settings} = await loadSettings(ccs.paths);
      await assert.rejects(ensureFreshToken({store: new AccountStore(ccs.paths), settings}, 'claude', 'a@x.com', {force: true}), (e: Error) => e instanceof RefreshOutcomeUnknownError && /the token request timed out/.test(e.message));
      assert.deepEqual(server.presented, []);
    });
  });

  it('`quota --refresh` of a due token sends nothing; the row and `accounts` say to log in again', async () => {
    await withServer({}, async (server, ccs) => {
      const file = await markOnly(ccs, PAST());
      const quota = await runBin(['quota', '--provider', 'claude', '--refresh'], ccs.env);
      assert.match(quota.stdout, /a@x\.com .*re-login: refresh unknown \(the token request timed out\): the refresh token may have been spent/);
      assert.deepEqual(server.presented, [], 'the refresh token is never sent again');
      assert.equal(JSON.parse(readFileSync(file, 'utf8')).refresh_token, 'sk-ant-ort01-RT-SENT');
      const accounts = await runBin(['accounts'], ccs.env);
      assert.match(accounts.stdout, /a@x\.com .*\? refresh unknown/);
      assert.match(accounts.stderr, /^ccs-tui: claude a@x\.com: refresh unknown \(the token request timed out\): the refresh token may have been spent, so it is never sent again; a new login is needed \(ccs-tui login claude\)$/m);
    });
  });

  it('`accounts` of one whose access token is still alive: the login is needed once it expires, and it serves until then', async () => {
    await withServer({}, async (server, ccs) => {
      await markOnly(ccs, LATER());
      const accounts = await runBin(['accounts'], ccs.env);
      assert.match(accounts.stderr, /^ccs-tui: claude a@x\.com: refresh unknown \(the token request timed out\): the refresh token may have been spent, so it is never sent again; a new login is needed once its access token expires \(\d{4}-\d\d-\d\d \d\d:\d\d[^)]*\); it serves until then \(ccs-tui login claude\)$/m);
      assert.deepEqual(server.presented, []);
    });
  });
});
