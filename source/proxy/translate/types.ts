// The contract between the proxy's request path and the protocol translators. One translator per
// (client protocol, upstream protocol) pair, as CLIProxyAPI keeps one package per pair: it plans the
// upstream request, turns the upstream's stream or body into the client's, and maps errors.
// Same-protocol traffic never comes here: the proxy passes it through byte for byte.
import type {Redactor} from '../../core/redact.js';
import type {ApiProtocol} from '../../providers/table.js';
import type {ErrorEvent} from './events.js';

export type {ApiProtocol};

export interface TranslateContext {
  /** The model id the client asked for; reported back to it (e.g. Anthropic `message_start.model`). */
  clientModel: string;
  /** The model id sent upstream, after aliases and the provider's normalisation. */
  upstreamModel: string;
  /** Whether the client asked for a stream. */
  clientStream: boolean;
  /** Cloud Code project for `gemini-internal` upstreams (the token file's `project_id`; native Gemini names it in the URL). */
  project?: string;
  /** The proxy's estimate of the request's input tokens (estimate-tokens.ts), reported until the upstream reports its own. */
  estimatedInputTokens?: number;
  /** Every account credential, masked in a stream's runs of deltas however the upstream split them (pipe.ts pipeStream). */
  redactor?: Redactor;
}

export interface UpstreamRequestPlan {
  /** JSON body sent upstream. */
  body: Record<string, unknown>;
  /** Whether the upstream is asked to stream (codex's backend: always). */
  upstreamStream: boolean;
  /**
   * What the upstream is asked to do, where the URL depends on it (Gemini's
   * `v1internal:generateContent` / `streamGenerateContent?alt=sse` / `countTokens`).
   */
  method: 'generate' | 'stream' | 'count-tokens';
}

/** Per-request state: upstream SSE bytes in, client bytes out. Bytes may arrive split anywhere. */
export interface StreamTranslator {
  /** Feeds raw upstream bytes; returns the client bytes to write now ('' when none). */
  push(chunk: string): string;
  /** The upstream ended; returns the client's closing bytes (usage and stop events included). */
  end(): string;
  /**
   * The upstream answered the stream request with a whole body (an OpenAI-compatible server that
   * ignores `stream: true`): the body read as a non-stream answer, written as the whole client stream.
   */
  whole?(body: string): string;
  /** The upstream failed mid-stream (dropped connection, error event); ends the client stream with an error event. */
  fail(message: string): string;
  /** A text or thinking run's tail that may begin a credential is held for the run's next delta (pipe.ts, mask-runs.ts TurnEventMasker.holding). */
  readonly holding?: boolean;
  /**
   * The held tail waited too long (deliver.ts HOLD_RELEASE_MS): the run ends as at a block's end
   * (what goes on after it is still masked as the rest of an echo); returns the client bytes to write now.
   */
  release?(): string;
  /**
   * True when every string a client reads from this output has been masked with the context's
   * redactor already (pipe.ts pipeStream): the caller need not mask the bytes again.
   */
  readonly masked?: boolean;
  /**
   * The upstream has said its answer is over (its reader's `answered`): the caller ends the client's
   * stream with `end()` then, without waiting for an upstream that holds its connection open.
   */
  readonly answered?: boolean;
  /**
   * The error the turn ended with (its reader's `failure`): the upstream's error event, or an event
   * cut or garbled; its `errorType` is the upstream's code word when it gave one (`rate_limit_error`,
   * `RESOURCE_EXHAUSTED`), its `detail` the upstream's error object (the wait it names).
   */
  readonly failure?: ErrorEvent;
  /**
   * The answer itself has begun: the reader gave an event past the message's start and usage (a
   * text, a call, a stop). Until then an error is the account's failure, and nothing need be sent
   * (deliver.ts holds the head and the start's bytes for at most HEAD_HOLD_MS).
   */
  readonly begun?: boolean;
}

export interface TranslatedError {
  status: number;
  body: Record<string, unknown>;
}

/**
 * Follows an upstream's stream as it arrives to tell when the upstream has said its answer is over
 * (a TurnReader: readers/sse-reader.ts `answered`): a non-stream client is answered then, without
 * waiting for an end an upstream that holds the stream open may never send.
 */
export interface AnswerWatch {
  push(chunk: string): unknown;
  readonly answered: boolean;
}

export interface PairTranslator {
  readonly client: ApiProtocol;
  readonly upstream: ApiProtocol;
  /** Client request body → upstream request. Throws `TranslateError` for input it cannot carry. */
  request(clientBody: Record<string, unknown>, context: TranslateContext): UpstreamRequestPlan;
  /** For streaming clients. */
  stream(context: TranslateContext): StreamTranslator;
  /**
   * For non-streaming clients: the upstream's whole body as text (its JSON, or the collected SSE text
   * when the upstream had to stream) → the client's JSON body.
   */
  response(upstreamBody: string, context: TranslateContext): Record<string, unknown>;
  /** A fresh watch over the upstream's stream, for reading a non-stream client's answer (none: read to the end). */
  answerWatch?(): AnswerWatch;
  /** An upstream error answered before the first byte → the client protocol's status and error body. */
  error(status: number, upstreamBody: string): TranslatedError;
  /**
   * Anthropic `count_tokens`: the upstream request that counts (Gemini's `countTokens`), or undefined
   * when the upstream has none and the proxy answers with a local estimate.
   */
  countTokens?(clientBody: Record<string, unknown>, context: TranslateContext): UpstreamRequestPlan | undefined;
  /** The upstream's count answer → `{input_tokens}`. */
  countTokensResponse?(upstreamBody: string): Record<string, unknown>;
}

/**
 * A client request the translator cannot carry to the upstream (named field, 400), or an upstream
 * failure found in its answer (upstreamFailed: its status, and the upstream's code word as `code`).
 */
export class TranslateError extends Error {
  constructor(
    message: string,
    readonly status = 400,
    readonly code?: string,
    /** The upstream's error object (TurnEvent `detail`): kept in upstreamBody, where the pool reads the wait it names. */
    readonly detail?: Record<string, unknown>,
  ) {
    super(message);
  }

  /**
   * The error as an upstream error body, for the pair's translator.error (which reads `message` and
   * `code`) and the pool's cooldown (core/pool.ts classifyUpstreamFailure: `resets_in_seconds`, `retryDelay`).
   */
  get upstreamBody(): string {
    // The detail's own `type` and `status` left out: the translators read the code word from them first (errors.ts upstreamErrorCode).
    return JSON.stringify({error: {...this.detail, type: undefined, status: undefined, message: this.message, code: this.code}});
  }
}
