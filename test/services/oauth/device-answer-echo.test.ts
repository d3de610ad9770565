// A device-flow poll answered with an error whose text quotes a credential the same answer carries:
// the login's error holds it in no form (the token is in no token file, so nothing later masks it).
import assert from 'node:assert/strict';
import {test} from 'node:test';
import {runDeviceFlow} from '../../../source/services/oauth/device.js';
import {resolveProvider} from '../../../source/services/oauth/provider-config.js';
import type {HttpClient, HttpRequest} from '../../../source/services/http.js';
import {DEFAULT_SETTINGS} from '../../../source/store/settings.js';

const CARRIED = 'at-qwen-CARRIED-0123456789abcdef';

test('a poll refused with words quoting the answer\'s own token: the error masks it', async () => {
  const http: HttpClient = {
    async send(req: HttpRequest) {
      const json = (status: number, body: unknown) => ({status, headers: {'content-type': 'application/json'}, text: JSON.stringify(body)});
      if (req.url.includes('/device/code')) return json(200, {device_code: 'dc-0123456789', user_code: 'ABCD-EFGH', verification_uri: 'http://127.0.0.1/verify', expires_in: 600, interval: 1});
      return json(400, {error: 'server_error', error_description: `token ${CARRIED} (${encodeURIComponent(`${CARRIED}/`)}) was not stored`, access_token: CARRIED});
    },
  };
  const clock = {now: () => Date.now(), sleep: async () => undefined};
  const error = (await runDeviceFlow(resolveProvider(DEFAULT_SETTINGS, 'qwen'), {http, clock} as never).then(() => undefined, (e: unknown) => e)) as Error;
  assert.ok(error, 'the login fails');
  assert.match(error.message, /server_error/);
  assert.match(error.message, /token at-q…\(redacted\)/);
  assert.ok(!error.message.includes(CARRIED) && !error.message.includes(CARRIED.slice(0, 20)), error.message);
});
