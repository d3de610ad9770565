// Claude's inference API with an OAuth token: it only accepts requests that look like Claude Code's
// (PROVIDERS.md, "Upstream APIs"): the `oauth-2025-04-20` beta, the Claude Code beta, its user agent
// and `x-app: cli`. Betas the client asked for are kept.
import {claudeHeaderWindows, isoFromInstant, numberOrNull, sortWindows, WINDOW_SECONDS} from '../../core/quota.js';
import type {QuotaWindow, QuotaWindowKind} from '../../core/types.js';
import type {ProviderAdapter, QuotaContext} from '../types.js';
import {apiBase, baseAdapter, emailPart, safePart, upstreamPath} from './base.js';
import {claudeIdentity} from './identity.js';
import {isObject, modelScope, usageWindow} from './quota-windows.js';
import {claudeNativeCredentials} from './native-credentials.js';

/** The Claude Code version the requests present themselves as. */
export const CLAUDE_CLI_VERSION = '2.1.20';

const REQUIRED_BETAS = ['claude-code-20250219', 'oauth-2025-04-20'];

/** The `anthropic-beta` list: the required betas, then what the client asked for, without repeats. */
export function claudeBetaHeader(clientBetas: string | undefined): string {
  // A client sends the same betas with every request: the last list is reused.
  if (lastBetas.asked === clientBetas) return lastBetas.header;
  const asked = (clientBetas ?? '').split(',').map((b) => b.trim()).filter(Boolean);
  const header = [...new Set([...REQUIRED_BETAS, ...asked])].join(',');
  lastBetas = {asked: clientBetas, header};
  return header;
}

let lastBetas: {asked: string | undefined; header: string} = {asked: undefined, header: REQUIRED_BETAS.join(',')};

/** OAuth tokens are accepted with the API version Claude Code sends, whatever a newer SDK asks for. */
export const CLAUDE_API_VERSION = '2023-06-01';

export function claudeRequestHeaders(accessToken: string, client: {anthropicBeta?: string}): Record<string, string> {
  return {
    authorization: `Bearer ${accessToken}`,
    'anthropic-version': CLAUDE_API_VERSION,
    'anthropic-beta': claudeBetaHeader(client.anthropicBeta),
    'user-agent': `claude-cli/${CLAUDE_CLI_VERSION} (external, cli)`,
    'x-app': 'cli',
  };
}

// ---- quota (usage endpoint) ----

export const fetchClaudeQuota = async (ctx: QuotaContext): Promise<QuotaWindow[]> => {
  const url = ctx.usageUrl();
  const body = await ctx.getJson({
    url,
    headers: {
      authorization: `Bearer ${ctx.accessToken()}`,
      'anthropic-beta': 'oauth-2025-04-20',
      // Without Claude Code's user agent the endpoint answers 429 forever.
      'user-agent': `claude-code/${CLAUDE_CLI_VERSION}`,
      accept: 'application/json',
    },
  });
  const windows = claudeUsageWindows(body, ctx.now);
  if (!windows) throw ctx.missingField(url, 'five_hour');
  return windows;
};

/** Which window a `restrictions` entry or a limit's `kind` names (`five_hour`, `session`, `seven_day`, `weekly`, …). */
function windowOfName(name: unknown): '5h' | 'weekly' | undefined {
  if (typeof name !== 'string') return undefined;
  if (/five|5h|session|hour/i.test(name)) return '5h';
  if (/seven|7d|week/i.test(name)) return 'weekly';
  return undefined;
}

/**
 * The windows of a Claude usage answer, in every shape it comes in (PROVIDERS.md "Quota sources"):
 * `five_hour` / `seven_day` / `seven_day_<model>` objects (utilization 0–100), a `limits[]` list
 * (percent 0–100, model-scoped), and a `restrictions[]` list of ratios (0–1) naming their window
 * and, optionally, a model. Any of them may be missing: an answer with only `seven_day_haiku` is
 * read as that window, and the 5-hour window is then unknown (null), not an error. Undefined when
 * the answer has no window at all.
 */
