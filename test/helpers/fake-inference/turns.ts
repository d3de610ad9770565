// A request as the fake upstream's "model" sees it, in every protocol: the tools offered, the tool
// results sent back and the last user text; or the refusal the real service would answer.
type Json = Record<string, unknown>;

export interface Turn {
  protocol: 'openai-chat' | 'openai-responses' | 'gemini' | 'anthropic';
  model: string;
  /** Tool (function) names offered, as sent upstream. */
  tools: string[];
  /** Text of the tool results in this request, oldest first. */
  toolResults: string[];
  /** Whether the request ends with tool results (the model continues a tool loop). */
  continuesToolLoop: boolean;
  /** The last user text. */
  userText: string;
  system: string;
}

export type Refusal = {refusal: string};

const isRecord = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const field = (v: unknown, key: string): unknown => (isRecord(v) ? v[key] : undefined);
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const textOf = (content: unknown): string =>
  typeof content === 'string'
    ? content
    : arr(content)
        .map((part) => (isRecord(part) ? String(part.text ?? (typeof part.content === 'string' ? part.content : '') ?? '') : ''))
        .join('');

/**
 * OpenAI Chat Completions: `tool` messages must answer the calls of the assistant message before them,
 * all of them. A Gemini 3 model (Gemini's OpenAI-compatible endpoint) also wants, in the current turn
 * (after the last user message), each assistant message's first call to carry the signature it gave
 * in `extra_content.google.thought_signature`, as the native API wants it on the part.
 */
export function chatTurn(body: Json): Turn | Refusal {
  const messages = arr(body.messages).filter(isRecord);
  if (messages.length === 0) return {refusal: "[] is too short - 'messages'"};
  if (/^gemini-3/.test(String(body.model))) {
    const start = messages.findLastIndex((m) => m.role === 'user') + 1;
    // As the native contents they stand for: calls as functionCall parts, `tool` messages as functionResponse parts.
    const asContents = messages.slice(start).map((m) =>
      m.role === 'assistant'
        ? {
            role: 'model',
            parts: arr(m.tool_calls).filter(isRecord).map((call) => {
              const signature = field(field(call.extra_content, 'google'), 'thought_signature');
              return {functionCall: {name: field(call.function, 'name')}, ...(signature === undefined ? {} : {thoughtSignature: signature})};
            }),
          }
        : {role: 'user', parts: [m.role === 'tool' ? {functionResponse: {}} : {text: ''}]},
    );
    const unsigned = thoughtSignatureProblem([{role: 'user', parts: [{text: ''}]}, ...asContents]);
    if (unsigned) return {refusal: unsigned};
  }
  let open: string[] = [];
  const toolResults: string[] = [];
  for (const [i, message] of messages.entries()) {
    if (message.role === 'tool') {
      const id = String(message.tool_call_id);
      if (!open.includes(id)) return {refusal: `Invalid parameter: messages with role 'tool' must be a response to a preceeding message with 'tool_calls'.`};
      open = open.filter((x) => x !== id);
      toolResults.push(textOf(message.content));
      continue;
    }
    if (open.length > 0) {
      return {refusal: `An assistant message with 'tool_calls' must be followed by tool messages responding to each 'tool_call_id'. The following tool_call_ids did not have response messages: ${open.join(', ')}`};
    }
    if (message.role === 'assistant') open = arr(message.tool_calls).map((call) => String(isRecord(call) ? call.id : ''));
    if (message.role !== 'assistant' && message.role !== 'user' && message.role !== 'system' && message.role !== 'developer') return {refusal: `Invalid value: '${String(message.role)}'. Supported values are: 'system', 'assistant', 'user', 'tool', 'developer'. (messages[${i}].role)`};
  }
  return {
    protocol: 'openai-chat',
    model: String(body.model),
    tools: arr(body.tools).map((tool) => String(isRecord(tool) && isRecord(tool.function) ? tool.function.name : '')),
    toolResults,
    continuesToolLoop: messages.at(-1)!.role === 'tool',
    userText: textOf(messages.findLast((m) => m.role === 'user')?.content),
    system: messages.filter((m) => m.role === 'system' || m.role === 'developer').map((m) => textOf(m.content)).join('\n'),
  };
}

