// A whole answer (one JSON document, or a stream's final snapshot such as Responses'
// `response.completed`) whose credential is cut across its blocks or items: an Anthropic message's
// `content: [{text: "key sk-ant-o"}, {tool_use}, {text: "at01-… end"}]`, a Responses `output` whose
// message items' texts the OpenAI SDK joins into `output_text`, Chat choices' `message.content`.
// Every byte masker sees each string alone; a client joins them. Masked here as the stream run
// masker masks the same pieces streamed (core/text-run-mask.ts): the joined text of each kind of
// field is one run, a masked echo's text goes to the piece where it starts, the pieces it spans come
// out empty. What a client reads across kinds (a text, then a tool call's input; one tool call's
// input, then the next) is masked as the stream masker masks those runs too (maskAcrossKinds). The
// log probabilities a client joins and decodes are looked at here too (core/logprobs-mask.ts). Pure.
import {LogprobsMasker, mayHoldLogprobs} from './logprobs-mask.js';
import type {RedactOptions, Redactor} from './redact.js';
import {closedStringHold, type JsonText, RunCarries, TextRunMasker} from './text-run-mask.js';

const CUT: RedactOptions = Object.freeze({cutEchoes: true});

/** The keys of the text fields a client joins across blocks, items or parts (at a string value). */
export const JOINED_KEYS: ReadonlySet<string> = new Set(['text', 'thinking', 'content', 'refusal', 'reasoning_content', 'reasoning']);
/**
 * Those keys in a document's raw text, at a string value (a key inside a string has its quotes
 * escaped); and a tool call's input (`arguments`, Anthropic's `input`, Gemini's `args`), which a
 * client shows after the text before it (maskAcrossKinds).
 */
const JOINED_FIELD = /"(?:text|thinking|content|refusal|reasoning_content|reasoning|arguments)"\s*:\s*"|"(?:input|args)"\s*:\s*\{/g;

/**
 * Whether a JSON document's text may hold two joined fields (false: certainly not, and so no echo cut
 * between two): two of JOINED_FIELD, or any `\u` escape (a key may be spelled with one); or log
 * probabilities (mayHoldLogprobs). For the hot path: most answers have one text field and no log
 * probabilities, and are never parsed.
 */
export function mayJoinTexts(json: string): boolean {
  if (json.includes('\\u')) return true;
  JOINED_FIELD.lastIndex = 0;
  return (JOINED_FIELD.exec(json) !== null && JOINED_FIELD.exec(json) !== null) || mayHoldLogprobs(json);
}

interface Leaf {
  holder: Record<string, unknown>;
  key: string;
}

/**
 * An array item's part of a join's key, so that a group holds what one client joins and nothing
 * between: items of another type are joined apart (a Responses `output`'s reasoning items are not
 * in `output_text`, which the OpenAI SDK joins from the message items' `output_text` parts only,
 * openai-node addOutputText; an Anthropic answer's text blocks are joined apart from any other
 * block; a Gemini thought part is not in the answer's text, @google/genai `text`), and each Chat
 * choice or Gemini candidate is an answer of its own (by its `index`). `#` when none applies.
 */
export function itemKey(arrayKey: string, item: {readonly type?: unknown; readonly index?: unknown; readonly thought?: unknown}, position: number): string {
  if (arrayKey === 'choices' || arrayKey === 'candidates') return `#${typeof item.index === 'number' ? item.index : position}`;
  if (typeof item.type === 'string') return `#${JSON.stringify(item.type)}`;
  return item.thought === true ? '#thought' : '#';
}

/**
 * Masks, in place, every echo a client would see in the joined strings of `value`: the strings at
 * JOINED_KEYS under an array (blocks, items, parts, choices) are grouped by what a client joins: their
 * path with each array index replaced by the item's kind (itemKey: `"content".#"text".text`,
 * `"output".#"message"."content".#"output_text".text`, `"choices".#0."message".content`), and each group's
 * strings, in document order, are masked as one run. Returns whether anything changed.
 * A group of one string is left to the byte masker (an echo whole in one string is masked there).
 * Log probability lists are rid of the entries that spell a credential (LogprobsMasker, each list alone).
 */
