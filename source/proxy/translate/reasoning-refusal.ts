// Reasoning an upstream refuses to take back. Each service verifies the reasoning state a client
// sends back (Anthropic's thinking signatures, codex's encrypted reasoning, Gemini's thought
// signatures) and answers 400 to one it did not make: thinking Kimi's Anthropic endpoint signed,
// reasoning another account or another tool made, an old session's. The client sends its whole
// history every turn, so without help the conversation fails for good (a common report when people
// switch between providers: "Invalid `signature` in `thinking` block", codex's
// `invalid_encrypted_content`). The proxy's tags (signatures.ts) already take out what it made for
// another upstream; what it cannot tell apart is handled as other gateways do (a "thinking
// signature rectifier"): on such a refusal the request goes again to the same account with the
// reasoning taken out of the client's history, the earlier turns' first (RetryScope). The model loses
// reasoning, not the conversation. Only a request whose reasoning taken out changes it is sent again.
import {dropThinkingBlocks, isThinkingBlock, skipCallSignatures} from './foreign-thinking.js';
import {SKIP_THOUGHT_SIGNATURE} from './gemini-contents.js';
import {upstreamErrorMessage} from './errors.js';
import {asArray, asString, field, isRecord, type JsonObject} from './json.js';
import type {ApiProtocol} from './types.js';

