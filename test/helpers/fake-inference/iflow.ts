// iFlow's request signature as its API checks it (PROVIDERS.md "iFlow"): HMAC-SHA256 keyed with the
// API key over `<user-agent>:<session-id>:<x-iflow-timestamp>`, hex, in `x-iflow-signature`, with
// the iFlow CLI's client headers.
import {createHmac} from 'node:crypto';
import type {IncomingHttpHeaders} from 'node:http';

/** What is wrong with a request's iFlow signature and client headers ([] when it would be accepted). */
export function iflowSignatureProblems(headers: IncomingHttpHeaders, apiKey: string): string[] {
  const problems: string[] = [];
  const ua = String(headers['user-agent']);
  const session = String(headers['session-id'] ?? '');
  const timestamp = String(headers['x-iflow-timestamp']);
  const expected = createHmac('sha256', apiKey).update(`${ua}:${session}:${timestamp}`).digest('hex');
  if (headers['x-iflow-signature'] !== expected) problems.push(`bad signature ${String(headers['x-iflow-signature'])}`);
  if (!/^session-[0-9a-f-]{36}$/.test(session)) problems.push(`bad session id "${session}"`);
  if (ua !== 'iFlow-Cli') problems.push(`user-agent ${ua}`);
  if (headers['x-client-type'] !== 'iflow-cli' || headers['x-client-version'] !== '0.5.8') problems.push('client headers');
  if (!headers['conversation-id']) problems.push('no conversation-id');
  if (headers.authorization !== `Bearer ${apiKey}`) problems.push('authorization');
  return problems;
}