export function claudeUsageWindows(body: Record<string, unknown>, now: number): QuotaWindow[] | undefined {
  const windows = new Map<QuotaWindowKind, QuotaWindow>();
  const put = (kind: QuotaWindowKind, seconds: number, usedPct: number | null, resetsAt: unknown) =>
    windows.set(kind, usageWindow(kind, usedPct, isoFromInstant(resetsAt), seconds, now));
  const fromSlot = (kind: QuotaWindowKind, seconds: number, value: unknown) => {
    if (!isObject(value)) return;
    // `resets_at: null` while the window is unused: the reset is unknown, the use is known.
    put(kind, seconds, numberOrNull(value.utilization), value.resets_at);
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
    const fiveHour = windowOfName(limit.kind) === '5h';
    const kind: QuotaWindowKind = fiveHour ? `5h:${modelScope(scope)}` : `weekly:${modelScope(scope)}`;
    put(kind, fiveHour ? WINDOW_SECONDS['5h'] : WINDOW_SECONDS.weekly, numberOrNull(limit.percent), limit.resets_at);
  }
  // `restrictions`: ratios of the limit used (0–1), each naming its window (and maybe a model).
  for (const restriction of Array.isArray(body.restrictions) ? body.restrictions : []) {
    if (!isObject(restriction)) continue;
    const window = windowOfName(restriction.window ?? restriction.kind ?? restriction.type ?? restriction.name);
    if (!window) continue;
    const model = isObject(restriction.scope) && isObject(restriction.scope.model) ? restriction.scope.model.display_name : restriction.model;
    const kind = (typeof model === 'string' && model !== '' ? `${window}:${modelScope(model)}` : window) as QuotaWindowKind;
    const ratio = numberOrNull(restriction.ratio ?? restriction.utilization ?? restriction.used_ratio);
    put(kind, WINDOW_SECONDS[window], ratio === null ? null : ratio * 100, restriction.resets_at ?? restriction.reset_at);
  }
  if (windows.size === 0) return undefined;
  // Every account has a 5-hour window; when the answer leaves it out, its use is unknown.
  if (!windows.has('5h')) put('5h', WINDOW_SECONDS['5h'], null, null);
  return sortWindows([...windows.values()]);
}

// ---- the adapter ----

export const claudeAdapter: ProviderAdapter = {
  nativeCredentials: claudeNativeCredentials,
  ...baseAdapter('claude'),
  /** Same-email accounts in different organisations get different names. */
  tokenFileName(token) {
    const org = typeof token.organization_uuid === 'string' ? token.organization_uuid.slice(0, 8) : '';
    return `claude-${emailPart(token) || 'account'}${org ? `-${safePart(org)}` : ''}.json`;
  },
  /** The token body already names the account; the profile endpoint only confirms it. */
  async identify({row, response, getJson}) {
    let profile: Record<string, unknown> | undefined;
    try {
      if (row.endpoints.userinfo) {
        profile = await getJson(row.endpoints.userinfo, {Authorization: `Bearer ${response.access_token}`, 'anthropic-beta': 'oauth-2025-04-20'});
      }
    } catch (error) {
      if (!response.account) throw error;
    }
    return claudeIdentity(response, profile);
  },
  // Claude's token endpoint wants the state in its JSON body.
  exchangeParams: ({state}) => ({state}),
  upstreamTarget: (ctx) => ({
    url: `${apiBase(ctx)}/v1${upstreamPath(ctx.protocol, ctx.method)}?beta=true`,
    headers: claudeRequestHeaders(ctx.secret, {anthropicBeta: ctx.anthropicBeta}),
  }),
  quotaHeaderWindows: claudeHeaderWindows,
  fetchQuota: fetchClaudeQuota,
};