/** The codex Responses backend: `function_call_output` needs its `function_call` earlier in the input. */
export function responsesTurn(body: Json): Turn | Refusal {
  const items = (typeof body.input === 'string' ? [{type: 'message', role: 'user', content: body.input}] : arr(body.input)).filter(isRecord);
  const calls = new Set<string>();
  const toolResults: string[] = [];
  for (const item of items) {
    if (item.type === 'function_call' || item.type === 'custom_tool_call') calls.add(String(item.call_id));
    if (item.type === 'function_call_output' || item.type === 'custom_tool_call_output') {
      if (!calls.has(String(item.call_id))) return {refusal: `No tool call found for function call output with call_id ${String(item.call_id)}.`};
      toolResults.push(typeof item.output === 'string' ? item.output : textOf(item.output));
    }
  }
  const last = items.at(-1);
  return {
    protocol: 'openai-responses',
    model: String(body.model),
    tools: arr(body.tools).map((tool) => String(isRecord(tool) ? tool.name : '')),
    toolResults,
    continuesToolLoop: last?.type === 'function_call_output' || last?.type === 'custom_tool_call_output',
    userText: textOf(items.findLast((i) => i.type === 'message' && i.role === 'user')?.content),
    system: String(body.instructions ?? ''),
  };
}

/** Keywords Gemini's function-declaration Schema refuses (400 "Unknown name … Cannot find field"). */
const GEMINI_REFUSED_KEYWORDS = new Set(['$ref', '$schema', '$defs', 'definitions', 'additionalProperties', 'const', 'oneOf', 'allOf', 'exclusiveMinimum', 'exclusiveMaximum', 'propertyNames', 'patternProperties']);

function geminiSchemaProblem(schema: unknown, where: string): string | undefined {
  if (!isRecord(schema)) return undefined;
  for (const [key, value] of Object.entries(schema)) {
    if (GEMINI_REFUSED_KEYWORDS.has(key)) return `Invalid JSON payload received. Unknown name "${key}" at '${where}': Cannot find field.`;
    if (key === 'type' && Array.isArray(value)) return `Invalid JSON payload received. Proto field is not repeating, cannot start list at '${where}.type'.`;
    if (key === 'properties' && isRecord(value)) {
      for (const [name, child] of Object.entries(value)) {
        const problem = geminiSchemaProblem(child, `${where}.properties[${name}].value`);
        if (problem) return problem;
      }
    } else if (key === 'items' || key === 'anyOf') {
      for (const child of Array.isArray(value) ? value : [value]) {
        const problem = geminiSchemaProblem(child, `${where}.${key}`);
        if (problem) return problem;
      }
    }
  }
  return undefined;
}

/** The thoughtSignature the stand-in's Gemini puts on each function call it makes (replies.ts geminiAnswer). */
export const GEMINI_CALL_SIGNATURE = 'gemini-call-sig';
/** The value Google documents for function calls in history it did not make (ai.google.dev "Thought signatures"). */
const SKIP_SIGNATURE_VALIDATOR = 'skip_thought_signature_validator';

/**
 * Gemini 3's rule (ai.google.dev "Thought signatures"): in the current turn (every content after the
 * last user content that is not function responses), the first functionCall of each model step must
 * carry the signature the model gave it (or the documented skip value); calls of earlier turns are
 * not checked. Google answers 400 INVALID_ARGUMENT with these texts.
 */
