// Qwen OAuth tokens name the API host they are valid for (`resource_url` in the token file); the
// portal host is the fallback. Requests say they carry a Qwen OAuth token.
import type {ProviderAdapter} from '../types.js';
import {apiBase, baseAdapter, bearerHeader, trimSlash, upstreamPath} from './base.js';
import {qwenNativeCredentials} from './native-credentials.js';

export const QWEN_AUTH_TYPE_HEADER = {'x-dashscope-authtype': 'qwen-oauth'} as const;

/** `portal.qwen.ai` or `https://portal.qwen.ai` → `https://portal.qwen.ai/v1`. */
export function qwenApiBase(resourceUrl: unknown): string | undefined {
  if (typeof resourceUrl !== 'string' || resourceUrl.trim() === '') return undefined;
  const withScheme = /^https?:\/\//i.test(resourceUrl) ? resourceUrl.trim() : `https://${resourceUrl.trim()}`;
  const base = withScheme.replace(/\/+$/, '');
  return base.endsWith('/v1') ? base : `${base}/v1`;
}

export const qwenAdapter: ProviderAdapter = {
  nativeCredentials: qwenNativeCredentials,
  ...baseAdapter('qwen'),
  tokenResponseFields: (response) => (typeof response.resource_url === 'string' ? {resource_url: response.resource_url} : {}),
  grantFields: ['resource_url'],
  upstreamTarget(ctx) {
    const base = ctx.apiOverride ? apiBase(ctx) : (qwenApiBase(ctx.token.resource_url) ?? apiBase(ctx));
    return {url: `${trimSlash(base)}${upstreamPath(ctx.protocol, ctx.method)}`, headers: {...bearerHeader(ctx.secret), ...QWEN_AUTH_TYPE_HEADER}};
  },
};
