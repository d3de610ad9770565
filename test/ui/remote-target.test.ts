// The TUI on a remote target (the Management API stand-in on 127.0.0.1): the same screens as on local
// files, with the server's accounts, quota, rules and logins behind them; the header names the live
// target; keys a server does not offer say why; the management key never reaches the screen.
import {renderTui, type TuiHandle} from '../helpers/ink.js';
import assert from 'node:assert/strict';
import {afterEach, beforeEach, describe, test} from 'node:test';
import {findProvider, staticModels} from '../../source/providers/table.js';
import {makeTempCcs, tokenFixture, type TempCcs} from '../helpers/ccs.js';
import {FakeClock} from '../helpers/fake-clock.js';
import type {FakeCliproxy} from '../helpers/fake-cliproxy/server.js';
import {MANAGEMENT_KEY, remoteTarget} from '../helpers/fake-cliproxy/target.js';
import {OIDC_CLIENT_ID, startOidcServer, type OidcServer} from '../helpers/oidc.js';
import {makeQuotaFixture, quotaToken, type QuotaFixture} from '../services/quota/fixture.js';

const A = tokenFixture('codex', 'a@example.com');
const B = tokenFixture('codex', 'b@example.com');
const C = tokenFixture('claude', 'c@example.com');
const SECRETS = [MANAGEMENT_KEY, ...[A, B, C].map((t) => String(t.access_token))];

const lineWith = (frame: string, text: string) => frame.split('\n').find((line) => line.includes(text)) ?? '';
const titleLine = (frame: string) => frame.split('\n')[0] ?? '';

/** Keys for the target picker: through the app's dispatcher, pressed as a person would. */
async function pickerPress(tui: TuiHandle, ...keys: string[]) {
  await tui.press(...keys);
}

/** Every frame the test saw, checked for secrets at the end. */
function assertNoSecrets(tui: TuiHandle, frames: string[]) {
  for (const frame of [...frames, tui.rawFrame()]) for (const secret of SECRETS) assert.ok(!frame.includes(secret), `a secret is on screen: ${secret.slice(0, 8)}…`);
}

