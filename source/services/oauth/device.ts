// The device-code login driver: asks for a code, then polls on the injected clock following the
// pure state machine in core/device-flow.ts. Three wire schemes: RFC 8628 (kimi, xai, qwen with
// PKCE and 429 = slow_down), GitHub's (HTTP 200 errors, `slow_down` carries the interval) and
// OpenAI's own (usercode/token endpoints, 403/404 = pending, then a code exchange).
import {withCause} from '../../core/wording.js';
import {afterPoll, cancelDeviceFlow, startDeviceFlow, type DeviceFlowState, type PollOutcome} from '../../core/device-flow.js';
import {makePkce, type Pkce} from '../../core/pkce.js';
import {UserError} from '../../core/types.js';
import {GITHUB_JSON_HEADERS} from '../../providers/adapters/copilot.js';
import {systemClock, type Clock} from '../clock.js';
import {bodyExcerpt, jsonBody, NetworkError, undiciHttpClient, UnexpectedResponseError, type HttpClient, type HttpResponse} from '../http.js';
import {authEndpoints, type AuthEndpoints} from './endpoints.js';
import {deviceFlowOf, endpoint, type DeviceFlowSpec, type ResolvedProvider} from './provider-config.js';
import {answerWords, authHeaders, notTokenResponse, OAuthError, parseTokenResponse, postToken, sendTokenRequest, type TokenResponse} from './token-endpoint.js';
import {parseJsonObject} from '../../core/json-object.js';
import {excerpt, REASON_CHARS} from '../../core/redact.js';

export interface DeviceAuthorization {
  userCode: string;
  verificationUri: string;
  verificationUriComplete?: string;
  /** Epoch ms. */
  expiresAt: number;
}

export interface DeviceFlowDeps {
  http?: HttpClient;
  clock?: Clock;
  /** Kimi's persisted device id. */
  deviceId?: string;
}

export interface DeviceFlowCallbacks {
  onAuthorization?(authorization: DeviceAuthorization, state: DeviceFlowState): void;
  onState?(state: DeviceFlowState): void;
}

/** How the flow ended when it did not end in tokens. */
export class DeviceFlowEnded extends Error {
  constructor(readonly state: DeviceFlowState) {
    super(
      state.phase === 'denied' ? withCause('access denied', state.message)
      : state.phase === 'expired' ? 'the code expired before it was approved'
      : state.phase === 'cancelled' ? 'cancelled'
      : withCause('login failed', state.message ?? 'unexpected answer'),
    );
    this.name = 'DeviceFlowEnded';
  }
}

interface Started {
  authorization: DeviceAuthorization;
  state: DeviceFlowState;
  poll: () => Promise<HttpResponse>;
  classify: (response: HttpResponse) => PollOutcome;
  /** Turns the approved poll answer into tokens (OpenAI needs one more exchange). */
  finish: (response: HttpResponse) => Promise<TokenResponse>;
}

const num = (value: unknown): number | undefined => {
  const n = typeof value === 'string' ? Number(value) : value;
  return typeof n === 'number' && Number.isFinite(n) ? n : undefined;
};
const str = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);

/** RFC 8628 / GitHub error codes to outcomes. */
function outcomeOfError(code: string, description: string | undefined, body: Record<string, unknown>): PollOutcome {
  switch (code) {
    case 'authorization_pending':
      return {kind: 'pending'};
    case 'slow_down':
      return {kind: 'slow-down', intervalSeconds: num(body.interval)};
    case 'access_denied':
      return {kind: 'denied', description};
    case 'expired_token':
      return {kind: 'expired'};
    default:
      return {kind: 'failed', message: withCause(code, description)};
  }
}

