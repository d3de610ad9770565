// Where a credential would cross the network unencrypted: a plain http:// URL to a host that is not
// this machine. One rule for remote targets' URLs, API-key base URLs and tui.json's endpoint overrides.

/** Loopback hosts: the only ones plain http:// is allowed for without an explicit opt-in. */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return host === 'localhost' || host === '::1' || /^127(\.\d{1,3}){3}$/.test(host);
}

/**
 * The host `url` would send a credential to unencrypted: its hostname when it is plain http:// to a
 * non-loopback host, else undefined (https, loopback, or not a URL at all: that is said elsewhere).
 */
export function plainHttpHost(url: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  return parsed.protocol === 'http:' && !isLoopbackHost(parsed.hostname) ? parsed.hostname : undefined;
}

/**
 * The rule for a URL a credential is sent to, in words: `optIn` is how plain http:// to another
 * host is allowed where the reader is (`--allow-insecure-http`, a tui.json setting).
 */
export const plainHttpRule = (optIn: string): string => `https://, or http:// to 127.0.0.1, localhost or ::1 (http:// to another host needs ${optIn})`;

/** How an API-key account's plain http:// base URL is worded, refused at login or shown after (`--allow-insecure-http`). */
export const apiKeyPlainHttp = (host: string, mood: 'would cross' | 'crosses'): string => `plain http:// to ${host}: the API key ${mood} the network unencrypted`;
