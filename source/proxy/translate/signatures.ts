// Thinking signatures cross the proxy tagged with the protocol of the upstream that made them, so the
// next request can tell its own from foreign ones (a signature is only valid for the service that
// issued it: Anthropic rejects Gemini's, Gemini rejects Anthropic's, Responses needs its own
// encrypted reasoning). Format: `ccs1:<upstream protocol>:<raw signature>`. Raw signatures are
// base64 (Anthropic, Gemini, Responses encrypted content), which has no `:`, so the tag is unambiguous.
import type {ApiProtocol} from './types.js';

/** What every tagged signature starts with. */
export const SIGNATURE_TAG = 'ccs1:';
const PREFIX = SIGNATURE_TAG;

/** The signature as handed to a client: tagged with the upstream that made it. */
export function tagSignature(upstream: ApiProtocol, raw: string): string {
  return `${PREFIX}${upstream}:${raw}`;
}

/** The raw signature when `tagged` was made by `upstream` through this proxy, else undefined. */
export function untagSignature(upstream: ApiProtocol, tagged: unknown): string | undefined {
  if (typeof tagged !== 'string') return undefined;
  const prefix = `${PREFIX}${upstream}:`;
  return tagged.startsWith(prefix) ? tagged.slice(prefix.length) : undefined;
}

/** Whether the signature came through this proxy (from any upstream). */
export function isTaggedSignature(value: unknown): boolean {
  return typeof value === 'string' && value.startsWith(PREFIX);
}
