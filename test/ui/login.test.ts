// The login screen with a fake clock against faithful local servers: big user code, URL, QR,
// countdown and poll state; c copies, o opens, Esc leaves nothing running.
import assert from 'node:assert/strict';
import {writeFileSync} from 'node:fs';
import {test} from 'node:test';
import type {AppServices} from '../../source/ui/services.js';
import {AccountStore} from '../../source/store/accounts.js';
import {FakeClock} from '../helpers/fake-clock.js';
import {makeTempCcs} from '../helpers/ccs.js';
import {runBin} from '../helpers/cli.js';
import {fakeClaude, fakeCopilot, fakeQwen} from '../helpers/fake-providers/providers.js';
import {renderTui, type TuiHandle} from '../helpers/ink.js';

function recorders() {
  const copied: string[] = [];
  const opened: string[] = [];
  return {
    copied,
    opened,
    services: {
      clipboard: {copy: (t: string) => void copied.push(t)},
      browser: {open: async (u: string) => void opened.push(u)},
    } as unknown as Partial<AppServices>,
  };
}

/** Advances the fake clock a second at a time, letting real I/O (the fake server) answer in between. */
async function tick(clock: FakeClock, seconds: number) {
  for (let i = 0; i < seconds; i++) {
    await clock.advance(1000);
    await new Promise((r) => setTimeout(r, 15));
  }
}

/**
 * Advances the fake clock a second at a time until the frame shows `match`: under load a poll's
 * answer can come after a fixed run of ticks has ended, and its next poll would then never be due.
 */
async function tickUntil(clock: FakeClock, tui: TuiHandle, match: string, maxSeconds = 120): Promise<string> {
  for (let i = 0; i < maxSeconds; i++) {
    try {
      return await tui.waitFor(match, 15);
    } catch {
      await clock.advance(1000);
    }
  }
  return tui.waitFor(match);
}

test('device login screen: code, URL, QR beside the text at 80x24, countdown ticks, slow_down shown, c copies, success shows the account', async () => {
  const fake = await fakeCopilot();
  const ccs = makeTempCcs();
  writeFileSync(ccs.paths.settings, JSON.stringify(fake.settings));
  const clock = new FakeClock();
  const rec = recorders();
  const tui = await renderTui({paths: ccs.paths, width: 80, height: 24, route: {screen: 'login', params: {provider: 'copilot'}}, services: {clock, ...rec.services}});
  try {
    let frame = await tui.waitFor('W D J B - M J H T');
    assert.match(frame, /https:\/\/github\.com\/login\/device/);
    assert.match(frame, /code expires in 14:59/);
    assert.match(frame, /waiting for approval · polling every 5 s/);
    // The QR sits beside the text: some line holds both text and QR blocks.
    assert.ok(frame.split('\n').some((line) => /[a-z]/.test(line) && line.includes('█')), frame);
    assert.equal(rec.opened.length, 0, 'no browser opened when the session is not local');
    await tick(clock, 1);
    frame = await tui.waitFor('code expires in 14:58');
    await tui.press('c');
    assert.deepEqual(rec.copied, ['WDJB-MJHT']);
    await tui.waitFor('copied the code WDJB-MJHT');
    await tui.press('o');
    assert.deepEqual(rec.opened, ['https://github.com/login/device']);
    await tick(clock, 9);
    await tui.waitFor('slowed down to 10 s');
    await tick(clock, 11);
    frame = await tui.waitFor('Added GitHub Copilot account octocat');
    assert.match(frame, /\(default\)/);
    await tui.press('escape');
    frame = await tui.waitFor('octocat');
    // Stored: the status line keeps what was stored, never a "cancelled" (test/ui/login-cancelled.test.ts).
    assert.doesNotMatch(frame, /login cancelled/);
  } finally {
    tui.unmount();
    await fake.server.close();
    ccs.cleanup();
  }
});

test('o where no browser can be opened: the status line says so and why, and how to open the address by hand; the login keeps waiting', async () => {
  const fake = await fakeCopilot();
  const ccs = makeTempCcs();
  writeFileSync(ccs.paths.settings, JSON.stringify(fake.settings));
  const {BrowserNotOpened} = await import('../../source/services/browser.js');
  const tried: string[] = [];
  const browser = {open: async (url: string) => {
    tried.push(url);
    throw new BrowserNotOpened('xdg-open found no browser (exit 3)');
  }};
  const tui = await renderTui({paths: ccs.paths, width: 120, height: 40, route: {screen: 'login', params: {provider: 'copilot'}}, services: {clock: new FakeClock(), browser} as unknown as Partial<AppServices>});
  try {
    await tui.waitFor('W D J B - M J H T');
    await tui.press('o');
    const frame = await tui.waitFor('no browser opened');
    assert.match(frame, /error: no browser opened: xdg-open found no browser \(exit 3\); c copies the URL, U shows it alone/);
    assert.deepEqual(tried, ['https://github.com/login/device']);
    assert.match(frame, /W D J B - M J H T/, 'the login is still on screen');
  } finally {
    tui.unmount();
    await fake.server.close();
    ccs.cleanup();
  }
});

test('Esc cancels: no timer, no further poll', async () => {
  const fake = await fakeCopilot();
  const ccs = makeTempCcs();
  writeFileSync(ccs.paths.settings, JSON.stringify(fake.settings));
  const clock = new FakeClock();
  const tui = await renderTui({paths: ccs.paths, width: 80, height: 24, route: {screen: 'login', params: {provider: 'copilot'}}, services: {clock, ...recorders().services}});
  try {
    await tui.waitFor('W D J B - M J H T');
    await tui.press('escape');
    // The accounts screen it returns to shows no change: the status line says the login ended.
    await tui.waitFor('GitHub Copilot login cancelled: nothing was stored');
    await new Promise((r) => setTimeout(r, 50));
    const requests = fake.server.requests.length;
    // The shell's own timers (status line, file watcher) are not ours: count only polls.
    await tick(clock, 30);
    assert.equal(fake.server.requests.length, requests, 'no poll after Esc');
    assert.equal(fake.server.on('/login/oauth/access_token').length, 0);
  } finally {
    tui.unmount();
    await fake.server.close();
    ccs.cleanup();
  }
  assert.equal(clock.pendingTimers, 0, 'no timer left behind after unmount');
});

test('a login key that means nothing in this step says so and what the step waits for', async () => {
  const fake = await fakeCopilot();
  const ccs = makeTempCcs();
  writeFileSync(ccs.paths.settings, JSON.stringify(fake.settings));
  const tui = await renderTui({paths: ccs.paths, width: 80, height: 24, route: {screen: 'login', params: {provider: 'copilot'}}, services: {clock: new FakeClock(), ...recorders().services}});
  try {
    await tui.waitFor('W D J B - M J H T');
    await tui.press('enter');
    await tui.waitFor('Enter does nothing now: waiting for the code to be approved');
    await tui.press('v');
    await tui.waitFor('v does nothing now: waiting for the code to be approved');
  } finally {
    tui.unmount();
    await fake.server.close();
    ccs.cleanup();
  }
});

test('a small terminal gets a one-line note instead of the QR; qwen asks for a name first', async () => {
  // A long complete URL makes a QR taller than the screen at 80x24.
  const fake = await fakeQwen(['pending', 'pending', 'pending'], `https://chat.qwen.ai/authorize?user_code=QWEN-1234&client=qwen-code&session=${'x'.repeat(120)}`);
  const ccs = makeTempCcs();
  writeFileSync(ccs.paths.settings, JSON.stringify(fake.settings));
  const clock = new FakeClock();
  const tui = await renderTui({paths: ccs.paths, width: 80, height: 24, route: {screen: 'login', params: {provider: 'qwen'}}, services: {clock, ...recorders().services}});
  try {
    await tui.waitFor('Name this account');
    assert.equal(fake.server.requests.length, 0);
    await tui.type('team-qwen');
    await tui.press('enter');
    const frame = await tui.waitFor('Q W E N - 1 2 3 4');
    assert.match(frame.replace(/\n/g, ' '), /a QR code needs a terminal of at least \d+×\d+ beside this text; U shows the address alone/);
    assert.ok(!frame.includes('█'));
    assert.match(frame, /polling every 2 s/);
  } finally {
    tui.unmount();
    await fake.server.close();
    ccs.cleanup();
  }
});

