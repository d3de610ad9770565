// Codex (ChatGPT subscription) speaks the Responses API at chatgpt.com/backend-api/codex and wants
// the ChatGPT account id and an originator the backend knows (PROVIDERS.md, "Upstream APIs").
import {nodeCrypto} from '../../core/crypto.js';
import {clampProviderWait, isoOrUndefined, MAX_QUOTA_RESET_MS} from '../../core/provider-wait.js';
import {classifyWindow, codexHeaderWindows, isoFromInstant, numberOrNull, sortWindows} from '../../core/quota.js';
import type {QuotaWindow, QuotaWindowKind} from '../../core/types.js';
import type {ProviderAdapter, QuotaContext, StreamsOnly} from '../types.js';
import {apiBase, baseAdapter, emailPart, safePart, str, upstreamPath} from './base.js';
import {codexIdentity, googleIdentity} from './identity.js';
import {isObject, modelScope, usageWindow} from './quota-windows.js';
import {codexNativeCredentials} from './native-credentials.js';

export const CODEX_ORIGINATOR = 'codex_cli_rs';

export function codexRequestHeaders(accessToken: string, accountId: string | undefined): Record<string, string> {
  return {
    authorization: `Bearer ${accessToken}`,
    originator: CODEX_ORIGINATOR,
    ...(accountId ? {'chatgpt-account-id': accountId} : {}),
  };
}

/**
 * What the codex backend gets as `instructions` when a request has none (it answers 400
 * "Instructions are required" without them): the proxy's translators and its pass-through alike.
 */
export const CODEX_DEFAULT_INSTRUCTIONS = 'You are a helpful assistant.';

/**
 * The codex backend takes only streamed requests with `store: false` and a string `instructions`
 * (PROVIDERS.md "Wire formats"; it answers 400 "Stream must be set to true", "Store must be set to
 * false", "Instructions are required"): set on any body that lacks them, as CLIProxyAPI's codex
 * executor does. Instructions the client sent are kept.
 */
export const codexStreamsOnly: StreamsOnly = {
  fields: ['stream', 'store', 'instructions'],
  require(body) {
    let changed = false;
    if (body.stream !== true) {
      body.stream = true;
      changed = true;
    }
    if (body.store !== false) {
      body.store = false;
      changed = true;
    }
    if (typeof body.instructions !== 'string') {
      body.instructions = CODEX_DEFAULT_INSTRUCTIONS;
      changed = true;
    }
    return changed;
  },
};

// ---- quota (usage endpoint) ----

function codexWindow(value: unknown, slot: 'primary' | 'secondary', now: number, scope?: string): QuotaWindow | undefined {
  if (!isObject(value)) return undefined;
  const after = numberOrNull(value.reset_after_seconds);
  const resetsAt = isoFromInstant(value.reset_at) ?? (after === null ? null : (isoOrUndefined(clampProviderWait(now, now + after * 1000, MAX_QUOTA_RESET_MS)) ?? null));
  // Classified by length, never by slot: weekly-only plans send the week as `primary_window`.
  // Without a length, by how far away the reset is; the slot only as the last resort.
  const classified = classifyWindow(numberOrNull(value.limit_window_seconds), resetsAt === null ? null : (Date.parse(resetsAt) - now) / 1000, slot);
  if (!classified) return undefined;
  const base = classified.kind;
  if (scope && base === '30d') return undefined;
  const kind = (scope ? `${base === '5h' ? '5h' : 'weekly'}:${scope}` : base) as QuotaWindowKind;
  return usageWindow(kind, numberOrNull(value.used_percent), resetsAt, classified.seconds, now);
}

export const fetchCodexQuota = async (ctx: QuotaContext): Promise<QuotaWindow[]> => {
  const url = ctx.usageUrl();
  const accountId = typeof ctx.token.account_id === 'string' ? ctx.token.account_id : undefined;
  const body = await ctx.getJson({url, headers: {...codexRequestHeaders(ctx.accessToken(), accountId), accept: 'application/json'}});
  if (!isObject(body.rate_limit)) throw ctx.missingField(url, 'rate_limit');
  const windows: QuotaWindow[] = [];
  for (const slot of ['primary', 'secondary'] as const) {
    const w = codexWindow(body.rate_limit[`${slot}_window`], slot, ctx.now);
    if (w) windows.push(w);
  }
  for (const extra of Array.isArray(body.additional_rate_limits) ? body.additional_rate_limits : []) {
    if (!isObject(extra) || !isObject(extra.rate_limit)) continue;
    const name = typeof extra.limit_name === 'string' ? extra.limit_name : typeof extra.metered_feature === 'string' ? extra.metered_feature : undefined;
    if (!name) continue;
    for (const slot of ['primary', 'secondary'] as const) {
      const w = codexWindow(extra.rate_limit[`${slot}_window`], slot, ctx.now, modelScope(name));
      if (w) windows.push(w);
    }
  }
  return sortWindows(windows);
};

export const codexAdapter: ProviderAdapter = {
  nativeCredentials: codexNativeCredentials,
  ...baseAdapter('codex'),
  /** `codex-<hash of the ChatGPT account id>-<email>[-<plan>].json`, as CLIProxyAPI names them. */
  tokenFileName(token) {
    const email = emailPart(token);
    const accountId = typeof token.account_id === 'string' ? token.account_id : email;
    const hash = nodeCrypto().createHash('sha256').update(accountId).digest('hex').slice(0, 8);
    const plan = typeof token.plan_type === 'string' ? `-${safePart(token.plan_type)}` : '';
    return `codex-${hash}-${email || 'account'}${plan}.json`;
  },
  async identify({response, getJson, userinfoUrl: userinfo}) {
    const identity = codexIdentity(response.id_token);
    const userinfoUrl = identity.email ? undefined : await userinfo();
    if (userinfoUrl) identity.email = googleIdentity(await getJson(userinfoUrl, {Authorization: `Bearer ${response.access_token}`})).email;
    return identity;
  },
  upstreamTarget: (ctx) => ({
    url: `${apiBase(ctx)}${upstreamPath(ctx.protocol, ctx.method)}`,
    headers: codexRequestHeaders(ctx.secret, str(ctx.token.account_id)),
  }),
  upstreamStreamsOnly: codexStreamsOnly,
  quotaHeaderWindows: codexHeaderWindows,
  fetchQuota: fetchCodexQuota,
};
