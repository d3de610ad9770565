// Errors the proxy answers itself, in a body both SDKs understand.

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly type = 'invalid_request_error',
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

/**
 * An error body in the client's protocol: Anthropic's `{type: "error", error: {type, message}}`
 * (also what an unknown route gets), or OpenAI's `{error: {message, type, param, code}}` for the
 * Chat Completions and Responses routes.
 */
export function errorJson(_status: number, message: string, type: string, code?: string, shape: 'anthropic' | 'openai' = 'anthropic'): string {
  if (shape === 'openai') return JSON.stringify({error: {message, type, param: null, code: code ?? null}});
  return JSON.stringify({type: 'error', error: {type, message, ...(code ? {code} : {})}});
}
