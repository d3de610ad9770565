// "Stream": the answer goes to the client. Pass-through pipes the upstream bytes as they arrive;
// a translated answer goes through the pair's translator (SSE event by event for a streaming
// client, the whole body for one that did not ask for a stream, errors in the client's format).
import type {IncomingMessage, ServerResponse} from 'node:http';
import {cutText, ERROR_TEXT, maskedLine, type Redactor} from '../core/redact.js';
import type {ApiProtocol} from '../providers/types.js';
import {maskJoinedJson, mayJoinTexts, maskJoinedTexts} from '../core/joined-text-mask.js';
import {sanitizeLine} from '../core/sanitize.js';
import {MAX_BODY_BYTES} from './client-request.js';
import type {StreamCollector} from './collect.js';
import {HttpError} from './errors.js';
import type {Translation} from './prepare.js';
import {JsonRunMasker} from './json-run-mask.js';
import type {StreamError} from './translate/events.js';
import {TranslateError, type AnswerWatch} from './translate/types.js';
import {ERROR_MESSAGE_MAX, upstreamFailed} from './translate/errors.js';
import {finalEventWatch} from './sse-final-event.js';
import {SseRunMasker} from './sse-run-mask.js';
import {forwardedResponseHeaders, isBodilessStatus, isFinalStatus} from './upstream.js';
import {transportFailure} from '../services/http.js';

/** Whether the client went away (its answer can no longer be delivered); see server.ts ClientWatch. */
export interface ClientGone {
  readonly aborted: boolean;
}

/**
 * Small upstream chunks that arrive in one turn of the event loop are masked and written together,
 * up to this many bytes at a time: an SSE answer's events, parsed from one socket read, are one
 * masker pass and one chunked write instead of one each (issue 14: per-chunk work was most of a
 * streamed answer's cost). Never held past their turn: no event waits for the next.
 */
export const COALESCE_MAX_BYTES = 64 * 1024;
/**
 * The most bytes of a pass-through JSON answer held to mask it whole (pipeThrough); a longer one is
 * sent as it comes, its joined strings masked as they stream (json-run-mask.ts).
 */
export const WHOLE_JSON_HOLD_MAX = 4 * 1024 * 1024;
/** Chunks at least this long are masked on their own, never copied into a batch (bulk bodies). */
export const COALESCE_CHUNK_MAX = 16 * 1024;
/**
 * How long a translated stream's head waits for the answer itself to begin (deliverTranslated): an
 * upstream whose 200 is no answer, or only a limit after the message's start, says so at once, and a
 * silent one (a model thinking) still has the client see its answer start (ms).
 */
const HEAD_HOLD_MS = 1_000;
/** An upstream broke off: how long what the maskers held may take to reach the client before its connection is cut anyway (ms). */
const CUT_FLUSH_MS = 5_000;
/**
 * How long (ms) a hold lasts at most: events that wait behind a hold not their own (SseRunMasker.blocked:
 * a choice's tool-call chunks behind a text tail or log probabilities that may begin a credential),
 * counted from when they began to wait; and a text or thinking delta whose end may begin one
 * (SseRunMasker.holdsText, StreamTranslator.holding), through this much silence of the upstream (each
 * chunk starts it again, so a token sent a character at a time is still whole when it is masked).
 * The hold then ends as a block's end would (SseRunMasker.expire, StreamTranslator.release), and the
 * run's part of an echo that goes on after it is still masked. Without the second, an upstream that
 * paused (a model thinking before a tool call) held the client's last words until it spoke again.
 */
const HOLD_RELEASE_MS = 1_000;

/**
 * Buffers that batches of at least Buffer.poolSize / 2 bytes are copied into, reused once the
 * socket has taken their bytes (issue 14). A fresh buffer per batch (Buffer.concat) doubled the
 * ArrayBuffer bytes a long stream allocates (the socket's 64 KB reads are the other half), and they
 * are freed only at the next scavenge, which comes rarely since a batch allocates little on the JS
 * heap: ~4 MB of dead batches at a time, and the proxy's peak RSS rose from ~72 to 81–86 MB. Smaller
 * batches are cut from Node's shared 8 KB pool as before.
 */
