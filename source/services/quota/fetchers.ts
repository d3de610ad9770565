// One quota reader per provider (PROVIDERS.md, "Quota sources"). Each sends the request the real
// endpoint needs and turns the answer into QuotaWindows; unknown numbers stay null.
import {clampPct, isoFromInstant, kindForWindowSeconds, numberOrNull, sortWindows, WINDOW_SECONDS} from '../../core/quota.js';
import type {Account, QuotaWindow, QuotaWindowKind, TokenFile} from '../../core/types.js';
import {CLAUDE_CLI_VERSION} from '../../providers/adapters/claude.js';
import {codexRequestHeaders} from '../../providers/adapters/codex.js';
import {GITHUB_JSON_HEADERS} from '../../providers/adapters/copilot.js';
import {kimiHeaders} from '../../providers/adapters/kimi.js';
import type {ProviderRow, QuotaSource} from '../../providers/table.js';
import {jsonBody, UnexpectedResponseError, type HttpClient, type HttpRequest} from '../http.js';
import {classifyStatus, missingField, QuotaFetchError} from './errors.js';

export interface QuotaFetchContext {
  http: HttpClient;
  /** Provider row with the user's endpoint overrides applied. */
  row: ProviderRow;
  account: Account;
  token: TokenFile;
  now: number;
  /** Aborts the request (the TUI quits while a fetch is running). */
  signal?: AbortSignal;
}

export type QuotaFetcher = (ctx: QuotaFetchContext) => Promise<QuotaWindow[]>;

type Json = Record<string, unknown>;
const SOURCE = 'usage-endpoint';
const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

function usageUrl(ctx: QuotaFetchContext): string {
  const url = ctx.row.endpoints.usage;
  if (!url) throw new QuotaFetchError('unexpected', `${ctx.row.id} has no usage endpoint`);
  return url;
}

function accessToken(ctx: QuotaFetchContext): string {
  const token = ctx.token.access_token;
  if (typeof token !== 'string' || token === '') {
    throw new QuotaFetchError('needs-login', `${ctx.account.tokenFile}: field "access_token" is missing; log in again`);
  }
  return token;
}

/** Sends the request and returns the JSON body, or throws the classified failure. */
async function getJson(ctx: QuotaFetchContext, req: HttpRequest): Promise<Json> {
  const response = await ctx.http.send({timeoutMs: 20_000, signal: ctx.signal, ...req});
  const failure = classifyStatus(response, req.url, ctx.now);
  if (failure) throw failure;
  try {
    return jsonBody(response, req.url);
  } catch (error) {
    if (error instanceof UnexpectedResponseError) throw new QuotaFetchError('unexpected', error.message);
    throw error;
  }
}

function window(kind: QuotaWindowKind, usedPct: number | null, resetsAt: string | null, windowSeconds: number | null, now: number): QuotaWindow {
  return {kind, usedPct: usedPct === null ? null : clampPct(usedPct), resetsAt, windowSeconds, source: SOURCE, observedAt: new Date(now).toISOString()};
}

/** `Claude Sonnet 4.5` → `sonnet-4.5`; `seven_day_opus` → `opus`. */
function modelScope(name: string): string {
  return name.toLowerCase().replace(/^claude[\s_-]*/, '').trim().replace(/[\s_]+/g, '-');
}

// ---------------------------------------------------------------------------------------------

export const fetchClaudeQuota: QuotaFetcher = async (ctx) => {
  const url = usageUrl(ctx);
  const body = await getJson(ctx, {
    url,
    headers: {
      authorization: `Bearer ${accessToken(ctx)}`,
      'anthropic-beta': 'oauth-2025-04-20',
      // Without Claude Code's user agent the endpoint answers 429 forever.
      'user-agent': `claude-code/${CLAUDE_CLI_VERSION}`,
      accept: 'application/json',
    },
  });
  if (!('five_hour' in body) && !('seven_day' in body)) throw missingField(url, 'five_hour');
  const windows = new Map<QuotaWindowKind, QuotaWindow>();
  const fromSlot = (kind: QuotaWindowKind, seconds: number, value: unknown) => {
    if (!isObject(value)) return;
    // `resets_at: null` while the window is unused: the reset is unknown, the use is known.
    windows.set(kind, window(kind, numberOrNull(value.utilization), isoFromInstant(value.resets_at), seconds, ctx.now));
  };
  fromSlot('5h', WINDOW_SECONDS['5h'], body.five_hour);
  fromSlot('weekly', WINDOW_SECONDS.weekly, body.seven_day);
  for (const [key, value] of Object.entries(body)) {
    const match = /^seven_day_(.+)$/.exec(key);
    if (match && !['oauth_apps', 'cowork'].includes(match[1]!)) fromSlot(`weekly:${modelScope(match[1]!)}`, WINDOW_SECONDS.weekly, value);
  }
  // Newer answers list model-scoped limits; they win over the `seven_day_<model>` fields.
  for (const limit of Array.isArray(body.limits) ? body.limits : []) {
    if (!isObject(limit)) continue;
    const scope = isObject(limit.scope) && isObject(limit.scope.model) ? limit.scope.model.display_name : undefined;
    if (typeof scope !== 'string' || scope === '') continue;
    const fiveHour = typeof limit.kind === 'string' && /five|5h|session/i.test(limit.kind);
    const kind: QuotaWindowKind = fiveHour ? `5h:${modelScope(scope)}` : `weekly:${modelScope(scope)}`;
    const seconds = fiveHour ? WINDOW_SECONDS['5h'] : WINDOW_SECONDS.weekly;
    windows.set(kind, window(kind, numberOrNull(limit.percent), isoFromInstant(limit.resets_at), seconds, ctx.now));
  }
  return sortWindows([...windows.values()]);
};

