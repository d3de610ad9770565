// Antigravity accounts: Google OAuth like Gemini, plus the Cloud Code project that loadCodeAssist
// assigns or onboarding creates (kept as `project_id`, code-assist.ts). Two public OAuth clients are
// in circulation (the row's alternateClients): a refresh uses the one the account belongs to
// (google.ts refreshClients). Same internal API as Gemini (gemini.ts).
import {isoFromInstant, sortWindows, WINDOW_SECONDS} from '../../core/quota.js';
import type {QuotaWindow, QuotaWindowKind} from '../../core/types.js';
import type {ProviderAdapter, QuotaContext} from '../types.js';
import {baseAdapter} from './base.js';
import {googleCloudCodeIdentity} from './code-assist.js';
import {postGoogleUsage, usedFromRemaining} from './gemini.js';
import {refreshClients} from './google.js';
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
  identify: googleCloudCodeIdentity,
  refreshClients,
  fetchQuota: fetchAntigravityQuota,
};
