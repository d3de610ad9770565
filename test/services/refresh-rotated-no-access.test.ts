// A refresh answered 2xx with a new refresh token but no usable access token: the provider rotated
// the grant (the refresh token sent is spent), so the new refresh token is the only live grant. It is
// saved (in the token file, or kept beside when the file moved on), the attempt record says the old
// one is spent, the next refresh sends the new one, and the error names the account and says the
// answer had no access token. A 2xx is no refusal: its wording says the server answered something
// that is not a token response.
import assert from 'node:assert/strict';
import {spawn} from 'node:child_process';
import {readdirSync, readFileSync} from 'node:fs';
import http from 'node:http';
import type {AddressInfo} from 'node:net';
import path from 'node:path';
import {describe, it} from 'node:test';
import {fileURLToPath} from 'node:url';
import {ensureFreshToken} from '../../source/services/refresh.js';
import {attemptFile} from '../../source/services/refresh-attempt.js';
import {AccountStore} from '../../source/store/accounts.js';
import {loadSettings} from '../../source/store/settings.js';
import {makeTempCcs, tokenFixture, type TempCcs} from '../helpers/ccs.js';

const OLD_RT = 'rt-claude-old-0123456789abcdef';
const NEW_RT = 'rt-claude-rotated-fedcba9876543210';
const OLD_AT = 'at-claude-old-0123456789abcdef';
const FILE = 'claude-me@example.com.json';

interface Answer {
  status: number;
  body: string;
  type?: string;
}

