// A scripted inference upstream that speaks every protocol the proxy sends to (OpenAI Chat, the codex
// Responses backend, Cloud Code Gemini, AI Studio's native Gemini API, Anthropic Messages) and refuses what the real services refuse
// (PROVIDERS.md; the messages are theirs): Chat's `tool` message without a preceding call or a call
// left unanswered, codex's non-streamed request / missing `instructions` / `store: true` / encrypted
// reasoning it did not make, Cloud Code's
// wrong `project` and the schema keywords Gemini rejects, Anthropic's orphan tool_result, foreign
// thinking signatures and thinking on in a tool loop whose turn did not think, and (with `iflowKey`) iFlow's signature check. What the model "does" is a
// script: a function of the turn as seen in any protocol (tools offered, tool results sent back).
import type {ServerResponse} from 'node:http';
import {sendJson, startFakeUpstream, type FakeUpstream, type RecordedRequest} from '../fake-upstreams.js';
import {iflowSignatureProblems} from './iflow.js';
import {anthropicTurn, chatTurn, geminiTurn, responsesTurn, type Turn} from './turns.js';
import {writeAnthropic, writeChat, writeGemini, writeResponses, type Reply} from './replies.js';

export type {Reply, Turn};

/** The model's move for one turn. */
export type Script = (turn: Turn, req: RecordedRequest) => Reply;

export interface FakeInferenceOptions {
  script?: Script;
  /** Cloud Code: the project every request must name in its envelope. */
  project?: string;
  /** iFlow: the API key its HMAC signature is checked with (Chat requests only). */
  iflowKey?: string;
  /** Delay between streamed events. */
  pauseMs?: number;
  /**
   * AI Studio's native Gemini API (`/v1beta/models/{model}:generateContent | :streamGenerateContent
   * ?alt=sse | :countTokens`): the API key it takes, in `x-goog-api-key` only.
   */
  geminiApiKey?: string;
  /**
   * Anthropic Messages: what the signatures this service makes start with, and the only ones it
   * takes back (default `sig-anthropic-`; `sig-kimi-` stands for Kimi's Anthropic endpoint, whose
   * signatures Anthropic refuses).
   */
  signaturePrefix?: string;
  /**
   * codex: encrypted reasoning is the account's own (`enc-<chatgpt-account-id>-…`): another account
   * of a pool cannot read it back, as users report after an account switch.
   */
  accountBoundReasoning?: boolean;
}

export interface FakeInference extends FakeUpstream {
  /** The turns as the upstream understood them, in order (accepted requests only). */
  turns: Turn[];
  /** Every refusal sent (status and message), for tests that prove none happened. */
  refusals: {path: string; status: number; message: string}[];
  script: Script;
}

/** The default model: calls the first tool offered once, then answers with the results it got. */
export const callFirstToolThenAnswer: Script = (turn) => {
  if (turn.toolResults.length > 0) return {text: `Tool said: ${turn.toolResults.join(' | ')}`};
  if (turn.tools.length > 0) return {call: {name: turn.tools[0]!, args: {}}};
  return {text: `Hello from ${turn.protocol}`};
};

/** What the codex backend answers 400 `{detail}` to (PROVIDERS.md "Wire formats"), or undefined when it takes the body. */
export function codexRefusal(body: Record<string, unknown>): string | undefined {
  if (body.stream !== true) return 'Stream must be set to true';
  if (typeof body.instructions !== 'string') return 'Instructions are required';
  if (body.store !== false) return 'Store must be set to false';
  return undefined;
}

/**
 * What the codex backend answers 400 to encrypted content it did not make, in a reasoning or a
 * compaction item (replies.ts writes `enc-<id>`; another tool's or another account's cannot be
 * decrypted), in its words (openai/codex
 * issues, Dec 2025): `{error: {message: "The encrypted content gAAA...DQ== could not be verified.",
 * type, param, code: "invalid_encrypted_content"}}`; undefined when there is none.
 */
export function codexEncryptedRefusal(body: Record<string, unknown>, prefix = 'enc-'): {error: Record<string, unknown>} | undefined {
  for (const item of Array.isArray(body.input) ? body.input : []) {
    // Reasoning items and codex's compaction of earlier turns alike.
    const encrypted = (item as {encrypted_content?: unknown} | null)?.encrypted_content;
    if (typeof encrypted === 'string' && !encrypted.startsWith(prefix)) {
      const shown = encrypted.length > 8 ? `${encrypted.slice(0, 4)}...${encrypted.slice(-4)}` : encrypted;
      return {error: {message: `The encrypted content ${shown} could not be verified.`, type: 'invalid_request_error', param: null, code: 'invalid_encrypted_content'}};
    }
  }
  return undefined;
}

