// Kimi's auth server wants to know which device asks: X-Msh-* headers on every call, with a device
// id that stays the same for the account (kept in its token file as `device_id`).
import os from 'node:os';
import {ownValue} from '../../core/id-map.js';
import {isoFromInstant, kindForWindowSeconds, numberOrNull, sortWindows, WINDOW_SECONDS} from '../../core/quota.js';
import type {QuotaWindow} from '../../core/types.js';
import type {ProviderAdapter, QuotaContext} from '../types.js';
import {baseAdapter} from './base.js';
import {isObject, usageWindow, type Json} from './quota-windows.js';

export function kimiHeaders(deviceId: string): Record<string, string> {
  return {
    'X-Msh-Platform': 'kimi_cli',
    'X-Msh-Version': '1.0.0',
    'X-Msh-Device-Name': asciiHeader(os.hostname()),
    'X-Msh-Device-Model': asciiHeader(`${os.type()} ${os.release()} ${os.arch()}`),
    'X-Msh-Device-Id': deviceId,
  };
}

/** Header values must be visible ASCII; a hostname with other characters is folded. */
function asciiHeader(value: string): string {
  return value.replace(/[^\x20-\x7e]/g, '?').trim() || 'unknown';
}

// ---- quota (usages endpoint) ----

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

export const fetchKimiQuota = async (ctx: QuotaContext): Promise<QuotaWindow[]> => {
  const url = ctx.usageUrl();
  const deviceId = typeof ctx.token.device_id === 'string' ? ctx.token.device_id : undefined;
  const body = await ctx.getJson({
    url,
    headers: {authorization: `Bearer ${ctx.accessToken()}`, accept: 'application/json', ...(deviceId ? kimiHeaders(deviceId) : {})},
  });
  if (!isObject(body.usage)) throw ctx.missingField(url, 'usage');
  const windows: QuotaWindow[] = [
    usageWindow('weekly', kimiUsedPct(body.usage), isoFromInstant(body.usage.resetTime ?? body.usage.reset_time), WINDOW_SECONDS.weekly, ctx.now),
  ];
  for (const limit of Array.isArray(body.limits) ? body.limits : []) {
    if (!isObject(limit) || !isObject(limit.window) || !isObject(limit.detail)) continue;
    const duration = numberOrNull(limit.window.duration);
    const unit = String(limit.window.timeUnit ?? 'MINUTE').toUpperCase().replace(/^TIME_UNIT_/, '').replace(/S$/, '');
    const seconds = duration === null ? null : duration * (ownValue(TIME_UNIT_SECONDS, unit) ?? 60);
    const kind = kindForWindowSeconds(seconds);
    if (!kind || kind === 'weekly') continue;
    windows.push(usageWindow(kind, kimiUsedPct(limit.detail), isoFromInstant(limit.detail.resetTime ?? limit.detail.reset_time), seconds, ctx.now));
  }
  return sortWindows(windows);
};

const lowerCaseKeys = (headers: Record<string, string>) => Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));

export const kimiAdapter: ProviderAdapter = {
  ...baseAdapter('kimi'),
  tokenFileName: (_token, now) => `kimi-${now.getTime()}.json`,
  loginsNameNoAccount: true,
  authHeaders: (deviceId) => (deviceId ? kimiHeaders(deviceId) : {}),
  deviceIdFile: 'kimi-device-id',
  // Kimi's clients start over with a fresh code when one expires; a few times, then give up.
  deviceCodeRestarts: 3,
  fetchQuota: fetchKimiQuota,
  upstreamTarget(ctx) {
    const base = baseAdapter('kimi').upstreamTarget(ctx);
    const device = typeof ctx.token.device_id === 'string' && ctx.token.device_id ? ctx.token.device_id : undefined;
    return {url: base.url, headers: {...base.headers, ...(device ? lowerCaseKeys(kimiHeaders(device)) : {})}};
  },
};
