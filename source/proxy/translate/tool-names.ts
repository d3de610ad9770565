// Tool names and call ids within what the upstreams accept, and the names restored on the way back.
// Anthropic and OpenAI Responses take tool names matching ^[a-zA-Z0-9_-]{1,64}$, Gemini function
// names must start with a letter or `_` and stay within 64 characters; Anthropic tool_use ids match
// ^[a-zA-Z0-9_-]+$. Clients (MCP servers especially) send longer names and dotted ids.
import {createHash} from 'node:crypto';
import type {TranslateContext} from './types.js';

const NAME_LIMIT = 64;

/** The client's tool names ↔ the names sent upstream, for one request. */
export class ToolNames {
  private readonly toUpstream = new Map<string, string>();
  private readonly toClient = new Map<string, string>();

  /** The upstream-safe name for a client name; the same client name always gets the same one. */
  upstream(name: string): string {
    const known = this.toUpstream.get(name);
    if (known !== undefined) return known;
    let safe = name.replace(/[^a-zA-Z0-9_-]/g, '_');
    if (!/^[a-zA-Z_]/.test(safe)) safe = `_${safe}`;
    if (safe.length > NAME_LIMIT) safe = `${safe.slice(0, NAME_LIMIT - 9)}_${createHash('sha256').update(name).digest('hex').slice(0, 8)}`;
    // Two client names that clean to one upstream name: number the later one.
    for (let n = 2; this.toClient.has(safe) && this.toClient.get(safe) !== name; n++) safe = `${safe.slice(0, NAME_LIMIT - String(n).length - 1)}_${n}`;
    this.toUpstream.set(name, safe);
    this.toClient.set(safe, name);
    return safe;
  }

  /** The client's name for a name the upstream called (unknown names pass unchanged). */
  client(name: string): string {
    return this.toClient.get(name) ?? name;
  }
}

// The proxy hands the same context object to `request` and then to `stream`/`response` of one request;
// the names chosen while translating the request are found again through it.
const namesByRequest = new WeakMap<TranslateContext, ToolNames>();

/** The tool-name table of one request (created on first use). */
export function toolNamesFor(context: TranslateContext): ToolNames {
  let names = namesByRequest.get(context);
  if (!names) {
    names = new ToolNames();
    namesByRequest.set(context, names);
  }
  return names;
}

/** Starts the id safeToolId makes of one Anthropic would refuse (no id an upstream gives starts so). */
const ENCODED_ID = 'id--';

/**
 * A tool call id Anthropic accepts (^[a-zA-Z0-9_-]+$). An id it accepts stays as it is; any other
 * (and one that starts with ENCODED_ID) becomes ENCODED_ID and the id with `_` doubled and each
 * other refused character (a UTF-16 code unit) as `_<hex>_`: `a.1` → `id--a_2e_1`. A function of
 * the id alone, so the same id maps to the same one in every turn (the client sends back the ids it
 * was given), and no two ids map to one (`a.1` and `a_1`, both replaced to `a_1`, matched a tool
 * result to the wrong call).
 */
export function safeToolId(id: string): string {
  if (/^[a-zA-Z0-9_-]+$/.test(id) && !id.startsWith(ENCODED_ID)) return id;
  return ENCODED_ID + id.replace(/[^a-zA-Z0-9-]/g, (c) => (c === '_' ? '__' : `_${c.charCodeAt(0).toString(16)}_`));
}

/**
 * The id safeToolId made `id` of, for the upstream that gave it: a Claude Code request sends back
 * the ids it was given, and an upstream whose ids Anthropic refuses (Kimi's `functions.Read:0`)
 * reads its own in the history. Any other id, and one not in safeToolId's form, as it is.
 */
export function upstreamToolId(id: string): string {
  if (!id.startsWith(ENCODED_ID)) return id;
  const decoded = /^(?:[a-zA-Z0-9-]|__|_[0-9a-f]{1,4}_)*$/.exec(id.slice(ENCODED_ID.length));
  if (!decoded) return id;
  const original = id.slice(ENCODED_ID.length).replace(/__|_([0-9a-f]{1,4})_/g, (match, hex: string | undefined) => (hex === undefined ? '_' : String.fromCharCode(parseInt(hex, 16))));
  // Only what safeToolId makes (`id--abc` decodes to `abc`, which it keeps as it is): one id per id.
  return safeToolId(original) === id ? original : id;
}
