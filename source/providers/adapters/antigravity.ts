// Antigravity accounts: Google OAuth like Gemini, plus the Cloud Code project that loadCodeAssist
// assigns (kept as `project_id`). Same internal API as Gemini (gemini.ts).
import {isoFromInstant, sortWindows, WINDOW_SECONDS} from '../../core/quota.js';
import type {QuotaWindow, QuotaWindowKind} from '../../core/types.js';
import type {ProviderAdapter, QuotaContext} from '../types.js';
import {baseAdapter} from './base.js';
import {googleUserinfo, postGoogleUsage, usedFromRemaining} from './gemini.js';
import {projectFromLoadCodeAssist} from './identity.js';
import {isObject, usageWindow} from './quota-windows.js';

// ---- quota (retrieveUserQuotaSummary) ----

export const fetchAntigravityQuota = async (ctx: QuotaContext): Promise<QuotaWindow[]> => {
  const {url, body} = await postGoogleUsage(ctx);
  if (!Array.isArray(body.groups)) throw ctx.missingField(url, 'groups');
  const windows = new Map<QuotaWindowKind, QuotaWindow>();
  for (const group of body.groups) {
    for (const bucket of isObject(group) && Array.isArray(group.buckets) ? group.buckets : []) {
      if (!isObject(bucket) || typeof bucket.bucketId !== 'string') continue;
      const match = /^(.+)-(5h|weekly)$/.exec(bucket.bucketId);
      if (!match) continue;
      const [, family, length] = match as unknown as [string, string, '5h' | 'weekly'];
      // Gemini models are the account's main windows; other families (third-party models) are scoped.
      const kind = (family === 'gemini' ? length : `${length}:${family}`) as QuotaWindowKind;
      windows.set(kind, usageWindow(kind, usedFromRemaining(bucket.remainingFraction), isoFromInstant(bucket.resetTime), WINDOW_SECONDS[length], ctx.now));
    }
  }
  return sortWindows([...windows.values()]);
};


export const antigravityAdapter: ProviderAdapter = {
  ...baseAdapter('antigravity'),
  fetchQuota: fetchAntigravityQuota,
  async identify(ctx) {
    const identity = await googleUserinfo(ctx);
    const url = ctx.endpoint('discovery');
    const load = await ctx.http.send({
      url,
      method: 'POST',
      headers: {Authorization: `Bearer ${ctx.response.access_token}`, Accept: 'application/json'},
      body: {metadata: {ideType: 'ANTIGRAVITY', platform: 'PLATFORM_UNSPECIFIED', pluginType: 'GEMINI'}},
    });
    // No project (an error answer) still stores the account, without project_id.
    const project = load.status === 200 ? projectFromLoadCodeAssist(ctx.json(load, url)) : undefined;
    if (project) {
      identity.extras.project_id = project;
      identity.projectId = project;
    }
    return identity;
  },
};
