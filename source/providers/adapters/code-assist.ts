// Cloud Code set-up at a Google login (gemini, antigravity): loadCodeAssist names the account's
// project; an account without a tier is onboarded (onboardUser returns a long-running operation,
// polled until `done`); an account Google wants verified, or one without Cloud Code, gets a message
// saying so and nothing is stored. What the answers mean is in google.ts; the requests go out
// through the HTTP client and clock the login service hands the adapter (IdentifyContext).
import {excerpt, maskedLine, Redactor} from '../../core/redact.js';
import {parseJsonObject} from '../../core/json-object.js';
import {sanitizeLine} from '../../core/sanitize.js';
import {UserError} from '../../core/types.js';
import type {IdentifyContext, Identity} from '../types.js';
import {googleIdentity} from './identity.js';
import {codeAssistUrl, loadCodeAssistBody, onboardUserBody, operationUrl, readLoadCodeAssist, readOnboardOperation} from './google.js';

export interface CodeAssistSetup {
  projectId: string;
  tierId?: string;
}

/** Between operation polls (CLIProxyAPI waits 2 s; Gemini CLI 5 s). */
const POLL_MS = 2000;
/** How long onboarding may take before the login gives up. */
const ONBOARD_LIMIT_MS = 120_000;

/** Google's JSON error: `{error: {code, message, status}}`; else an excerpt of the body (the access token masked). */
function googleError(text: string, accessToken: string): string {
  const error = parseJsonObject(text)?.error as Record<string, unknown> | undefined;
  const mask = new Redactor([accessToken]);
  if (error && typeof error === 'object') return maskedLine([error.status, error.message].filter((p) => typeof p === 'string' && p).join(': '), mask);
  return excerpt(text, 200, mask);
}

export async function setupCodeAssist(ctx: IdentifyContext): Promise<CodeAssistSetup> {
  const {row} = ctx;
  const api = ctx.endpoint('api');
  const headers = {Authorization: `Bearer ${ctx.response.access_token}`, Accept: 'application/json'};
  const call = async (url: string, body?: object): Promise<Record<string, unknown>> => {
    const response = await ctx.http.send({url, method: body ? 'POST' : 'GET', headers, body, signal: ctx.signal});
    if (response.status === 401 || response.status === 403) {
      throw new UserError(`${row.displayName}: this Google account has no Cloud Code access (${googleError(response.text, String(ctx.response.access_token))}); no account stored`);
    }
    if (response.status !== 200) throw ctx.unexpected(url, response.status, googleError(response.text, String(ctx.response.access_token)));
    return ctx.json(response, url);
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
  const deadline = ctx.now() + ONBOARD_LIMIT_MS;
  for (;;) {
    const state = readOnboardOperation(op);
    if (state.error) throw new UserError(`${row.displayName}: onboarding to ${step.tierId} failed (${sanitizeLine(state.error)}); no account stored`);
    if (state.done) {
      if (!state.projectId) throw new UserError(`${row.displayName}: onboarding to ${step.tierId} finished without a Cloud Code project; no account stored`);
      return {projectId: state.projectId, tierId: step.tierId};
    }
    const url = typeof op.name === 'string' ? operationUrl(api, op.name) : undefined;
    if (!url) throw ctx.unexpected(codeAssistUrl(api, 'onboardUser'), 200, 'onboarding is not done and names no operation to poll');
    if (ctx.now() >= deadline) throw new UserError(`${row.displayName}: onboarding did not finish within ${ONBOARD_LIMIT_MS / 1000} s; try logging in again`);
    await ctx.sleep(POLL_MS);
    op = await call(url);
  }
}

/** Google's userinfo for the fresh access token. */
async function googleUserinfo(ctx: IdentifyContext): Promise<Identity> {
  return googleIdentity(await ctx.getJson(ctx.endpoint('userinfo'), {Authorization: `Bearer ${ctx.response.access_token}`}));
}

/**
 * A Google login's identity (gemini, antigravity): Google's userinfo, then the Cloud Code project.
 * The client id is recorded so a refresh uses the one this refresh token belongs to (google.ts refreshClients).
 */
export async function googleCloudCodeIdentity(ctx: IdentifyContext): Promise<Identity> {
  const identity = await googleUserinfo(ctx);
  const setup = await setupCodeAssist(ctx);
  Object.assign(identity.extras, {project_id: setup.projectId, client_id: ctx.clientId});
  identity.projectId = setup.projectId;
  identity.tier = setup.tierId;
  return identity;
}