class BatchBuffers {
  /** A batch is below COALESCE_MAX_BYTES until its last chunk, which is below COALESCE_CHUNK_MAX. */
  static readonly SIZE = COALESCE_MAX_BYTES + COALESCE_CHUNK_MAX;
  /** Free buffers kept (more in flight are allocated, then dropped): a few streams' worth. */
  private static readonly KEPT = 4;
  private readonly free: Buffer[] = [];

  /** A buffer of SIZE bytes; its old contents are never sent (only what a batch copies in). */
  take(): Buffer {
    return this.free.pop() ?? Buffer.allocUnsafeSlow(BatchBuffers.SIZE);
  }

  /** Back for reuse: nothing may still hold a view of it (the write that sent it has completed). */
  release(buffer: Buffer): void {
    if (this.free.length < BatchBuffers.KEPT) this.free.push(buffer);
  }
}
const batchBuffers = new BatchBuffers();
/** Batches smaller than this are concatenated as usual: Node cuts them from its shared pool. */
const POOLED_BATCH_MIN = Buffer.poolSize >>> 1;

/**
 * Streams the upstream body to the client as it arrives (backpressure, no buffering beyond the
 * chunks of one event-loop turn, see COALESCE_MAX_BYTES), with every account credential masked in
 * the headers and the body (issue 11: an error event inside a 200 SSE stream may echo the token),
 * and in an SSE stream also in the text a client joins from its deltas (sse-run-mask.ts: a token
 * spelled across events; `clientStream`: the client asked for a stream, so it reads the body as SSE
 * whatever its type). Bytes without a secret pass unchanged. Written out by hand rather than with stream.pipeline and a
 * Transform: those cost an AbortController, a DOMException and several stream objects per answer, a
 * measurable share of a small JSON answer's time. Resolves with the upstream's status once the
 * answer is sent or either side broke off.
 *
 * Masking changes a body's length, so an upstream's Content-Length is never passed on as it was: a
 * body that is complete when its chunks are delivered (the rest of the answer arrived in the same
 * read, as JSON answers do) is masked first and sent with the length of what is sent; any other
 * body goes out chunked. A complete body is written with the headers and the end in one write. A
 * stream (no length) whose first bytes are not there by the end of this event-loop turn gets its
 * headers flushed alone then (the client sees the answer start while the upstream is silent).
 * A stream with an event that says it failed (sse-final-event.ts `failure`) goes to the client as it
 * came, and is then said in the log and handed to `onLateFailure`.
 */
