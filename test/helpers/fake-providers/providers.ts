// Faithful local stand-ins (from PROVIDERS.md and the public clients) for qwen, copilot, codex's
// device scheme, claude's token endpoint and iFlow. Each returns the server and the tui.json
// overrides that point the provider at it.
import {fakeJwt, pkceMatches, startFakeServer, type FakeServer, type Reply} from './server.js';

export interface FakeProvider {
  server: FakeServer;
  settings: {endpoints: Record<string, Record<string, string>>};
}

/** Qwen: PKCE in the device request, verifier in every poll, no interval, slow_down as HTTP 429. */
export async function fakeQwen(
  script: Array<'pending' | 'slow' | 'ok'> = ['pending', 'slow', 'ok'],
  completeUrl = 'https://chat.qwen.ai/authorize?user_code=QWEN-1234&client=qwen-code',
  /** The token answer of an approved login (Qwen's carries `resource_url`; an answer without one is possible). */
  approved: Record<string, unknown> = {access_token: 'qwen-access-token-123456', refresh_token: 'qwen-refresh-token-123456', expires_in: 21600, token_type: 'Bearer', resource_url: 'portal.qwen.ai'},
): Promise<FakeProvider> {
  let challenge: string | undefined;
  let poll = 0;
  const server = await startFakeServer({
    'POST /api/v1/oauth2/device/code': (req) => {
      challenge = req.fields.code_challenge;
      if (req.fields.code_challenge_method !== 'S256' || !challenge) return {status: 400, json: {error: 'invalid_request', error_description: 'code_challenge required'}};
      return {json: {device_code: 'qwen-device-code', user_code: 'QWEN-1234', verification_uri: 'https://chat.qwen.ai/authorize', verification_uri_complete: completeUrl, expires_in: 900}};
    },
    'POST /api/v1/oauth2/token': async (req): Promise<Reply> => {
      if (!(await pkceMatches(req.fields.code_verifier, challenge))) return {status: 400, json: {error: 'invalid_grant', error_description: 'code_verifier mismatch'}};
      if (req.fields.grant_type === 'refresh_token') return {json: {access_token: 'qwen-at-2', refresh_token: 'qwen-rt-2', expires_in: 3600}};
      const step = script[Math.min(poll++, script.length - 1)];
      if (step === 'pending') return {status: 400, json: {error: 'authorization_pending'}};
      if (step === 'slow') return {status: 429, json: {error: 'slow_down'}};
      return {json: approved};
    },
  });
  return {server, settings: {endpoints: {qwen: {device: `${server.url}/api/v1/oauth2/device/code`, token: `${server.url}/api/v1/oauth2/token`}}}};
}

/** GitHub: Accept: application/json or a form answer; errors with HTTP 200; slow_down carries interval. */
export async function fakeCopilot(): Promise<FakeProvider> {
  let poll = 0;
  const server = await startFakeServer({
    'POST /login/device/code': (req) =>
      req.headers.accept !== 'application/json'
        ? {text: 'device_code=x&user_code=WDJB-MJHT'}
        : {json: {device_code: 'gh-device', user_code: 'WDJB-MJHT', verification_uri: 'https://github.com/login/device', expires_in: 899, interval: 5}},
    'POST /login/oauth/access_token': (req) => {
      if (req.headers.accept !== 'application/json') return {text: 'error=unsupported'};
      const step = poll++;
      if (step === 0) return {json: {error: 'authorization_pending', error_description: 'pending'}};
      if (step === 1) return {json: {error: 'slow_down', error_description: 'too fast', interval: 10}};
      return {json: {access_token: 'gho_githubtoken123456789', token_type: 'bearer', scope: 'read:user'}};
    },
    'GET /user': (req) => (req.headers.authorization === 'token gho_githubtoken123456789' ? {json: {login: 'octocat', email: null}} : {status: 401, json: {message: 'Bad credentials'}}),
    'GET /copilot_internal/v2/token': (req) =>
      req.headers.authorization === 'token gho_githubtoken123456789'
        ? {json: {token: `tid=copilot-api-${Date.now()};exp=1`, expires_at: Math.floor(Date.now() / 1000) + 1500, refresh_in: 1200, endpoints: {api: 'https://api.individual.githubcopilot.com'}}}
        : {status: 401, json: {message: 'Bad credentials'}},
  });
  return {
    server,
    settings: {
      endpoints: {
        copilot: {
          device: `${server.url}/login/device/code`,
          token: `${server.url}/login/oauth/access_token`,
          userinfo: `${server.url}/user`,
          discovery: `${server.url}/copilot_internal/v2/token`,
        },
      },
    },
  };
}