/** A token endpoint on 127.0.0.1 answering each refresh with `answer(n, refreshTokenSent)`; records the refresh tokens it got. */
async function tokenServer(answer: (n: number, sent: string) => Answer | Promise<Answer>) {
  const received: string[] = [];
  const server = http.createServer((req, res) => {
    let text = '';
    req.on('data', (d) => (text += d));
    req.on('end', async () => {
      const sent = String((req.headers['content-type'] ?? '').includes('json') ? JSON.parse(text).refresh_token : new URLSearchParams(text).get('refresh_token'));
      received.push(sent);
      const a = await answer(received.length, sent);
      res.writeHead(a.status, {'content-type': a.type ?? 'application/json'});
      res.end(a.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/token`, received, close: () => server.close()};
}

/** A claude account due for refresh, its token endpoint the server's. */
async function dueAccount(url: string): Promise<{ccs: TempCcs; store: AccountStore; refresh: () => Promise<unknown>}> {
  const ccs = makeTempCcs();
  ccs.writeRaw('tui.json', JSON.stringify({endpoints: {claude: {token: url}}}));
  ccs.writeToken(FILE, tokenFixture('claude', 'me@example.com', {access_token: OLD_AT, refresh_token: OLD_RT, expired: new Date(Date.now() - 60_000).toISOString()}));
  const store = new AccountStore(ccs.paths);
  const {settings} = await loadSettings(ccs.paths);
  return {ccs, store, refresh: () => ensureFreshToken({store, settings}, 'claude', 'me@example.com').then(() => undefined, (e: unknown) => e)};
}

const here = fileURLToPath(import.meta.url);
const worker = path.join(path.dirname(here), 'oauth', `refresh-worker${path.extname(here)}`);

/** Another process refreshing the account (test/services/oauth/refresh-worker.ts): what it printed. */
const otherProcess = (root: string) =>
  new Promise<{access_token?: string; refresh_token?: string; error?: string}>((resolve) => {
    const child = spawn(process.execPath, [worker, root, 'claude', 'me@example.com']);
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('close', () => resolve(JSON.parse(out || '{}')));
  });

const readJson = (file: string) => JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
const granted = (n: number): Answer => ({status: 200, body: JSON.stringify({access_token: `at-claude-granted-${n}-0123456789`, refresh_token: `rt-claude-granted-${n}-0123456789`, expires_in: 3600})});

describe('a refresh answered with a new refresh token and no access token', () => {
  for (const [what, body] of [
    ['no access_token', {refresh_token: NEW_RT, token_type: 'Bearer', expires_in: 3600}],
    ['an access_token that is not a string', {access_token: 12345, refresh_token: NEW_RT}],
  ] as const) {
    it(`(${what}) saves the new refresh token, records the old one spent, says so, and the next refresh sends the new one`, async () => {
      const server = await tokenServer((n) => (n === 1 ? {status: 200, body: JSON.stringify(body)} : granted(n)));
      const {ccs, store, refresh} = await dueAccount(server.url);
      try {
        const error = (await refresh()) as Error;
        assert.ok(error, 'the refresh fails: there is no access token to return');
        assert.match(error.message, /^claude account me@example\.com: no access token from the refresh \(127\.0\.0\.1:\d+\/token answered 200: not a token response: /);
        assert.match(error.message, /the new refresh token it brought was saved in claude-me@example\.com\.json \(the one sent is spent\), so the next refresh sends it$/);
        assert.ok(!error.message.includes(NEW_RT) && !error.message.includes(OLD_RT), error.message);
        assert.doesNotMatch(error.message, /refused/);
        // The grant is on disk: the file's refresh token is the new one; the old access token is kept (it may still serve until it expires).
        const onDisk = readJson(path.join(ccs.paths.authDir, FILE));
        assert.equal(onDisk.refresh_token, NEW_RT);
        assert.equal(onDisk.access_token, OLD_AT);
        // The old refresh token's record says it is spent (refreshed and rotated), never "sent, no answer".
        const record = readJson(attemptFile(ccs.paths.state, 'claude', OLD_RT));
        assert.equal(record.outcome, 'ok');
        assert.equal(record.rotated, true);
        assert.match(String(record.detail), /no access token from the refresh/);
        const account = (await store.load()).accounts[0]!;
        assert.notEqual(account.health, 'refresh-unknown');
        assert.notEqual(account.health, 'needs-login');
        // The next refresh sends the new token, never the old one again.
        assert.equal(await refresh(), undefined);
        assert.deepEqual(server.received, [OLD_RT, NEW_RT]);
        assert.equal(readJson(path.join(ccs.paths.authDir, FILE)).refresh_token, 'rt-claude-granted-2-0123456789');
      } finally {
        ccs.cleanup();
        server.close();
      }
    });
  }

  it('keeps the new refresh token beside when the token file took another grant meanwhile, and says where', async () => {
    let ccs: TempCcs | undefined;
    const server = await tokenServer(() => {
      // Another tool stores a new login in the file while the refresh is in flight.
      ccs!.writeToken(FILE, tokenFixture('claude', 'me@example.com', {access_token: 'at-claude-other-login-0123456789', refresh_token: 'rt-claude-other-login-0123456789'}));
      return {status: 200, body: JSON.stringify({refresh_token: NEW_RT})};
    });
    const due = await dueAccount(server.url);
    ccs = due.ccs;
    try {
      const error = (await due.refresh()) as Error;
      assert.match(error.message, /^claude account me@example\.com: no access token from the refresh \(.*answered 200: not a token response: it has no access_token\), only a new refresh token \(the one sent is spent\); claude-me@example\.com\.json changed while its refresh was in flight .*, and the new refresh token was kept in (.+)$/);
      const keptDir = path.join(ccs.paths.state, 'refresh-kept');
      const kept = readdirSync(keptDir).map((name) => readJson(path.join(keptDir, name)));
      assert.equal(kept.length, 1);
      assert.equal(kept[0]!.refresh_token, NEW_RT);
      assert.equal(readJson(path.join(ccs.paths.authDir, FILE)).refresh_token, 'rt-claude-other-login-0123456789', 'the other login is left as it is');
      assert.equal(readJson(attemptFile(ccs.paths.state, 'claude', OLD_RT)).rotated, true);
      assert.ok(!error.message.includes(NEW_RT));
    } finally {
      ccs.cleanup();
      server.close();
    }
  });

  it('an error beside the new refresh token, quoting it, with the token file moved on: the error and the attempt record hold it in no form', async () => {
    let ccs: TempCcs | undefined;
    const server = await tokenServer(() => {
      ccs!.writeToken(FILE, tokenFixture('claude', 'me@example.com', {access_token: 'at-claude-other-login-0123456789', refresh_token: 'rt-claude-other-login-0123456789'}));
      return {status: 200, body: JSON.stringify({refresh_token: NEW_RT, error: 'server_error', error_description: `issued ${NEW_RT} (${encodeURIComponent(`${NEW_RT}/`)})`})};
    });
    const due = await dueAccount(server.url);
    ccs = due.ccs;
    try {
      const error = (await due.refresh()) as Error;
      assert.match(error.message, /it carries an error: issued rt-c…\(redacted\) .*\(server_error\)\), only a new refresh token/);
      const record = readFileSync(attemptFile(ccs.paths.state, 'claude', OLD_RT), 'utf8');
      assert.match(record, /"rotated": true/);
      for (const text of [`${error.message}\n${error.stack}`, record]) assert.ok(!text.includes(NEW_RT) && !text.includes(NEW_RT.slice(0, 20)), text);
      const keptDir = path.join(ccs.paths.state, 'refresh-kept');
      assert.equal(readJson(path.join(keptDir, readdirSync(keptDir)[0]!)).refresh_token, NEW_RT, 'the grant is kept');
    } finally {
      ccs.cleanup();
      server.close();
    }
  });

  it('a second process waiting for the grant lock meanwhile refreshes the new refresh token (once), not the expired access token left', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const server = await tokenServer(async (n) => {
      if (n > 1) return granted(n);
      await held;
      return {status: 200, body: JSON.stringify({refresh_token: NEW_RT})};
    });
    const {ccs, refresh} = await dueAccount(server.url);
    try {
      const first = refresh();
      for (let i = 0; i < 500 && server.received.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
      const second = otherProcess(ccs.paths.root);
      // The other process is waiting for the lock (the first refresh holds it) when the answer comes.
      await new Promise((r) => setTimeout(r, 1000));
      release();
      assert.match(String(((await first) as Error).message), /no access token from the refresh/);
      const other = await second;
      assert.equal(other.error, undefined, other.error);
      assert.equal(other.access_token, 'at-claude-granted-2-0123456789', 'a usable access token, never the expired one');
      assert.deepEqual(server.received, [OLD_RT, NEW_RT], 'each refresh token sent once');
      assert.equal(readJson(path.join(ccs.paths.authDir, FILE)).refresh_token, 'rt-claude-granted-2-0123456789');
    } finally {
      ccs.cleanup();
      server.close();
    }
  });

  it('a 200 with an HTML body is not called a refusal: the server answered something that is not a token response', async () => {
    const server = await tokenServer(() => ({status: 200, type: 'text/html', body: '<html>maintenance</html>'}));
    const {ccs, store, refresh} = await dueAccount(server.url);
    try {
      const error = (await refresh()) as Error;
      assert.match(error.message, /127\.0\.0\.1:\d+\/token answered 200: not a token response: <html>maintenance<\/html>/);
      assert.doesNotMatch(error.message, /refused/);
      // No refresh token came back: whether the one sent was spent is unknown, so it is never sent again.
      assert.equal((await store.load()).accounts[0]!.health, 'refresh-unknown');
      assert.equal(readJson(path.join(ccs.paths.authDir, FILE)).refresh_token, OLD_RT);
    } finally {
      ccs.cleanup();
      server.close();
    }
  });

  it('an error code without a description ("refresh_token_reused") ends the grant: the code is not masked as if it were the token sent', async () => {
    const server = await tokenServer(() => ({status: 400, body: JSON.stringify({error: 'refresh_token_reused'})}));
    const {ccs, store, refresh} = await dueAccount(server.url);
    try {
      const error = (await refresh()) as Error;
      assert.equal(error.name, 'NeedsLoginError', error.message);
      assert.match(error.message, /refresh_token_reused/);
      assert.equal((await store.load()).accounts[0]!.health, 'needs-login');
    } finally {
      ccs.cleanup();
      server.close();
    }
  });
});