function classifyRfc(response: HttpResponse, url: string): PollOutcome {
  const body = parseJsonObject(response.text) ?? {};
  const ok = response.status >= 200 && response.status < 300;
  if (ok && str(body.access_token) && !body.error) return {kind: 'approved'};
  // Qwen says slow_down with HTTP 429 (and no body worth reading).
  if (response.status === 429) return {kind: 'slow-down'};
  if (response.status >= 500) return {kind: 'network-error', message: `server answered ${response.status}`};
  const code = str(body.error);
  // An approval without an access token (a new refresh token alone, an HTML page) was not a refusal: said as what it is.
  if (!code && ok) return {kind: 'failed', message: notTokenResponse(response, url, []).message};
  if (!code) return {kind: 'failed', message: `${new URL(url).host} answered ${response.status}: ${bodyExcerpt(response, 100)}`};
  const description = str(body.error_description);
  return outcomeOfError(code, description && excerpt(description, REASON_CHARS, answerWords(body, [])), body);
}

async function startRfcOrGithub(http: HttpClient, resolved: ResolvedProvider, flow: DeviceFlowSpec, endpoints: AuthEndpoints, deps: DeviceFlowDeps, clock: Clock, signal?: AbortSignal): Promise<Started> {
  const github = flow.scheme === 'github';
  const pkce: Pkce | undefined = flow.pkce ? makePkce() : undefined;
  const deviceUrl = endpoints.device ?? endpoint(resolved, 'device');
  const params: Record<string, string> = {client_id: resolved.clientId};
  if (resolved.row.scopes.length) params.scope = resolved.row.scopes.join(' ');
  if (pkce) Object.assign(params, {code_challenge: pkce.challenge, code_challenge_method: pkce.method});
  const headers = github ? {...GITHUB_JSON_HEADERS} : authHeaders(resolved, deps.deviceId);
  const response = await http.send({url: deviceUrl, method: 'POST', headers, body: new URLSearchParams(params), signal});
  const body = jsonBody(response, deviceUrl);
  if (response.status !== 200 || body.error) {
    const words = answerWords(body, []);
    const reason = str(body.error_description);
    throw new UnexpectedResponseError(deviceUrl, response.status, `${excerpt(str(body.error) ?? 'no device code', REASON_CHARS, words)}${reason ? `: ${excerpt(reason, REASON_CHARS, words)}` : ''}`);
  }
  const deviceCode = str(body.device_code);
  const userCode = str(body.user_code);
  const verificationUri = str(body.verification_uri) ?? str(body.verification_url);
  if (!deviceCode || !userCode || !verificationUri) {
    throw new UnexpectedResponseError(deviceUrl, response.status, 'device_code, user_code or verification_uri is missing');
  }
  const state = startDeviceFlow({intervalSeconds: num(body.interval), expiresInSeconds: num(body.expires_in)}, clock.now(), flow.defaultIntervalSeconds);
  const pollParams: Record<string, string> = {grant_type: 'urn:ietf:params:oauth:grant-type:device_code', device_code: deviceCode};
  if (pkce) pollParams.code_verifier = pkce.verifier;
  const poll = () =>
    github
      ? http.send({url: endpoints.token, method: 'POST', headers: {...GITHUB_JSON_HEADERS}, body: new URLSearchParams({...pollParams, client_id: resolved.clientId}), signal})
      : sendTokenRequest(http, resolved, {url: endpoints.token, params: pollParams, deviceId: deps.deviceId, signal});
  return {
    authorization: {userCode, verificationUri, verificationUriComplete: str(body.verification_uri_complete), expiresAt: state.expiresAt},
    state,
    poll,
    classify: (r) => classifyRfc(r, endpoints.token),
    finish: async (r) => parseTokenResponse(r, endpoints.token),
  };
}