export const CODEX_AUTH_CLAIM = {chatgpt_account_id: 'acct-1234', chatgpt_plan_type: 'plus'};

/**
 * OpenAI's device scheme: usercode / token (403 = pending), then /oauth/token with the deviceauth callback.
 * `idToken: false`: the token answer carries no id_token (so it names no account); `interval`: the
 * poll interval the usercode answer gives (seconds, as the string OpenAI sends).
 */
export async function fakeCodex(options: {idToken?: boolean; interval?: string} = {}): Promise<FakeProvider> {
  let poll = 0;
  let server: FakeServer;
  server = await startFakeServer({
    'POST /api/accounts/deviceauth/usercode': (req) =>
      req.fields.client_id ? {json: {device_auth_id: 'dev-auth-1', user_code: 'CODX-7788', interval: options.interval ?? '5'}} : {status: 400, json: {error: 'missing client_id'}},
    'POST /api/accounts/deviceauth/token': (req) => {
      if (req.fields.device_auth_id !== 'dev-auth-1' || req.fields.user_code !== 'CODX-7788') return {status: 400, json: {error: 'bad'}};
      return poll++ < 1 ? {status: 403, json: {error: {message: 'pending'}}} : {json: {authorization_code: 'codex-auth-code', code_verifier: 'codex-verifier', code_challenge: 'x'}};
    },
    'POST /oauth/token': (req) => {
      const ok = req.fields.grant_type === 'authorization_code' && req.fields.code === 'codex-auth-code' && req.fields.code_verifier === 'codex-verifier' &&
        req.fields.redirect_uri === `${server.url}/deviceauth/callback` && req.fields.client_id === 'app_EMoamEEZ73f0CkXaXp7hrann';
      if (!ok) return {status: 400, json: {error: 'invalid_grant', error_description: JSON.stringify(req.fields)}};
      const idToken = options.idToken === false ? {} : {id_token: fakeJwt({email: 'dev@example.com', 'https://api.openai.com/auth': CODEX_AUTH_CLAIM})};
      return {json: {access_token: 'codex-access-token-1234', refresh_token: 'codex-refresh-token-1234', expires_in: 864000, ...idToken}};
    },
  });
  return {
    server,
    settings: {endpoints: {codex: {device: `${server.url}/api/accounts/deviceauth`, token: `${server.url}/oauth/token`, authorize: `${server.url}/oauth/authorize`}}},
  };
}

/** Claude: token request is JSON and carries `state`; identity in the body and the profile endpoint. */
export async function fakeClaude(options: {tokenGate?: Promise<void>} = {}): Promise<FakeProvider> {
  const server = await startFakeServer({
    // tokenGate: the code exchange answers only once it resolves (a slow token endpoint).
    'POST /v1/oauth/token': async (req) => {
      if (req.fields.grant_type !== 'refresh_token') await options.tokenGate;
      if (!String(req.headers['content-type']).includes('application/json')) return {status: 400, json: {error: 'invalid_request', error_description: 'JSON body required'}};
      if (req.fields.grant_type === 'refresh_token') return {json: {access_token: 'sk-ant-oat-2', refresh_token: 'sk-ant-ort-2', expires_in: 28800}};
      if (!req.fields.state || !req.fields.code || !req.fields.code_verifier) return {status: 400, json: {error: 'invalid_request', error_description: 'state, code and code_verifier are required'}};
      return {
        json: {
          access_token: 'sk-ant-oat01-access-123456',
          refresh_token: 'sk-ant-ort01-refresh-123456',
          expires_in: 28800,
          token_type: 'Bearer',
          account: {uuid: 'acc-uuid-1', email_address: 'claude-user@example.com'},
          organization: {uuid: 'org-uuid-12345678', name: 'Example Org'},
        },
      };
    },
    'GET /api/oauth/profile': (req) =>
      req.headers.authorization === 'Bearer sk-ant-oat01-access-123456'
        ? {json: {account: {uuid: 'acc-uuid-1', email: 'claude-user@example.com'}, organization: {uuid: 'org-uuid-12345678', name: 'Example Org', organization_type: 'claude_max'}}}
        : {status: 401, json: {error: 'unauthorized'}},
  });
  return {
    server,
    settings: {endpoints: {claude: {authorize: `${server.url}/oauth/authorize`, token: `${server.url}/v1/oauth/token`, userinfo: `${server.url}/api/oauth/profile`}}},
  };
}

