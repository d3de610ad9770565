// Reasoning effort (OpenAI `reasoning_effort` / `reasoning.effort`) ↔ thinking budget in tokens
// (Anthropic `thinking.budget_tokens`, Gemini 2.5 `thinkingConfig.thinkingBudget`). The levels follow
// CLIProxyAPI's table; Anthropic's smallest budget is 1024 tokens.

export type ReasoningEffort = 'none' | 'minimal' | 'low' | 'medium' | 'high' | 'xhigh';

const BUDGET: Record<Exclude<ReasoningEffort, 'none'>, number> = {minimal: 1024, low: 2048, medium: 8192, high: 24_576, xhigh: 32_768};

/** The effort named by a client, or undefined for anything else. */
export function asEffort(value: unknown): ReasoningEffort | undefined {
  return value === 'none' || value === 'minimal' || value === 'low' || value === 'medium' || value === 'high' || value === 'xhigh' ? value : undefined;
}

/** Thinking budget in tokens for an effort; 0 for `none`. */
export function budgetForEffort(effort: ReasoningEffort): number {
  return effort === 'none' ? 0 : BUDGET[effort];
}

/** The smallest effort whose budget covers `budget` tokens (0 → `none`). */
export function effortForBudget(budget: number): ReasoningEffort {
  if (budget <= 0) return 'none';
  if (budget <= BUDGET.low) return 'low';
  if (budget <= BUDGET.medium) return 'medium';
  if (budget <= BUDGET.high) return 'high';
  return 'xhigh';
}
