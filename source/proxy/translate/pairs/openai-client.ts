// What the pairs serving OpenAI clients share: the reader of their upstream feeding the Chat or
// Responses writer, and upstream errors as OpenAI error bodies. Each pair module supplies its request
// translator and upstream reader.
import type {TurnEvent} from '../events.js';
import {upstreamErrorCode, upstreamErrorMessage} from '../errors.js';
import {asNumber, field, type JsonObject} from '../json.js';
import {pipeStream, type TurnReader} from '../pipe.js';
import {requestMemo} from '../request-memo.js';
import {toolNamesFor} from '../tool-names.js';
import {TranslateError, type ApiProtocol, type PairTranslator, type TranslateContext, type TranslatedError, type UpstreamRequestPlan} from '../types.js';
import {OpenAIChatWriter, openaiError} from '../writers/openai-chat.js';
import {OpenAIResponsesWriter} from '../writers/openai-responses.js';

/** An upstream reader class: one instance per streamed request, `readBody` for a whole body. */
export interface ReaderClass {
  new (): TurnReader;
  readBody(text: string): TurnEvent[];
}

type RequestTranslator = (client: JsonObject, context: TranslateContext) => UpstreamRequestPlan;

/** OpenAI error `type` for an HTTP status (platform.openai.com "Error codes"). */
export function openaiErrorType(status: number): string {
  if (status === 401) return 'authentication_error';
  if (status === 403) return 'permission_error';
  if (status === 404) return 'not_found_error';
  if (status === 429) return 'rate_limit_error';
  if (status >= 400 && status < 500) return 'invalid_request_error';
  return 'server_error';
}

/** An upstream error answered before the first byte → the same status (so the pool fails over) with an OpenAI error body. */
export function openaiClientError(status: number, upstreamBody: string): TranslatedError {
  const httpStatus = status >= 400 && status <= 599 ? status : 502;
  return {status: httpStatus, body: openaiError(upstreamErrorMessage(status, upstreamBody), openaiErrorType(httpStatus), upstreamErrorCode(upstreamBody) ?? null)};
}

/** The translator for an OpenAI Chat Completions client on `upstream`. */
export function chatClientPair(upstream: ApiProtocol, request: RequestTranslator, Reader: ReaderClass): PairTranslator {
  const writerOptions = (context: TranslateContext) => ({model: context.clientModel, upstream, names: toolNamesFor(context), includeUsage: requestMemo(context).includeUsage, estimatedInputTokens: context.estimatedInputTokens});
  return {
    client: 'openai-chat',
    upstream,
    request(client, context) {
      // The readers follow one answer; none of these upstreams returns several per request.
      if ((asNumber(client.n) ?? 1) !== 1) throw new TranslateError(`n: ${upstream} answers with one choice per request; send n = 1 (or leave it out)`);
      requestMemo(context).includeUsage = field(client.stream_options, 'include_usage') === true;
      return request(client, context);
    },
    stream: (context) => pipeStream(new Reader(), new OpenAIChatWriter(writerOptions(context)), Reader.readBody, context.redactor),
    response: (text, context) => OpenAIChatWriter.body(Reader.readBody(text), writerOptions(context)),
    answerWatch: () => new Reader(),
    error: openaiClientError,
  };
}

/** The translator for an OpenAI Responses client on `upstream`. */
export function responsesClientPair(upstream: ApiProtocol, request: RequestTranslator, Reader: ReaderClass): PairTranslator {
  const writerOptions = (context: TranslateContext) => ({model: context.clientModel, upstream, names: toolNamesFor(context), customTools: requestMemo(context).customTools, estimatedInputTokens: context.estimatedInputTokens});
  return {
    client: 'openai-responses',
    upstream,
    request,
    stream: (context) => pipeStream(new Reader(), new OpenAIResponsesWriter(writerOptions(context)), Reader.readBody, context.redactor),
    response: (text, context) => OpenAIResponsesWriter.body(Reader.readBody(text), writerOptions(context)),
    answerWatch: () => new Reader(),
    error: openaiClientError,
  };
}
