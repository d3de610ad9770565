// A pair's stream is one reader (upstream protocol → TurnEvents) feeding one writer (TurnEvents →
// client protocol). The interfaces both sides implement, and the glue every pair uses.
import type {Redactor} from '../../core/redact.js';
import type {ErrorEvent, TurnEvent} from './events.js';
import {TurnEventMasker} from './mask-runs.js';
import type {StreamTranslator} from './types.js';

/** Upstream SSE → TurnEvents, one per request (stateful). Order guarantees: readers/README.md. */
export interface TurnReader {
  /** Raw upstream SSE text, split anywhere. */
  push(chunk: string): TurnEvent[];
  /** The upstream closed: the last events, always ending in `stop` or `error`. */
  end(): TurnEvent[];
  /** The upstream said its answer is over (its terminal event): nothing it sends after changes the turn. */
  readonly answered: boolean;
  /** The `error` the turn ended with (the upstream's error event, a stream cut or garbled); undefined otherwise. */
  readonly failure?: ErrorEvent;
}

/** TurnEvents → client stream bytes, one per request (stateful). */
export interface TurnWriter {
  write(events: TurnEvent[]): string;
  /** Ends the client stream with the protocol's error event ('' when it already ended). */
  fail(message: string): string;
  /**
   * True when the writer masks, with the pair's redactor, every string it writes but the deltas of
   * runs (`text`, `thinking`, `tool-call-args`, which pipeStream masks as the client joins them):
   * then its output is masked whole and needs no second pass over its bytes.
   */
  readonly masksOtherStrings?: boolean;
}

/**
 * The StreamTranslator of a pair: `reader`'s events written by `writer`; `readBody` reads a whole
 * body. With a `redactor` (TranslateContext.redactor), each run of deltas a client joins is masked
 * between the two (mask-runs.ts): a credential the upstream split across deltas included. With a
 * writer that masks the rest (TurnWriter.masksOtherStrings), the output is `masked`: every
 * credential in it masked in every form a Redactor knows, without reading the bytes again (on a
 * long answer that second reading was a third of the stream's masking and writing, issue 14).
 */
export function pipeStream(reader: TurnReader, writer: TurnWriter, readBody: (body: string) => TurnEvent[], redactor?: Redactor): StreamTranslator {
  const masked = redactor !== undefined && writer.masksOtherStrings === true;
  // A whole body is read by a reader of its own (readBody): its error is the stream's failure too.
  let wholeFailure: ErrorEvent | undefined;
  const readWhole = (body: string) => {
    const events = readBody(body);
    const last = events.at(-1);
    if (last?.type === 'error') wholeFailure = last;
    return events;
  };
  const failure = () => reader.failure ?? wholeFailure;
  // Whether the answer itself has begun (StreamTranslator.begun).
  let begun = false;
  const seen = (events: TurnEvent[]) => {
    if (!begun) for (const event of events) if (beginsAnswer(event)) begun = true;
    return events;
  };
  if (!redactor || redactor.size === 0) {
    return {
      push: (chunk) => writer.write(seen(reader.push(chunk))),
      end: () => writer.write(seen(reader.end())),
      whole: (body) => writer.write(seen(readWhole(body))),
      fail: (message) => writer.fail(message),
      masked,
      get begun() {
        return begun;
      },
      get answered() {
        return reader.answered;
      },
      get failure() {
        return failure();
      },
    };
  }
  const masker = new TurnEventMasker(redactor);
  const last = (events: TurnEvent[]) => writer.write([...masker.push(events), ...masker.end()]);
  return {
    push: (chunk) => writer.write(masker.push(seen(reader.push(chunk)))),
    end: () => last(seen(reader.end())),
    whole: (body) => last(seen(readWhole(body))),
    // What was held goes out before the error that ends the stream.
    fail: (message) => writer.write(masker.end()) + writer.fail(message),
    release: () => writer.write(masker.end()),
    get holding() {
      return masker.holding;
    },
    masked,
    get begun() {
      return begun;
    },
    get answered() {
      return reader.answered;
    },
    get failure() {
      return failure();
    },
  };
}

/** An event of the answer itself: not its start, its usage, an empty text (Chat's first chunk, a block's start) or an error. */
function beginsAnswer(event: TurnEvent): boolean {
  if (event.type === 'text' || event.type === 'thinking') return event.text.length > 0;
  return event.type !== 'start' && event.type !== 'usage' && event.type !== 'error';
}

/** All events of a whole upstream stream held as text (a non-streaming client on a streaming upstream). */
export function readWholeStream(reader: TurnReader, text: string): TurnEvent[] {
  return [...reader.push(text), ...reader.end()];
}
