// OpenAI Chat message histories as the upstreams accept them.
import {asArray, field, type JsonObject} from './json.js';

/**
 * Chat upstreams (and the Responses API, for its call items) answer 400 to a `tool` message without
 * its call right before it and to a call left unanswered: an orphan result (history trimmed by the
 * client) is kept as user text, an unanswered call (an aborted tool) gets an error result.
 */
export function pairToolMessages(messages: JsonObject[]): JsonObject[] {
  const out: JsonObject[] = [];
  let open = new Set<string>();
  const closeOpen = () => {
    for (const id of open) out.push({role: 'tool', tool_call_id: id, content: 'Error: no result: the client sent none for this call'});
    open = new Set();
  };
  for (const message of messages) {
    if (message.role === 'tool' && typeof message.tool_call_id === 'string') {
      const id = String(message.tool_call_id);
      if (open.delete(id)) out.push(message);
      else out.push({role: 'user', content: `[tool result ${id}]\n${typeof message.content === 'string' ? message.content : JSON.stringify(message.content)}`});
      continue;
    }
    closeOpen();
    out.push(message);
    if (message.role === 'assistant') open = new Set(asArray(message.tool_calls).map((call) => String(field(call, 'id'))));
  }
  // Calls at the very end are the turn the client continues, not unanswered ones.
  return out;
}