function thoughtSignatureProblem(contents: Json[]): string | undefined {
  const start = contents.findLastIndex((c) => c.role !== 'model' && !arr(c.parts).some((p) => isRecord(p) && isRecord(p.functionResponse))) + 1;
  for (let i = start; i < contents.length; i++) {
    if (contents[i]!.role !== 'model') continue;
    const parts = arr(contents[i]!.parts).filter(isRecord);
    const first = parts.findIndex((p) => isRecord(p.functionCall));
    if (first < 0) continue;
    const call = parts[first]!;
    const name = String((call.functionCall as Json).name);
    if (call.thoughtSignature === undefined) {
      return `Function call is missing a thought_signature in functionCall parts. This is required for tools to work correctly, and missing thought_signature may lead to degraded model performance. Additional data, function call \`default_api:${name}\` , position ${i + 1}. Please refer to https://ai.google.dev/gemini-api/docs/thought-signatures for more details.`;
    }
    if (call.thoughtSignature !== GEMINI_CALL_SIGNATURE && call.thoughtSignature !== SKIP_SIGNATURE_VALIDATOR) return `Corrupted thought signature. (contents[${i}].parts[${first}])`;
  }
  return undefined;
}

/**
 * Cloud Code Gemini: `{model, project, request: {contents, tools, systemInstruction, …}}`; with
 * `native` (the Gemini API Vertex serves), the request itself, the model named in the URL: an
 * envelope field there is an unknown field, as Google's JSON parser reports it.
 */
export function geminiTurn(body: Json, native?: {model: string}): Turn | Refusal {
  if (native) {
    const envelope = ['request', 'project', 'model'].find((key) => key in body);
    if (envelope) return {refusal: `Invalid JSON payload received. Unknown name "${envelope}": Cannot find field.`};
  }
  const request = native ? body : isRecord(body.request) ? body.request : undefined;
  if (!request) return {refusal: 'Invalid JSON payload received. Missing "request".'};
  const at = native ? '' : 'request.';
  const contents = arr(request.contents).filter(isRecord);
  if (contents.length === 0) return {refusal: 'contents is not specified'};
  const tools: string[] = [];
  for (const [t, tool] of arr(request.tools).entries()) {
    for (const [d, declaration] of arr(isRecord(tool) ? tool.functionDeclarations : undefined).entries()) {
      if (!isRecord(declaration)) continue;
      tools.push(String(declaration.name));
      const problem = geminiSchemaProblem(declaration.parameters, `${at}tools[${t}].function_declarations[${d}].parameters`);
      if (problem) return {refusal: problem};
    }
  }
  const model = native ? native.model : String(body.model);
  const unsigned = /^gemini-3/.test(model) ? thoughtSignatureProblem(contents) : undefined;
  if (unsigned) return {refusal: unsigned};
  const toolResults: string[] = [];
  for (const content of contents) {
    for (const part of arr(content.parts).filter(isRecord)) {
      if (isRecord(part.functionResponse)) toolResults.push(JSON.stringify(part.functionResponse.response ?? {}));
    }
  }
  const lastParts = arr(contents.at(-1)!.parts).filter(isRecord);
  return {
    protocol: 'gemini',
    model,
    tools,
    toolResults,
    continuesToolLoop: lastParts.some((part) => isRecord(part.functionResponse)),
    userText: lastParts.map((part) => (typeof part.text === 'string' ? part.text : '')).join(''),
    system: textOf(isRecord(request.systemInstruction) ? request.systemInstruction.parts : undefined),
  };
}

/**
 * Anthropic Messages: each tool_result answers a tool_use of the assistant message just before it,
 * every tool_use is answered, thinking signatures are the service's own (`signaturePrefix`; a tag
 * of this proxy's, `ccs1:…`, is refused like any signature it did not make), and with thinking on
 * (`enabled`, `adaptive`) the assistant message that opened the current tool loop starts with
 * thinking (docs.claude.com "Extended thinking", the 400 quoted in many reports).
 */