export function pipeThrough(
  upstream: IncomingMessage,
  res: ServerResponse,
  client: ClientGone,
  onBroken: (message: string) => void,
  redactor: Redactor,
  clientStream = false,
  protocol?: ApiProtocol,
  onLateFailure?: LateFailure,
): Promise<number> {
  // node:http parses a status that res.writeHead refuses (`099`, a 101 nothing asked for): refused here, where the caller
  // still answers 502, since the head is written later from an event handler (where a throw would
  // end the proxy process).
  const status = upstream.statusCode!;
  if (!isFinalStatus(status)) throw new HttpError(502, `upstream answered with an invalid status code (${status})`, 'api_error');
  // Whole and cut echoes masked (redactHeaders).
  const headers = redactor.redactHeaders(forwardedResponseHeaders(upstream.headers));
  // A bodiless status (a 304) keeps the upstream's length: it is not the length of a body sent.
  const declaredLength = upstream.headers['content-length'] !== undefined && !isBodilessStatus(status);
  const masker = redactor.stream();
  // An SSE stream's deltas may spell a credential across events: masked per run as well (sse-run-mask.ts).
  // A client that asked for a stream reads the answer as SSE whatever type the upstream gives it.
  const sse = clientStream || /event-stream/i.test(String(upstream.headers['content-type'] ?? ''));
  const runs = redactor.size > 0 && sse ? new SseRunMasker(redactor) : undefined;
  // The answer is over at the protocol's final event: the client's ends then, not when an upstream
  // that holds its connection open lets go (sse-final-event.ts).
  const final = sse ? finalEventWatch(protocol) : undefined;
  const mask = runs ? (chunk: Buffer) => runs.push(masker.push(chunk)) : (chunk: Buffer) => masker.push(chunk);
  /** What the maskers still hold, masked: the body ended or broke off. */
  const rest = () => {
    if (!runs) return masker.end();
    const tail = runs.push(masker.end());
    const last = runs.end();
    // Most streams end with nothing held by either: nothing joined.
    return tail.length === 0 ? last : last.length === 0 ? tail : Buffer.concat([tail, last]);
  };
  // A JSON document (not SSE): a credential cut across its blocks is masked in the whole body
  // (joined-text-mask.ts). One that arrives in several reads is held to its end (up to
  // WHOLE_JSON_HOLD_MAX): its client reads it only once it is complete anyway. A longer one streams
  // through a JsonRunMasker (bounded memory).
  const json = !sse && redactor.size > 0 && /json/i.test(String(upstream.headers['content-type'] ?? ''));
  /** A complete body (already masked byte-wise), masked whole. */
  const whole = json ? (body: Buffer) => wholeJsonMasked(body, redactor) : (body: Buffer) => body;
  let failureTold = false;
  /** An event of the stream said it failed: the log and the caller are told, once (true then). Made only for a watched stream (not on a JSON answer's path). */
  const endedInFailure =
    final &&
    ((): boolean => {
      if (failureTold) return true;
      const failure = final.failure;
      if (failure) lateFailure(failure, onBroken, redactor, onLateFailure);
      return (failureTold = failure !== undefined);
    });
  return new Promise<number>((resolve) => {
    let ended = false;
    let settled = false;
    /** The head was handed to `res` (it goes out with the first body bytes, or flushed alone). */
    let headed = false;
    /** Small chunks of this turn not yet masked, and their size. */
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    let flushQueued = false;
    /** The 'drain' listener is on `res` (added with the first write it refused). */
    let drainWatched = false;
    /** Masked bytes of a complete body, written with the end (and their size). */
    let held: Buffer[] = [];
    let heldBytes = 0;
    /** A JSON body is held to its end (see `json`) until it outgrows WHOLE_JSON_HOLD_MAX. */
    let holding = json;
    /** A JSON body that outgrew it: its joined strings masked as it streams (json-run-mask.ts). */
    let streamed: JsonRunMasker | undefined;
    /** Runs while events wait behind a hold, or a text tail is held through the upstream's silence (see HOLD_RELEASE_MS). */
    let holdTimer: NodeJS.Timeout | undefined;
    /** What holdTimer counts: since events began to wait behind a hold (later chunks do not move it), or the upstream's silence. */
    let holdSince: 'blocked' | 'silence' | undefined;
    const stopHoldTimer = () => {
      clearTimeout(holdTimer);
      holdTimer = undefined;
      holdSince = undefined;
    };
    /** What the maskers still hold, masked (rest), through `streamed` when it is one. */
    const restOut = () => (streamed ? Buffer.concat([streamed.push(rest()), streamed.end()]) : rest());
    /** Some body bytes were written (the body can no longer be masked whole). */
    let written = false;
    /**
     * The head; a declared length is replaced by the masked body's when it is known, else dropped
     * (chunked). False when res refused it (the answer is then broken off): it runs in event handlers.
     */
    const head = (length?: number): boolean => {
      headed = true;
      if (declaredLength) {
        if (length !== undefined) headers['content-length'] = String(length);
        else delete headers['content-length'];
      }
      try {
        res.writeHead(status, headers);
        return true;
      } catch (error) {
        settle(error as Error);
        return false;
      }
    };
    // The listeners stay on both (they die with this answer's objects): each does nothing once
    // settled, and an upstream 'error' after the end still finds one (issue 14: adding and removing
    // seven listeners per answer was a measurable share of a small answer's time).
    const settle = (error?: Error) => {
      if (settled) return;
      settled = true;
      if (holdTimer) stopHoldTimer();
      const unread = pending;
      pending = [];
      held = [];
      if (error) {
        upstream.destroy();
        // A failure event came before the break (codex may close at once after its `error` event,
        // a client may leave on reading it): that is how the answer ended, and the account's
        // failure, as at a clean end.
        const failed = endedInFailure?.() ?? false;
        if (!client.aborted) {
          if (!failed) onBroken(`upstream stream broke: ${transportFailure(error)}`);
          // What was held back goes out (masked) before the connection is cut: the chunks of this
          // turn not masked yet, then what the maskers hold (events waiting for their log
          // probabilities, a run's tail); not the tail of a JSON body held whole (its start was
          // never sent). The cut waits for them to be written (a destroy drops what the socket
          // has not sent yet), at most CUT_FLUSH_MS.
          if (headed && !ended && (written || !json)) {
            const late = unread.length > 0 ? mask(Buffer.concat(unread)) : undefined;
            const last = Buffer.concat([...(late ? [streamed ? streamed.push(late) : late] : []), restOut()]);
            if (last.length > 0) {
              res.write(last, () => res.destroy());
              setTimeout(() => res.destroy(), CUT_FLUSH_MS).unref();
              return resolve(status);
            }
          }
        }
        res.destroy();
      }
      resolve(status);
    };
    const onFinish = () => settle();
    const onResClose = () => {
      if (!res.writableFinished) settle(new Error('client closed the connection'));
    };
    res.on('finish', onFinish).on('close', onResClose);
    // After a stream's final event the client's answer is whole: an upstream that then breaks off
    // (the rest of its answer is only drained, server.ts releaseAnswer) breaks nothing of it.
    upstream.on('error', (error: Error) => (ended ? upstream.destroy() : settle(error)));
    if (upstream.complete && upstream.readableFlowing === null) {
      // The whole message is here already (node:http set `complete` when it parsed the end, having
      // pushed every body byte; nothing has read it): read at once, masked whole, and written with
      // its head and its end in one write, without a 'data' and an 'end' turn (issue 14: most JSON
      // answers, and short streams, are complete before they are piped).
      const body = upstream.read() as Buffer | null;
      if (final && body !== null) final.push(body);
      const out = body === null ? undefined : mask(body);
      ended = true;
      const last = rest();
      const all = whole(last.length === 0 ? (out ?? last) : out === undefined || out.length === 0 ? last : Buffer.concat([out, last]));
      if (!head(all.length)) return;
      res.end(all.length > 0 ? all : undefined);
      endedInFailure?.();
      return;
    }
    // Only a message still arriving needs what follows (not made for most answers: issue 14).
    const expire = () => {
      stopHoldTimer();
      if (!settled && !ended) deliver(runs!.expire());
    };
    const watchHold = () => {
      if (runs!.blocked) {
        if (holdSince !== 'blocked') {
          stopHoldTimer();
          holdSince = 'blocked';
          holdTimer = setTimeout(expire, HOLD_RELEASE_MS);
        }
        return;
      }
      stopHoldTimer();
      // Through the upstream's silence only: a chunk that came starts the wait again.
      if (runs!.holdsText) {
        holdSince = 'silence';
        holdTimer = setTimeout(expire, HOLD_RELEASE_MS);
      }
    };
    /**
     * Masked bytes to the client, or held for the end when the body is complete and not started.
     * `batch`: the BatchBuffers buffer the bytes were copied into, released once it is not sent from.
     */
    const deliver = (out: Buffer, batch?: Buffer) => {
      if ((!headed && upstream.complete) || (holding && heldBytes + out.length <= WHOLE_JSON_HOLD_MAX)) {
        held.push(out);
        heldBytes += out.length;
        return;
      }
      if (holding) {
        // Too long to hold: from its first byte on, its joined strings are masked as it streams.
        const runs = (streamed = new JsonRunMasker(redactor));
        held = held.map((before) => runs.push(before));
      }
      holding = false;
      if (streamed) out = streamed.push(out);
      // The masker returns a view of its input, or new bytes when it masked or carries some over.
      const sentFromBatch = batch !== undefined && out.length > 0 && out.buffer === batch.buffer;
      if (batch !== undefined && !sentFromBatch) batchBuffers.release(batch);
      if (settled || (!headed && !head())) {
        if (sentFromBatch) batchBuffers.release(batch);
        return;
      }
      if (held.length > 0) {
        // A JSON body that outgrew WHOLE_JSON_HOLD_MAX: what was held goes first, the rest as it comes.
        for (const before of held) res.write(before);
        held = [];
        heldBytes = 0;
        written = true;
      }
      if (out.length === 0) return;
      written = true;
      if (!(sentFromBatch ? res.write(out, () => batchBuffers.release(batch)) : res.write(out))) {
        upstream.pause();
        // Watched from the first refused write on: a small answer never fills the socket's buffer.
        if (!drainWatched) {
          drainWatched = true;
          res.on('drain', onDrain);
        }
      }
    };
    const flush = () => {
      flushQueued = false;
      if (settled || ended || pendingBytes === 0) return;
      const chunks = pending;
      const size = pendingBytes;
      pending = [];
      pendingBytes = 0;
      if (chunks.length === 1) deliver(mask(chunks[0]!));
      // A batch held for the end (a complete body) outlives its turn: not from the reused buffers.
      else if (size < POOLED_BATCH_MIN || (!headed && upstream.complete) || holding) deliver(mask(Buffer.concat(chunks, size)));
      else {
        const batch = batchBuffers.take();
        let at = 0;
        for (const chunk of chunks) at += chunk.copy(batch, at);
        deliver(mask(batch.subarray(0, at)), batch);
      }
      if (runs) watchHold();
    };
    const onData = (chunk: Buffer) => {
      if (ended) return;
      // Looked at before the chunk is masked or copied into a reused batch buffer.
      const over = final?.push(chunk) === true;
      if (chunk.length >= COALESCE_CHUNK_MAX) {
        // In order: the batch so far first (the masker carries a cut echo from it into this chunk).
        if (pendingBytes > 0) flush();
        deliver(mask(chunk));
        if (runs) watchHold();
      } else {
        pending.push(chunk);
        pendingBytes += chunk.length;
        if (pendingBytes >= COALESCE_MAX_BYTES) flush();
        // A complete message's 'end' follows its last chunk in this turn: onEnd writes it all at once.
        else if (!over && !flushQueued && !upstream.complete) {
          flushQueued = true;
          process.nextTick(flush);
        }
      }
      if (over) {
        // Ended as at the body's end. The rest of the upstream's answer is read and dropped: the
        // client's response, as it closes, gives it a moment to end (server.ts ClientWatch).
        onEnd();
        upstream.resume();
      }
    };
    const onDrain = () => upstream.resume();
    const onEnd = () => {
      if (ended) return;
      flush();
      ended = true;
      if (holdTimer) stopHoldTimer();
      let last = restOut();
      if (!written) {
        // No body byte sent yet: the whole document is here, masked whole.
        last = whole(held.length === 0 ? last : Buffer.concat([...held, last]));
        held = [];
      }
      if (!headed && !head(last.length)) return;
      // Written in one turn: the end uncorks the socket, so all go out in one write.
      for (const out of held) if (out.length > 0) res.write(out);
      held = [];
      res.end(last.length > 0 ? last : undefined);
      endedInFailure?.();
    };
    const onUpstreamClose = () => {
      if (!ended) settle(new Error('aborted'));
    };
    upstream.on('data', onData).on('end', onEnd).on('close', onUpstreamClose);
    if (!declaredLength) {
      // A stream: the client sees it start even while the upstream is still silent.
      setImmediate(() => {
        if (settled || (!headed && !head())) return;
        res.flushHeaders();
      });
    }
  });
}

