// What every UI action returns, and the one runner that turns it into the status line.
import type {Route, StatusKind} from '../../core/app-state.js';
import {describeError} from '../errors.js';

/**
 * An action's outcome: the status line to show (`kind` defaults to `ok`), a screen to open after it,
 * and `done: false` when nothing happened (a declined prompt, nothing to save). Failures are thrown
 * (a `UserError` naming the account, file or field), never returned.
 */
export interface ActionResult {
  text: string;
  kind?: StatusKind;
  navigate?: Route;
  done?: false;
}

export interface ActionRunner {
  setStatus(text: string, kind?: StatusKind): void;
  navigate(route: Route): void;
  /** Re-reads the accounts, so the message and the list it talks about appear together. */
  reload(): Promise<void>;
}

/**
 * Runs one action: its result or error goes to the status line (after the accounts are re-read,
 * either way), then its `navigate`. Resolves true when the action did what it was asked.
 */
export async function runAction(task: () => Promise<ActionResult | string>, runner: ActionRunner): Promise<boolean> {
  try {
    const outcome = await task();
    const result = typeof outcome === 'string' ? {text: outcome} : outcome;
    await runner.reload();
    if (result.text) runner.setStatus(result.text, result.kind ?? 'ok');
    if (result.navigate) runner.navigate(result.navigate);
    return result.done !== false;
  } catch (error) {
    await runner.reload();
    runner.setStatus(describeError(error), 'error');
    return false;
  }
}