test('t on the home screen force-refreshes the selected account; the result is in the status line', async () => {
  const {oidcDeviceLogin, startOidcServer} = await import('../helpers/oidc.js');
  const oidc = await startOidcServer({deviceInterval: 1});
  const ccs = makeTempCcs();
  try {
    const {account, store} = await oidcDeviceLogin(oidc, ccs.paths.root, 'tess');
    const before = await store.readToken(account);
    const tui = await renderTui({paths: ccs.paths, width: 80, height: 24, route: {screen: 'detail', params: {provider: 'xai', accountId: account.id}}});
    try {
      await tui.waitFor('tess@example.test');
      await tui.press('t');
      await tui.waitFor(/xai tess@example\.test: token refreshed, valid until/);
      const after = await store.readToken(account);
      assert.notEqual(after!.refresh_token, before!.refresh_token);
      assert.equal(oidc.tokenCalls.filter((c) => c.grantType === 'refresh_token').length, 1);
    } finally {
      tui.unmount();
    }
  } finally {
    await oidc.close();
    ccs.cleanup();
  }
});

/** A token endpoint that refuses every code (invalid_grant), as a stale or wrong one does. */
async function refusingTokenEndpoint() {
  const {startFakeServer} = await import('../helpers/fake-providers/server.js');
  return startFakeServer({'POST /v1/oauth/token': () => ({status: 400, json: {error: 'invalid_grant', error_description: 'Invalid authorization code'}})});
}

/** From the accounts, as a person gets there: `a`, Enter on Claude. */
async function claudeFromAccounts(tui: TuiHandle): Promise<void> {
  await tui.waitFor('No Claude account yet');
  await tui.press('a');
  await tui.waitFor(/^› Claude/m);
  await tui.press('enter');
}

/** On the auth-code screen: `v`, a code, Enter. */
async function pasteCode(tui: TuiHandle): Promise<void> {
  await tui.waitFor('v: paste it here');
  await tui.press('v');
  await tui.type('a-code-from-the-page');
  await tui.press('enter');
}

test('claude paste with a code the token endpoint refuses: the error screen with the cause and "Enter: try again", then Enter starts over', async () => {
  const server = await refusingTokenEndpoint();
  const ccs = makeTempCcs();
  writeFileSync(ccs.paths.settings, JSON.stringify({endpoints: {claude: {authorize: `${server.url}/oauth/authorize`, token: `${server.url}/v1/oauth/token`}}}));
  const tui = await renderTui({paths: ccs.paths, width: 100, height: 30, route: {screen: 'login', params: {provider: 'claude'}}, services: recorders().services});
  try {
    await pasteCode(tui);
    const frame = await tui.waitFor('Enter: try again');
    assert.match(frame, /✗ Login failed: 127\.0\.0\.1:\d+\/v1\/oauth\/token refused: Invalid authorization code \(invalid_grant\)/);
    assert.doesNotMatch(frame, /storing the account/);
    await tui.press('enter');
    await tui.waitFor('v: paste it here');
  } finally {
    tui.unmount();
    await server.close();
    ccs.cleanup();
  }
});

test('a failed login, tui.json fixed, Enter: the retry uses the fixed endpoints (a retry is a next login)', async () => {
  const wrong = await refusingTokenEndpoint();
  const right = await fakeClaude();
  const ccs = makeTempCcs();
  writeFileSync(ccs.paths.settings, JSON.stringify({endpoints: {claude: {...right.settings.endpoints.claude, token: `${wrong.url}/v1/oauth/token`}}}));
  const tui = await renderTui({paths: ccs.paths, width: 100, height: 30, route: {screen: 'login', params: {provider: 'claude'}}, services: recorders().services});
  try {
    await pasteCode(tui);
    await tui.waitFor('Enter: try again');
    assert.equal(wrong.requests.length, 1);
    // The person fixes the token endpoint and, at once, presses Enter.
    writeFileSync(ccs.paths.settings, JSON.stringify(right.settings));
    await tui.press('enter');
    await tui.waitFor((f) => f.includes('v: paste it here') && !f.includes('Login failed'));
    await pasteCode(tui);
    const frame = await tui.waitFor('Added Claude account');
    assert.match(frame, /claude-user@example\.com/);
    assert.equal(wrong.requests.length, 1, 'nothing more went to the old token endpoint');
    assert.equal(right.server.on('/v1/oauth/token').length, 1);
  } finally {
    tui.unmount();
    await wrong.close();
    await right.server.close();
    ccs.cleanup();
  }
});

test('a refused paste (another login\'s state, then two words): the field is emptied with the reason under it, and the next paste is taken whole', async () => {
  const fake = await fakeClaude();
  const ccs = makeTempCcs();
  writeFileSync(ccs.paths.settings, JSON.stringify(fake.settings));
  const tui = await renderTui({paths: ccs.paths, width: 100, height: 30, route: {screen: 'login', params: {provider: 'claude'}}, services: recorders().services});
  try {
    await tui.waitFor('v: paste it here');
    await tui.press('v');
    await tui.type('http://localhost:54545/callback?code=old-code&state=from-another-login');
    await tui.press('enter');
    let frame = await tui.waitFor('does not match this login');
    assert.match(frame, /^›\s*$/m, 'the field is empty again');
    assert.doesNotMatch(frame, /old-code|from-another-login/);
    await tui.type('my code');
    frame = await tui.waitFor((f) => f.includes('› my code'));
    assert.doesNotMatch(frame, /does not match this login/, 'typing takes the reason away');
    await tui.press('enter');
    frame = await tui.waitFor('not a redirect URL or a code');
    assert.match(frame, /^›\s*$/m);
    // Pasted into the emptied field, the code is not appended to what was refused.
    await tui.type('a-code-from-the-page');
    await tui.press('enter');
    await tui.waitFor('Added Claude account');
    const exchanges = fake.server.on('/v1/oauth/token');
    assert.equal(exchanges.length, 1, 'only the last paste was sent');
    assert.equal(exchanges[0]!.fields.code, 'a-code-from-the-page');
    assert.doesNotMatch(String(exchanges[0]!.body), /my code|old-code/);
  } finally {
    tui.unmount();
    await fake.server.close();
    ccs.cleanup();
  }
});

test('Esc while the code is being checked leaves the login to finish: the wait counts seconds, the accounts come back at once, the status line says the account was added, and it is listed', async () => {
  let release!: () => void;
  const fake = await fakeClaude({tokenGate: new Promise<void>((r) => (release = r))});
  const ccs = makeTempCcs();
  writeFileSync(ccs.paths.settings, JSON.stringify(fake.settings));
  const clock = new FakeClock();
  const tui = await renderTui({paths: ccs.paths, width: 100, height: 30, services: {clock, ...recorders().services}});
  try {
    await claudeFromAccounts(tui);
    await pasteCode(tui);
    let frame = await tui.waitFor('checking with the provider and storing the account…');
    assert.match(frame, /Esc leave/, 'the hint bar says what Esc does now');
    await tick(clock, 3);
    frame = await tui.waitFor(/storing the account… 3 s/);
    await tui.press('escape');
    frame = await tui.waitFor('still storing the account');
    assert.doesNotMatch(frame, /checking with the provider/, 'the screen was left');
    release();
    frame = await tui.waitFor('✓ Added Claude account claude-user@example.com');
    await tui.waitFor((f) => /claude-user@example\.com/.test(f.split('\n').slice(1, -3).join('\n')), 5000);
    assert.equal(fake.server.on('/v1/oauth/token').length, 1, 'one exchange');
    const {readdirSync} = await import('node:fs');
    assert.ok(readdirSync(ccs.paths.authDir).some((f) => String(f).includes('claude-user@example.com')), 'the grant was stored');
  } finally {
    release();
    tui.unmount();
    await fake.server.close();
    ccs.cleanup();
  }
});