// Each service's words stand at the start of its error's message (a location, then the rule), never
// anywhere in the answer: an error that quotes the client's prompt (a content check's) may hold any
// of them, and is not a refusal of reasoning.
/** Anthropic's: a place in the messages, then thinking it will not take back (its signature, a turn without it, a block changed). */
const ANTHROPIC_REFUSAL = (message: string) => /^messages\.\d+\.content\.\d+[\w.]*:/.test(message) && /thinking/i.test(message) && /signature|Expected `?thinking|thinking`? blocks?\b/i.test(message);
/** Google's (Vertex's with its prefix): a function call's thought signature it will not take, or one missing. */
const GEMINI_REFUSAL = (message: string) =>
  /^(?:Unable to submit request because )?(?:Corrupted thought signature|(?:Invalid )?thought signature is not valid|Invalid thought signature|(?:the )?function call\b[^\n]{0,300}?\bis missing a `?thought_?signature)/i.test(message) ||
  // A signature a client changed (its base64 broken): Google's decoder refuses the field itself.
  /^Invalid value at '[^']{0,200}\.thought_signature' \(TYPE_BYTES\), Base64 decoding failed/.test(message);
/** codex's: encrypted content it cannot read (its code, or its words). */
const ENCRYPTED_REFUSAL = (message: string) => /^The encrypted content .{0,200}could not be (?:verified|decrypted)/s.test(message);

/**
 * Where a service's own words may stand in an upstream's error answer: at the start of its message
 * (errors.ts upstreamErrorMessage), trimmed; and at the start of the message of an error body inside
 * it: the message itself (Cloud Code passes on the Claude models' so), one after a gateway's prefix of
 * plain words (`litellm.BadRequestError: AnthropicException - {…}`), or OpenRouter's
 * `error.metadata.raw`. Never plain words after a prefix: a content check or a rate limit that quotes
 * the client's text after its own words (`Content blocked: Invalid thought signature in my …`) is
 * no refusal. At most a few levels, each bounded by upstreamErrorMessage's 1,000 characters.
 */
function refusalCandidates(text: string, depth = 0): string[] {
  const message = upstreamErrorMessage(400, text).trim();
  const found = [message];
  if (depth >= 2) return found;
  const inner: string[] = [];
  if (message.startsWith('{') || message.startsWith('[')) inner.push(message);
  // An error body after each plain-words prefix ending in ": " or " - " (within the first 200 characters).
  const prefix = /^[^"'`{[]{1,200}?(?:: | - )/;
  let rest = message;
  for (let step = 0, cut = prefix.exec(rest); step < 3 && cut; step++, cut = prefix.exec(rest)) {
    rest = rest.slice(cut[0].length).trim();
    if (rest.startsWith('{') || rest.startsWith('[')) inner.push(rest);
  }
  const raw = openRouterRaw(text);
  if (raw) inner.push(raw);
  for (const body of inner) found.push(...refusalCandidates(body, depth + 1));
  return found;
}

/** OpenRouter's upstream error body (`{"error": {"metadata": {"raw": "…"}}}`), if any. */
function openRouterRaw(text: string): string | undefined {
  try {
    return asString(field(field(field(JSON.parse(text) as unknown, 'error'), 'metadata'), 'raw'));
  } catch {
    return undefined;
  }
}

/** An OpenAI-shaped error's `code` (codex: `invalid_encrypted_content`). */
function openAiErrorCode(text: string): string | undefined {
  try {
    return asString(field(field(JSON.parse(text) as unknown, 'error'), 'code'));
  } catch {
    return undefined;
  }
}

/**
 * Whose rules refused the reasoning: Anthropic's (thinking signatures, and thinking in a tool loop),
 * Google's (function calls' thought signatures) or codex's (encrypted reasoning).
 */
export type ReasoningRefusal = 'anthropic' | 'google' | 'encrypted';

/**
 * Whether an upstream's error answer (`status`, body `text`) refuses reasoning state the request
 * carried, and by whose rules; undefined when it does not. The protocols' own words, at the start of
 * the error's message (an error quoting the client's prompt is none):
 * - Anthropic: `messages.N.content.M: Invalid \`signature\` in \`thinking\` block`, `Expected
 *   \`thinking\` or \`redacted_thinking\`, but found …` (a tool loop's turn without its thinking),
 *   `\`thinking\` … blocks in the latest assistant message cannot be modified`, `each thinking block must
 *   contain thinking`;
 * - OpenAI Responses (codex): code `invalid_encrypted_content`, "The encrypted content … could not
 *   be verified" (openai/codex issues, Dec 2025);
 * - Gemini, and Chat in front of it: "Corrupted thought signature", "Thought signature is not valid",
 *   "Function call is missing a thought_signature"; Cloud Code also passes on the words of the Claude
 *   models Antigravity serves, inside Google's error (`{"error": {"message": "{\"type\":\"error\"…
 *   Invalid \`signature\` in \`thinking\` block…"}}`): Anthropic's rules then.
 */
export function reasoningRefusal(upstream: ApiProtocol, status: number, text: string): ReasoningRefusal | undefined {
  if (status !== 400) return undefined;
  const candidates = refusalCandidates(text);
  const any = (words: (message: string) => boolean) => candidates.some(words);
  switch (upstream) {
    case 'anthropic':
      return any(ANTHROPIC_REFUSAL) ? 'anthropic' : undefined;
    case 'openai-responses':
      return openAiErrorCode(text) === 'invalid_encrypted_content' || any(ENCRYPTED_REFUSAL) ? 'encrypted' : undefined;
    case 'openai-chat':
      // A Chat gateway in front of Gemini passes on Google's words; one in front of Claude, Anthropic's
      // (its calls carry no thinking: the Chat body's retry is Google's skip value, SKIPPED_CALL_SIGNATURES).
      return any(GEMINI_REFUSAL) ? 'google' : undefined;
    case 'gemini-internal':
    case 'gemini-native':
      return any(GEMINI_REFUSAL) ? 'google' : any(ANTHROPIC_REFUSAL) ? 'anthropic' : undefined;
  }
}

/**
 * How much reasoning a retry takes out. First the earlier turns' only, which costs the model nothing
 * (Anthropic and OpenAI leave earlier turns' reasoning out of the model's context; Google checks the
 * current turn's signatures only), and is where a conversation that moved keeps the foreign reasoning
 * once its tool loop is over; then, if that is refused too, all of it.
 */
export type RetryScope = 'earlier-turns' | 'all';

/** The client's body without reasoning, and what was taken out, in words for the log. */
export interface WithoutReasoning {
  body: JsonObject;
  takenOut: string;
}

/**
 * A copy of the client's `body` (of the `client` protocol) with the reasoning state `refusal`'s rules
 * refused taken out, as far as `scope` goes; undefined when that changes nothing (sending it again
 * would be refused again):
 * - Anthropic Messages: thinking and redacted thinking blocks (an assistant message left empty with
 *   them goes too); under Anthropic's rules, with all of them, thinking is turned off where a tool
 *   loop's opening turn is then left without the thinking it must start with (thinkingRuleUnmet), also
 *   when it had none to take out (a loop another provider opened without thinking);
 * - OpenAI Responses: reasoning items, and with all of them any other item with encrypted content
 *   (codex's compaction of earlier turns: the model then no longer sees what it summarised);
 * - OpenAI Chat (all of it; the only reasoning a Chat history carries is Gemini's call signatures):
 *   every tool call gets the value Google takes for history it did not make (SKIP_THOUGHT_SIGNATURE),
 *   in place of a signature or where there is none; a request translated for Anthropic carries none
 *   of it, so its retry would send the same bytes and is not sent (server.ts).
 * A client of another protocol whose request goes to a Chat upstream in front of Gemini gets that
 * value on the calls of the translated body (prepare.ts, reasoningRefused).
 */
export function withoutReasoning(client: ApiProtocol, body: JsonObject, refusal: ReasoningRefusal, scope: RetryScope): WithoutReasoning | undefined {
  const out = {...body};
  switch (client) {
    case 'anthropic': {
      const messages = asArray(body.messages);
      const earlier = new Set(messages.slice(0, anthropicTurnStart(messages)));
      const dropped = dropThinkingBlocks(out, isThinkingBlock, scope === 'earlier-turns' ? (message) => earlier.has(message) : undefined);
      const off = scope === 'all' && refusal === 'anthropic' && turnOffThinkingWhereRuleUnmet(out);
      if (!dropped && !off) return undefined;
      const where = scope === 'earlier-turns' ? "earlier turns' thinking" : 'the thinking the conversation carried';
      return {body: out, takenOut: off ? `${dropped ? `${where}, and ` : ''}thinking for the rest of this tool loop (Anthropic's rule for a loop whose turn has none)` : where};
    }
    case 'openai-responses': {
      if (!Array.isArray(body.input)) return undefined;
      const items = body.input;
      const opening = currentTurnStart(items, (item) => field(item, 'role') === 'user' || (field(item, 'type') === 'message' && field(item, 'role') !== 'assistant'));
      let compactions = 0;
      const input = items.filter((item, i) => {
        if (scope === 'earlier-turns' && i >= opening) return true;
        if (field(item, 'type') === 'reasoning') return false;
        if (scope === 'all' && typeof field(item, 'encrypted_content') === 'string') {
          compactions++;
          return false;
        }
        return true;
      });
      if (input.length === items.length) return undefined;
      out.input = input;
      const where = scope === 'earlier-turns' ? "earlier turns' reasoning" : 'the reasoning the conversation carried';
      return {body: out, takenOut: compactions > 0 ? `${where}, and codex's compaction of earlier turns, which this account cannot read (the model no longer sees what it summarised)` : where};
    }
    case 'openai-chat':
      // A Chat history carries reasoning only as Gemini's call signatures: refused by Google, or by
      // the Claude models Antigravity serves behind Cloud Code (Anthropic's words there).
      if (scope !== 'all' || !skipCallSignatures(out, notSkipValue)) return undefined;
      return {body: out, takenOut: SKIPPED_CALL_SIGNATURES};
    default:
      return undefined;
  }
}

/**
 * Where the current turn starts in `items`: just after the last one `personWrote` picks (the last
 * message a person wrote; tool results are the model's turn going on), 0 when none does.
 */
function currentTurnStart(items: readonly unknown[], personWrote: (item: unknown) => boolean): number {
  for (let i = items.length - 1; i >= 0; i--) if (personWrote(items[i])) return i + 1;
  return 0;
}

/**
 * Where the current turn starts in Anthropic messages: just after the last run of user messages that
 * holds no tool result (consecutive messages of one role are one turn, as Anthropic takes them: text
 * sent in a message of its own after tool results is still the loop's); 0 when there is none.
 */
function anthropicTurnStart(messages: readonly unknown[]): number {
  let end = -1;
  let toolResults = false;
  for (let i = messages.length - 1; i >= 0; i--) {
    const role = field(messages[i], 'role');
    if (role === 'user') {
      if (end < 0) {
        end = i;
        toolResults = false;
      }
      toolResults ||= asArray(field(messages[i], 'content')).some((block) => field(block, 'type') === 'tool_result');
    } else if (role === 'assistant') {
      if (end >= 0 && !toolResults) return end + 1;
      end = -1;
    }
  }
  return end >= 0 && !toolResults ? end + 1 : 0;
}

/** What a retry whose calls got Google's skip value took out, in words for the log. */
export const SKIPPED_CALL_SIGNATURES = "the tool calls' thought signatures (Google's skip value instead)";

/** Whether a call's thought signature is anything but Google's skip value (none, another, or a foreign one). */
export const notSkipValue = (signature: unknown): boolean => signature !== SKIP_THOUGHT_SIGNATURE;

/**
 * Whether Anthropic messages end inside a tool loop whose turn cannot have thinking on: the last
 * user turn holds a tool result, and the assistant turn that opened the loop (the first after the
 * last user turn without a tool result) does not start with a thinking or redacted thinking block.
 * Consecutive messages of one role are one turn, as Anthropic takes them. Anthropic answers 400 to
 * thinking on then ("When `thinking` is enabled, a final `assistant` message must start with a
 * thinking block (preceeding the lastmost set of `tool_use` and `tool_result` blocks) … To avoid this
 * requirement, disable `thinking`"); later steps of the loop need none (Claude thinks after a tool
 * result only with interleaved thinking, and clients send such histories every turn). Met when
 * thinking was taken out of that turn (another provider's, or refused), or never came back (Chat
 * carries no Anthropic thinking).
 */
export function toolLoopLacksThinking(messages: readonly unknown[]): boolean {
  const turns: {role: unknown; blocks: unknown[]}[] = [];
  for (const message of messages) {
    const role = field(message, 'role');
    if (role !== 'user' && role !== 'assistant') continue;
    const content = field(message, 'content');
    const blocks = Array.isArray(content) ? content : typeof content === 'string' ? [{type: 'text', text: content}] : [];
    const last = turns.at(-1);
    if (last?.role === role) last.blocks.push(...blocks);
    else turns.push({role, blocks: [...blocks]});
  }
  // Claude Code adds text (reminders) beside tool results: a turn with any tool result is the loop's.
  const holdsToolResults = (turn: {blocks: unknown[]}) => turn.blocks.some((block) => field(block, 'type') === 'tool_result');
  const last = turns.at(-1);
  if (last?.role !== 'user' || !holdsToolResults(last)) return false;
  let opening: {blocks: unknown[]} | undefined;
  for (let i = turns.length - 1; i >= 0; i--) {
    const turn = turns[i]!;
    if (turn.role === 'assistant') opening = turn;
    else if (!holdsToolResults(turn)) break;
  }
  return opening !== undefined && !isThinkingBlock(opening.blocks[0]);
}

/** Whether an Anthropic Messages body has thinking on (`enabled`, `adaptive`) where toolLoopLacksThinking. */
export function thinkingRuleUnmet(body: JsonObject): boolean {
  const type = field(body.thinking, 'type');
  return (type === 'enabled' || type === 'adaptive') && toolLoopLacksThinking(asArray(body.messages));
}

/**
 * Turns thinking off (removes `thinking`, and context_management's `clear_thinking_*` edits, which
 * Anthropic takes only with thinking on) when thinkingRuleUnmet, in place. True when it changed.
 * The next message a person writes opens a turn that thinks again.
 */
export function turnOffThinkingWhereRuleUnmet(body: JsonObject): boolean {
  if (!thinkingRuleUnmet(body)) return false;
  delete body.thinking;
  const management = body.context_management;
  if (isRecord(management) && Array.isArray(management.edits)) {
    const edits = management.edits.filter((edit) => !/^clear_thinking/.test(String(field(edit, 'type'))));
    if (edits.length !== management.edits.length) {
      if (edits.length > 0) body.context_management = {...management, edits};
      else delete body.context_management;
    }
  }
  return true;
}
