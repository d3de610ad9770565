// A tool call's arguments end where their JSON object (or array) closes. Some OpenAI-compatible
// servers send the whole arguments again after streaming them (a "consolidated" last chunk, or the
// Responses item's `arguments` built by joining every delta), or a model adds a stray closing
// bracket: joined to the rest they make invalid JSON, and the client fails the tool call. A repeat
// (the same JSON value, however spaced) is held until it has closed and then dropped, as is one cut
// short by the end of the call; stray closers are dropped; anything else after the close goes on as
// it came (the client says the arguments are broken rather than losing a call it cannot know about).
// One pass over each character as it arrives, and one parse of the arguments and of each repeat.

/** Where a JSON text stands, read once per character. */
interface JsonScan {
  /** Nesting depth of objects and arrays; 0 before the first `{` or `[`. */
  depth: number;
  inString: boolean;
  escaped: boolean;
  /** `open`: reading; `closed`: the top-level object or array ended; `other`: not an object or array (not followed). */
  state: 'open' | 'closed' | 'other';
}

const newScan = (): JsonScan => ({depth: 0, inString: false, escaped: false, state: 'open'});
const isSpace = (c: number) => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;

/** How much of `text` goes on the JSON `scan` has read so far: all of it, or the part up to the close of its top-level object or array. */
function scanTo(scan: JsonScan, text: string): number {
  if (scan.state !== 'open') return scan.state === 'closed' ? 0 : text.length;
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
    } else if (scan.depth === 0 && !isSpace(c)) {
      scan.state = 'other';
      return text.length;
    }
  }
  return text.length;
}

/** `text` as canonical JSON (JSON.stringify of its value), or undefined when it is not JSON. */
function canonical(text: string): string | undefined {
  try {
    return JSON.stringify(JSON.parse(text));
  } catch {
    return undefined;
  }
}

/** One call's arguments as fragments arrive: `push` gives what goes on to the client. */
export class ToolArgumentsFilter {
  private readonly scan = newScan();
  /** The arguments up to their close. */
  private whole = '';
  private wholeJson: string | undefined | null = null;
  /** After the close: a value being held while it may be a repeat, and its scan. */
  private held = '';
  private repeat: JsonScan | undefined;
  /** Something other than a repeat came after the close: the rest goes on as it comes. */
  private passing = false;

  push(text: string): string {
    if (this.passing || this.scan.state === 'other') return text;
    if (this.scan.state === 'open') {
      const part = scanTo(this.scan, text);
      this.whole += part === text.length ? text : text.slice(0, part);
      if (part === text.length) return text;
      return text.slice(0, part) + this.afterClose(text.slice(part));
    }
    return this.afterClose(text);
  }

  /** `text` after the close: '' while it is white space, stray closers or (so far) a repeat; else all that was held and it. */
  private afterClose(text: string): string {
    let rest = text;
    while (rest !== '') {
      if (!this.repeat) {
        let at = 0;
        while (at < rest.length && (isSpace(rest.charCodeAt(at)) || rest.charCodeAt(at) === 0x7d || rest.charCodeAt(at) === 0x5d)) at++;
        rest = rest.slice(at);
        if (rest === '') return '';
        const c = rest.charCodeAt(0);
        if (c !== 0x7b && c !== 0x5b) return this.pass(rest);
        this.repeat = newScan();
      }
      const part = scanTo(this.repeat, rest);
      this.held += rest.slice(0, part);
      rest = rest.slice(part);
      if (this.repeat.state !== 'closed') return '';
      if (this.wholeJson === null) this.wholeJson = canonical(this.whole);
      if (this.wholeJson === undefined || canonical(this.held) !== this.wholeJson) return this.pass(rest);
      this.held = '';
      this.repeat = undefined;
    }
    return '';
  }

  /**
   * Whether the arguments read so far are one whole JSON object or array, and nothing else went on
   * after it (parsed once, when it closes); undefined for a value that is no object or array, which
   * the scan does not follow.
   */
  closedAsJson(): boolean | undefined {
    if (this.scan.state === 'other') return undefined;
    if (this.scan.state !== 'closed' || this.passing) return false;
    if (this.wholeJson === null) this.wholeJson = canonical(this.whole);
    return this.wholeJson !== undefined;
  }

  /**
   * The call is over: what is still held. A repeat cut short (the start of the arguments again,
   * however spaced) is dropped; anything else goes on, as it would have once it closed.
   */
  end(): string {
    this.repeat = undefined;
    const squeeze = (text: string) => text.replace(/\s+/g, '');
    const cutShort = this.held !== '' && squeeze(this.whole).startsWith(squeeze(this.held));
    const out = cutShort ? '' : this.held;
    this.held = '';
    return out;
  }

  private pass(rest: string): string {
    this.passing = true;
    const out = this.held + rest;
    this.held = '';
    return out;
  }
}

/** `text` (a call's whole arguments, as a Responses item gives them) without a repeat or stray closers after its close. */
export function withoutRepeat(text: string): string {
  const filter = new ToolArgumentsFilter();
  return filter.push(text) + filter.end();
}