export async function startFakeInference(options: FakeInferenceOptions = {}): Promise<FakeInference> {
  const upstream = (await startFakeUpstream()) as FakeInference;
  upstream.turns = [];
  upstream.refusals = [];
  upstream.script = options.script ?? callFirstToolThenAnswer;
  const refuse = (req: RecordedRequest, res: ServerResponse, status: number, body: Record<string, unknown>, message: string) => {
    upstream.refusals.push({path: req.path, status, message});
    sendJson(res, status, body);
  };
  /**
   * The Gemini API as AI Studio serves it (ai.google.dev API reference): an API key in
   * `x-goog-api-key` (a key sent as Bearer is not an OAuth token: 401; a wrong key: 400
   * API_KEY_INVALID; none: 403), the request itself as the body, answers bare.
   */
  const geminiApi = (req: RecordedRequest, res: ServerResponse, model: string, method: string) => {
    const googleError = (status: number, code: string, message: string, extra: Record<string, unknown> = {}) => refuse(req, res, status, {error: {code: status, message, status: code, ...extra}}, message);
    const key = req.headers['x-goog-api-key'];
    if (key === undefined && req.headers.authorization) {
      return googleError(401, 'UNAUTHENTICATED', 'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.');
    }
    if (key === undefined) return googleError(403, 'PERMISSION_DENIED', "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.");
    if (key !== options.geminiApiKey) {
      return googleError(400, 'INVALID_ARGUMENT', 'API key not valid. Please pass a valid API key.', {details: [{'@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'API_KEY_INVALID', domain: 'googleapis.com'}]});
    }
    const body = req.body ?? {};
    if (method === 'countTokens') {
      if (!Array.isArray(body.contents)) return googleError(400, 'INVALID_ARGUMENT', 'contents is not specified');
      return sendJson(res, 200, {totalTokens: Math.ceil(JSON.stringify(body.contents).length / 4)});
    }
    if (method === 'streamGenerateContent' && !req.url.includes('alt=sse')) return googleError(400, 'INVALID_ARGUMENT', 'streamGenerateContent without alt=sse answers a JSON array, not SSE');
    const turn = geminiTurn(body, {model});
    if ('refusal' in turn) return googleError(400, 'INVALID_ARGUMENT', turn.refusal);
    upstream.turns.push(turn);
    return writeGemini(res, method === 'streamGenerateContent', model, upstream.script(turn, req), options.pauseMs ?? 0, true);
  };
  upstream.handler = async (req, res) => {
    const body = req.body ?? {};
    const pause = options.pauseMs ?? 0;
    if (req.path.endsWith('/chat/completions')) {
      if (options.iflowKey) {
        const problems = iflowSignatureProblems(req.headers, options.iflowKey);
        // iFlow answers a bad signature with HTTP 200 and its own error body.
        if (problems.length > 0) return refuse(req, res, 200, {status: '434', msg: `signature mismatch: ${problems.join('; ')}`}, problems.join('; '));
      }
      const turn = chatTurn(body);
      if ('refusal' in turn) return refuse(req, res, 400, {error: {message: turn.refusal, type: 'invalid_request_error', param: 'messages', code: null}}, turn.refusal);
      upstream.turns.push(turn);
      return writeChat(res, body, upstream.script(turn, req), pause);
    }
    if (req.path.endsWith('/responses')) {
      const detail = codexRefusal(body);
      if (detail) return refuse(req, res, 400, {detail}, detail);
      // Account-bound: only the account that made it can read it back (`chatgpt-account-id`).
      const prefix = options.accountBoundReasoning ? `enc-${String(req.headers['chatgpt-account-id'])}-` : 'enc-';
      const encrypted = codexEncryptedRefusal(body, prefix);
      if (encrypted) return refuse(req, res, 400, encrypted, String(encrypted.error.message));
      for (const key of ['max_output_tokens', 'temperature', 'top_p']) {
        if (key in body) return refuse(req, res, 400, {detail: `Unsupported parameter: ${key}`}, `Unsupported parameter: ${key}`);
      }
      const turn = responsesTurn(body);
      if ('refusal' in turn) return refuse(req, res, 400, {error: {message: turn.refusal, type: 'invalid_request_error'}}, turn.refusal);
      upstream.turns.push(turn);
      return writeResponses(res, body, upstream.script(turn, req), pause, prefix);
    }
    const native = /^\/v1beta\/models\/([^/:]+):(generateContent|streamGenerateContent|countTokens)$/.exec(req.path);
    if (native) return geminiApi(req, res, native[1]!, native[2]!);
    const gemini = /\/v1internal:(generateContent|streamGenerateContent|countTokens)$/.exec(req.path)?.[1];
    if (gemini) {
      const googleError = (message: string) => refuse(req, res, 400, {error: {code: 400, message, status: 'INVALID_ARGUMENT'}}, message);
      if (gemini === 'countTokens') {
        const request = body.request as {contents?: unknown[]} | undefined;
        if (!Array.isArray(request?.contents)) return googleError('Invalid JSON payload received. Missing "request.contents".');
        return sendJson(res, 200, {totalTokens: Math.ceil(JSON.stringify(request.contents).length / 4)});
      }
      if (options.project && body.project !== options.project) {
        return refuse(req, res, 403, {error: {code: 403, message: `Permission denied on resource project ${String(body.project)}.`, status: 'PERMISSION_DENIED'}}, `project ${String(body.project)}`);
      }
      if (gemini === 'streamGenerateContent' && !req.url.includes('alt=sse')) return googleError('streamGenerateContent without alt=sse answers a JSON array, not SSE');
      const turn = geminiTurn(body);
      if ('refusal' in turn) return googleError(turn.refusal);
      upstream.turns.push(turn);
      return writeGemini(res, gemini === 'streamGenerateContent', String(body.model), upstream.script(turn, req), pause);
    }
    if (req.path.endsWith('/messages/count_tokens')) return sendJson(res, 200, {input_tokens: Math.ceil(req.raw.length / 4)});
    if (req.path.endsWith('/messages')) {
      const signatures = options.signaturePrefix ?? 'sig-anthropic-';
      const turn = anthropicTurn(body, signatures);
      if ('refusal' in turn) return refuse(req, res, 400, {type: 'error', error: {type: 'invalid_request_error', message: turn.refusal}}, turn.refusal);
      upstream.turns.push(turn);
      return writeAnthropic(res, body, upstream.script(turn, req), pause, signatures);
    }
    sendJson(res, 404, {error: {message: `fake inference upstream has no route ${req.path}`}});
  };
  return upstream;
}