export function anthropicTurn(body: Json, signaturePrefix = 'sig-anthropic-'): Turn | Refusal {
  const messages = arr(body.messages).filter(isRecord);
  if (messages.length === 0) return {refusal: 'messages: at least one message is required'};
  let open: string[] = [];
  const toolResults: string[] = [];
  for (const [i, message] of messages.entries()) {
    const blocks = typeof message.content === 'string' ? [{type: 'text', text: message.content}] : arr(message.content).filter(isRecord);
    if (message.role === 'user') {
      const answered = blocks.filter((b) => b.type === 'tool_result');
      for (const [j, block] of answered.entries()) {
        if (!open.includes(String(block.tool_use_id))) {
          return {refusal: `messages.${i}.content.${j}: unexpected \`tool_use_id\` found in \`tool_result\` blocks: ${String(block.tool_use_id)}. Each \`tool_result\` block must have a corresponding \`tool_use\` block in the previous message.`};
        }
        toolResults.push(textOf(block.content));
      }
      const missing = open.filter((id) => !answered.some((b) => b.tool_use_id === id));
      if (missing.length > 0) return {refusal: `messages.${i}: \`tool_use\` ids were found without \`tool_result\` blocks immediately after: ${missing.join(', ')}. Each \`tool_use\` block must have a corresponding \`tool_result\` block in the next message.`};
      open = [];
    } else {
      if (open.length > 0) return {refusal: `messages.${i}: \`tool_use\` ids were found without \`tool_result\` blocks immediately after: ${open.join(', ')}.`};
      for (const [j, block] of blocks.entries()) {
        const signature = block.type === 'thinking' ? block.signature : block.type === 'redacted_thinking' ? block.data : undefined;
        if (typeof signature === 'string' && !signature.startsWith(signaturePrefix)) return {refusal: `messages.${i}.content.${j}: Invalid \`signature\` in \`thinking\` block`};
      }
      open = blocks.filter((b) => b.type === 'tool_use').map((b) => String(b.id));
    }
  }
  const last = messages.at(-1)!;
  const lastBlocks = typeof last.content === 'string' ? [] : arr(last.content).filter(isRecord);
  const thinkingOn = isRecord(body.thinking) && (body.thinking.type === 'enabled' || body.thinking.type === 'adaptive');
  if (thinkingOn && last.role === 'user' && lastBlocks.some((b) => b.type === 'tool_result')) {
    // The loop's turn: back over tool-result messages and the assistant messages between them.
    let opening = -1;
    for (let i = messages.length - 1; i >= 0; i--) {
      const blocks = arr(messages[i]!.content).filter(isRecord);
      if (messages[i]!.role === 'assistant') opening = i;
      else if (!blocks.some((b) => b.type === 'tool_result')) break;
    }
    const first = opening < 0 ? undefined : arr(messages[opening]!.content).filter(isRecord)[0];
    if (opening >= 0 && first?.type !== 'thinking' && first?.type !== 'redacted_thinking') {
      return {
        refusal: `messages.${opening}.content.0.type: Expected \`thinking\` or \`redacted_thinking\`, but found \`${String(first?.type)}\`. When \`thinking\` is enabled, a final \`assistant\` message must start with a thinking block (preceeding the lastmost set of \`tool_use\` and \`tool_result\` blocks). We recommend you include thinking blocks from previous turns. To avoid this requirement, disable \`thinking\`. Please consult our documentation at https://docs.claude.com/en/docs/build-with-claude/extended-thinking`,
      };
    }
  }
  return {
    protocol: 'anthropic',
    model: String(body.model),
    tools: arr(body.tools).map((tool) => String(isRecord(tool) ? tool.name : '')),
    toolResults,
    continuesToolLoop: lastBlocks.some((b) => b.type === 'tool_result'),
    userText: typeof last.content === 'string' ? last.content : lastBlocks.filter((b) => b.type === 'text').map((b) => String(b.text)).join(''),
    system: typeof body.system === 'string' ? body.system : textOf(body.system),
  };
}
