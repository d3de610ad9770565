// The browser tab of a loopback login tells the truth: it is answered after the code exchange, with
// "Login complete" and the stored account, or "Login failed" and the cause (masked, as text); a
// login that takes longer than the hold gets "Code received — finishing in the terminal". Every
// auth-code provider goes through the same callback server and login, so each is checked.
import assert from 'node:assert/strict';
import {test} from 'node:test';
import {AccountStore} from '../../../source/store/accounts.js';
import {DEFAULT_SETTINGS, type TuiSettings} from '../../../source/store/settings.js';
import {beginAuthCodeLogin} from '../../../source/services/oauth/login.js';
import {authCodeFlowOf} from '../../../source/services/oauth/provider-config.js';
import {PROVIDERS} from '../../../source/providers/table.js';
import {makeTempCcs} from '../../helpers/ccs.js';
import {oidcSettingsFor, startOidcServer} from '../../helpers/oidc.js';
import {freePort, startFakeServer} from '../../helpers/fake-providers/server.js';
import {fakeClaude, fakeIflow, type FakeProvider} from '../../helpers/fake-providers/providers.js';

const AUTH_CODE_PROVIDERS = PROVIDERS.filter((row) => authCodeFlowOf(row)).map((row) => row.id);
const CODE = 'code-4f8a1c9e7b2d';

/** The text a person reads on the page: tags dropped, entities as characters. */
function pageText(html: string): string {
  return html.replace(/<[^>]*>/g, ' ').replace(/&#(\d+);/g, (_, n) => String.fromCharCode(Number(n))).replace(/\s+/g, ' ');
}

/**
 * A loopback login whose browser comes back with `CODE` (or with what `browser` makes of the
 * authorize URL: a real provider's redirect); the page as the browser got it.
 */
async function loopbackLogin(
  provider: string,
  settings: TuiSettings,
  ccsPaths: ReturnType<typeof makeTempCcs>['paths'],
  options: {callbackHoldMs?: number; browser?: (authorizeUrl: string) => Promise<string>} = {},
) {
  const port = await freePort();
  const withPort = {...settings, login: {...settings.login, callbackPorts: {[provider]: port}}};
  const login = await beginAuthCodeLogin({store: new AccountStore(ccsPaths), settings: withPort}, provider, {callbackHoldMs: options.callbackHoldMs});
  assert.equal(login.session.mode, 'loopback');
  const authorize = new URL(login.session.authorizeUrl);
  const state = authorize.searchParams.get('state')!;
  const callbackPath = new URL(login.session.redirectUri).pathname;
  const done = login.viaCallback();
  done.catch(() => undefined);
  const back = options.browser ? (await options.browser(login.session.authorizeUrl)).replace('//localhost:', '//127.0.0.1:') : `http://127.0.0.1:${port}${callbackPath}?code=${CODE}&state=${state}`;
  const page = await fetch(back);
  return {login, done, page, html: await page.text()};
}

for (const provider of AUTH_CODE_PROVIDERS) {
  test(`${provider}: a refused code exchange shows "Login failed" with the cause on the page, masked and escaped, never "Login complete"`, async () => {
    const ccs = makeTempCcs();
    const token = await startFakeServer({
      '/token': () => ({status: 400, json: {error: 'invalid_grant', error_description: `code ${CODE} <b>expired</b>`}}),
    });
    try {
      const settings: TuiSettings = {...DEFAULT_SETTINGS, endpoints: {[provider]: {authorize: `${token.url}/authorize`, token: `${token.url}/token`}}};
      const {done, page, html} = await loopbackLogin(provider, settings, ccs.paths);
      await assert.rejects(done, /refused: code code…7b2d <b>expired<\/b> \(invalid_grant\)/);
      assert.equal(token.on('/token').length, 1, 'the page was answered after the exchange');
      assert.equal(page.status, 400);
      const text = pageText(html);
      assert.match(text, /Login failed/);
      assert.doesNotMatch(text, /Login complete|storing the account/);
      assert.match(text, /127\.0\.0\.1:\d+\/token refused: code code…7b2d <b>expired<\/b> \(invalid_grant\)\. Nothing was stored; the terminal can try again\./);
      assert.ok(!html.includes(CODE), 'the code is masked');
      assert.ok(!html.includes('<b>'), 'text from the network is escaped, not markup');
      assert.deepEqual((await new AccountStore(ccs.paths).load()).accounts, []);
    } finally {
      await token.close();
      ccs.cleanup();
    }
  });
}

const FAKES: [string, () => Promise<FakeProvider>, RegExp][] = [
  ['claude', fakeClaude, /ccs-tui stored the Claude account claude-user@example\.com\./],
  ['iflow', fakeIflow, /ccs-tui stored the iFlow account 13800000000\./],
];
for (const [provider, start, stored] of FAKES) {
  test(`${provider}: a login that worked says "Login complete" and names the stored account, once it is stored`, async () => {
    const fake = await start();
    const ccs = makeTempCcs();
    try {
      const settings: TuiSettings = {...DEFAULT_SETTINGS, endpoints: fake.settings.endpoints};
      const {done, page, html} = await loopbackLogin(provider, settings, ccs.paths);
      const account = await done;
      assert.equal(page.status, 200);
      const text = pageText(html);
      assert.match(text, /Login complete/);
      assert.match(text, stored);
      assert.ok((await new AccountStore(ccs.paths).load()).accounts.some((a) => a.id === account.id), 'stored before the page said so');
    } finally {
      await fake.server.close();
      ccs.cleanup();
    }
  });
}

test('codex against a real OpenID provider: the page comes after the exchange and says "Login complete"', async () => {
  const oidc = await startOidcServer();
  const ccs = makeTempCcs();
  try {
    const settings = {...DEFAULT_SETTINGS, ...(oidcSettingsFor(oidc, 'codex') as Partial<TuiSettings>)};
    const {done, page, html} = await loopbackLogin('codex', settings, ccs.paths, {browser: (url) => oidc.authorize(url, 'page-user')});
    await done;
    assert.equal(page.status, 200);
    assert.match(pageText(html), /Login complete .*ccs-tui stored the Codex account /);
    assert.equal(oidc.tokenCalls.filter((call) => call.grantType === 'authorization_code' && call.status === 200).length, 1);
  } finally {
    await oidc.close();
    ccs.cleanup();
  }
});

test('an exchange slower than the hold: the page says the code arrived and the terminal finishes; nothing claims success', async () => {
  const ccs = makeTempCcs();
  let release: () => void = () => undefined;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const token = await startFakeServer({'/token': async () => (await gate, {status: 400, json: {error: 'invalid_grant'}})});
  try {
    const settings: TuiSettings = {...DEFAULT_SETTINGS, endpoints: {codex: {authorize: `${token.url}/authorize`, token: `${token.url}/token`}}};
    const {done, page, html} = await loopbackLogin('codex', settings, ccs.paths, {callbackHoldMs: 200});
    assert.equal(page.status, 200);
    const text = pageText(html);
    assert.match(text, /Code received — finishing in the terminal/);
    assert.doesNotMatch(text, /Login complete|Login failed/);
    release();
    await assert.rejects(done, /invalid_grant/);
  } finally {
    release();
    await token.close();
    ccs.cleanup();
  }
});