test('Esc while the code is being checked, and the provider then refuses it: the status line says the login failed and why', async () => {
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const {startFakeServer} = await import('../helpers/fake-providers/server.js');
  const server = await startFakeServer({
    'POST /v1/oauth/token': async () => {
      await gate;
      return {status: 400, json: {error: 'invalid_grant', error_description: 'Invalid authorization code'}};
    },
  });
  const ccs = makeTempCcs();
  writeFileSync(ccs.paths.settings, JSON.stringify({endpoints: {claude: {authorize: `${server.url}/oauth/authorize`, token: `${server.url}/v1/oauth/token`}}}));
  const tui = await renderTui({paths: ccs.paths, width: 100, height: 30, services: recorders().services});
  try {
    await claudeFromAccounts(tui);
    await pasteCode(tui);
    await tui.waitFor('checking with the provider and storing the account…');
    await tui.press('escape');
    await tui.waitFor('still storing the account');
    release();
    const frame = await tui.waitFor(/Claude: Login failed: 127\.0\.0\.1:\d+\/v1\/oauth\/token refused: Invalid authorization code/);
    assert.doesNotMatch(frame, /Added Claude account/);
    assert.match(frame, /No Claude account yet/, 'on the accounts, nothing added');
  } finally {
    release();
    tui.unmount();
    await server.close();
    ccs.cleanup();
  }
});

test('the auth URL takes whole rows above the QR, never beside it; OSC 8 links where the terminal supports them; c copies it whole', async () => {
  const ccs = makeTempCcs();
  const rec = recorders();
  const route = {screen: 'login' as const, params: {provider: 'claude'}};
  const tui = await renderTui({paths: ccs.paths, width: 160, height: 45, route, env: {TERM_PROGRAM: 'WezTerm'}, services: rec.services});
  try {
    const frame = await tui.waitFor('v: paste it here');
    const lines = frame.split('\n');
    const urlLines = lines.filter((l) => /^(https:\/\/claude\.ai\/oauth|[A-Za-z0-9%&=_.+-]+$)/.test(l) && !l.includes('█') && l.length > 0);
    assert.ok(urlLines.length >= 2, frame);
    // No URL row shares its row with QR blocks.
    const firstUrlRow = lines.findIndex((l) => l.startsWith('https://claude.ai/oauth/authorize'));
    assert.ok(firstUrlRow > 0 && !lines[firstUrlRow]!.includes('█'));
    assert.ok(lines.some((l) => l.includes('█')), 'the QR is shown (below the URL)');
    const firstQrRow = lines.findIndex((l) => l.includes('█'));
    assert.ok(firstQrRow > firstUrlRow, 'the QR starts below the URL');
    // Every URL row is a link to the whole URL.
    const links = [...tui.rawFrame().matchAll(/\u001b\]8;;(https:[^\u0007]+)\u0007/g)].map((m) => m[1]);
    assert.ok(links.length >= 2 && links.every((l) => l === links[0]), 'each row links the whole URL');
    await tui.press('c');
    assert.equal(rec.copied[0], links[0]);
  } finally {
    tui.unmount();
    ccs.cleanup();
  }
});

test('without a terminal that supports hyperlinks the URL is plain text', async () => {
  const ccs = makeTempCcs();
  const tui = await renderTui({paths: ccs.paths, width: 100, height: 30, route: {screen: 'login', params: {provider: 'claude'}}, services: recorders().services});
  try {
    await tui.waitFor('v: paste it here');
    assert.ok(!tui.rawFrame().includes('\u001b]8;;'));
  } finally {
    tui.unmount();
    ccs.cleanup();
  }
});

test('too small, then back, during a slow code exchange: the login lives on, the account is saved and the screen says so', async () => {
  let release!: () => void;
  const fake = await fakeClaude({tokenGate: new Promise<void>((r) => (release = r))});
  const ccs = makeTempCcs();
  writeFileSync(ccs.paths.settings, JSON.stringify(fake.settings));
  const tui = await renderTui({paths: ccs.paths, width: 100, height: 30, route: {screen: 'login', params: {provider: 'claude'}}, services: recorders().services});
  try {
    const before = await tui.waitFor('v: paste it here');
    const state = /state=([\w-]+)/.exec(before.replace(/\n/g, ''))?.[1];
    await tui.press('v');
    await tui.type('a-code-from-the-page');
    await tui.press('enter');
    await new Promise((r) => setTimeout(r, 100));
    await tui.resize(59, 19);
    await tui.waitFor('Terminal too small');
    await tui.resize(100, 30);
    await new Promise((r) => setTimeout(r, 50));
    release();
    const frame = await tui.waitFor('claude-user@example.com');
    assert.doesNotMatch(frame, /v: paste it here/, 'the login was not restarted');
    assert.ok(state, 'the auth URL carries a state');
    const {readdirSync} = await import('node:fs');
    assert.ok(readdirSync(ccs.paths.authDir).some((f) => String(f).includes('claude-user@example.com')), 'the token file is written');
  } finally {
    release();
    tui.unmount();
    await fake.server.close();
    ccs.cleanup();
  }
});

test('? over a login under way: closing it shows the same login, not a new one', async () => {
  const fake = await fakeClaude();
  const ccs = makeTempCcs();
  writeFileSync(ccs.paths.settings, JSON.stringify(fake.settings));
  const tui = await renderTui({paths: ccs.paths, width: 100, height: 30, route: {screen: 'login', params: {provider: 'claude'}}, services: recorders().services});
  try {
    const state = (frame: string) => /state=([\w-]+)/.exec(frame.replace(/\n/g, ''))?.[1];
    const first = state(await tui.waitFor('v: paste it here'));
    await tui.press('?');
    await tui.waitFor('Keys (Esc or ? closes)');
    await tui.press('escape');
    const again = state(await tui.waitFor('v: paste it here'));
    assert.ok(first);
    assert.equal(again, first, 'same auth URL state: the session was kept');
  } finally {
    tui.unmount();
    await fake.server.close();
    ccs.cleanup();
  }
});

/**
 * A copilot account `monalisa` (nicknamed mona, marked re-login) and the login screen opened by `L`
 * on it; the stand-in's device login always comes back as octocat.
 */
async function reloginAsOther({octocatNamed}: {octocatNamed?: string} = {}) {
  const fake = await fakeCopilot();
  const ccs = makeTempCcs();
  writeFileSync(ccs.paths.settings, JSON.stringify(fake.settings));
  ccs.writeToken('github-copilot-monalisa.json', {type: 'github-copilot', email: 'monalisa', username: 'monalisa', access_token: 'gho_monalisa_old_token_123'});
  // octocatNamed: octocat is an account already (that nickname), so the login renews it.
  if (octocatNamed) ccs.writeToken('github-copilot-octocat.json', {type: 'github-copilot', email: 'octocat', username: 'octocat', access_token: 'gho_octocat_old_token_123'});
  const store = new AccountStore(ccs.paths);
  const mona = (await store.load()).accounts.find((a) => a.email === 'monalisa')!;
  if (octocatNamed) await store.rename('copilot', (await store.load()).accounts.find((a) => a.email === 'octocat')!.id, octocatNamed);
  await store.rename('copilot', mona.id, 'mona');
  await store.setNeedsLogin('copilot', mona.id, 'token revoked');
  const clock = new FakeClock();
  const tui = await renderTui({paths: ccs.paths, width: 100, height: 30, route: {screen: 'login', params: {provider: 'copilot', accountId: mona.id}}, services: {clock, ...recorders().services}});
  await tui.waitFor('GitHub Copilot — log in again as mona');
  await tui.waitFor('W D J B - M J H T');
  await tickUntil(clock, tui, 'still needs a login');
  return {store, mona, tui, clock, cleanup: async () => (tui.unmount(), await fake.server.close(), ccs.cleanup())};
}