export function maskJoinedTexts(value: unknown, redactor: Redactor): boolean {
  if (redactor.size === 0) return false;
  const groups = new Map<string, Leaf[]>();
  // `key`: the key `node` is at (a path's keys are JSON-quoted: one with a `.` is not two).
  const walk = (node: unknown, path: string, key: string, underArray: boolean) => {
    if (Array.isArray(node)) {
      node.forEach((item: unknown, position) => {
        if (typeof item !== 'object' || item === null) return;
        walk(item, `${path}.${Array.isArray(item) ? '#' : itemKey(key, item as {type?: unknown}, position)}`, '', true);
      });
      return;
    }
    for (const [name, item] of Object.entries(node as Record<string, unknown>)) {
      if (typeof item === 'string') {
        if (!underArray || !JOINED_KEYS.has(name)) continue;
        const group = `${path}.${name}`;
        const leaves = groups.get(group);
        if (leaves) leaves.push({holder: node as Record<string, unknown>, key: name});
        else groups.set(group, [{holder: node as Record<string, unknown>, key: name}]);
      } else if (typeof item === 'object' && item !== null) walk(item, `${path}.${JSON.stringify(name)}`, name, underArray);
    }
  };
  if (typeof value !== 'object' || value === null) return false;
  walk(value, '', '', false);
  let changed = new LogprobsMasker(redactor, false).mask(value);
  for (const leaves of groups.values()) {
    if (leaves.length < 2) continue;
    const pieces = leaves.map((leaf) => leaf.holder[leaf.key] as string);
    const run = new TextRunMasker(redactor);
    const outputs = [...run.pushAll(pieces), ...run.end()];
    for (let i = 0; i < leaves.length; i++) {
      // A piece that ends in a secret's start no later piece goes on with (a text block cut off
      // before a tool call) is masked as the stream masker masks a run that ends so (cutEchoes).
      const output = redactor.redact(outputs[i]!, CUT);
      if (output === pieces[i]) continue;
      leaves[i]!.holder[leaves[i]!.key] = output;
      changed = true;
    }
  }
  // Then what a client reads across kinds (a text, then a tool call's input), the groups already masked.
  changed = maskAcrossKinds(value, redactor) || changed;
  return changed;
}

/** A string a client shows of an answer, in the order it shows them: a text, a thinking, or a tool call's JSON input. */
interface Segment {
  kind: 'text' | 'thinking' | 'tool';
  text: string;
  set(text: string): void;
}

const TOOL_INPUT: JsonText = Object.freeze({escaped: false});

/**
 * Each answer of a document (an Anthropic message, a Responses `output`, a Chat choice's message,
 * a Gemini candidate; at the root, in a Responses final event's `response`, Cloud Code's `response`,
 * an Anthropic `message_start`'s `message`), as the segments a client shows one after the other.
 */