describe('accounts screen on a remote target', () => {
  let ccs: TempCcs;
  let stand: FakeCliproxy;
  let tui: TuiHandle | undefined;
  const seen: string[] = [];
  beforeEach(async () => {
    ccs = makeTempCcs();
    stand = await remoteTarget(ccs);
    stand.addFile('codex-a.json', A);
    stand.addFile('codex-b.json', B, {status: 'error', statusMessage: 'refresh failed: invalid_grant'});
    stand.addFile('claude-c.json', C, {nextRetryAfter: new Date(Date.now() + 600_000).toISOString(), statusMessage: 'quota exhausted', unavailable: true});
  });
  afterEach(async () => {
    if (tui) assertNoSecrets(tui, seen);
    tui?.unmount();
    tui = undefined;
    seen.length = 0;
    await stand.close();
    ccs.cleanup();
  });

  const open = async (width = 100) => {
    tui = await renderTui({paths: ccs.paths, width, height: 30, target: 'team'});
    seen.push(await tui.waitFor('c@example.com'));
    return tui;
  };

  test('the header names the target; the server\'s accounts show status and cooldown; the detail says until when', async () => {
    const t = await open();
    const frame = t.frame();
    assert.match(titleLine(frame), /ccs-tui · Accounts · @team/);
    assert.match(lineWith(frame, 'c@example.com'), /⏳ cooldown/);
    // The pane header agrees with the row: a resting account is not "ok".
    assert.match(frame, /accounts \(1\) · 1 cooling down/);
    assert.match(frame, new RegExp(stand.url.replace(/[.]/g, '\\.')), 'the status line shows the server, not the CCS dir');
    await t.press('l', 'enter');
    const detail = await t.waitFor('(until ');
    seen.push(detail);
    // The wait left (ten minutes, less the moments the test took) and the end to the second.
    assert.match(detail, /Cooldown +(10m|9m [0-5]\ds) \(until (\d{4}-\d\d-\d\d )?\d\d:\d\d:\d\d\)/);
    assert.match(detail, /Token file +claude-c\.json on target team/);
    assert.match(detail, /cooling down until (\d{4}-\d\d-\d\d )?\d\d:\d\d:\d\d: quota exhausted/);
    await t.press('escape');
    await t.waitFor('▶ Claude accounts');
    await t.press('h', 'j');
    const codex = await t.waitFor('b@example.com');
    seen.push(codex);
    assert.match(lineWith(codex, 'b@example.com'), /! re-login/);
  });

  test('the server\'s list is re-read every 15 s: an account added elsewhere appears, an ended cooldown clears', async () => {
    const clock = new FakeClock(Date.now());
    tui = await renderTui({paths: ccs.paths, width: 100, height: 30, target: 'team', services: {clock}});
    seen.push(await tui.waitFor('c@example.com'));
    stand.addFile('claude-d.json', tokenFixture('claude', 'd@example.com'));
    await clock.advance(14_000);
    assert.doesNotMatch(tui.frame(), /d@example\.com/);
    await clock.advance(1_000);
    seen.push(await tui.waitFor('d@example.com'));
    await clock.advance(600_000);
    seen.push(await tui.waitFor((f) => !lineWith(f, 'c@example.com').includes('cooldown')));
  });

  test("the detail's cooldown counts down by the second while it is open", async () => {
    const clock = new FakeClock(Date.now());
    tui = await renderTui({paths: ccs.paths, width: 100, height: 30, target: 'team', services: {clock}});
    seen.push(await tui.waitFor('c@example.com'));
    await tui.press('l', 'enter');
    const row = (frame: string) => /Cooldown +(?:(\d+)m)? ?(?:(\d+)s)? \(until ([\d:-]+ ?[\d:]*)\)/.exec(frame);
    const seconds = (match: RegExpExecArray) => Number(match[1] ?? 0) * 60 + Number(match[2] ?? 0);
    const first = row(await tui.waitFor('(until '));
    assert.ok(first, tui.frame());
    // Five seconds on (less than the remote list's 15 s re-read): the row says five seconds less, same end.
    await clock.advance(5_000);
    const later = row(await tui.waitFor((frame) => row(frame) !== null && seconds(row(frame)!) !== seconds(first)));
    assert.equal(seconds(later!), seconds(first) - 5);
    assert.equal(later![3], first[3]);
    seen.push(tui.frame());
  });

  test('p disables and enables on the server, d removes after a yes, n sets the note', async () => {
    const t = await open();
    await t.press('j', 'l');
    await t.waitFor(/› .*a@example\.com/);
    await t.press('p');
    seen.push(await t.waitFor(/a@example\.com.*⏸ paused/));
    assert.equal(stand.files.get('codex-a.json')!.disabled, true);
    await t.press('p');
    seen.push(await t.waitFor(/a@example\.com +ok/));
    assert.equal(stand.files.get('codex-a.json')!.disabled, false);

    await t.press('n');
    await t.type('shared-a');
    await t.press('enter');
    seen.push(await t.waitFor('renamed to shared-a'));
    assert.equal(stand.files.get('codex-a.json')!.json.note, 'shared-a');

    await t.press('d');
    seen.push(await t.waitFor(/Remove codex account shared-a on target team\? This deletes its auth file on the server[^]*\[y\/N\]/));
    await t.press('y');
    seen.push(await t.waitFor('removed codex account shared-a'));
    assert.equal(stand.files.has('codex-a.json'), false);
    assert.doesNotMatch(t.frame(), /a@example\.com/);
  });

  test('use, rotate, serve and test are shown as unavailable and say why; C clears a cooldown', async () => {
    const t = await open(120);
    await t.press('l');
    const frame = await t.waitFor(/› .*c@example\.com/);
    seen.push(frame);
    assert.match(frame, /u use✕/, 'the hint bar marks use as unavailable');
    // Claude has one account here: no other to rotate to, so rotate is not offered at all (r still says why it is unavailable).
    assert.doesNotMatch(frame, /r rotate/);
    await t.press('u');
    seen.push(await t.waitFor(/error: use is not available on target team: CLIProxyAPI has no default account/));
    await t.press('s');
    seen.push(await t.waitFor(/error: serve is not available on target team: the server is the proxy/));
    await t.press('r');
    seen.push(await t.waitFor(/error: rotate is not available on target team/));
    // (the quota poller's api-call POSTs read, they change nothing)
    assert.ok(!stand.requests.some((r) => r.method !== 'GET' && r.path !== '/v0/management/api-call'), 'nothing was changed on the server');

    await t.press('C');
    seen.push(await t.waitFor('cleared the cooldown of claude c@example.com on target team'));
    const reset = stand.requests.find((r) => r.path === '/v0/management/reset-quota')!;
    assert.deepEqual(JSON.parse(reset.body), {auth_index: stand.files.get('claude-c.json')!.index});
    seen.push(await t.waitFor((f) => !lineWith(f, 'c@example.com').includes('cooldown')));
  });
});