/** A complete JSON body with every credential cut across its joined fields masked; the same bytes when none is (or it is no JSON). */
function wholeJsonMasked(body: Buffer, redactor: Redactor): Buffer {
  if (body.length === 0 || redactor.size === 0 || !mayJoinTexts(body.toString('latin1'))) return body;
  const masked = maskJoinedJson(body.toString('utf8'), redactor);
  return masked === undefined ? body : Buffer.from(masked, 'utf8');
}

/**
 * A translated 200 that held no answer (its first event an error, a body that is none), found before
 * a byte was written to the client: handed back, not answered (deliverTranslated). The caller takes
 * it as an upstream error of `error.status` with `error.upstreamBody` (server.ts: a rate limit cools
 * the account and the pool moves on, as for a 429 status), and answers it if nothing else serves.
 */
export interface RefusedAnswer {
  refused: TranslateError;
}

/**
 * An answer that began as a success and ended in the upstream's error event (a rate limit after a
 * stream's first events): too late for its request to move on, but the account's failure all the
 * same (server.ts cools the account for a limit, so the client's retry goes to another). `failure`
 * has the status its code word stands for (errors.ts upstreamFailed: a rate limit is a 429) and the
 * error object in its upstreamBody (the wait it names).
 */
export type LateFailure = (failure: TranslateError) => void;

