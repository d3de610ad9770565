// Kimi's auth server wants to know which device asks: X-Msh-* headers on every call, with a device
// id that stays the same for the account (kept in its token file as `device_id`).
import os from 'node:os';
import type {ProviderAdapter} from '../types.js';
import {baseAdapter} from './base.js';

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

const lowerCaseKeys = (headers: Record<string, string>) => Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));

export const kimiAdapter: ProviderAdapter = {
  ...baseAdapter('kimi'),
  tokenFileName: (_token, now) => `kimi-${now.getTime()}.json`,
  authHeaders: (deviceId) => (deviceId ? kimiHeaders(deviceId) : {}),
  deviceIdFile: 'kimi-device-id',
  // Kimi's clients start over with a fresh code when one expires; a few times, then give up.
  deviceCodeRestarts: 3,
  upstreamTarget(ctx) {
    const base = baseAdapter('kimi').upstreamTarget(ctx);
    const device = typeof ctx.token.device_id === 'string' && ctx.token.device_id ? ctx.token.device_id : undefined;
    return {url: base.url, headers: {...base.headers, ...(device ? lowerCaseKeys(kimiHeaders(device)) : {})}};
  },
};