describe('target switch', () => {
  let ccs: TempCcs;
  let stand: FakeCliproxy;
  let tui: TuiHandle | undefined;
  beforeEach(async () => {
    ccs = makeTempCcs();
    ccs.writeToken('claude-local.json', tokenFixture('claude', 'local@example.com'));
    stand = await remoteTarget(ccs);
    stand.addFile('claude-c.json', C);
  });
  afterEach(async () => {
    tui?.unmount();
    tui = undefined;
    await stand.close();
    ccs.cleanup();
  });

  test('T lists local and the targets; Enter switches (header, accounts); back to local the same way', async () => {
    tui = await renderTui({paths: ccs.paths, width: 100, height: 30});
    await tui.waitFor('local@example.com');
    assert.match(titleLine(tui.frame()), /@local/);
    await tui.press('T');
    const picker = await tui.waitFor('team');
    assert.match(picker, /Live target: local/);
    assert.match(picker, /❯ local {2}\(live\)/);
    await pickerPress(tui, 'j', 'enter');
    const remote = await tui.waitFor('c@example.com');
    assert.match(titleLine(remote), /ccs-tui · Accounts · @team/);
    assert.doesNotMatch(remote, /local@example\.com/);
    assert.match(remote, /target team: http:\/\/127\.0\.0\.1/);

    // Number keys pick in the list (they do not switch screens while the picker has the keys).
    await tui.press('T');
    await tui.waitFor('Live target: team');
    await pickerPress(tui, 'k', 'enter');
    const back = await tui.waitFor('local@example.com');
    assert.match(titleLine(back), /@local/);
    assertNoSecrets(tui, [picker, remote, back]);
  });

  test('a target that refuses the key is an error by name; the live target stays', async () => {
    ccs.writeRaw('team.key', 'wrong-key-0000\n');
    tui = await renderTui({paths: ccs.paths, width: 100, height: 30});
    await tui.waitFor('local@example.com');
    await tui.press('T');
    await tui.waitFor('team');
    await pickerPress(tui, 'j', 'enter');
    const frame = await tui.waitFor(/error: target team: the management key was refused/);
    assert.match(frame, /Live target: local/);
    assert.doesNotMatch(frame, /wrong-key-0000/);
    await tui.press('escape');
    assert.match(titleLine(await tui.waitFor('local@example.com')), /@local/);
  });
});