/**
 * Said in the log as a break is (the client's stream ended with an error, not the answer), cut as
 * a translated stream's error is (ERROR_MESSAGE_MAX), then handed to `onLateFailure`.
 */
function lateFailure(error: StreamError, onBroken: (message: string) => void, redactor: Redactor, onLateFailure: LateFailure | undefined): void {
  onBroken(`upstream stream ended with an error: ${maskedLine(cutText(error.message, ERROR_MESSAGE_MAX), (text) => redactor.redact(text, ERROR_TEXT))}`);
  onLateFailure?.(upstreamFailed(error.message, error.code, error.detail));
}

/**
 * A translated success. A streaming client gets SSE from the stream translator (`fail` closes it
 * with an error event when the upstream breaks off); any other client gets `response(text)` as JSON.
 * `readText` is set when the body was already read (an answer checked for a hidden error).
 * `redactor` masks account credentials (core/redact.ts): an upstream may echo its token inside a
 * 200 answer, and the translator re-encodes that text, so every byte written goes through its
 * stream masker (which also catches a secret split across two writes), and each run of deltas is
 * masked between the reader and the writer (TranslateContext.redactor: a secret split across events).
 * Resolves with the status sent, or with a RefusedAnswer (nothing written); `onAnswer` is called once,
 * when the client's success begins (its head, or its whole JSON body), never for a refused one;
 * `onLateFailure` when a stream that began ended in the upstream's error event (LateFailure).
 */
