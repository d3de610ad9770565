// Reading an Anthropic Messages request (Claude Code's), for the pairs that carry it to another
// upstream protocol. Shapes from docs.anthropic.com "Messages": `system` is a string or text blocks;
// `messages[].content` a string or blocks (`text`, `image`, `document`, `tool_use`, `tool_result`,
// `thinking`, `redacted_thinking`); `tools[]` `{name, description, input_schema}` (server tools have a
// `type` and no schema); `tool_choice` `{type: auto|any|tool|none, name?, disable_parallel_tool_use?}`;
// `thinking` `{type: enabled, budget_tokens}` | `{type: adaptive}` | `{type: disabled}`.
import {asArray, asNumber, asRecord, asString, field, isRecord, withoutKeys, type JsonObject} from './json.js';
import {dataUrl} from './media.js';
import {asEffort, effortForBudget, type ReasoningEffort} from './reasoning.js';
import {upstreamToolId} from './tool-names.js';
import {TranslateError} from './types.js';

/**
 * Request fields that are Anthropic's own: translated where the upstream has an equivalent, else
 * dropped. Any other field is the client's deliberate extra and is carried to the upstream as is.
 */
export const ANTHROPIC_REQUEST_FIELDS = [
  'model', 'messages', 'system', 'max_tokens', 'metadata', 'stop_sequences', 'stream', 'temperature', 'top_p',
  'top_k', 'tools', 'tool_choice', 'thinking', 'service_tier', 'container', 'mcp_servers', 'context_management',
  'output_config', 'output_format', 'betas', 'anthropic_beta', 'anthropic_version',
] as const;

/** The start of an upstream body: the client's extra fields (see ANTHROPIC_REQUEST_FIELDS) and the upstream model. */
export function upstreamBodyBase(client: JsonObject, upstreamModel: string): JsonObject {
  const body = withoutKeys(client, ANTHROPIC_REQUEST_FIELDS);
  body.model = upstreamModel;
  return body;
}

/** `system` (string or text blocks) as one text; blocks joined by a blank line. */
export function systemText(system: unknown): string {
  if (typeof system === 'string') return system;
  return asArray(system)
    .map((block) => asString(field(block, 'text')) ?? '')
    .filter(Boolean)
    .join('\n\n');
}

export interface AnthropicMessage {
  role: 'user' | 'assistant';
  blocks: JsonObject[];
  /** `messages[i]`, for error messages. */
  where: string;
}

/**
 * The user and assistant messages, string content as one text block; `system` messages (Claude Code
 * 2.1 sends its environment as one, mid-conversation) are left to requestSystemText. Throws for a
 * message without a valid role.
 */
export function anthropicMessages(body: JsonObject): AnthropicMessage[] {
  if (!Array.isArray(body.messages)) throw new TranslateError('messages: must be an array');
  return body.messages.flatMap((message, i) => {
    const where = `messages[${i}]`;
    const role = field(message, 'role');
    if (role === 'system') return [];
    if (role !== 'user' && role !== 'assistant') throw new TranslateError(`${where}.role: must be "user", "assistant" or "system"`);
    return [{role, blocks: contentBlocks(field(message, 'content')), where}];
  });
}

function contentBlocks(content: unknown): JsonObject[] {
  return typeof content === 'string' ? (content ? [{type: 'text', text: content}] : []) : asArray(content).filter(isRecord);
}

/**
 * The whole system prompt: `system`, then the text of any `system` messages in `messages` (no other
 * upstream protocol takes system text mid-conversation everywhere, so it joins the prompt).
 */
export function requestSystemText(body: JsonObject): string {
  const inline = asArray(body.messages)
    .filter((message) => field(message, 'role') === 'system')
    .map((message) => systemText(contentBlocks(field(message, 'content'))));
  return [systemText(body.system), ...inline].filter(Boolean).join('\n\n');
}

/** An `image` or `document` block's bytes as a data: URL, or its link; throws for an unknown source. */
export function mediaUrl(block: JsonObject, where: string): string {
  const source = asRecord(block.source);
  const type = asString(source?.type);
  if (type === 'base64') return dataUrl(asString(source?.media_type) ?? 'application/octet-stream', asString(source?.data) ?? '');
  if (type === 'url' && asString(source?.url)) return String(source?.url);
  if (type === 'text' && asString(source?.data) !== undefined) return dataUrl('text/plain', Buffer.from(String(source?.data)).toString('base64'));
  throw new TranslateError(`${where}.source: an ${String(block.type)} must have a base64 or url source to be sent to this upstream`);
}

