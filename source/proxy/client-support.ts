// Whether the proxy can serve a client protocol for a provider: natively (the provider speaks it) or
// through a registered translator (translate/). The one question `ccs-tui run` and the TUI's launch
// key ask before starting anything, so an agent that cannot work is refused with the reason.
import type {TokenFile} from '../core/types.js';
import type {ApiProtocol, ProviderRow} from '../providers/table.js';
import {whyCannotServe} from './prepare.js';
import type {Endpoint} from './routes.js';
import {translatorFor} from './translate/index.js';

const ENDPOINT_OF: Record<ApiProtocol, Exclude<Endpoint, 'models'> | undefined> = {
  anthropic: 'messages',
  'openai-chat': 'chat-completions',
  'openai-responses': 'responses',
  // Nobody sends Cloud Code requests to the proxy: it is an upstream protocol only.
  'gemini-internal': undefined,
  'gemini-native': undefined,
};

/**
 * Why the proxy cannot serve `client` requests for `row`, or undefined when it can: the request
 * path's own answer (prepare.ts `whyCannotServe`). `client` is a string so that agents speaking a
 * protocol the proxy has no route for (the Gemini API) get a reason too. `token`: the account that
 * would serve (its file may name the base URL); `apiOverride`: tui.json's endpoints.<id>.api.
 */
export function clientProtocolProblem(row: ProviderRow, client: string, token?: TokenFile, apiOverride?: string): string | undefined {
  if (!ENDPOINT_OF[client as ApiProtocol]) return `the proxy has no ${client} route (it serves /v1/messages, /v1/chat/completions and /v1/responses)`;
  return whyCannotServe(row, client as ApiProtocol, token, translatorFor, apiOverride);
}