export const IFLOW_SECRET = '4Z3YjXycVsQvyGF1etiNlIBB4RsqSDtW';

/** iFlow: token request with HTTP Basic (client id:secret), then the API key from getUserInfo. */
export async function fakeIflow(): Promise<FakeProvider> {
  const basic = `Basic ${Buffer.from(`10009311001:${IFLOW_SECRET}`).toString('base64')}`;
  const server = await startFakeServer({
    'POST /oauth/token': (req) =>
      req.headers.authorization !== basic
        ? {status: 401, json: {error: 'invalid_client'}}
        : {json: {access_token: 'iflow-access-123456', refresh_token: 'iflow-refresh-123456', expires_in: 172800, token_type: 'bearer'}},
    'GET /api/oauth/getUserInfo': (req) =>
      req.query.get('accessToken') === 'iflow-access-123456'
        ? {json: {success: true, data: {apiKey: 'sk-iflow-apikey-abcdef123456', email: '', phone: '13800000000'}}}
        : {json: {success: false, message: 'bad token'}},
  });
  return {
    server,
    settings: {endpoints: {iflow: {authorize: `${server.url}/oauth`, token: `${server.url}/oauth/token`, userinfo: `${server.url}/api/oauth/getUserInfo`}}},
  };
}

/**
 * An in-memory HttpClient for an RFC 8628 device flow that is never approved: a code, then
 * `authorization_pending` forever. For screenshots and screen tests that need no socket.
 */
export function pendingDeviceHttp(code = 'KQ7M-X2PD', verificationUri = 'https://www.kimi.com/code'): import('../../../source/services/http.js').HttpClient {
  return {
    async send(req) {
      if (/device/.test(req.url)) {
        return {
          status: 200,
          headers: {'content-type': 'application/json'},
          text: JSON.stringify({device_code: 'dc', user_code: code, verification_uri: verificationUri, verification_uri_complete: `${verificationUri}?user_code=${code}`, expires_in: 900, interval: 5}),
        };
      }
      return {status: 400, headers: {'content-type': 'application/json'}, text: '{"error":"authorization_pending"}'};
    },
  };
}

/**
 * An OpenAI-style API on 127.0.0.1 that knows one key (or a few): `GET <prefix>/models` answers the
 * list for `Bearer <key>` and 401 otherwise, quoting the key it got (as OpenAI's "Incorrect API key provided"
 * does), so tests see that the echo is masked. `prefix` is the path below the base URL ('' for bob's
 * base URL, '/v1beta/openai' for AI Studio's).
 */
export async function fakeKeyedApi(key: string | string[], prefix = ''): Promise<FakeServer> {
  const keys = [key].flat();
  return startFakeServer({
    [`GET ${prefix}/models`]: (req) => {
      const got = String(req.headers.authorization ?? '').replace(/^Bearer /, '');
      if (!keys.includes(got)) return {status: 401, json: {error: {message: `Incorrect API key provided: ${got}`, type: 'invalid_request_error', code: 'invalid_api_key'}}};
      return {json: {object: 'list', data: [{id: 'model-a', object: 'model'}]}};
    },
  });
}
