// Parallel tool calls as upstreams send them → one call at a time, as TurnEvents require (README.md
// rule 2). Chat may announce every call first and then send the arguments per index; the Responses
// API may interleave `function_call_arguments.delta` of several items. The first unfinished call
// streams live; fragments of the others are buffered per call and emitted whole, in the order the
// calls were announced, once the calls before them are complete.
// Each call's arguments pass a ToolArgumentsFilter (tool-arguments.ts): what an upstream sends
// after their JSON has closed (the whole arguments again, stray closers) is not passed on.
import {ToolArgumentsFilter, withoutRepeat} from './tool-arguments.js';
import type {TurnEmitter} from './turn-emitter.js';

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
  filter: ToolArgumentsFilter;
}

export class ToolCallQueue {
  private readonly calls: QueuedCall[] = [];
  /**
   * Text or reasoning an upstream sent while the open call's arguments were still coming (a gateway
   * may interleave them): held until those arguments are whole or the call ends, then emitted in
   * order. Emitted at once, they closed the call and its later arguments were lost.
   */
  private readonly heldWords: Array<() => void> = [];

  constructor(private readonly out: TurnEmitter) {}

  /** Whether a text or reasoning event must wait (see heldWords): `hold` it then, else emit it now. */
  holding(): boolean {
    if (this.heldWords.length > 0) return true;
    const open = this.calls.find((call) => call.state === 'open');
    return open !== undefined && !open.done && !wholeArguments(open);
  }

  hold(say: () => void): void {
    this.heldWords.push(say);
  }

  private releaseWords(): void {
    if (this.out.finished) this.heldWords.length = 0;
    for (const say of this.heldWords.splice(0)) say();
  }

  has(key: string): boolean {
    return this.find(key) !== undefined;
  }

  /** The id `key`'s call was announced with (a Responses call_id), undefined when none is known. */
  idOf(key: string): string | undefined {
    return this.find(key)?.id || undefined;
  }

  /** Whether the arguments `key` has had so far are a whole JSON value. */
  hasWholeArguments(key: string): boolean {
    const call = this.find(key);
    return call !== undefined && wholeArguments(call);
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
      call = {key, id: '', name: '', pending: '', emitted: '', done: false, state: 'queued', filter: new ToolArgumentsFilter()};
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
    if (completesPrevious && current && current !== call && this.calls.indexOf(call) > this.calls.indexOf(current) && wholeArguments(current)) {
      current.done = true;
      this.advance();
    }
    const part = call.filter.push(json);
    if (part === '') return;
    call.pending += part;
    if (call.state !== 'open') return;
    this.emitPending(call);
    // The words held behind this call go out once its arguments are whole (they close it, as they would have).
    if (this.heldWords.length > 0 && wholeArguments(call)) this.releaseWords();
  }

  /**
   * The call is complete; `fullArguments` (Responses `output_item.done`) replaces what the deltas
   * carried when they were incomplete (only the missing tail can follow what was already streamed).
   */
  done(key: string, fullArguments?: string): void {
    const call = this.find(key);
    if (!call || call.state === 'closed') return;
    if (fullArguments !== undefined && fullArguments !== '') {
      fullArguments = withoutRepeat(fullArguments);
      // What the deltas left held is in the whole arguments (or was not theirs): not given again at the end.
      call.filter = new ToolArgumentsFilter();
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
    this.releaseWords();
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
      const rest = call.filter.end();
      if (rest) {
        call.pending += rest;
        this.emitPending(call);
      }
      this.out.toolCallEnd(call.key);
      call.state = 'closed';
      this.releaseWords();
    }
  }

  private emitPending(call: QueuedCall): void {
    if (!call.pending) return;
    this.out.toolCallArgs(call.key, call.pending);
    call.emitted += call.pending;
    call.pending = '';
  }
}

/**
 * Whether a call's arguments so far are one whole JSON value: what its filter's scan of each
 * fragment knows (parsed once, when they close), else a parse of them (a done call, whose filter
 * started over, or a value that is no object or array). A JSON.parse of all the arguments per
 * fragment, or per text delta held behind them, was quadratic: a 1 MB argument in 50-byte
 * fragments blocked the event loop for seconds.
 */
function wholeArguments(call: QueuedCall): boolean {
  return (call.done ? undefined : call.filter.closedAsJson()) ?? isWholeJson(call.emitted + call.pending);
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
