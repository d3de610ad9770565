// Credentials an upstream spells out across several deltas, masked in the TurnEvents between a
// pair's reader and writer: the client joins a text, thinking or tool-argument run into one string,
// so a token cut between two deltas is whole only there (core/text-run-mask.ts).
import type {Redactor} from '../../core/redact.js';
import {type JsonText, RunCarries, TextRunMasker} from '../../core/text-run-mask.js';
import type {TurnEvent} from './events.js';

type RunEvent = Extract<TurnEvent, {type: 'text' | 'thinking' | 'tool-call-args'}>;

/** A held event: a run's piece (its output once settled), or a `usage` queued behind the run. */
interface Held {
  event: TurnEvent;
  output?: string;
}

/**
 * Masks each run of TurnEvents a client concatenates: `text`, `thinking`, one tool call's
 * `tool-call-args` (readers emit runs one after another, readers/README.md). An event whose run's
 * tail may begin a credential waits for the next; any other event ends the run and lets it out
 * first, except `usage`, which no writer writes at once and which waits behind it. While nothing
 * is masked, events come out as they went in (the same objects).
 */
export class TurnEventMasker {
  /** The open run's masker (a tool call's is a JSON input's, TextRunMasker's `input`). */
  private run: TextRunMasker | undefined;
  /** The open run: `text`, `thinking` or `tool:<key>`. */
  private runKey: string | undefined;
  private held: Held[] = [];
  /**
   * The tails runs let out as they ended while they might have begun an echo, one per kind (`text`,
   * `thinking`, `tool`): the next run of a kind goes on from its own kind's (the text after a tool
   * call), else from the latest other it has not had (a tool call's arguments after text):
   * TextRunMasker.continueAfter.
   */
  private readonly carries = new RunCarries();

  constructor(private readonly redactor: Redactor) {}

  push(events: TurnEvent[]): TurnEvent[] {
    if (events.length === 0) return events;
    let out: TurnEvent[] | undefined;
    for (let i = 0; i < events.length; i++) {
      const event = events[i]!;
      const key = runKeyOf(event);
      if (key === undefined) {
        if (event.type === 'usage' && this.held.length > 0) {
          this.held.push({event});
          (out ??= events.slice(0, i));
          continue;
        }
        if (this.ending()) (out ??= events.slice(0, i)).push(...this.flush());
        out?.push(event);
        continue;
      }
      if (key !== this.runKey) {
        if (this.ending()) (out ??= events.slice(0, i)).push(...this.flush());
        // A tool call's arguments are JSON text: a tail goes on in its strings (TextRunMasker.continueAfter).
        this.run = new TextRunMasker(this.redactor, false, key.startsWith('tool:') ? TOOL_INPUT : undefined);
        const tail = this.carries.size > 0 ? this.carries.take(kindOf(key)) : undefined;
        if (tail) this.run.continueAfter(tail);
      }
      this.runKey = key;
      const run = this.run!;
      // This event and the ones of the same run right after it, masked as one (TextRunMasker.pushAll).
      let end = i + 1;
      while (end < events.length && runKeyOf(events[end]!) === key) end++;
      const texts: string[] = [];
      for (let k = i; k < end; k++) texts.push(textOf(events[k] as RunEvent));
      const settled = run.pushAll(texts);
      if (this.held.length === 0 && settled === texts) {
        if (out) for (let k = i; k < end; k++) out.push(events[k]!);
        i = end - 1;
        continue;
      }
      out ??= events.slice(0, i);
      for (let k = i; k < end; k++) this.held.push({event: events[k]!});
      out.push(...this.release(settled));
      i = end - 1;
    }
    return out ?? events;
  }

  /**
   * Whether events wait for the open text or thinking run's next piece (its tail may begin a
   * credential): what an upstream's silence lets out (release). A tool call's arguments are shown
   * whole, and their carry across a let-out tail is not relied on: they wait for their next delta.
   */
  get holding(): boolean {
    return this.held.length > 0 && this.runKey !== undefined && !this.runKey.startsWith('tool:');
  }

  /** Everything held, masked as the run stands (the stream ended, failed or was broken off, or the hold lasted too long). */
  end(): TurnEvent[] {
    return this.ending() ? this.flush() : [];
  }

  /** Whether ending the open run does something: lets out what it holds, or leaves a tail (TextRunMasker.passesOn). */
  private ending(): boolean {
    return this.held.length > 0 || (this.run?.passesOn ?? false);
  }

  private flush(): TurnEvent[] {
    const run = this.run!;
    const out = this.release(run.end());
    const tail = run.tail;
    if (tail && this.runKey !== undefined) this.carries.ended(kindOf(this.runKey), tail);
    this.runKey = undefined;
    return out;
  }

  /** Gives settled outputs to the oldest held pieces, then lets out the held events now settled. */
  private release(outputs: readonly string[]): TurnEvent[] {
    let next = 0;
    for (const held of this.held) {
      if (next === outputs.length) break;
      if (held.output === undefined && held.event.type !== 'usage') held.output = outputs[next++];
    }
    const out: TurnEvent[] = [];
    let count = 0;
    for (const held of this.held) {
      if (held.event.type !== 'usage' && held.output === undefined) break;
      count++;
      if (held.event.type === 'usage') out.push(held.event);
      else if (held.output) out.push(withText(held.event as RunEvent, held.output));
      // An empty output: the piece's text went with the masked form in an earlier piece.
    }
    this.held.splice(0, count);
    return out;
  }
}

/** A tool call's arguments as readers give them: JSON text, decoded. */
const TOOL_INPUT: JsonText = Object.freeze({escaped: false});

/** A run key's kind: every tool call's arguments are one. */
const kindOf = (key: string) => (key.startsWith('tool:') ? 'tool' : key);

function runKeyOf(event: TurnEvent): string | undefined {
  if (event.type === 'text' || event.type === 'thinking') return event.type;
  if (event.type === 'tool-call-args') return `tool:${event.key}`;
  return undefined;
}

function textOf(event: RunEvent): string {
  return event.type === 'tool-call-args' ? event.json : event.text;
}

/** The event carrying `text` instead (itself when unchanged; a new event drops the reader's JSON form of the old text). */
function withText(event: RunEvent, text: string): TurnEvent {
  if (textOf(event) === text) return event;
  return event.type === 'tool-call-args' ? {type: 'tool-call-args', key: event.key, json: text} : {type: event.type, text};
}