describe('quota, model rules and logins on a remote target', () => {
  let tui: TuiHandle | undefined;
  afterEach(() => {
    tui?.unmount();
    tui = undefined;
  });

  test('the quota screen shows the server accounts\' bars, fetched through api-call with $TOKEN$', async () => {
    const fx: QuotaFixture = await makeQuotaFixture();
    const endpoints = {claude: {usage: `${fx.upstream.url}/claude/usage`}};
    const stand = await remoteTarget(fx.ccs, {apiCallOrigins: [fx.upstream.url]}, {endpoints});
    try {
      stand.addFile('claude-user@example.com.json', quotaToken('claude', 'user@example.com'));
      const inHours = (h: number) => new Date(Date.now() + h * 3600_000).toISOString();
      fx.serve('claude', {five_hour: {utilization: 37, resets_at: inHours(3)}, seven_day: {utilization: 12, resets_at: inHours(50)}});
      tui = await renderTui({paths: fx.ccs.paths, width: 100, height: 30, target: 'team', route: {screen: 'quota', params: {}}});
      const frame = await tui.waitFor(/37%/, 10_000);
      assert.match(frame, /claude · user@example\.com/);
      assert.match(frame, /12%/);
      const call = stand.requests.find((r) => r.path === '/v0/management/api-call')!;
      assert.equal(JSON.parse(call.body).header.authorization, 'Bearer $TOKEN$');
      assert.ok(stand.requests.every((r) => !r.body.includes('at-claude-')), 'no token went to the server');
      assert.doesNotMatch(tui.rawFrame(), /at-claude-|mgmt-key/);
    } finally {
      tui?.unmount();
      tui = undefined;
      await stand.close();
      await fx.close();
    }
  });

  test('the models screen edits the server\'s rules with the live preview, and flags where the server\'s own list differs', async () => {
    const ccs = makeTempCcs();
    const claude = staticModels(findProvider('claude')!);
    const stand = await remoteTarget(ccs, {models: {claude: [...claude.filter((id) => id !== 'claude-haiku-4-5-20251001'), 'claude-server-only']}});
    try {
      stand.addFile('claude-c.json', C);
      tui = await renderTui({paths: ccs.paths, width: 120, height: 36, target: 'team', route: {screen: 'models', params: {provider: 'claude'}}});
      const frame = await tui.waitFor("Server's list for c@example.com");
      assert.match(frame, /Rules: global \(target team\)/);
      assert.match(frame, /! differs/);
      assert.match(frame, /! only the server: claude-server-only/);
      assert.match(frame, /! only ours: claude-haiku-4-5-20251001/);

      // An exclusion typed here hides the model in the preview at once, and ours matches the server's after it.
      await tui.press('a');
      await tui.type('claude-haiku-4-5*');
      await tui.press('enter');
      const edited = await tui.waitFor(/✕ claude-haiku-4-5-20251001/);
      assert.doesNotMatch(edited, /only ours:/);
      await tui.press('s');
      await tui.waitFor("saved claude rules to target team's oauth-model-alias / oauth-excluded-models");
      assert.deepEqual(stand.config.oauthExcludedModels.claude, ['claude-haiku-4-5*']);
    } finally {
      tui?.unmount();
      tui = undefined;
      await stand.close();
      ccs.cleanup();
    }
  });

  test("a save onto a server whose rules another admin changed meanwhile keeps theirs and adds ours; an edit of a rule they removed asks", async () => {
    const ccs = makeTempCcs();
    const stand = await remoteTarget(ccs);
    try {
      stand.config.oauthExcludedModels.claude = ['claude-3-*'];
      tui = await renderTui({paths: ccs.paths, width: 140, height: 36, target: 'team', route: {screen: 'models', params: {provider: 'claude'}}});
      await tui.waitFor('✕ claude-3-*');
      // Another admin adds a rule on the server while this screen has it open.
      stand.config.oauthExcludedModels.claude = ['claude-3-*', 'claude-fable*'];
      await tui.press('a');
      await tui.type('gpt-*');
      await tui.press('enter', 's');
      await tui.waitFor("saved claude rules to target team's");
      assert.deepEqual(stand.config.oauthExcludedModels.claude, ['claude-3-*', 'claude-fable*', 'gpt-*']);
      // The rule edited here was removed there: nothing is sent until the person chooses.
      await tui.waitFor('✕ claude-fable*');
      await tui.press('g', 'e', 'backspace');
      await tui.type('5*');
      await tui.press('enter');
      stand.config.oauthExcludedModels.claude = ['claude-fable*', 'gpt-*'];
      await tui.press('s');
      await tui.waitFor('exclusion "claude-3-*": changed here to "claude-3-5*", removed elsewhere. Reload, dropping your edits?');
      assert.deepEqual(stand.config.oauthExcludedModels.claude, ['claude-fable*', 'gpt-*']);
      await tui.press('s');
      await tui.waitFor("saved claude rules to target team's");
      assert.deepEqual(stand.config.oauthExcludedModels.claude, ['claude-fable*', 'gpt-*', 'claude-3-5*']);
    } finally {
      tui?.unmount();
      tui = undefined;
      await stand.close();
      ccs.cleanup();
    }
  });

  describe('logins through the server', () => {
    let oidc: OidcServer;
    let ccs: TempCcs;
    let stand: FakeCliproxy;
    const opened: string[] = [];
    beforeEach(async () => {
      oidc = await startOidcServer({deviceInterval: 1});
      ccs = makeTempCcs();
      const endpoints = {clientId: OIDC_CLIENT_ID, token: `${oidc.issuer}/token`, userinfo: `${oidc.issuer}/me`};
      stand = await remoteTarget(ccs, {oauth: {kimi: {...endpoints, device: `${oidc.issuer}/device/auth`}, anthropic: {...endpoints, authorize: `${oidc.issuer}/auth`}}});
      opened.length = 0;
    });
    afterEach(async () => {
      tui?.unmount();
      tui = undefined;
      await stand.close();
      await oidc.close();
      ccs.cleanup();
    });

    const secretsOf = () => [MANAGEMENT_KEY, ...[...stand.files.values()].flatMap((f) => [String(f.json.access_token), String(f.json.refresh_token)])];

    test('device code: the server\'s code and URL on the login screen, approved elsewhere, the account appears', async () => {
      tui = await renderTui({paths: ccs.paths, width: 120, height: 40, target: 'team', route: {screen: 'login', params: {provider: 'kimi'}}, services: {browser: {open: async (u: string) => void opened.push(u)}}});
      const frame = await tui.waitFor('and enter the code:', 10_000);
      assert.match(frame, /Kimi — add an account/);
      await tui.press('o');
      await tui.waitFor(() => opened.length > 0);
      await oidc.approveDevice(opened[0]!, 'alice');
      const done = await tui.waitFor('Added Kimi account alice@example.test', 15_000);
      assert.ok([...stand.files.values()].some((f) => f.json.email === 'alice@example.test'));
      for (const secret of secretsOf()) assert.ok(!done.includes(secret) && !tui.rawFrame().includes(secret));
    });

    test('auth code: the pasted redirect goes to the server, which exchanges the code; Esc on another login cancels it there', async () => {
      tui = await renderTui({paths: ccs.paths, width: 120, height: 40, target: 'team', route: {screen: 'login', params: {provider: 'claude'}}, services: {browser: {open: async (u: string) => void opened.push(u)}}});
      const frame = await tui.waitFor('Then paste the address it ends on', 10_000);
      assert.match(frame, /The server of target team runs this login/);
      assert.doesNotMatch(frame, /ssh -L/);
      await tui.press('o');
      await tui.waitFor(() => opened.length > 0);
      const redirect = await oidc.authorize(opened[0]!, 'bob');
      // Another login's state is said here and not posted (the server would finish that login with it).
      await tui.press('v');
      await tui.type('the-code#another-logins-state');
      await tui.press('enter');
      const refused = await tui.waitFor('the pasted state does not match this login');
      assert.match(refused, /^›\s*$/m, 'the field is open again, emptied');
      assert.ok(!stand.requests.some((r) => r.path === '/v0/management/oauth-callback'), 'nothing was posted');
      await tui.type(redirect);
      await tui.press('enter');
      await tui.waitFor('Added Claude account bob@example.test', 15_000);
      const callback = JSON.parse(stand.requests.find((r) => r.path === '/v0/management/oauth-callback')!.body);
      assert.equal(callback.provider, 'anthropic');
      assert.ok(stand.files.has('claude-bob@example.test.json'));
      for (const secret of secretsOf()) assert.ok(!tui.rawFrame().includes(secret));

      // A second login, left with Esc: the server drops the pending session.
      await tui.press('escape');
      await tui.waitFor('bob@example.test');
      tui.unmount();
      tui = await renderTui({paths: ccs.paths, width: 120, height: 40, target: 'team', route: {screen: 'login', params: {provider: 'claude'}}});
      await tui.waitFor('Then paste the address it ends on', 10_000);
      await tui.press('escape');
      await waitUntil(() => stand.requests.some((r) => r.method === 'DELETE' && r.path === '/v0/management/oauth-session'));
    });

    test('a login of an identity the server already has: done, "renewed", in the words `login --target` prints (not an error)', async () => {
      const loginAs = async (user: string) => {
        opened.length = 0;
        tui?.unmount();
        tui = await renderTui({paths: ccs.paths, width: 120, height: 40, target: 'team', route: {screen: 'login', params: {provider: 'claude'}}, services: {browser: {open: async (u: string) => void opened.push(u)}}});
        await tui.waitFor('Then paste the address it ends on', 10_000);
        await tui.press('o');
        await tui.waitFor(() => opened.length > 0);
        oidc.signOut();
        const redirect = await oidc.authorize(opened[0]!, user);
        await tui.press('v');
        await tui.type(redirect);
        await tui.press('enter');
      };
      await loginAs('bob');
      await tui!.waitFor('Added Claude account bob@example.test', 15_000);
      await loginAs('bob');
      const frame = await tui!.waitFor('✓ Claude login done on target team (an existing account was renewed)', 15_000);
      assert.doesNotMatch(frame, /✗|no new claude account/);
      assert.equal([...stand.files.values()].filter((f) => f.json.type === 'claude').length, 1);
    });
  });
});

async function waitUntil(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}
