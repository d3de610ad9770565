// A stand-in for the providers' usage and token endpoints on 127.0.0.1, answering like the real ones
// (each provider's JSON shape) after a realistic delay, for the stale-cache bench: the TUI polls it
// as it would poll Anthropic, OpenAI, Kimi or GitHub.
import {createServer, type Server} from 'node:http';
import type {AddressInfo} from 'node:net';

/** Usage endpoints answer in 80–400 ms (what the real ones take from a home connection). */
const MIN_DELAY_MS = 80;
const MAX_DELAY_MS = 400;

function usageBody(provider: string, now: number): unknown {
  const used = Math.floor(Math.random() * 100);
  const inHours = (h: number) => new Date(now + h * 3600_000).toISOString();
  switch (provider) {
    case 'claude':
      return {five_hour: {utilization: used, resets_at: inHours(3)}, seven_day: {utilization: (used * 3) % 100, resets_at: inHours(90)}};
    case 'codex':
      return {rate_limit: {primary_window: {used_percent: used, limit_window_seconds: 18000}, secondary_window: {used_percent: (used * 3) % 100, limit_window_seconds: 604800}}};
    case 'kimi':
      return {usage: {limit: '2000', used: String(used * 20), resetTime: inHours(90)}};
    case 'copilot':
      return {quota_reset_date_utc: inHours(300), quota_snapshots: {premium_interactions: {entitlement: 300, remaining: 300 - used * 3, percent_remaining: 100 - used, unlimited: false}}};
    default:
      return {buckets: [{modelId: 'gemini-2.5-pro', tokenType: 'REQUESTS', remainingFraction: 1 - used / 100, resetTime: inHours(10)}]};
  }
}

export interface UsageServer {
  url: string;
  /** Usage requests answered so far. */
  answered(): number;
  close(): Promise<void>;
}

export async function startUsageServer(): Promise<UsageServer> {
  let answered = 0;
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const delay = MIN_DELAY_MS + Math.random() * (MAX_DELAY_MS - MIN_DELAY_MS);
      setTimeout(() => {
        const url = req.url ?? '';
        const body = url === '/token' ? {access_token: `bench-${Date.now()}`, refresh_token: `bench-r-${Date.now()}`, expires_in: 3600, token_type: 'Bearer'} : usageBody(url.split('/')[1] ?? '', Date.now());
        if (url !== '/token') answered++;
        res.writeHead(200, {'content-type': 'application/json'});
        res.end(JSON.stringify(body));
      }, delay);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    answered: () => answered,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
