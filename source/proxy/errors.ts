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

/** An error body both SDKs understand: Anthropic's `{type: "error", error: {type, message}}` plus OpenAI's `code`. */
export function errorJson(_status: number, message: string, type: string, code?: string): string {
  return JSON.stringify({type: 'error', error: {type, message, ...(code ? {code} : {})}});
}
