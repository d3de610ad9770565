// OpenAI Chat message histories as the upstreams accept them.
import {asArray, asRecord, asString, field, type JsonObject} from './json.js';
import {TranslateError} from './types.js';

/** An orphan tool result kept as user text (its call is no longer in the history). */
export function orphanResultText(id: string, content: unknown): string {
  return `[tool result ${id}]\n${typeof content === 'string' ? content : JSON.stringify(content)}`;
}

/**
 * Chat upstreams (and the Responses API, for its call items) answer 400 to a `tool` message without
 * its call right before it and to a call left unanswered: an orphan result (history trimmed by the
 * client) is kept as user text, an unanswered call (an aborted tool) gets an error result.
 */
export function pairToolMessages(messages: JsonObject[]): JsonObject[] {
  const out: JsonObject[] = [];
  let open = new Set<string>();
  /** Orphan results met among a call's results: placed after them, so the run stays unbroken. */
  let orphans: JsonObject[] = [];
  const closeRun = () => {
    for (const id of open) out.push({role: 'tool', tool_call_id: id, content: 'Error: no result: the client sent none for this call'});
    out.push(...orphans);
    open = new Set();
    orphans = [];
  };
  for (const message of messages) {
    if (message.role === 'tool' && typeof message.tool_call_id === 'string') {
      const id = message.tool_call_id;
      if (open.delete(id)) out.push(message);
      else orphans.push({role: 'user', content: orphanResultText(id, message.content)});
      continue;
    }
    closeRun();
    out.push(message);
    if (message.role === 'assistant') open = new Set(asArray(message.tool_calls).map((call) => asString(field(call, 'id')) ?? ''));
  }
  // Calls ending the history with no result yet are the turn the client continues, not unanswered ones.
  if (messages.at(-1)?.role !== 'assistant') closeRun();
  return out;
}

/** A tool message's text when the tool returned only images (they follow in a user message). */
export const TOOL_IMAGES_ATTACHED = '(the tool returned images, attached below)';

/**
 * A Chat upstream's tool message takes text only (OpenAI's Chat API refuses other parts there): the
 * images and files of a run of tool messages (paired: pairToolMessages) follow the run in a user
 * message, and a result that was only images says so.
 */
export function textOnlyToolMessages(messages: JsonObject[]): JsonObject[] {
  const out: JsonObject[] = [];
  let attached: JsonObject[] = [];
  for (const message of messages) {
    const isTool = message.role === 'tool';
    if (!isTool && attached.length > 0) {
      out.push({role: 'user', content: attached});
      attached = [];
    }
    const parts = isTool && Array.isArray(message.content) ? (message.content as unknown[]) : undefined;
    if (!parts || parts.every((part) => field(part, 'type') === 'text')) {
      out.push(message);
      continue;
    }
    attached.push(...(parts.filter((part) => field(part, 'type') !== 'text') as JsonObject[]));
    out.push({...message, content: chatText(parts.filter((part) => field(part, 'type') === 'text')) || TOOL_IMAGES_ATTACHED});
  }
  if (attached.length > 0) out.push({role: 'user', content: attached});
  return out;
}

/**
 * The Gemini thought signature a Chat tool call carries, where Google's OpenAI-compatible API puts
 * it (ai.google.dev "OpenAI compatibility", thought signatures): `extra_content.google.thought_signature`.
 */
export function chatCallThoughtSignature(call: unknown): string | undefined {
  return asString(field(field(field(call, 'extra_content'), 'google'), 'thought_signature'));
}

/** The field of a Chat tool call that carries `signature` (chatCallThoughtSignature); none without one. */
export const chatCallSignatureField = (signature: string | undefined): JsonObject => (signature ? {extra_content: {google: {thought_signature: signature}}} : {});

/** One call of an assistant message's `tool_calls`, its fields read leniently. */
export interface ChatToolCall {
  id: string;
  name: string;
  /** The JSON arguments text ('' when the client sent none). */
  arguments: string;
  /** Its Gemini thought signature, as the client got it (chatCallThoughtSignature). */
  signature?: string;
}

/** What a request translator does with each role of a Chat history. */
export interface ChatMessageVisitor {
  /** A system or developer message. */
  system(content: unknown, where: string): void;
  user(content: unknown, where: string): void;
  assistant(content: unknown, calls: ChatToolCall[], where: string): void;
  tool(callId: string, content: unknown, where: string): void;
}

/**
 * Walks Chat `messages` by role (`where` is `messages[i]`, for error messages). Throws
 * TranslateError for a role no upstream knows (`function` included), for a tool message without
 * the id of its call and for a call whose id is not a string.
 */
export function visitChatMessages(messages: unknown[], visitor: ChatMessageVisitor): void {
  messages.forEach((message, i) => {
    const where = `messages[${i}]`;
    const role = asString(field(message, 'role'));
    const content = field(message, 'content');
    if (role === 'system' || role === 'developer') return visitor.system(content, where);
    if (role === 'user') return visitor.user(content, where);
    if (role === 'assistant') {
      const calls = asArray(field(message, 'tool_calls')).map((call, j) => ({
        id: callId(field(call, 'id'), `${where}.tool_calls[${j}].id`),
        name: asString(field(field(call, 'function'), 'name')) ?? '',
        arguments: asString(field(field(call, 'function'), 'arguments')) ?? '',
        signature: chatCallThoughtSignature(call),
      }));
      return visitor.assistant(content, calls, where);
    }
    if (role === 'tool') {
      const id = asString(field(message, 'tool_call_id'));
      if (!id) throw new TranslateError(`${where}.tool_call_id: a tool message needs the id of the call it answers`);
      return visitor.tool(id, content, where);
    }
    throw new TranslateError(`${where}.role: "${String(role)}" is not a Chat Completions role this upstream can take (system, developer, user, assistant, tool)`);
  });
}

/** A tool call's id: a string, or none ('') when the client sent none. */
function callId(id: unknown, where: string): string {
  if (id === undefined || id === null) return '';
  if (typeof id !== 'string') throw new TranslateError(`${where}: must be a string (the id its tool message answers)`);
  return id;
}

/** The function tools of a Chat request; `upstream` names the upstream in the error for any other kind. */
export function chatFunctionTools(tools: unknown, upstream: string): {name: string; description?: string; parameters: JsonObject | undefined; definition: JsonObject}[] {
  return asArray(tools).map((tool, i) => {
    const fn = asRecord(field(tool, 'function'));
    const name = asString(fn?.name);
    if (field(tool, 'type') !== 'function' || !fn || !name) throw new TranslateError(`tools[${i}]: only function tools with a name can be sent to ${upstream}`);
    return {name, description: asString(fn.description), parameters: asRecord(fn.parameters), definition: fn};
  });
}

/** The text of Chat `content` (string, or the text parts joined). */
export function chatText(content: unknown): string {
  if (typeof content === 'string') return content;
  return asArray(content)
    .map((part) => asString(field(part, 'text')) ?? asString(field(part, 'refusal')) ?? '')
    .join('');
}