export async function deliverTranslated(
  translation: Translation,
  upstream: IncomingMessage,
  res: ServerResponse,
  signal: ClientGone,
  onBroken: (message: string) => void,
  redactor: Redactor,
  readText?: string,
  onAnswer?: () => void,
  onLateFailure?: LateFailure,
): Promise<number | RefusedAnswer> {
  const {translator, context} = translation;
  const masker = redactor.stream();
  if (context.clientStream && !translation.countTokens) {
    // The same context object the request was planned with (request-memo.ts finds its facts through it).
    context.redactor = redactor;
    const stream = translator.stream(context);
    // A translator that masked its output with this redactor (StreamTranslator.masked) is written as it is.
    const masked = stream.masked ? (text: string) => text : (text: string) => masker.push(Buffer.from(text, 'utf8'));
    // The head waits for the answer itself to begin (StreamTranslator.begun; at most HEAD_HOLD_MS),
    // and the bytes of the message's start with it (a Codex `response.created` as `message_start`):
    // a 200 whose body is no answer (not SSE, JSON that is none, an error before any text) is then
    // handed back as the account's failure (RefusedAnswer), never a 200 stream holding only an error.
    let headed = false;
    let start = '';
    const head = () => {
      if (headed) return;
      headed = true;
      clearTimeout(holdHead);
      onAnswer?.();
      res.writeHead(200, {'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache'});
      if (!start) return void res.flushHeaders();
      const held = start;
      start = '';
      res.write(masked(held));
    };
    const holdHead = setTimeout(head, HEAD_HOLD_MS);
    /** `ended`: the upstream's answer is whole (its end, or one body): nothing more is held. */
    const send = async (text: string, ended = false) => {
      if (!headed && !ended && stream.begun === false) {
        start += text;
        return;
      }
      if (text.length === 0 && (headed || !start)) return;
      head();
      await write(res, masked(text));
    };
    /** Nothing was sent and the upstream's answer failed: its failure, handed back (RefusedAnswer). */
    const refused = () => !headed && stream.failure !== undefined;
    const refuse = (): RefusedAnswer => {
      clearTimeout(holdHead);
      const {message, errorType, detail} = stream.failure!;
      return {refused: upstreamFailed(message, errorType, detail)};
    };
    // A run's held tail goes out after HOLD_RELEASE_MS without the upstream's next event (between the loop's writes: release is synchronous).
    let holdTimer: NodeJS.Timeout | undefined;
    const stopHoldTimer = () => {
      clearTimeout(holdTimer);
      holdTimer = undefined;
    };
    // Restarted by each upstream chunk: a release after this much silence of the upstream.
    const watchHold = () => {
      stopHoldTimer();
      if (!stream.holding) return;
      holdTimer = setTimeout(() => {
        holdTimer = undefined;
        if (res.writableEnded || res.destroyed || signal.aborted) return;
        void send(stream.release!());
      }, HOLD_RELEASE_MS);
    };
    const logFailure = () => {
      const failure = stream.failure;
      if (failure) lateFailure({message: failure.message, code: failure.errorType, detail: failure.detail}, onBroken, redactor, onLateFailure);
    };
    try {
      if (stream.whole && isWholeJson(upstream)) {
        // Asked to stream, the upstream answered with one JSON body: read whole, written as the stream.
        const out = stream.whole(redactor.redact(readText ?? (await readAll(upstream))));
        if (refused()) return refuse();
        await send(out, true);
        head();
        res.end(masker.end());
        logFailure();
        return 200;
      }
      if (readText !== undefined) {
        const out = stream.push(redactor.redact(readText));
        if (refused()) return refuse();
        await send(out);
      } else {
        upstream.setEncoding('utf8');
        for await (const chunk of keptOnBreak(upstream)) {
          const out = stream.push(chunk as string);
          if (refused()) {
            upstream.destroy();
            return refuse();
          }
          await send(out);
          // The upstream said its answer is over: the client's stream ends now, not when an upstream
          // that holds its connection open lets go.
          if (stream.answered) break;
          watchHold();
        }
      }
      stopHoldTimer();
      const out = stream.end();
      if (refused()) return refuse();
      await send(out, true);
      head();
      res.end(masker.end());
      logFailure();
    } catch (error) {
      // A failure of the translator (an event too large) leaves the upstream answer unread: not kept.
      upstream.destroy();
      if (signal.aborted) return 200;
      const message = `upstream stream broke: ${transportFailure(error)}`;
      onBroken(message);
      if (!headed) {
        // Nothing sent yet: the break as an error status, as a client that asked for no stream gets it.
        clearTimeout(holdHead);
        return deliverTranslatedError(translation, res, 502, JSON.stringify({error: {message}}), redactor);
      }
      await write(res, masked(stream.fail(message)));
      res.end(masker.end());
    } finally {
      clearTimeout(holdHead);
      stopHoldTimer();
    }
    return 200;
  }
  let read: string;
  try {
    read = readText ?? (await readAll(upstream, translation.countTokens ? undefined : translator.answerWatch?.()));
  } catch (error) {
    if (error instanceof HttpError) throw error;
    if (signal.aborted) return 0;
    // The upstream broke off before its answer ended: its failure, not the proxy's, in the client's shape.
    const message = `upstream stream broke: ${transportFailure(error)}`;
    onBroken(message);
    return deliverTranslatedError(translation, res, 502, JSON.stringify({error: {message}}), redactor);
  }
  // Masked before the translator reads it: it may quote a cut excerpt of a body it cannot read.
  const text = redactor.redact(read);
  let body: Record<string, unknown>;
  try {
    body = translation.countTokens ? (translator.countTokensResponse?.(text) ?? (JSON.parse(text) as Record<string, unknown>)) : translator.response(text, context);
  } catch (error) {
    // The upstream reported a failure inside its 200 (an error event): handed back (RefusedAnswer).
    if (error instanceof TranslateError) return {refused: error};
    throw error;
  }
  onAnswer?.();
  sendMaskedJson(res, 200, body, redactor);
  return 200;
}