/** OpenAI's device scheme (codex). */
async function startOpenAi(http: HttpClient, resolved: ResolvedProvider, flow: DeviceFlowSpec, endpoints: AuthEndpoints, clock: Clock, signal?: AbortSignal): Promise<Started> {
  const base = endpoint(resolved, 'device').replace(/\/+$/, '');
  const origin = new URL(base).origin;
  const usercodeUrl = `${base}/usercode`;
  const response = await http.send({url: usercodeUrl, method: 'POST', headers: {Accept: 'application/json'}, body: {client_id: resolved.clientId}, signal});
  if (response.status !== 200) throw new UnexpectedResponseError(usercodeUrl, response.status, bodyExcerpt(response));
  const body = jsonBody(response, usercodeUrl);
  const deviceAuthId = str(body.device_auth_id);
  const userCode = str(body.user_code) ?? str(body.usercode);
  if (!deviceAuthId || !userCode) throw new UnexpectedResponseError(usercodeUrl, 200, 'device_auth_id or user_code is missing');
  const state = startDeviceFlow({intervalSeconds: num(body.interval), expiresInSeconds: 15 * 60}, clock.now(), flow.defaultIntervalSeconds);
  const tokenUrl = `${base}/token`;
  return {
    authorization: {userCode, verificationUri: `${origin}/codex/device`, expiresAt: state.expiresAt},
    state,
    poll: () => http.send({url: tokenUrl, method: 'POST', headers: {Accept: 'application/json'}, body: {device_auth_id: deviceAuthId, user_code: userCode}, signal}),
    classify: (r) => {
      if (r.status === 403 || r.status === 404) return {kind: 'pending'};
      if (r.status === 429) return {kind: 'slow-down'};
      if (r.status >= 500) return {kind: 'network-error', message: `server answered ${r.status}`};
      const answer = parseJsonObject(r.text);
      if (r.status === 200 && str(answer?.authorization_code) && str(answer?.code_verifier)) return {kind: 'approved'};
      return {kind: 'failed', message: `${new URL(tokenUrl).host} answered ${r.status}: ${bodyExcerpt(r, 100)}`};
    },
    finish: async (r) => {
      const answer = parseJsonObject(r.text)!;
      return postToken(http, resolved, {
        url: endpoints.token,
        params: {
          grant_type: 'authorization_code',
          code: String(answer.authorization_code),
          redirect_uri: `${origin}/deviceauth/callback`,
          code_verifier: String(answer.code_verifier),
        },
        signal,
      });
    },
  };
}

/**
 * Runs one device-code flow to its end: tokens, or DeviceFlowEnded (denied, expired, cancelled via
 * `signal`, failed). Nothing keeps running after it settles.
 */
export async function runDeviceFlow(
  resolved: ResolvedProvider,
  deps: DeviceFlowDeps,
  callbacks: DeviceFlowCallbacks = {},
  signal?: AbortSignal,
): Promise<TokenResponse> {
  const flow = deviceFlowOf(resolved.row);
  if (!flow) throw new UserError(`${resolved.row.id} has no device-code login`, 2);
  const http = deps.http ?? undiciHttpClient;
  const clock = deps.clock ?? systemClock;
  const endpoints = await authEndpoints(http, resolved, {withDevice: true, signal});
  const started =
    flow.scheme === 'openai'
      ? await startOpenAi(http, resolved, flow, endpoints, clock, signal)
      : await startRfcOrGithub(http, resolved, flow, endpoints, deps, clock, signal);
  let state = started.state;
  callbacks.onAuthorization?.(started.authorization, state);
  while (state.phase === 'polling') {
    try {
      await clock.sleep(Math.max(0, state.nextPollAt - clock.now()), signal);
    } catch (error) {
      if (signal?.aborted) throw new DeviceFlowEnded(cancelDeviceFlow(state));
      throw error;
    }
    let response: HttpResponse | undefined;
    let outcome: PollOutcome;
    try {
      response = await started.poll();
      outcome = started.classify(response);
    } catch (error) {
      if (signal?.aborted) throw new DeviceFlowEnded(cancelDeviceFlow(state));
      if (!(error instanceof NetworkError)) throw error;
      outcome = {kind: 'network-error', message: error.reason};
    }
    state = afterPoll(state, outcome, clock.now());
    callbacks.onState?.(state);
    if (state.phase === 'approved') return started.finish(response!);
  }
  throw new DeviceFlowEnded(state);
}

export {OAuthError};
