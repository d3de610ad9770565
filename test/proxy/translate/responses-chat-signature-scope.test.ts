// A Gemini thought signature that came with a reasoning item goes back on the call right after it
// (extra_content.google.thought_signature). A Codex history that lost that call (compacted, or
// trimmed) must not carry the signature past a user message or a tool output onto a call of a
// later turn: Gemini refuses a signature on a call it was not made for.
import assert from 'node:assert/strict';
import {it} from 'node:test';
import {responsesToChatRequest} from '../../../source/proxy/translate/pairs/openai-responses-to-openai-chat.js';
import {GEMINI_SIGNATURE_FOR_NEXT_PART} from '../../../source/proxy/translate/readers/gemini.js';
import {tagSignature} from '../../../source/proxy/translate/signatures.js';
import type {TranslateContext} from '../../../source/proxy/translate/types.js';

const context: TranslateContext = {clientModel: 'gpt-5-codex', upstreamModel: 'gemini-3-pro-preview', clientStream: false};
const reasoning = (sig: string) => ({type: 'reasoning', summary: [], encrypted_content: tagSignature('openai-chat', GEMINI_SIGNATURE_FOR_NEXT_PART + sig)});
const call = (id: string) => ({type: 'function_call', call_id: id, name: 'Read', arguments: '{"path":"a.txt"}'});
const signaturesOf = (body: Record<string, unknown>) =>
  (body.messages as {tool_calls?: {id: string; extra_content?: {google?: {thought_signature?: string}}}[]}[]).flatMap((m) => m.tool_calls ?? []).map((c) => [c.id, c.extra_content?.google?.thought_signature ?? null]);

it('a signature goes on the call right after its reasoning item, and on no call after a user message or tool output', () => {
  const input = [
    {type: 'message', role: 'user', content: 'first'},
    reasoning('sig-1'),
    call('c1'),
    {type: 'function_call_output', call_id: 'c1', output: 'one'},
    reasoning('sig-lost'),
    {type: 'message', role: 'user', content: 'second'},
    call('c2'),
    reasoning('sig-lost-too'),
    {type: 'function_call_output', call_id: 'c2', output: 'two'},
    call('c3'),
  ];
  const body = responsesToChatRequest({model: 'gpt-5-codex', input}, context).body as Record<string, unknown>;
  assert.deepEqual(signaturesOf(body), [
    ['c1', 'sig-1'],
    ['c2', null],
    ['c3', null],
  ]);
});