/**
 * A streamed answer collected into the JSON a client that asked for no stream gets (collect.ts), on
 * a pass-through to an upstream that answers only streams. Nothing is written until the stream has
 * ended or its terminal event came (the rest of the upstream answer is then only drained: keptOnBreak), so the answer is masked whole; a stream that breaks off (or outgrows MAX_BODY_BYTES) is
 * answered with a 502 naming why (`onBroken` logs it). `readText`: the body was already read.
 * Resolves with the status sent, or with a RefusedAnswer (nothing written) when the stream failed (its
 * `response.failed` or `error` event), as deliverTranslated does; `onAnswer` is called before the
 * collected answer is sent (not before the 502 of a stream that broke off).
 */
export async function deliverCollected(collector: StreamCollector, upstream: IncomingMessage, res: ServerResponse, signal: ClientGone, onBroken: (message: string) => void, redactor: Redactor, readText?: string, onAnswer?: () => void): Promise<number | RefusedAnswer> {
  let broke: string | undefined;
  if (readText !== undefined) collector.push(readText);
  else {
    try {
      let size = 0;
      upstream.setEncoding('utf8');
      for await (const chunk of keptOnBreak(upstream)) {
        size += Buffer.byteLength(chunk as string);
        if (size > MAX_BODY_BYTES) {
          broke = `upstream answer larger than ${MAX_BODY_BYTES / 1024 / 1024} MB`;
          upstream.destroy();
          break;
        }
        collector.push(chunk as string);
        if (collector.answered) break;
      }
    } catch (error) {
      if (signal.aborted) return 0;
      broke = transportFailure(error);
    }
  }
  if (signal.aborted) return 0;
  const answer = collector.end(broke);
  if ('refused' in answer) return answer;
  // A stream that broke off is answered with the proxy's 502, which is no success of the account's.
  if (answer.broke !== undefined) onBroken(`upstream stream broke: ${sanitizeLine(answer.broke)}`);
  else onAnswer?.();
  sendMaskedJson(res, answer.status, answer.body, redactor);
  return answer.status;
}

