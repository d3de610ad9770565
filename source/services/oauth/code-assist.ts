// Cloud Code set-up at a Google login (gemini, antigravity): loadCodeAssist names the account's
// project; an account without a tier is onboarded (onboardUser returns a long-running operation,
// polled until `done`); an account Google wants verified, or one without Cloud Code, gets a message
// saying so and nothing is stored. What the answers mean is in providers/adapters/google.ts.
import {parseJsonObject} from '../../core/json-object.js';
import {sanitizeLine} from '../../core/sanitize.js';
import {UserError} from '../../core/types.js';
import {
  codeAssistUrl,
  loadCodeAssistBody,
  onboardUserBody,
  operationUrl,
  readLoadCodeAssist,
  readOnboardOperation,
} from '../../providers/adapters/google.js';
import {systemClock, type Clock} from '../clock.js';
import {bodyExcerpt, jsonBody, UnexpectedResponseError, type HttpClient, type HttpResponse} from '../http.js';
import {endpoint, type ResolvedProvider} from './provider-config.js';

export interface CodeAssistSetup {
  projectId: string;
  tierId?: string;
}

/** Between operation polls (CLIProxyAPI waits 2 s; Gemini CLI 5 s). */
const POLL_MS = 2000;
/** How long onboarding may take before the login gives up. */
const ONBOARD_LIMIT_MS = 120_000;

/** Google's JSON error: `{error: {code, message, status}}`. */
function googleError(response: HttpResponse): string {
  const error = parseJsonObject(response.text)?.error as Record<string, unknown> | undefined;
  if (error && typeof error === 'object') return sanitizeLine([error.status, error.message].filter((p) => typeof p === 'string' && p).join(': '));
  return sanitizeLine(bodyExcerpt(response.text));
}

export async function setupCodeAssist(
  http: HttpClient,
  resolved: ResolvedProvider,
  accessToken: string,
  options: {clock?: Clock; signal?: AbortSignal} = {},
): Promise<CodeAssistSetup> {
  const clock = options.clock ?? systemClock;
  const {row} = resolved;
  const api = endpoint(resolved, 'api');
  const headers = {Authorization: `Bearer ${accessToken}`, Accept: 'application/json'};
  const call = async (url: string, body?: object): Promise<Record<string, unknown>> => {
    const response = await http.send({url, method: body ? 'POST' : 'GET', headers, body, signal: options.signal});
    if (response.status === 401 || response.status === 403) {
      throw new UserError(`${row.displayName}: this Google account has no Cloud Code access (${googleError(response)}); no account stored`);
    }
    if (response.status !== 200) throw new UnexpectedResponseError(url, response.status, googleError(response));
    return jsonBody(response, url);
  };

  const step = readLoadCodeAssist(row.id, await call(codeAssistUrl(api, 'loadCodeAssist'), loadCodeAssistBody(row.id)));
  switch (step.kind) {
    case 'project':
      return {projectId: step.projectId, tierId: step.tierId};
    case 'validation-required':
      throw new UserError(
        `${row.displayName}: Google asks you to verify this account first (${sanitizeLine(step.message)}). ` +
          `Open ${sanitizeLine(step.url)} in a browser, finish the verification, then log in again; no account stored`,
      );
    case 'no-access':
      throw new UserError(`${row.displayName}: this Google account has no Cloud Code access (${sanitizeLine(step.message)}); no account stored`);
    case 'onboard':
      break;
  }

  let op = await call(codeAssistUrl(api, 'onboardUser'), onboardUserBody(row.id, step.tierId));
  const deadline = clock.now() + ONBOARD_LIMIT_MS;
  for (;;) {
    const state = readOnboardOperation(op);
    if (state.error) throw new UserError(`${row.displayName}: onboarding to ${step.tierId} failed (${sanitizeLine(state.error)}); no account stored`);
    if (state.done) {
      if (!state.projectId) throw new UserError(`${row.displayName}: onboarding to ${step.tierId} finished without a Cloud Code project; no account stored`);
      return {projectId: state.projectId, tierId: step.tierId};
    }
    const url = typeof op.name === 'string' ? operationUrl(api, op.name) : undefined;
    if (!url) throw new UnexpectedResponseError(codeAssistUrl(api, 'onboardUser'), 200, 'onboarding is not done and names no operation to poll');
    if (clock.now() >= deadline) throw new UserError(`${row.displayName}: onboarding did not finish within ${ONBOARD_LIMIT_MS / 1000} s; try logging in again`);
    await clock.sleep(POLL_MS, options.signal);
    op = await call(url);
  }
}