function answersOf(value: object): Segment[][] {
  const answers: Segment[][] = [];
  const record = (item: unknown) => (typeof item === 'object' && item !== null && !Array.isArray(item) ? (item as Record<string, unknown>) : undefined);
  const list = (item: unknown) => (Array.isArray(item) ? item.map(record).filter((entry) => entry !== undefined) : []);
  const string = (holder: Record<string, unknown>, key: string, kind: Segment['kind'], into: Segment[]) => {
    const text = holder[key];
    if (typeof text === 'string' && text !== '') into.push({kind, text, set: (masked) => (holder[key] = masked)});
  };
  /** A tool input that is an object (Anthropic `input`, Gemini `args`): shown as its JSON, masked back into it. */
  const object = (holder: Record<string, unknown>, key: string, into: Segment[]) => {
    if (!record(holder[key])) return;
    into.push({kind: 'tool', text: JSON.stringify(holder[key]), set: (masked) => (holder[key] = JSON.parse(masked) as unknown)});
  };
  const root = record(value)!;
  for (const at of [root, record(root.response), record(root.message)]) {
    if (!at) continue;
    const content: Segment[] = [];
    for (const block of list(at.content)) {
      if (block.type === 'text') string(block, 'text', 'text', content);
      else if (block.type === 'thinking') string(block, 'thinking', 'thinking', content);
      else if (block.type === 'tool_use' || block.type === 'server_tool_use') object(block, 'input', content);
    }
    const output: Segment[] = [];
    for (const item of list(at.output)) {
      if (item.type === 'message') for (const part of list(item.content)) string(part, part.type === 'refusal' ? 'refusal' : 'text', 'text', output);
      else if (item.type === 'reasoning') for (const part of [...list(item.summary), ...list(item.content)]) string(part, 'text', 'thinking', output);
      else if (item.type === 'function_call') string(item, 'arguments', 'tool', output);
    }
    answers.push(content, output);
    for (const choice of list(at.choices)) {
      const message = record(choice.message);
      if (!message) continue;
      const segments: Segment[] = [];
      string(message, 'reasoning_content', 'thinking', segments);
      string(message, 'reasoning', 'thinking', segments);
      string(message, 'content', 'text', segments);
      for (const fn of [...list(message.tool_calls).map((call) => record(call.function)), record(message.function_call)]) if (fn) string(fn, 'arguments', 'tool', segments);
      answers.push(segments);
    }
    for (const candidate of list(at.candidates)) {
      const segments: Segment[] = [];
      for (const part of list(record(candidate.content)?.parts)) {
        if (typeof part.text === 'string') string(part, 'text', part.thought === true ? 'thinking' : 'text', segments);
        else if (record(part.functionCall)) object(record(part.functionCall)!, 'args', segments);
      }
      answers.push(segments);
    }
  }
  return answers.filter((segments) => segments.length > 1);
}

/**
 * Masks, in place, an echo a client reads across the segments of an answer of different kinds, as
 * the stream masker masks their runs (core/text-run-mask.ts continueAfter, RunCarries): a token
 * whose start ends a text, or a tool input's last string, and whose rest begins a later tool input
 * (or the text after it) shows `…(redacted)` there; a start of CUT_ECHO_MIN characters or more
 * ending one is masked as cut. Each segment is a run of its own; same-kind joins are the groups'
 * (maskJoinedTexts). Whether anything changed. Answers whose segments end in nothing that may
 * begin a credential are not looked at further.
 */
function maskAcrossKinds(value: unknown, redactor: Redactor): boolean {
  if (typeof value !== 'object' || value === null) return false;
  let changed = false;
  for (const segments of answersOf(value)) {
    const mayCarry = segments.slice(0, -1).some(({kind, text}) => redactor.holdTextFrom(text) < text.length || (kind === 'tool' && closedStringHold(redactor, text, 0, text.length, false) < text.length));
    if (!mayCarry) continue;
    const carries = new RunCarries();
    for (const segment of segments) {
      const run = new TextRunMasker(redactor, false, segment.kind === 'tool' ? TOOL_INPUT : undefined);
      const tail = carries.size > 0 ? carries.take(segment.kind) : undefined;
      if (tail) run.continueAfter(tail);
      const masked = [...run.push(segment.text), ...run.end()].join('');
      if (run.tail) carries.ended(segment.kind, run.tail);
      if (masked === segment.text) continue;
      try {
        segment.set(masked);
        changed = true;
      } catch {
        // A tool input whose masked JSON is no JSON (none is: masked forms have no quote): left as it was.
      }
    }
  }
  return changed;
}

/**
 * A JSON document's text with its joined fields masked (maskJoinedTexts), re-encoded by
 * JSON.stringify; undefined when nothing changed (the caller sends its bytes as they are) or it
 * is no JSON.
 */
export function maskJoinedJson(json: string, redactor: Redactor): string | undefined {
  if (redactor.size === 0 || !mayJoinTexts(json)) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return undefined;
  }
  try {
    return maskJoinedTexts(value, redactor) ? JSON.stringify(value) : undefined;
  } catch (error) {
    // Nested deeper than the stack (a hostile document; no answer is): no client joins such fields.
    if (error instanceof RangeError) return undefined;
    throw error;
  }
}