test('L as a different identity: the screen says who logged in and who still needs a login; d removes the old one (asks); no grant is lost', async () => {
  const {store, mona, tui, cleanup} = await reloginAsOther();
  try {
    let frame = await tui.waitFor('still needs a login');
    assert.match(frame, /Logged in as octocat, not mona: octocat is kept as a new account\./);
    assert.match(frame, /Enter: log in again as mona \(log out of octocat in the browser first\) · d: remove mona · Esc: back/);
    frame = await tui.waitFor((f) => /d remove old/.test(f.split('\n').at(-1)!));
    assert.match(frame.split('\n').at(-1)!, /Enter log in again/);
    // Both grants are kept; the new account did not take mona's nickname; mona still needs a login.
    let accounts = (await store.load()).accounts;
    assert.equal(accounts.length, 2);
    const octo = accounts.find((a) => a.id !== mona.id)!;
    assert.equal(octo.nickname, undefined, 'the nickname stays with the account it names');
    assert.equal(accounts.find((a) => a.id === mona.id)!.health, 'needs-login');
    // d asks first; No keeps mona.
    await tui.press('d');
    await tui.waitFor('Remove copilot account mona');
    await tui.press('n');
    await tui.waitFor('kept mona');
    assert.equal((await store.load()).accounts.length, 2);
    await tui.press('d');
    await tui.waitFor('Remove copilot account mona');
    await tui.press('y');
    await tui.waitFor('mona was removed.');
    accounts = (await store.load()).accounts;
    assert.deepEqual(accounts.map((a) => a.id), [octo.id]);
    frame = await tui.waitFor((f) => !/remove old/.test(f.split('\n').at(-1)!));
    assert.match(frame.split('\n').at(-1)!, /Enter back/);
  } finally {
    await cleanup();
  }
});

test('L as a different identity that is an account already: the screen says it is logged in again, no account added', async () => {
  const {store, mona, tui, cleanup} = await reloginAsOther({octocatNamed: 'work'});
  try {
    const frame = await tui.waitFor('still needs a login');
    assert.match(frame.replace(/\n/g, ' '), /Logged in as work, not mona: work, an account already, is logged in again\./);
    assert.doesNotMatch(frame, /new account/);
    const accounts = (await store.load()).accounts;
    assert.equal(accounts.length, 2, 'no account was added');
    const work = accounts.find((a) => a.id !== mona.id)!;
    assert.equal(work.nickname, 'work');
    assert.notEqual((await store.readToken(work))?.access_token, 'gho_octocat_old_token_123', "work's token was replaced");
  } finally {
    await cleanup();
  }
});

test('L as a different identity, then Enter: a new login as the account asked for starts (the choice of method is kept); the same other identity again is that account, logged in again', async () => {
  const {store, tui, clock, cleanup} = await reloginAsOther();
  try {
    await tui.waitFor('still needs a login');
    await tui.press('enter');
    await tui.waitFor((f) => f.includes('W D J B - M J H T') && !f.includes('still needs a login'));
    const frame = await tickUntil(clock, tui, 'still needs a login');
    assert.match(frame, /Logged in as octocat, not mona: octocat, an account already, is logged in again\./);
    assert.equal((await store.load()).accounts.length, 2);
  } finally {
    await cleanup();
  }
});

/** Codex (browser or device) against the stand-in, its loopback callback on a free port. */
async function codexLoginScreen(env: NodeJS.ProcessEnv, size = {width: 110, height: 40}) {
  const {fakeCodex} = await import('../helpers/fake-providers/providers.js');
  const {freePort} = await import('../helpers/fake-providers/server.js');
  const fake = await fakeCodex();
  const port = await freePort();
  const ccs = makeTempCcs();
  writeFileSync(ccs.paths.settings, JSON.stringify({...fake.settings, login: {callbackPorts: {codex: port}}}));
  const clock = new FakeClock();
  const rec = recorders();
  const tui = await renderTui({paths: ccs.paths, ...size, env, route: {screen: 'login', params: {provider: 'codex'}}, services: {clock, ...rec.services}});
  return {fake, port, ccs, clock, tui, rec, cleanup: async () => (tui.unmount(), await fake.server.close(), ccs.cleanup())};
}

test('codex over SSH: the method picker says which method works over SSH and starts on the device code', async () => {
  const c = await codexLoginScreen({SSH_CONNECTION: '10.0.0.2 50000 10.0.0.1 22'});
  try {
    const frame = await c.tui.waitFor('How do you want to log in?');
    assert.match(frame, new RegExp(`over SSH: forward port ${c.port} \\(ssh -L\\) or paste the address the browser ends on`));
    assert.match(frame, /› Device code.*\n\s+works over SSH as is/);
    await c.tui.press('enter');
    await c.tui.waitFor('C O D X - 7 7 8 8');
  } finally {
    await c.cleanup();
  }
});

test('codex over SSH at 80×24 and 60×20: a method note that wraps keeps its indent (no word at column 0)', async () => {
  for (const size of [{width: 80, height: 24}, {width: 60, height: 20}]) {
    const c = await codexLoginScreen({SSH_CONNECTION: '10.0.0.2 50000 10.0.0.1 22'}, size);
    try {
      const frame = await c.tui.waitFor('How do you want to log in?');
      const lines = frame.split('\n');
      const first = lines.findIndex((l) => l.includes('over SSH: forward port'));
      assert.ok(first > 0, frame);
      const indent = lines[first]!.indexOf('over SSH');
      // The note's next row (the wrap) starts where the note does.
      const next = lines[first + 1]!;
      assert.equal(next.length - next.trimStart().length, indent, `${size.width}: ${JSON.stringify(next)}`);
    } finally {
      await c.cleanup();
    }
  }
});

test('codex on this machine: no SSH notes, the cursor starts on the browser login', async () => {
  const c = await codexLoginScreen({DISPLAY: ':0'});
  try {
    const frame = await c.tui.waitFor('How do you want to log in?');
    assert.match(frame, /› Browser login/);
    assert.doesNotMatch(frame, /SSH/);
  } finally {
    await c.cleanup();
  }
});

test('codex browser login over SSH: the screen names the port that listens; a wrong-state callback is ignored; a refusal ends; Enter tries the same method again', async () => {
  const c = await codexLoginScreen({SSH_CONNECTION: '10.0.0.2 50000 10.0.0.1 22'});
  try {
    await c.tui.waitFor('How do you want to log in?');
    await c.tui.press('k');
    await c.tui.waitFor('› Browser login');
    await c.tui.press('enter');
    // The hint wraps beside the QR: read the frame without its line breaks.
    const flat = (f: string) => f.replace(/\s+/g, '');
    let frame = await c.tui.waitFor((f) => flat(f).includes(`forwarditwithssh-L${c.port}:localhost:${c.port}10.0.0.1`));
    assert.ok(flat(frame).includes(`waitingforthebrowsertoreturntohttp://localhost:${c.port}/auth/callback`), frame);
    const callback = `http://127.0.0.1:${c.port}/auth/callback`;
    // A stale tab's callback: answered, ignored, still waiting.
    assert.equal((await fetch(`${callback}?code=x&state=stale`)).status, 400);
    assert.equal((await fetch(`http://127.0.0.1:${c.port}/favicon.ico`)).status, 404);
    await new Promise((r) => setTimeout(r, 100));
    assert.match(c.tui.frame(), /waiting for the browser to return/);
    // `c` copies the login URL whole: its state is the one the right callback carries.
    await c.tui.press('c');
    await c.tui.waitFor('copied the login URL');
    const state = new URL(c.rec.copied.at(-1)!).searchParams.get('state');
    await fetch(`${callback}?error=access_denied&error_description=Denied%20by%20you&state=${state}`);
    frame = await c.tui.waitFor('Enter: try again');
    assert.match(frame, /Login failed: the provider refused the login: Denied by you/);
    await c.tui.press('enter');
    frame = await c.tui.waitFor((f) => flat(f).includes(`forwarditwithssh-L${c.port}`));
    assert.doesNotMatch(frame, /How do you want to log in\?/, 'the method chosen is kept');
  } finally {
    await c.cleanup();
  }
});