// ---------------------------------------------------------------------------------------------

function codexWindow(value: unknown, now: number, scope?: string): QuotaWindow | undefined {
  if (!isObject(value)) return undefined;
  const seconds = numberOrNull(value.limit_window_seconds);
  // Classified by length, never by slot: weekly-only plans send the week as `primary_window`.
  const base = kindForWindowSeconds(seconds);
  if (!base) return undefined;
  const kind = (scope ? `${base === '5h' ? '5h' : 'weekly'}:${scope}` : base) as QuotaWindowKind;
  if (scope && base === '30d') return undefined;
  const after = numberOrNull(value.reset_after_seconds);
  const resetsAt = isoFromInstant(value.reset_at) ?? (after === null ? null : new Date(now + after * 1000).toISOString());
  return window(kind, numberOrNull(value.used_percent), resetsAt, seconds, now);
}

export const fetchCodexQuota: QuotaFetcher = async (ctx) => {
  const url = usageUrl(ctx);
  const accountId = typeof ctx.token.account_id === 'string' ? ctx.token.account_id : undefined;
  const body = await getJson(ctx, {url, headers: {...codexRequestHeaders(accessToken(ctx), accountId), accept: 'application/json'}});
  if (!isObject(body.rate_limit)) throw missingField(url, 'rate_limit');
  const windows: QuotaWindow[] = [];
  for (const slot of ['primary_window', 'secondary_window']) {
    const w = codexWindow(body.rate_limit[slot], ctx.now);
    if (w) windows.push(w);
  }
  for (const extra of Array.isArray(body.additional_rate_limits) ? body.additional_rate_limits : []) {
    if (!isObject(extra) || !isObject(extra.rate_limit)) continue;
    const name = typeof extra.limit_name === 'string' ? extra.limit_name : typeof extra.metered_feature === 'string' ? extra.metered_feature : undefined;
    if (!name) continue;
    for (const slot of ['primary_window', 'secondary_window']) {
      const w = codexWindow(extra.rate_limit[slot], ctx.now, modelScope(name));
      if (w) windows.push(w);
    }
  }
  return sortWindows(windows);
};

// ---------------------------------------------------------------------------------------------

function googleProject(ctx: QuotaFetchContext): string | undefined {
  const project = ctx.token.project_id ?? ctx.account.projectId;
  return typeof project === 'string' && project !== '' ? project : undefined;
}

/** Antigravity and Gemini read quota the same way: a POST naming the account's Google project, if any. */
async function postGoogleUsage(ctx: QuotaFetchContext): Promise<{url: string; body: Json}> {
  const url = usageUrl(ctx);
  const project = googleProject(ctx);
  const body = await getJson(ctx, {
    url,
    method: 'POST',
    headers: {authorization: `Bearer ${accessToken(ctx)}`, accept: 'application/json'},
    body: project ? {project} : {},
  });
  return {url, body};
}

/** `remainingFraction` 0..1 → used %; a missing fraction is unknown (never 100 % left). */
function usedFromRemaining(value: unknown): number | null {
  const remaining = numberOrNull(value);
  return remaining === null ? null : (1 - remaining) * 100;
}

export const fetchAntigravityQuota: QuotaFetcher = async (ctx) => {
  const {url, body} = await postGoogleUsage(ctx);
  if (!Array.isArray(body.groups)) throw missingField(url, 'groups');
  const windows = new Map<QuotaWindowKind, QuotaWindow>();
  for (const group of body.groups) {
    for (const bucket of isObject(group) && Array.isArray(group.buckets) ? group.buckets : []) {
      if (!isObject(bucket) || typeof bucket.bucketId !== 'string') continue;
      const match = /^(.+)-(5h|weekly)$/.exec(bucket.bucketId);
      if (!match) continue;
      const [, family, length] = match as unknown as [string, string, '5h' | 'weekly'];
      // Gemini models are the account's main windows; other families (third-party models) are scoped.
      const kind = (family === 'gemini' ? length : `${length}:${family}`) as QuotaWindowKind;
      windows.set(kind, window(kind, usedFromRemaining(bucket.remainingFraction), isoFromInstant(bucket.resetTime), WINDOW_SECONDS[length], ctx.now));
    }
  }
  return sortWindows([...windows.values()]);
};

const DAY_SECONDS = 86_400;