export interface ToolResult {
  id: string;
  /** The result's text parts joined; an error result is marked so the model sees it failed. */
  text: string;
  isError: boolean;
  /** Images (and documents) the tool returned, as data: URLs or links. */
  media: string[];
}

/**
 * A `tool_use` block's id as its upstream gave it (tool-names.ts upstreamToolId: Claude Code holds
 * the id made of it for Anthropic's rules). Throws TranslateError naming `where` when it has none.
 */
export function toolUseId(block: JsonObject, where: string): string {
  const id = asString(block.id);
  if (!id) throw new TranslateError(`${where}.id: a tool_use needs an id`);
  return upstreamToolId(id);
}

/** A `tool_result` block's content, flattened for upstreams whose tool results are text; `id` as toolUseId gives it. */
export function toolResult(block: JsonObject, where: string): ToolResult {
  const id = upstreamToolId(asString(block.tool_use_id) ?? '');
  const isError = block.is_error === true;
  const texts: string[] = [];
  const media: string[] = [];
  if (typeof block.content === 'string') texts.push(block.content);
  for (const [j, part] of asArray(block.content).entries()) {
    if (!isRecord(part)) continue;
    if (part.type === 'text') texts.push(asString(part.text) ?? '');
    else if (part.type === 'image' || part.type === 'document') media.push(mediaUrl(part, `${where}.content[${j}]`));
  }
  let text = texts.join('\n');
  if (isError) text = `Error: ${text}`;
  return {id, text, isError, media};
}

export interface ClientTool {
  name: string;
  description?: string;
  schema: JsonObject;
}

/**
 * The client's function tools. Anthropic server tools (`web_search_20250305`, `bash_20250124`...)
 * have no schema another upstream could run; they are left out rather than failing the request.
 */
export function clientTools(body: JsonObject): ClientTool[] {
  return asArray(body.tools).flatMap((tool, i) => {
    if (!isRecord(tool)) return [];
    const name = asString(tool.name);
    if (!name) throw new TranslateError(`tools[${i}].name: missing`);
    if (tool.type !== undefined && tool.type !== 'custom' && tool.input_schema === undefined) return [];
    const schema = asRecord(tool.input_schema) ?? {type: 'object', properties: {}};
    return [{name, description: asString(tool.description), schema}];
  });
}

export interface ToolChoice {
  mode: 'auto' | 'any' | 'tool' | 'none';
  name?: string;
  /** `disable_parallel_tool_use` was set. */
  oneCall: boolean;
}

export function toolChoice(body: JsonObject): ToolChoice | undefined {
  const choice = asRecord(body.tool_choice);
  if (!choice) return undefined;
  const type = asString(choice.type);
  if (type !== 'auto' && type !== 'any' && type !== 'tool' && type !== 'none') throw new TranslateError(`tool_choice.type: "${String(type)}" is not auto, any, tool or none`);
  if (type === 'tool' && !asString(choice.name)) throw new TranslateError('tool_choice.name: required when tool_choice.type is "tool"');
  return {mode: type, name: asString(choice.name), oneCall: choice.disable_parallel_tool_use === true};
}

/**
 * The reasoning effort the client asked for: `output_config.effort` when set, else from
 * `thinking.budget_tokens` (reasoning.ts's table); `adaptive` thinking is `medium`; none when
 * thinking is off or absent.
 */
export function thinkingEffort(body: JsonObject): ReasoningEffort | undefined {
  const thinking = asRecord(body.thinking);
  const type = asString(thinking?.type);
  if (type === 'disabled') return undefined;
  const named = asEffort(field(body.output_config, 'effort'));
  if (named && type !== undefined) return named;
  if (type === 'enabled') return effortForBudget(asNumber(thinking?.budget_tokens) ?? 0);
  if (type === 'adaptive') return named ?? 'medium';
  return undefined;
}

/** `thinking.budget_tokens` when thinking is enabled with a budget. */
export function thinkingBudget(body: JsonObject): number | undefined {
  const thinking = asRecord(body.thinking);
  return thinking?.type === 'enabled' ? asNumber(thinking.budget_tokens) : undefined;
}
