// The neutral stream of one model turn. Each upstream protocol has a reader (upstream SSE or JSON →
// these events) and each client protocol a writer (these events → client SSE or JSON), so a pair is
// its request translator plus one reader and one writer, and no stream state machine is written twice.
// Indexes are the upstream's content positions; writers renumber for their own wire rules.

export type StopReason = 'end_turn' | 'max_tokens' | 'tool_use' | 'stop_sequence' | 'refusal' | 'pause_turn';

export interface Usage {
  inputTokens?: number;
  outputTokens?: number;
  /** Input tokens served from the prompt cache. */
  cachedInputTokens?: number;
  /** Input tokens written to the prompt cache (Anthropic). */
  cacheCreationInputTokens?: number;
  /** Output tokens spent on reasoning (OpenAI). */
  reasoningTokens?: number;
}

export type TurnEvent =
  /** The upstream's message began; `id` and `model` as the upstream said, when it did. */
  | {type: 'start'; id?: string; model?: string}
  /**
   * `json`, when the reader had it at hand (a chunk read by template, readers/chunk-template.ts), is
   * `text` as a JSON string literal, exactly what JSON.stringify(text) gives: a writer may use it.
   */
  | {type: 'text'; text: string; json?: string}
  /** Reasoning text; `signature` proves it to the upstream that made it (Anthropic signature, Gemini thoughtSignature, Responses encrypted_content). `json` as for `text`. */
  | {type: 'thinking'; text: string; json?: string}
  | {type: 'thinking-signature'; signature: string}
  | {type: 'redacted-thinking'; data: string}
  /** A tool call opens; `key` identifies it among parallel calls until `tool-call-end`. */
  | {type: 'tool-call-start'; key: string; id: string; name: string}
  | {type: 'tool-call-args'; key: string; json: string}
  | {type: 'tool-call-end'; key: string}
  | {type: 'usage'; usage: Usage}
  | {type: 'stop'; reason: StopReason; stopSequence?: string}
  /**
   * The upstream reported an error inside the stream. `detail`: its error object as it sent it (a
   * wait it names: Codex's `resets_in_seconds`, Google's `retryDelay`), for the pool's cooldown.
   */
  | {type: 'error'; message: string; errorType?: string; detail?: Record<string, unknown>};

/** The error a turn ended with (TurnReader and StreamTranslator `failure`). */
export type ErrorEvent = Extract<TurnEvent, {type: 'error'}>;

/** What a stream's error event says, as its protocol's reader reads it: message, code word, and the error object as sent. */
export interface StreamError {
  message: string;
  code?: string;
  detail?: Record<string, unknown>;
}
