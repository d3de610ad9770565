// `s` on the model rules screen: write the edited rules, global ones to config.yaml and an account's
// to its token file. The screen keeps the editing state (core/rules-editor.ts); this writes it.
import {isDirty, type RulesEditorState} from '../../core/rules-editor.js';
import {UserError} from '../../core/types.js';
import {updateAccountRules, updateGlobalRules, type RulesContext} from '../../store/model-rules.js';
import type {AppServices} from '../services.js';
import type {ActionResult} from './result.js';

/** Resolves `done: false` when nothing changed; throws `not saved: …` when a write fails. */
export async function saveRules(services: AppServices, context: RulesContext | undefined, editor: RulesEditorState): Promise<ActionResult | string> {
  if (!context || !isDirty(editor)) return {text: 'nothing to save', kind: 'info', done: false};
  const accountDirty = context.account !== undefined && isDirty(editor, 'account');
  try {
    if (isDirty(editor, 'global')) await updateGlobalRules(services.paths, context.provider, () => editor.rules.global);
    if (context.account && accountDirty) await updateAccountRules(services.paths, context.provider, context.account.id, () => editor.rules.account);
  } catch (error) {
    throw new UserError(`not saved: ${(error as Error).message}`);
  }
  return `saved ${context.provider} rules to ${accountDirty ? context.tokenFile : context.configFile}`;
}
