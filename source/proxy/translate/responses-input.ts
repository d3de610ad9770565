// Reading an OpenAI Responses request (Codex CLI) for the pairs that send it elsewhere: `input` as a
// string or items, system/developer messages folded into the instructions, message content as
// parts, and the tools an upstream can call as plain functions.
import {asArray, asRecord, asString, field, type JsonObject} from './json.js';
import type {RequestMemo} from './request-memo.js';
import {TranslateError} from './types.js';

export interface ResponsesInput {
  /** `instructions` and the text of system/developer messages, in order. */
  system: string[];
  /** The remaining items; messages have `type: "message"` and `content` as an array of parts. */
  items: JsonObject[];
  /** The request's tool declarations: `tools`, then those of `additional_tools` input items. */
  tools: unknown[];
}

export function readResponsesInput(body: JsonObject): ResponsesInput {
  // A stored conversation lives at OpenAI; no other upstream can continue it.
  if (body.previous_response_id !== undefined && body.previous_response_id !== null) {
    throw new TranslateError('previous_response_id: this upstream keeps no stored responses; send the whole conversation as input (store: false)');
  }
  const system: string[] = [];
  const tools = [...asArray(body.tools)];
  const instructions = asString(body.instructions);
  if (instructions) system.push(instructions);
  if (typeof body.input === 'string') return {system, items: [{type: 'message', role: 'user', content: [{type: 'input_text', text: body.input}]}], tools};
  const items: JsonObject[] = [];
  asArray(body.input).forEach((raw, i) => {
    const item = asRecord(raw);
    if (!item) throw new TranslateError(`input[${i}]: an input item must be an object`);
    const type = asString(item.type) ?? (item.role !== undefined ? 'message' : undefined);
    // A record of a search OpenAI ran itself: nothing in it can be replayed to another upstream.
    if (type === 'web_search_call') return;
    // Codex CLI (0.171, for models it knows) declares its tools in an input item rather than in
    // `tools`: declarations, no conversation content.
    if (type === 'additional_tools') {
      tools.push(...asArray(item.tools));
      return;
    }
    if (type !== 'message') {
      items.push({...item, type});
      return;
    }
    const content = typeof item.content === 'string' ? [{type: 'input_text', text: item.content}] : asArray(item.content);
    if (item.role === 'system' || item.role === 'developer') system.push(content.map((part) => asString(field(part, 'text')) ?? '').join(''));
    else items.push({...item, type, content});
  });
  return {system, items, tools};
}

/** The summary text of a reasoning item, as the client showed it and sends it back. */
export function reasoningSummary(item: JsonObject): string {
  return asArray(item.summary)
    .map((part) => asString(field(part, 'text')) ?? '')
    .join('');
}

/** The error for an input item of a type `upstream` cannot take. */
export function unsupportedItem(item: JsonObject, where: string, upstream: string): TranslateError {
  return new TranslateError(`${where}.type: "${String(item.type)}" items cannot be sent to ${upstream} (messages, reasoning, function and custom tool calls and their outputs can)`);
}

/** Text of message parts (`input_text`, `output_text`, `refusal`). */
export function partsText(parts: unknown): string {
  return asArray(parts)
    .map((part) => asString(field(part, 'text')) ?? asString(field(part, 'refusal')) ?? '')
    .join('');
}

export interface FunctionTool {
  name: string;
  description?: string;
  parameters: JsonObject;
}

/** The parameters a `custom` (free-form) tool is called with upstream. */
const CUSTOM_TOOL_PARAMETERS: JsonObject = {
  type: 'object',
  properties: {input: {type: 'string', description: 'The whole free-form input of the tool, exactly as its description asks for it.'}},
  required: ['input'],
};

/**
 * The function and custom tools of a Responses request. Custom tools become functions taking one
 * string `input` (noted in `memo` so their calls go back as `custom_tool_call`). Built-in tools
 * (web_search, file_search, computer use…) are run by OpenAI itself; no other upstream can, so they
 * are left out rather than refused (the model simply does not see them).
 */
export function responsesFunctionTools(tools: unknown, memo: RequestMemo): FunctionTool[] {
  const out: FunctionTool[] = [];
  asArray(tools).forEach((tool, i) => {
    const type = asString(field(tool, 'type'));
    const name = asString(field(tool, 'name'));
    // `functions` is the namespace of plain functions (their calls come back by bare name); tools of
    // other namespaces are called with the namespace, which no other upstream can carry: left out.
    if (type === 'namespace' && name === 'functions') {
      out.push(...responsesFunctionTools(field(tool, 'tools'), memo));
      return;
    }
    if (type !== 'function' && type !== 'custom') return;
    if (!name) throw new TranslateError(`tools[${i}].name: a ${type} tool needs a name`);
    let description = asString(field(tool, 'description'));
    if (type === 'custom') {
      memo.customTools.add(name);
      const format = field(tool, 'format');
      const grammar = asString(field(format, 'definition'));
      if (grammar) description = `${description ?? ''}\n\nThe input must follow this ${asString(field(format, 'syntax')) ?? ''} grammar:\n${grammar}`.trim();
      out.push({name, description, parameters: CUSTOM_TOOL_PARAMETERS});
      return;
    }
    out.push({name, description, parameters: asRecord(field(tool, 'parameters')) ?? {type: 'object', properties: {}}});
  });
  return out;
}

/** The named tool of a Responses `tool_choice` (`{type: "function" | "custom", name}`), if any. */
export function forcedToolName(choice: unknown): string | undefined {
  const type = asString(field(choice, 'type'));
  return type === 'function' || type === 'custom' ? asString(field(choice, 'name')) : undefined;
}

/** A call item's arguments as JSON text (a custom call's input wrapped as `{input}`). */
export function callArguments(item: JsonObject): string {
  if (item.type === 'custom_tool_call') return JSON.stringify({input: asString(item.input) ?? ''});
  return asString(item.arguments) ?? '';
}

/** Whether an item is a tool call (function or custom) / a tool's output. */
export function isCallItem(item: JsonObject): boolean {
  return item.type === 'function_call' || item.type === 'custom_tool_call';
}
export function isCallOutputItem(item: JsonObject): boolean {
  return item.type === 'function_call_output' || item.type === 'custom_tool_call_output';
}
