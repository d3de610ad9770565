// Parallel tool calls as upstreams send them → one call at a time, as TurnEvents require (README.md
// rule 2). Chat may announce every call first and then send the arguments per index; the Responses
// API may interleave `function_call_arguments.delta` of several items. The first unfinished call
// streams live; fragments of the others are buffered per call and emitted whole, in the order the
// calls were announced, once the calls before them are complete.
// Arguments end where their JSON object (or array) closes. Some OpenAI-compatible servers send the
// whole arguments again after streaming them (or a stray closing bracket): joined to the rest they
// make invalid JSON, and the client fails the tool call. Such a repeat, held until it is one, and
// stray closers are dropped; anything else after the close goes on as it came (the client says the
// arguments are broken rather than a call being lost).
import type {TurnEmitter} from './turn-emitter.js';

/** Where a call's arguments stand as JSON, read once per character as fragments arrive. */
interface ArgumentsScan {
  /** Nesting depth of objects and arrays; 0 before the first `{` or `[`. */
  depth: number;
  inString: boolean;
  escaped: boolean;
  /** `open`: reading; `closed`: the top-level object or array ended; `other`: not an object or array (not followed). */
  state: 'open' | 'closed' | 'other';
  /** After the close: text held while it may be a repeat of the arguments, and the arguments (trimmed). */
  held: string;
  whole?: string;
}

/** What comes after the close of a call's arguments (`whole`, trimmed): `drop` a repeat or stray closers, `hold` while it may become one, `pass` anything else. */
function afterClose(whole: string, after: string): 'drop' | 'hold' | 'pass' {
  const text = after.trim();
  if (text === whole || /^[\]}\s]*$/.test(text)) return 'drop';
  return whole.startsWith(after.trimStart()) ? 'hold' : 'pass';
}

/**
 * How much of `text` belongs to the arguments `scan` has read so far: all of it, or the part up
 * to the close of the top-level object or array (0 once it has closed).
 */
function argumentsPart(scan: ArgumentsScan, text: string): number {
  if (scan.state === 'closed') return 0;
  if (scan.state === 'other') return text.length;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (scan.inString) {
      if (scan.escaped) scan.escaped = false;
      else if (c === 0x5c) scan.escaped = true;
      else if (c === 0x22) scan.inString = false;
    } else if (c === 0x22) scan.inString = true;
    else if (c === 0x7b || c === 0x5b) scan.depth++;
    else if ((c === 0x7d || c === 0x5d) && scan.depth > 0) {
      if (--scan.depth === 0) {
        scan.state = 'closed';
        return i + 1;
      }
    } else if (scan.depth === 0 && c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) {
      scan.state = 'other';
      return text.length;
    }
  }
  return text.length;
}

interface QueuedCall {
  key: string;
  id: string;
  name: string;
  /** Arguments not yet emitted. */
  pending: string;
  /** Arguments already emitted (live). */
  emitted: string;
  /** The upstream said the call is complete. */
  done: boolean;
  state: 'queued' | 'open' | 'closed';
  scan: ArgumentsScan;
}

export class ToolCallQueue {
  private readonly calls: QueuedCall[] = [];

  constructor(private readonly out: TurnEmitter) {}

  has(key: string): boolean {
    return this.find(key) !== undefined;
  }

  /** Whether the arguments `key` has had so far are a whole JSON value. */
  hasWholeArguments(key: string): boolean {
    const call = this.find(key);
    return call !== undefined && isWholeJson(call.emitted + call.pending);
  }

  /** Whether `key` has had any arguments. */
  hasArguments(key: string): boolean {
    const call = this.find(key);
    return call !== undefined && call.emitted + call.pending !== '';
  }

  /** A call is announced (or its id and name arrive later); the first one open opens at once. */
  announce(key: string, id: string, name: string): void {
    let call = this.find(key);
    if (!call) {
      call = {key, id: '', name: '', pending: '', emitted: '', done: false, state: 'queued', scan: {depth: 0, inString: false, escaped: false, state: 'open', held: ''}};
      this.calls.push(call);
    }
    call.id ||= id;
    call.name ||= name;
    this.advance();
  }

  /**
   * An arguments fragment for `key`. With `completesPrevious` (Chat, which never says a call is
   * done), a fragment for a later call ends the open call when its arguments are already whole JSON.
   */
  args(key: string, json: string, completesPrevious = false): void {
    const call = this.find(key);
    if (!call || !json || call.state === 'closed') return;
    const current = this.current();
    if (completesPrevious && current && current !== call && this.calls.indexOf(call) > this.calls.indexOf(current) && isWholeJson(current.emitted + current.pending)) {
      current.done = true;
      this.advance();
    }
    const part = argumentsPart(call.scan, json);
    call.pending += part === json.length ? json : json.slice(0, part);
    if (part < json.length) {
      const scan = call.scan;
      scan.held += json.slice(part);
      scan.whole ??= (call.emitted + call.pending).trim();
      const verdict = afterClose(scan.whole, scan.held);
      if (verdict === 'drop') scan.held = '';
      else if (verdict === 'pass') {
        call.pending += scan.held;
        scan.held = '';
        scan.state = 'other';
      }
    }
    if (call.state === 'open') this.emitPending(call);
  }

  /**
   * The call is complete; `fullArguments` (Responses `output_item.done`) replaces what the deltas
   * carried when they were incomplete (only the missing tail can follow what was already streamed).
   */
  done(key: string, fullArguments?: string): void {
    const call = this.find(key);
    if (!call || call.state === 'closed') return;
    if (fullArguments !== undefined && fullArguments !== '') {
      const have = call.emitted + call.pending;
      if (have !== fullArguments) {
        if (fullArguments.startsWith(call.emitted)) call.pending = fullArguments.slice(call.emitted.length);
        else if (!call.emitted) call.pending = fullArguments;
      }
    }
    call.done = true;
    this.advance();
  }

  /** The turn ends: every call still held is emitted, in order. */
  flush(): void {
    for (const call of this.calls) call.done = true;
    this.advance();
  }

  private find(key: string): QueuedCall | undefined {
    return this.calls.find((call) => call.key === key);
  }

  private current(): QueuedCall | undefined {
    return this.calls.find((call) => call.state !== 'closed');
  }

  /** Opens the first unfinished call, closing each complete one on the way. */
  private advance(): void {
    for (let call = this.current(); call; call = this.current()) {
      if (call.state === 'queued') {
        // A call without a name cannot be opened until its name arrives (unless the turn ends).
        if (!call.name && !call.done) return;
        call.state = 'open';
        this.out.toolCallStart(call.key, call.id || `call_${call.key}`, call.name);
      }
      this.emitPending(call);
      if (!call.done) return;
      this.out.toolCallEnd(call.key);
      call.state = 'closed';
    }
  }

  private emitPending(call: QueuedCall): void {
    if (!call.pending) return;
    this.out.toolCallArgs(call.key, call.pending);
    call.emitted += call.pending;
    call.pending = '';
  }
}

function isWholeJson(text: string): boolean {
  if (!text.trim()) return false;
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}
