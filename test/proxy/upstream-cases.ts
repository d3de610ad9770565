// One account per upstream protocol the proxy translates to, for the tests that drive clients through
// the real proxy onto faithful local upstreams (translated-pairs, real-agents).
import {startFakeInference, type FakeInference, type Script} from '../helpers/fake-inference/server.js';
import {oauthToken, proxyFixture, type ProxyFixture} from './fixture.js';

export interface UpstreamCase {
  provider: string;
  model: string;
  apiPath?: string;
  token: Record<string, unknown>;
  project?: string;
  iflowKey?: string;
  /** AI Studio: the key its native Gemini API takes in x-goog-api-key. */
  geminiApiKey?: string;
}

export const UPSTREAMS: Record<string, UpstreamCase> = {
  claude: {provider: 'claude', model: 'claude-sonnet-4-5', token: oauthToken('claude', 'c@example.com')},
  qwen: {provider: 'qwen', model: 'qwen3-coder-plus', apiPath: '/v1', token: oauthToken('qwen', 'q@example.com')},
  iflow: {provider: 'iflow', model: 'glm-4.7', apiPath: '/v1', token: oauthToken('iflow', 'i@example.com', {api_key: 'iflow-key-0123456789abcdef'}), iflowKey: 'iflow-key-0123456789abcdef'},
  codex: {provider: 'codex', model: 'gpt-5.2-codex', apiPath: '/backend-api/codex', token: oauthToken('codex', 'x@example.com', {account_id: 'acct-1'})},
  gemini: {provider: 'gemini', model: 'gemini-2.5-pro', token: oauthToken('gemini', 'g@example.com', {project_id: 'proj-gemini-1'}), project: 'proj-gemini-1'},
  antigravity: {provider: 'antigravity', model: 'gemini-3-pro-high', token: oauthToken('antigravity', 'a@example.com', {project_id: 'proj-agy-1'}), project: 'proj-agy-1'},
  // Gemini 3 on an API key: the stand-in refuses a follow-up whose function call lacks its thought signature.
  aistudio: {provider: 'aistudio', model: 'gemini-3-flash-preview', token: {type: 'aistudio', api_key: 'AIzaSyAgentsKey0123456789abcdefghijklm'}, geminiApiKey: 'AIzaSyAgentsKey0123456789abcdefghijklm'},
  // An OpenAI-compatible key (IBM Bob's provider) whose gateway serves Gemini 3 over Chat: signatures ride in extra_content.
  bobGemini: {provider: 'bob', model: 'gemini-3-flash-preview', token: {type: 'bob', api_key: 'bob-gateway-key-0123456789'}},
};

/** A proxy serving `c`'s provider from a faithful upstream whose model follows `script`. */
export async function inferenceFixture(c: UpstreamCase, script: Script): Promise<{f: ProxyFixture; upstream: FakeInference}> {
  const upstream = await startFakeInference({...(c.project ? {project: c.project} : {}), ...(c.iflowKey ? {iflowKey: c.iflowKey} : {}), ...(c.geminiApiKey ? {geminiApiKey: c.geminiApiKey} : {}), script});
  const f = await proxyFixture({provider: c.provider, apiPath: c.apiPath, tokens: [{file: `${c.provider}-a.json`, token: c.token}], upstream});
  return {f, upstream};
}
