// Errors the proxy answers itself, in the shape of the client's protocol.

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly type = 'invalid_request_error',
    readonly headers: Record<string, string> = {},
    /** The refusal in a few words for proxy.log (the message when absent); never quotes a presented key. */
    readonly reason?: string,
  ) {
    super(message);
  }
}

/**
 * The error body a client's SDK reads: Anthropic's on /v1/messages (and count_tokens), OpenAI's on
 * /v1/chat/completions and /v1/responses. routes.ts errorShapeOf picks it for a request.
 */
export type ErrorShape = 'anthropic' | 'openai';

/**
 * An error the proxy words itself (not an upstream's body passed on): what errorJson renders.
 * `type` is the error's kind in the shared words of both APIs (`invalid_request_error`,
 * `rate_limit_error`, `api_error`...); `code` a provider's own code word or number, when there is one.
 */
export interface ProxyError {
  message: string;
  type: string;
  code?: string;
}

/**
 * An error body in the client's protocol: Anthropic's `{type: "error", error: {type, message}}`, or
 * OpenAI's `{error: {message, type, param, code}}` (`param` and `code` null when there is none).
 */
export function errorJson(shape: ErrorShape, {message, type, code}: ProxyError): string {
  if (shape === 'openai') return JSON.stringify({error: {message, type, param: null, code: code ?? null}});
  return JSON.stringify({type: 'error', error: {type, message, ...(code ? {code} : {})}});
}
