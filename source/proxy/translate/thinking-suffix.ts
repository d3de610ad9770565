// CLIProxyAPI's thinking suffix at the provider boundary. A model id may end in `(8192)`, `(high)`,
// `(auto)` or `(none)` (PROVIDERS.md); aliases resolve on the part before it and re-attach it
// (core/model-rules.ts). No real service accepts such an id (Gemini answers 404): the suffix becomes
// the upstream protocol's own thinking setting and the id goes upstream bare, as CLIProxyAPI's
// executors do. Levels and budgets as CLIProxyAPI documents them: minimal 512, low 1024,
// medium 8192, high 24576, xhigh 32768 tokens; auto is dynamic (-1), none is 0.
import {splitModelSuffix} from '../../core/model-rules.js';
import {asRecord, type JsonObject} from './json.js';
import type {ApiProtocol} from './types.js';

const LEVEL_BUDGET = {minimal: 512, low: 1024, medium: 8192, high: 24576, xhigh: 32768} as const;
type Level = keyof typeof LEVEL_BUDGET;

export type ThinkingSetting = {kind: 'budget'; tokens: number} | {kind: 'level'; level: Level} | {kind: 'auto'} | {kind: 'none'};

/** `(8192)` → a budget, `(high)` → a level, `(auto)`, `(none)`; undefined for anything else (not a thinking suffix). */
export function parseThinkingSuffix(suffix: string): ThinkingSetting | undefined {
  const word = suffix.trim().toLowerCase();
  if (word === 'auto' || word === '-1') return {kind: 'auto'};
  if (word === 'none' || word === '0') return {kind: 'none'};
  if (/^\d+$/.test(word)) return {kind: 'budget', tokens: Number(word)};
  if (Object.hasOwn(LEVEL_BUDGET, word)) return {kind: 'level', level: word as Level};
  return undefined;
}

/** The id split into the bare upstream id and the thinking setting its suffix carries (if any). */
export function thinkingFromModel(id: string): {model: string; thinking?: ThinkingSetting} {
  const {base, suffix} = splitModelSuffix(id);
  const thinking = suffix === undefined ? undefined : parseThinkingSuffix(suffix);
  // An empty `()` is dropped; an unknown word is not a thinking suffix and the id stays as it is.
  if (suffix === '') return {model: base};
  return thinking ? {model: base, thinking} : {model: id};
}

/** Token budget of a setting: -1 dynamic (auto), 0 off (none). */
export function thinkingBudget(setting: ThinkingSetting): number {
  if (setting.kind === 'auto') return -1;
  if (setting.kind === 'none') return 0;
  return setting.kind === 'budget' ? setting.tokens : LEVEL_BUDGET[setting.level];
}

/** OpenAI `reasoning_effort` / `reasoning.effort`: a budget maps to low (≤1024), medium (≤8192) or high. */
export function reasoningEffort(setting: ThinkingSetting): string {
  if (setting.kind === 'level') return setting.level;
  if (setting.kind === 'none') return 'none';
  if (setting.kind === 'auto') return 'medium';
  return setting.tokens <= LEVEL_BUDGET.low ? 'low' : setting.tokens <= LEVEL_BUDGET.medium ? 'medium' : 'high';
}

/**
 * Writes `setting` into an upstream request `body` of `protocol` for `model` (the bare id):
 * Anthropic `thinking` (max_tokens raised above the budget when needed), Chat `reasoning_effort`,
 * Responses `reasoning.effort`, Gemini `generationConfig.thinkingConfig` (`thinkingLevel` for
 * gemini-3 models, `thinkingBudget` for the others). It replaces what the client asked for.
 */
export function applyThinking(body: JsonObject, protocol: ApiProtocol, model: string, setting: ThinkingSetting): void {
  switch (protocol) {
    case 'anthropic': {
      if (setting.kind === 'none') {
        body.thinking = {type: 'disabled'};
        return;
      }
      // Anthropic has no dynamic budget and a minimum of 1024; auto takes the medium budget.
      const budget = Math.max(1024, setting.kind === 'auto' ? LEVEL_BUDGET.medium : thinkingBudget(setting));
      body.thinking = {type: 'enabled', budget_tokens: budget};
      if (typeof body.max_tokens !== 'number' || body.max_tokens <= budget) body.max_tokens = budget + LEVEL_BUDGET.low;
      return;
    }
    case 'openai-chat':
      body.reasoning_effort = reasoningEffort(setting);
      return;
    case 'openai-responses':
      body.reasoning = {...(asRecord(body.reasoning) ?? {}), effort: reasoningEffort(setting)};
      return;
    case 'gemini-internal':
    case 'gemini-native': {
      // Cloud Code's body holds the request in its envelope; the native API's body is the request.
      const request = asRecord(body.request) ?? body;
      const config = (request.generationConfig = asRecord(request.generationConfig) ?? {});
      const thinking: JsonObject = {...(asRecord(config.thinkingConfig) ?? {})};
      delete thinking.thinkingBudget;
      delete thinking.thinkingLevel;
      if (/^gemini-3/i.test(model)) {
        // Gemini 3 takes a level, not a budget; auto leaves the model's default.
        const budget = thinkingBudget(setting);
        if (setting.kind !== 'auto') thinking.thinkingLevel = budget <= LEVEL_BUDGET.low ? 'low' : 'high';
      } else {
        thinking.thinkingBudget = thinkingBudget(setting);
      }
      if (setting.kind === 'none') delete thinking.includeThoughts;
      config.thinkingConfig = thinking;
      return;
    }
  }
}
