// A server's or a redirect's stated reason (error_description, error) that runs to pages: every
// login and refresh error shows a reason's length of it, on one line, never the page.
import assert from 'node:assert/strict';
import {test} from 'node:test';
import {REASON_CHARS} from '../../../source/core/redact.js';
import {runDeviceFlow} from '../../../source/services/oauth/device.js';
import {oauthErrorOf} from '../../../source/services/oauth/token-endpoint.js';
import {resolveProvider} from '../../../source/services/oauth/provider-config.js';
import type {HttpClient, HttpRequest} from '../../../source/services/http.js';
import {DEFAULT_SETTINGS, type TuiSettings} from '../../../source/store/settings.js';
import {startAuthCode} from '../../../source/services/oauth/auth-code.js';
import {freePort} from '../../helpers/fake-providers/server.js';
import {oidcSettingsFor, startOidcServer} from '../../helpers/oidc.js';

/** Words that run on: a page of them, with line breaks and an escape sequence inside. */
const PAGE = `The request was refused.\n${'because of this and that, '.repeat(400)}\x1b[2J and so on`;
const TAIL = 'and so on';

const json = (status: number, body: unknown) => ({status, headers: {'content-type': 'application/json'}, text: JSON.stringify(body)});

function assertCut(message: string, what: string) {
  assert.match(message, /The request was refused\. because of this and that/, what);
  assert.ok(!message.includes(TAIL), `${what}: the page is not shown whole`);
  assert.ok(message.length < REASON_CHARS * 2 + 200, `${what}: ${message.length} characters`);
  assert.ok(!/[\n\x1b]/.test(message), `${what}: one line, no escape`);
  assert.match(message, /…/, what);
}

test('a token endpoint\'s error_description, and its error code, are cut to a reason\'s length', () => {
  const described = oauthErrorOf(json(400, {error: 'invalid_grant', error_description: PAGE}), 'https://auth.example.com/oauth/token');
  assertCut(described.message, 'error_description');
  assert.equal(described.error, 'invalid_grant', 'a code of normal length is as sent');
  const nested = oauthErrorOf(json(400, {error: {type: 'invalid_request_error', message: PAGE}}), 'https://auth.example.com/oauth/token');
  assertCut(nested.message, 'error.message');
  const longCode = oauthErrorOf(json(400, {error: PAGE}), 'https://auth.example.com/oauth/token');
  assertCut(longCode.message, 'error');
});

test('a device flow refused at its start or while polling: the reason is cut', async () => {
  const clock = {now: () => Date.now(), sleep: async () => undefined};
  for (const at of ['start', 'poll'] as const) {
    const http: HttpClient = {
      async send(req: HttpRequest) {
        if (req.url.includes('/device/code')) {
          return at === 'start' ? json(400, {error: 'invalid_client', error_description: PAGE}) : json(200, {device_code: 'dc-0123456789', user_code: 'ABCD-EFGH', verification_uri: 'http://127.0.0.1/verify', expires_in: 600, interval: 1});
        }
        return json(400, {error: 'access_denied', error_description: PAGE});
      },
    };
    const error = (await runDeviceFlow(resolveProvider(DEFAULT_SETTINGS, 'qwen'), {http, clock} as never).then(() => undefined, (e: unknown) => e)) as Error;
    assert.ok(error, `${at}: the login fails`);
    assertCut(error.message, at);
  }
});

test('a login the browser\'s redirect refuses, by its callback or pasted: the reason is cut', async () => {
  const oidc = await startOidcServer();
  try {
    for (const way of ['paste', 'callback'] as const) {
      const port = await freePort();
      const o = oidcSettingsFor(oidc, 'codex') as {endpoints: TuiSettings['endpoints']; login: {clientIds: Record<string, string>}};
      const settings: TuiSettings = {...DEFAULT_SETTINGS, endpoints: o.endpoints, login: {callbackPorts: {codex: port}, clientIds: o.login.clientIds}};
      const session = await startAuthCode(resolveProvider(settings, 'codex'), settings, {});
      try {
        const authorize = new URL(session.authorizeUrl);
        const redirect = new URL(authorize.searchParams.get('redirect_uri')!);
        redirect.search = new URLSearchParams({error: 'access_denied', error_description: PAGE, state: authorize.searchParams.get('state')!}).toString();
        let message: string;
        if (way === 'paste') {
          message = (() => {
            try {
              session.codeFromPaste(redirect.href);
              return 'no error';
            } catch (error) {
              return (error as Error).message;
            }
          })();
        } else {
          const refused = session.callback().then(() => 'no error', (error: Error) => error.message);
          await fetch(redirect.href.replace('localhost', '127.0.0.1')).then((response) => response.text());
          message = await refused;
        }
        assertCut(message, way);
      } finally {
        session.close();
      }
    }
  } finally {
    await oidc.close();
  }
});