test('IBM Bob API-key login: each step has its own heading with an example of the value it expects', async () => {
  const ccs = makeTempCcs();
  const tui = await renderTui({paths: ccs.paths, width: 100, height: 30, route: {screen: 'login', params: {provider: 'bob'}}});
  try {
    await tui.waitFor('Enter skips');
    await tui.press('enter');
    let frame = await tui.waitFor('Step 1 of 2: paste the IBM Bob API key (shown masked)');
    assert.match(frame, /e\.g\. the key your IBM Bob account or administrator gave you/);
    await tui.type('bob-key-0123456789');
    await tui.press('enter');
    frame = await tui.waitFor('Step 2 of 2: the IBM Bob base URL');
    assert.match(frame, /e\.g\. https:\/\/bob\.example\.com\/v1 \(the address before \/chat\/completions\)/);
    assert.doesNotMatch(frame, /paste the IBM Bob API key|0123456789/, 'the first step\'s heading (and the key) are gone');
  } finally {
    tui.unmount();
    ccs.cleanup();
  }
});

test('IBM Bob: the key typed into the base URL step is never shown (field hidden, error masked); editing clears the error; Esc to the key empties the URL step', async () => {
  const KEY = 'sk-secretkey-1234567890abcdef';
  const ccs = makeTempCcs();
  const tui = await renderTui({paths: ccs.paths, width: 100, height: 30, route: {screen: 'login', params: {provider: 'bob'}}});
  try {
    await tui.waitFor('Enter skips');
    await tui.press('enter');
    await tui.waitFor('Step 1 of 2');
    // A key into the URL's step (shown as typed until it is found to be one). An address in the key's
    // step is refused there (login-secret-fields.test.ts).
    await tui.type('bob-key-0123456789');
    await tui.press('enter');
    await tui.waitFor('Step 2 of 2');
    await tui.type(KEY);
    await tui.press('enter');
    let frame = await tui.waitFor((f) => f.replace(/\s+/g, ' ').includes('looks like a key'));
    assert.match(frame.replace(/\s+/g, ' '), /the base URL must start with https:\/\/, or http:\/\/ to 127\.0\.0\.1, localhost or ::1 .*; got "sk-s…cdef", which looks like a key, not an address \(hidden in the field; Esc goes back to the key's step\)/);
    assert.ok(!frame.includes('1234567890'), `the key is shown nowhere, the field included:\n${frame}`);
    // Editing the field takes the old error away.
    await tui.press('backspace');
    frame = await tui.waitFor((f) => !f.replace(/\s+/g, ' ').includes('looks like a key'));
    assert.match(frame, /Step 2 of 2/);
    // Back to the key step and on again: the URL step starts empty (what was typed there went with it).
    await tui.press('escape');
    await tui.waitFor('Step 1 of 2');
    await tui.type('bob-key-0123456789');
    await tui.press('enter');
    frame = await tui.waitFor('Step 2 of 2');
    assert.ok(!frame.includes('sk-secretkey'), frame);
  } finally {
    tui.unmount();
    ccs.cleanup();
  }
});

test('a step back finds what was typed in the step it goes back to: the name from the key\'s step, the key (masked) from the base URL\'s, and on again the URL typed', async () => {
  const KEY = 'bob-key-0123456789abcdefSECRET';
  const ccs = makeTempCcs();
  const tui = await renderTui({paths: ccs.paths, width: 100, height: 30, route: {screen: 'login', params: {provider: 'bob'}}});
  try {
    await tui.waitFor('Enter skips');
    await tui.type('team-box');
    await tui.press('enter');
    await tui.waitFor('Step 1 of 2');
    await tui.type(KEY);
    await tui.press('enter');
    await tui.waitFor('Step 2 of 2');
    await tui.type('https://mine.internal/v1');
    await tui.press('escape');
    let frame = await tui.waitFor('Step 1 of 2');
    assert.ok(!frame.includes('0123456789') && !frame.includes('SECRET'), `the key is kept masked:\n${frame}`);
    // Enter on the key kept goes on to the URL (an empty key would be refused where it is).
    await tui.press('enter');
    frame = await tui.waitFor('Step 2 of 2');
    assert.match(frame, /https:\/\/mine\.internal\/v1/, 'the URL typed is kept for the way on');
    await tui.press('escape');
    await tui.waitFor('Step 1 of 2');
    await tui.press('escape');
    frame = await tui.waitFor('Enter skips');
    assert.match(frame, /Name: team-box/);
    // On again from the name kept: the key is still there, masked.
    await tui.press('enter');
    frame = await tui.waitFor('Step 1 of 2');
    assert.ok(!frame.includes('SECRET'), frame);
    await tui.press('enter');
    await tui.waitFor('Step 2 of 2');
  } finally {
    tui.unmount();
    ccs.cleanup();
  }
});

test('a key that cannot be one (empty, spaces in it) is said at the key\'s field, which stays: before the base URL\'s step, and no failed login', async () => {
  for (const [provider, heading] of [['bob', 'Step 1 of 2'], ['aistudio', 'Paste the Google AI Studio API key']] as const) {
    const ccs = makeTempCcs();
    const tui = await renderTui({paths: ccs.paths, width: 100, height: 30, route: {screen: 'login', params: {provider}}});
    try {
      await tui.waitFor('Enter skips');
      await tui.press('enter');
      await tui.waitFor(heading);
      await tui.press('enter');
      let frame = await tui.waitFor('the API key is empty');
      assert.match(frame, new RegExp(heading));
      assert.doesNotMatch(frame, /Step 2 of 2|Login failed/);
      await tui.type('two words');
      await tui.press('enter');
      frame = await tui.waitFor('contains spaces or line breaks');
      assert.doesNotMatch(frame, /Step 2 of 2|Login failed/);
      assert.equal((await new AccountStore(ccs.paths).load()).accounts.length, 0);
    } finally {
      tui.unmount();
      ccs.cleanup();
    }
  }
});

test('tui.json replacing IBM Bob\'s base URL: the base URL step says the one typed is kept but unused, as login --base-url does', async () => {
  const ccs = makeTempCcs();
  writeFileSync(ccs.paths.settings, JSON.stringify({endpoints: {bob: {api: 'http://127.0.0.1:9/v1'}}}));
  const tui = await renderTui({paths: ccs.paths, width: 120, height: 30, route: {screen: 'login', params: {provider: 'bob'}}});
  try {
    await tui.waitFor('Enter skips');
    await tui.press('enter');
    await tui.waitFor('Step 1 of 2');
    await tui.type('bob-key-0123456789');
    await tui.press('enter');
    const frame = (await tui.waitFor('Step 2 of 2')).replace(/\s+/g, ' ');
    assert.match(frame, /! tui\.json endpoints\.bob\.api \(http:\/\/127\.0\.0\.1:9\/v1\) replaces every IBM Bob account's base URL: none is needed, and one given here is kept in the account's file, unused while that is set/);
  } finally {
    tui.unmount();
    ccs.cleanup();
  }
  const cli = makeTempCcs();
  try {
    writeFileSync(cli.paths.settings, JSON.stringify({endpoints: {bob: {api: 'http://127.0.0.1:9/v1'}}}));
    const run = await runBin(['login', 'bob', '--base-url', 'https://bob.example.com/v1'], cli.env, '');
    assert.match(run.stderr, /note: tui\.json endpoints\.bob\.api \(http:\/\/127\.0\.0\.1:9\/v1\) replaces every IBM Bob account's base URL/);
    // None is needed: the login goes on to the key (here, stdin empty), not "needs a base URL".
    const none = await runBin(['login', 'bob'], cli.env, '');
    assert.doesNotMatch(none.stderr, /needs a base URL/);
    assert.match(none.stderr, /stdin was empty/);
  } finally {
    cli.cleanup();
  }
});

test('tui.json replacing IBM Bob\'s base URL: the URL step takes none (Enter stores the key); one given is shown unused in the detail', async () => {
  const {startFakeServer} = await import('../helpers/fake-providers/server.js');
  const KEY = 'bob-key-0123456789abcdefOVER';
  const bob = await startFakeServer({'GET /gw/v1/models': (req) => (req.headers.authorization === `Bearer ${KEY}` ? {json: {object: 'list', data: [{id: 'bob-1', object: 'model'}]}} : {status: 401, json: {error: {message: 'bad key'}}})});
  const ccs = makeTempCcs();
  writeFileSync(ccs.paths.settings, JSON.stringify({endpoints: {bob: {api: `${bob.url}/gw/v1`}}}));
  const tui = await renderTui({paths: ccs.paths, width: 140, height: 30, route: {screen: 'login', params: {provider: 'bob'}}});
  try {
    await tui.waitFor('Enter skips');
    await tui.type('gw');
    await tui.press('enter');
    await tui.waitFor('Step 1 of 2');
    await tui.type(KEY);
    await tui.press('enter');
    assert.match((await tui.waitFor('Step 2 of 2')).replace(/\s+/g, ' '), /Step 2 of 2: the IBM Bob base URL, none needed \(Enter with it empty\)/);
    await tui.press('enter');
    await tui.waitFor('✓ Added IBM Bob account gw');
    const stored = (await new AccountStore(ccs.paths).load()).accounts.find((a) => a.provider === 'bob');
    assert.equal(stored?.baseUrl, undefined, 'none stored');
  } finally {
    tui.unmount();
  }
  // Its detail names the URL its requests go to.
  const gwDetail = await renderTui({paths: ccs.paths, width: 160, height: 30, route: {screen: 'detail', params: {provider: 'bob', accountId: (await new AccountStore(ccs.paths).load()).accounts.find((a) => a.nickname === 'gw')!.id}}});
  try {
    assert.match(await gwDetail.waitFor('Base URL'), new RegExp(`Base URL\\s+${bob.url.replace(/[.]/g, '\\.')}/gw/v1 {2}\\(tui\\.json endpoints\\.bob\\.api\\)`));
  } finally {
    gwDetail.unmount();
  }
  // One given at the command line is kept, and the detail says it is not the one used.
  const run = await runBin(['login', 'bob', '--nickname', 'given', '--base-url', 'https://bob.example.com/v1'], ccs.env, `${KEY}\n`);
  assert.equal(run.code, 0, run.stderr);
  const id = (await new AccountStore(ccs.paths).load()).accounts.find((a) => a.nickname === 'given')!.id;
  const detail = await renderTui({paths: ccs.paths, width: 160, height: 30, route: {screen: 'detail', params: {provider: 'bob', accountId: id}}});
  try {
    const frame = await detail.waitFor('Base URL');
    assert.match(frame, /Base URL\s+https:\/\/bob\.example\.com\/v1 {2}\(unused: tui\.json endpoints\.bob\.api replaces it\)/);
  } finally {
    detail.unmount();
    await bob.close();
    ccs.cleanup();
  }
});

/** An IBM Bob whose models list at /v1 takes only `key`, and the TUI at the key login's first step. */
async function bobKeyStep(key: string) {
  const {startFakeServer} = await import('../helpers/fake-providers/server.js');
  const bob = await startFakeServer({'GET /v1/models': (req) => (req.headers.authorization === `Bearer ${key}` ? {json: {object: 'list', data: [{id: 'bob-1', object: 'model'}]}} : {status: 401, json: {error: {message: 'bad key'}}})});
  const ccs = makeTempCcs();
  const tui = await renderTui({paths: ccs.paths, width: 100, height: 30, route: {screen: 'login', params: {provider: 'bob'}}});
  await tui.waitFor('Enter skips');
  await tui.press('enter');
  await tui.waitFor('Step 1 of 2');
  return {bob, ccs, tui};
}

test('IBM Bob: a wrong base URL is said in the TUI\'s words (no --base-url); only the URL is asked again, the key is kept', async () => {
  const KEY = 'bob-key-0123456789abcdefSECRET';
  // Nothing at /wrong (404); the models list at /v1 takes the key.
  const {bob, ccs, tui} = await bobKeyStep(KEY);
  try {
    await tui.type(KEY);
    await tui.press('enter');
    await tui.waitFor('Step 2 of 2');
    await tui.type('ftp://bob.example.com/v1');
    await tui.press('enter');
    let frame = await tui.waitFor((f) => f.replace(/\s+/g, ' ').includes('got ftp://'));
    assert.match(frame.replace(/\s+/g, ' '), /the base URL must start with https:\/\/, or http:\/\/ to 127\.0\.0\.1, localhost or ::1 \(http:\/\/ to another host needs a login from a shell with --allow-insecure-http\); got ftp:\/\//);
    assert.doesNotMatch(frame, /--base-url/);
    assert.match(frame, /Step 2 of 2/, 'still at the URL: the key is not asked again');
    await tui.press('ctrl+u');
    await tui.type(`${bob.url}/wrong`);
    await tui.press('enter');
    frame = await tui.waitFor('Enter: change the base URL (the key is kept)');
    assert.match(frame.replace(/\n/g, ' '), /answered HTTP 404 to a models list/);
    assert.doesNotMatch(frame, /--base-url|SECRET/);
    await tui.press('enter');
    // The URL step again, the URL tried prefilled; the key is not asked for.
    frame = await tui.waitFor((f) => f.includes('Step 2 of 2') && f.includes(`${bob.url}/wrong`));
    assert.doesNotMatch(frame, /Step 1 of 2/);
    await tui.press('ctrl+u');
    await tui.type(`${bob.url}/v1`);
    await tui.press('enter');
    await tui.waitFor('Added IBM Bob account');
    assert.equal(bob.on('/v1/models').at(-1)?.headers.authorization, `Bearer ${KEY}`, 'the key kept is the key typed');
  } finally {
    tui.unmount();
    await bob.close();
    ccs.cleanup();
  }
});

test('IBM Bob: a refused key, Enter: the key is asked again, the base URL step comes prefilled with the one tried', async () => {
  const KEY = 'bob-key-0123456789abcdefRIGHT';
  const {bob, ccs, tui} = await bobKeyStep(KEY);
  try {
    await tui.type('bob-key-0123456789abcdefWRONG');
    await tui.press('enter');
    await tui.waitFor('Step 2 of 2');
    await tui.type(`${bob.url}/v1`);
    await tui.press('enter');
    await tui.waitFor(/refused the key/);
    await tui.press('enter');
    await tui.waitFor('Step 1 of 2');
    await tui.type(KEY);
    await tui.press('enter');
    await tui.waitFor((f) => f.includes('Step 2 of 2') && f.includes(`${bob.url}/v1`));
    await tui.press('enter');
    await tui.waitFor('Added IBM Bob account');
    assert.equal(bob.on('/v1/models').at(-1)?.headers.authorization, `Bearer ${KEY}`);
  } finally {
    tui.unmount();
    await bob.close();
    ccs.cleanup();
  }
});

test('API key refused by the provider: the error screen names the refusal with the key masked, Enter: try again, nothing stored', async () => {
  const {fakeKeyedApi} = await import('../helpers/fake-providers/providers.js');
  const studio = await fakeKeyedApi('AIzaSyTheRightKey0123456789', '/v1beta/openai');
  const ccs = makeTempCcs();
  writeFileSync(ccs.paths.settings, JSON.stringify({endpoints: {aistudio: {api: studio.url}}}));
  const tui = await renderTui({paths: ccs.paths, width: 100, height: 30, route: {screen: 'login', params: {provider: 'aistudio'}}});
  try {
    await tui.waitFor('Enter skips');
    await tui.press('enter');
    await tui.waitFor('API key');
    await tui.type('AIzaSyWrongKey99999999999');
    await tui.press('enter');
    const frame = await tui.waitFor('Enter: try again');
    assert.match(frame.replace(/\s+/g, ' '), /Login failed: Google AI Studio refused the key AIza…\(redacted\) \(HTTP 401 from 127\.0\.0\.1:\d+\/v1beta\/openai\/models: .*Incorrect API key provided: AIza…\(redacted\)/);
    assert.ok(!frame.includes('WrongKey'), frame);
    assert.equal((await new AccountStore(ccs.paths).load()).accounts.length, 0);
    await tui.press('enter');
    await tui.waitFor((f) => f.includes('Paste the Google AI Studio API key') && !f.includes('Login failed'));
  } finally {
    tui.unmount();
    await studio.close();
    ccs.cleanup();
  }
});

test('API-key logins say what happened to the account, as `login` does: added, the same key again, a key replaced (under its name or by L)', async () => {
  const {fakeKeyedApi} = await import('../helpers/fake-providers/providers.js');
  const keys = ['AIzaSyFirstKeyFirstKeyFirstKey00000001', 'AIzaSySecondKeySecondKeySecondKey0002', 'AIzaSyThirdKeyThirdKeyThirdKey00000003'];
  const studio = await fakeKeyedApi(keys, '/v1beta/openai');
  const ccs = makeTempCcs();
  writeFileSync(ccs.paths.settings, JSON.stringify({endpoints: {aistudio: {api: studio.url}}}));
  /** One login on a fresh screen: the name (Enter skips), the key; the result's line. */
  const login = async (name: string, key: string, accountId?: string) => {
    // Wide enough for the longest result line (a rename) on one row.
    const tui = await renderTui({paths: ccs.paths, width: 160, height: 30, route: {screen: 'login', params: {provider: 'aistudio', ...(accountId ? {accountId} : {})}}});
    try {
      if (!accountId) {
        await tui.waitFor('Enter skips');
        await tui.type(name);
        await tui.press('enter');
      }
      // L on the account (accountId): the new key for it, named.
      await tui.waitFor(accountId ? 'Paste the new Google AI Studio API key for work' : 'Paste the Google AI Studio API key');
      await tui.type(key);
      await tui.press('enter');
      const frame = await tui.waitFor('✓');
      return frame.split('\n').find((line) => line.includes('✓'))!.trim();
    } finally {
      tui.unmount();
    }
  };
  try {
    assert.match(await login('work', keys[0]!), /^✓ Added Google AI Studio account work \(default\)$/);
    // "(default)" says the login made it the default: only the first time, as every message says a change.
    assert.equal(await login('', keys[0]!), '✓ Same key again for Google AI Studio account work: already stored');
    assert.equal(await login('work', keys[1]!), '✓ Key of Google AI Studio account work replaced');
    const [account] = (await new AccountStore(ccs.paths).load()).accounts;
    assert.equal(await login('', keys[2]!, account!.id), '✓ Key of Google AI Studio account work replaced');
    const after = await new AccountStore(ccs.paths).load();
    assert.equal(after.accounts.length, 1);
    assert.equal(String((await new AccountStore(ccs.paths).readToken(after.accounts[0]!))?.api_key), keys[2]);
    // Its key again under another name: the account is renamed, and the line says from what to what (as `login` says it).
    assert.equal(await login('home', keys[2]!), '✓ Same key again for Google AI Studio account home: already stored; its nickname changed from "work" to "home"');
  } finally {
    await studio.close();
    ccs.cleanup();
  }
});

test('U shows the URL alone as one line on a page of its own (hint bar and ? name it); the same login goes on afterwards', async () => {
  const ccs = makeTempCcs();
  const rec = recorders();
  const tui = await renderTui({paths: ccs.paths, width: 100, height: 30, route: {screen: 'login', params: {provider: 'claude'}}, services: rec.services});
  try {
    await tui.waitFor('v: paste it here');
    const frame = await tui.waitFor('U show URL');
    assert.match(frame.split('\n').at(-1)!, /U show URL/, 'the hint bar offers it');
    await tui.press('c');
    const url = rec.copied[0]!;
    await tui.press('U');
    const lines = tui.normalScreen().split('\r\n');
    assert.ok(lines.includes(url), `the URL is one line, whole:\n${tui.normalScreen()}`);
    assert.match(tui.normalScreen(), /Press Enter to return/);
    // Back (the fake terminal's Enter comes at once): the same login, the same URL.
    await tui.waitFor('v: paste it here');
    await tui.press('c');
    assert.equal(rec.copied[1], url, 'not restarted');
    await tui.press('?');
    await tui.waitFor(/U\s+Show the URL alone/);
  } finally {
    tui.unmount();
    ccs.cleanup();
  }
});

test('no URL row shares its row with the QR, at any size, device or auth code', async () => {
  const fake = await fakeCopilot();
  const ccs = makeTempCcs();
  writeFileSync(ccs.paths.settings, JSON.stringify(fake.settings));
  try {
    for (const [provider, url] of [['copilot', 'https://github.com/login/device'], ['claude', 'https://claude.ai/oauth/authorize']] as const) {
      for (const [width, height] of [[60, 20], [80, 24], [100, 30], [120, 40], [160, 45], [220, 60]] as const) {
        const tui = await renderTui({paths: ccs.paths, width, height, route: {screen: 'login', params: {provider}}, services: {...recorders().services, clock: new FakeClock()}});
        try {
          const frame = await tui.waitFor(provider === 'copilot' ? 'code expires in' : 'v: paste it here');
          const lines = frame.split('\n');
          const first = lines.findIndex((l) => l.startsWith(url));
          assert.ok(first > 0, `${provider} ${width}x${height}: the URL starts a row\n${frame}`);
          // From the URL's first row down to the row before the next text, nothing else is on those rows.
          for (let i = first; i < lines.length && /^[\w%&=.+:/?~#-]+$/.test(lines[i]!); i++) {
            assert.ok(!lines[i]!.includes('█') && !lines[i]!.includes('▀') && !lines[i]!.includes('▄'), `${provider} ${width}x${height} row ${i}: ${lines[i]}`);
          }
          const qrRow = lines.findIndex((l) => /[█▀▄]/.test(l));
          if (qrRow >= 0) assert.ok(qrRow > first, `${provider} ${width}x${height}: the QR is below the URL`);
          if (width === 220) assert.ok(qrRow >= 0, `${provider}: the QR shows on a large terminal`);
        } finally {
          tui.unmount();
        }
      }
    }
  } finally {
    await fake.server.close();
    ccs.cleanup();
  }
});

/**
 * Codex's browser login over SSH on the login screen, against oidc-provider with code exchanges
 * held back 400 ms: the login URL (copied with `c`) approved as `login`; `callback` is where the
 * browser comes back to (127.0.0.1), `redirect` what it shows in its address bar.
 */
async function codexOidcLoginScreen(login: string) {
  const {startOidcServer, oidcSettingsFor} = await import('../helpers/oidc.js');
  const {freePort} = await import('../helpers/fake-providers/server.js');
  const oidc = await startOidcServer();
  oidc.delayCodeExchangeMs = 400;
  const port = await freePort();
  const ccs = makeTempCcs();
  const o = oidcSettingsFor(oidc, 'codex') as {login: {clientIds: Record<string, string>}};
  writeFileSync(ccs.paths.settings, JSON.stringify({...o, login: {...o.login, callbackPorts: {codex: port}}}));
  const rec = recorders();
  const tui = await renderTui({paths: ccs.paths, width: 110, height: 40, env: {SSH_CONNECTION: '10.0.0.2 50000 10.0.0.1 22'}, route: {screen: 'login', params: {provider: 'codex'}}, services: {clock: new FakeClock(), ...rec.services}});
  await tui.waitFor('How do you want to log in?');
  await tui.press('k');
  await tui.waitFor('› Browser login');
  await tui.press('enter');
  await tui.waitFor('waiting for the browser to return');
  await tui.press('c');
  await tui.waitFor('copied the login URL');
  const redirect = await oidc.authorize(rec.copied.at(-1)!, login);
  const callback = new URL(redirect);
  callback.hostname = '127.0.0.1';
  const store = new AccountStore(ccs.paths);
  /** The one stored account's access token still works (a code used twice gets its grant revoked: 401). */
  const grantAlive = async () => {
    const accounts = (await store.load()).accounts;
    assert.equal(accounts.length, 1);
    return oidc.userinfo((await store.readToken(accounts[0]!))!.access_token!);
  };
  const exchanges = () => oidc.tokenCalls.filter((c) => c.grantType === 'authorization_code').length;
  return {tui, redirect, callback: callback.toString(), grantAlive, exchanges, cleanup: async () => (tui.unmount(), await oidc.close(), ccs.cleanup())};
}

test('codex over SSH: the browser comes back while the address is being pasted: the screen shows storing, the paste field goes, one exchange, the grant works', async () => {
  const c = await codexOidcLoginScreen('fay');
  try {
    await c.tui.press('v');
    await c.tui.type(c.redirect);
    const page = fetch(c.callback);
    let frame = await c.tui.waitFor('checking with the provider and storing the account');
    assert.doesNotMatch(frame, /redirect URL, code#state or code|› http/, 'no paste field once the browser\'s code is being used');
    await c.tui.press('enter');
    frame = await c.tui.waitFor('Added Codex account');
    assert.match(frame, /fay@example\.test/);
    assert.equal((await page).status, 200);
    assert.equal(c.exchanges(), 1);
    assert.equal(await c.grantAlive(), 200);
  } finally {
    await c.cleanup();
  }
});

test('codex over SSH: pasted first, then the browser comes back: the callback reaches nothing, one exchange, the screen and the stored grant agree', async () => {
  const c = await codexOidcLoginScreen('gus');
  try {
    await c.tui.press('v');
    await c.tui.type(c.redirect);
    await c.tui.press('enter');
    await c.tui.waitFor('checking with the provider and storing the account');
    await assert.rejects(fetch(c.callback), 'the loopback server closed when the paste took the login');
    const frame = await c.tui.waitFor('Added Codex account');
    assert.match(frame, /gus@example\.test/);
    assert.equal(c.exchanges(), 1);
    assert.equal(await c.grantAlive(), 200);
  } finally {
    await c.cleanup();
  }
});

test('Vertex key file: a path typed with ~ is the home dir; a missing one names the path as typed and where ~ led', async () => {
  const {startFakeGoogle} = await import('../helpers/fake-google/server.js');
  const path = await import('node:path');
  const google = await startFakeGoogle({users: {}});
  const ccs = makeTempCcs();
  const home = ccs.env.HOME!;
  writeFileSync(path.join(home, 'sa.json'), JSON.stringify(google.addServiceAccount('vertex-proj-3')), {mode: 0o600});
  const tui = await renderTui({paths: ccs.paths, width: 100, height: 30, env: {HOME: home}, route: {screen: 'login', params: {provider: 'vertex'}}});
  try {
    await tui.waitFor('Path of the service-account key file');
    await tui.type('~/nope.json');
    await tui.press('enter');
    let frame = await tui.waitFor('Enter: try again');
    assert.match(frame.replace(/\n/g, ''), new RegExp(`Login failed: ~/nope\\.json \\(${path.join(home, 'nope.json').replace(/[.]/g, '\\.')}\\): no such file`));
    await tui.press('enter');
    await tui.waitFor((f) => f.includes('Path of the service-account key file') && !f.includes('Login failed'));
    await tui.type('~/sa.json');
    await tui.press('enter');
    frame = await tui.waitFor('Added Vertex');
    assert.match(frame, /ccs-tui-test@vertex-proj-3\.iam\.gserviceaccount\.com/);
  } finally {
    tui.unmount();
    await google.close();
    ccs.cleanup();
  }
});

test('Esc while a Qwen login again is stored, and it replaces a grant: the status line and M say where the replaced grant was kept, as its screen would have', async () => {
  const {fakeQwen: qwen} = await import('../helpers/fake-providers/providers.js');
  const {grantKey, withGrantLock} = await import('../../source/store/grant-lock.js');
  const {tokenFixture} = await import('../helpers/ccs.js');
  const fake = await qwen(['ok'], undefined, {access_token: 'qwen-at-new-0123456789', refresh_token: 'qwen-rt-new-0123456789', expires_in: 21600, token_type: 'Bearer'});
  const ccs = makeTempCcs();
  const old = tokenFixture('qwen', 'work', {refresh_token: 'qwen-rt-old-0123456789', resource_url: 'old-region.qwen.example'});
  ccs.writeToken('qwen-work.json', old);
  writeFileSync(ccs.paths.settings, JSON.stringify(fake.settings));
  await new AccountStore(ccs.paths).setRefreshFailed('qwen', 'work', 'HTTP 500 from the token endpoint', 'qwen-rt-old-0123456789');
  // The grant's lock held elsewhere: the login waits in its storing step until it is let go.
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  let held!: () => void;
  const isHeld = new Promise<void>((r) => (held = r));
  const holding = withGrantLock(ccs.paths, grantKey('qwen', 'qwen-work.json', old as never), async () => {
    held();
    await gate;
  });
  await isHeld;
  const tui = await renderTui({paths: ccs.paths, width: 140, height: 40, services: recorders().services});
  try {
    await tui.waitFor('IBM Bob');
    tui.write(':qwen\r');
    await tui.waitFor(/Qwen accounts \(1\)[^]*work/);
    await tui.press('l');
    await tui.waitFor((f) => /L re-login/.test(f.split('\n').at(-1) ?? ''));
    await tui.press('L');
    await tui.waitFor('Name this account');
    await tui.type('work');
    await tui.press('enter');
    await tui.waitFor('storing the account', 20_000);
    await tui.press('escape');
    await tui.waitFor('still storing the account');
    release();
    await holding;
    const frame = await tui.waitFor(/✓ Logged in again as Qwen account work/, 20_000);
    // The status line is cut to its row; M has it whole.
    assert.match(frame, /✓ Logged in again as Qwen account work.*; the previous login of this name may have been another/);
    await tui.press('M');
    const messages = await tui.waitFor('Messages, newest first');
    assert.match(messages.replace(/[\s│]+/g, ' '), /✓ Logged in again as Qwen account work.*kept at \S*login-kept/);
  } finally {
    release();
    tui.unmount();
    await fake.server.close();
    ccs.cleanup();
  }
});

test('a login that cannot start on a broken tui.json says it failed and why, with Enter: try again; fixed, Enter starts it from the file as it is now', async () => {
  const fake = await fakeClaude();
  const ccs = makeTempCcs();
  ccs.writeRaw('tui.json', '{"endpoints": {,}');
  const tui = await renderTui({paths: ccs.paths, width: 100, height: 30, services: recorders().services});
  try {
    await claudeFromAccounts(tui);
    let frame = await tui.waitFor('✗ Login failed:');
    assert.match(frame.replace(/\s*\n\s*/g, ' '), /✗ Login failed: \S*tui\.json:1:16: invalid JSON .*no token is sent/);
    assert.match(frame.split('\n').at(-1) ?? '', /Enter try again/);
    // Before, Enter said "does nothing now: asking the provider for a login…", and only Esc, a, Enter got further.
    writeFileSync(ccs.paths.settings, JSON.stringify(fake.settings));
    await new Promise((resolve) => setTimeout(resolve, 100));
    await tui.press('enter');
    frame = await tui.waitFor('v: paste it here');
    assert.doesNotMatch(frame, /Login failed/);
  } finally {
    tui.unmount();
    await fake.server.close();
    ccs.cleanup();
  }
});