export const fetchGeminiQuota: QuotaFetcher = async (ctx) => {
  const {url, body} = await postGoogleUsage(ctx);
  if (!Array.isArray(body.buckets)) throw missingField(url, 'buckets');
  const windows = new Map<QuotaWindowKind, QuotaWindow>();
  for (const bucket of body.buckets) {
    if (!isObject(bucket) || typeof bucket.modelId !== 'string') continue;
    const kind: QuotaWindowKind = `daily:${bucket.modelId}`;
    const next = window(kind, usedFromRemaining(bucket.remainingFraction), isoFromInstant(bucket.resetTime), DAY_SECONDS, ctx.now);
    // Several buckets per model (requests, tokens): the fuller one binds.
    const previous = windows.get(kind);
    if (!previous || (next.usedPct ?? -1) > (previous.usedPct ?? -1)) windows.set(kind, next);
  }
  return sortWindows([...windows.values()]);
};

// ---------------------------------------------------------------------------------------------

const TIME_UNIT_SECONDS: Record<string, number> = {SECOND: 1, MINUTE: 60, HOUR: 3600, DAY: 86_400};

/** Kimi's `{limit, used, remaining}` (numbers as strings) → used %. */
function kimiUsedPct(detail: Json): number | null {
  const limit = numberOrNull(detail.limit);
  if (limit === null || limit <= 0) return null;
  const used = numberOrNull(detail.used);
  const remaining = numberOrNull(detail.remaining);
  if (used !== null) return (used / limit) * 100;
  if (remaining !== null) return ((limit - remaining) / limit) * 100;
  return null;
}

export const fetchKimiQuota: QuotaFetcher = async (ctx) => {
  const url = usageUrl(ctx);
  const deviceId = typeof ctx.token.device_id === 'string' ? ctx.token.device_id : undefined;
  const body = await getJson(ctx, {
    url,
    headers: {authorization: `Bearer ${accessToken(ctx)}`, accept: 'application/json', ...(deviceId ? kimiHeaders(deviceId) : {})},
  });
  if (!isObject(body.usage)) throw missingField(url, 'usage');
  const windows: QuotaWindow[] = [
    window('weekly', kimiUsedPct(body.usage), isoFromInstant(body.usage.resetTime ?? body.usage.reset_time), WINDOW_SECONDS.weekly, ctx.now),
  ];
  for (const limit of Array.isArray(body.limits) ? body.limits : []) {
    if (!isObject(limit) || !isObject(limit.window) || !isObject(limit.detail)) continue;
    const duration = numberOrNull(limit.window.duration);
    const unit = String(limit.window.timeUnit ?? 'MINUTE').toUpperCase().replace(/^TIME_UNIT_/, '').replace(/S$/, '');
    const seconds = duration === null ? null : duration * (TIME_UNIT_SECONDS[unit] ?? 60);
    const kind = kindForWindowSeconds(seconds);
    if (!kind || kind === 'weekly') continue;
    windows.push(window(kind, kimiUsedPct(limit.detail), isoFromInstant(limit.detail.resetTime ?? limit.detail.reset_time), seconds, ctx.now));
  }
  return sortWindows(windows);
};

// ---------------------------------------------------------------------------------------------

/** Length of the monthly window that ends at `resetAt` (same day of the previous month to then). */
function monthSecondsBefore(resetAt: string): number | null {
  const end = Date.parse(resetAt);
  if (Number.isNaN(end)) return null;
  const start = new Date(end);
  start.setUTCMonth(start.getUTCMonth() - 1);
  return Math.round((end - start.getTime()) / 1000);
}

export const fetchCopilotQuota: QuotaFetcher = async (ctx) => {
  const url = usageUrl(ctx);
  // The GitHub OAuth token (not the short-lived Copilot API token) reads the user's quota.
  const body = await getJson(ctx, {url, headers: {...GITHUB_JSON_HEADERS, authorization: `token ${accessToken(ctx)}`}});
  if (!isObject(body.quota_snapshots)) throw missingField(url, 'quota_snapshots');
  const premium = body.quota_snapshots.premium_interactions;
  if (!isObject(premium)) throw missingField(url, 'quota_snapshots.premium_interactions');
  const resetsAt = isoFromInstant(body.quota_reset_date_utc ?? body.quota_reset_date);
  const percentRemaining = numberOrNull(premium.percent_remaining);
  const entitlement = numberOrNull(premium.entitlement);
  const remaining = numberOrNull(premium.remaining);
  const usedPct =
    premium.unlimited === true ? 0
    : percentRemaining !== null ? 100 - percentRemaining
    : entitlement !== null && entitlement > 0 && remaining !== null ? ((entitlement - remaining) / entitlement) * 100
    : null;
  return [window('monthly', usedPct, resetsAt, resetsAt ? monthSecondsBefore(resetsAt) : null, ctx.now)];
};

export const QUOTA_FETCHERS: Record<QuotaSource, QuotaFetcher> = {
  claude: fetchClaudeQuota,
  codex: fetchCodexQuota,
  antigravity: fetchAntigravityQuota,
  gemini: fetchGeminiQuota,
  kimi: fetchKimiQuota,
  copilot: fetchCopilotQuota,
};