/**
 * A JSON answer built from upstream words, every credential masked: in each string, and in the
 * texts a client joins across blocks or items (core/joined-text-mask.ts: a credential no one string holds).
 */
function sendMaskedJson(res: ServerResponse, status: number, body: Record<string, unknown>, redactor: Redactor): void {
  const masked = redactor.redactDeep(body);
  maskJoinedTexts(masked, redactor);
  sendJson(res, status, masked);
}

/** An upstream error answered to a translated client: the translator maps it to the client's protocol. */
export function deliverTranslatedError(translation: Translation, res: ServerResponse, status: number, upstreamText: string, redactor: Redactor): number {
  const mapped = translation.translator.error(status, redactor.redact(upstreamText, ERROR_TEXT));
  sendJson(res, mapped.status, redactor.redactDeep(mapped.body, ERROR_TEXT));
  return mapped.status;
}

/** `value` as JSON; `redact` masks credentials in the text when it may carry upstream words. */
export function sendJson(res: ServerResponse, status: number, value: unknown, redact?: (text: string) => string): void {
  const json = JSON.stringify(value);
  const text = redact ? redact(json) : json;
  res.writeHead(status, {'content-type': 'application/json', 'content-length': Buffer.byteLength(text)});
  res.end(text);
}

/** An answer that is one JSON document, not SSE (by its content type). */
function isWholeJson(upstream: IncomingMessage): boolean {
  const type = String(upstream.headers['content-type'] ?? '');
  return /json/i.test(type) && !/event-stream/i.test(type);
}

/** Writes, waiting for the socket to drain when its buffer is full (backpressure). */
async function write(res: ServerResponse, text: string | Buffer): Promise<void> {
  if (!text.length || res.write(text)) return;
  await new Promise<void>((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

/**
 * The upstream's body as text (at most MAX_BODY_BYTES), up to its end, or up to the event after which
 * `watch` says the answer is over (a stream held open after its terminal event no longer holds the
 * client; the rest is only drained: keptOnBreak). Decoded as it comes and joined as one string: no
 * list of chunks plus a concatenated copy of them on top of the text.
 */
async function readAll(body: IncomingMessage, watch?: AnswerWatch): Promise<string> {
  let text = '';
  let size = 0;
  body.setEncoding('utf8');
  for await (const chunk of keptOnBreak(body)) {
    size += Buffer.byteLength(chunk as string);
    if (size > MAX_BODY_BYTES) {
      body.destroy();
      throw new HttpError(502, `upstream answer larger than ${MAX_BODY_BYTES / 1024 / 1024} MB`, 'api_error');
    }
    text += chunk as string;
    if (watch) {
      watch.push(chunk as string);
      if (watch.answered) break;
    }
  }
  return text;
}

/**
 * The chunks of an upstream answer, read until its end or until the reader leaves the loop. Leaving
 * it early (the answer is over at its final event) does not destroy the answer, as a plain
 * `for await` does: the rest is drained when the client's response closes (server.ts releaseAnswer),
 * so the connection goes back to the pool and the next request to that upstream pays no new TLS
 * handshake. A throw inside the loop does not destroy it either (for-await cannot tell it from a
 * break): a caller that stops on a failure destroys the answer itself.
 */
function keptOnBreak(answer: IncomingMessage): AsyncIterable<unknown> {
  return answer.iterator({destroyOnReturn: false});
}
