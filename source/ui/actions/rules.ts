// `s` on the model rules screen: write the edited rules through the live target (global ones to
// config.yaml or the server's maps, an account's to its token file). The screen keeps the editing
// state (core/rules-editor.ts); this writes it.
import {isDirty, type RulesEditorState} from '../../core/rules-editor.js';
import {UserError} from '../../core/types.js';
import type {RulesContext} from '../../store/model-rules.js';
import type {AppServices} from '../services.js';
import type {ActionResult} from './result.js';

/** Resolves `done: false` when nothing changed; throws `not saved: …` when a write fails. */
export async function saveRules(services: AppServices, context: RulesContext | undefined, editor: RulesEditorState): Promise<ActionResult | string> {
  if (!context || !isDirty(editor)) return {text: 'nothing to save', kind: 'info', done: false};
  const accountDirty = context.account !== undefined && isDirty(editor, 'account');
  try {
    await services.targets.current.rules.save(context, {
      ...(isDirty(editor, 'global') ? {global: editor.rules.global} : {}),
      ...(accountDirty ? {account: editor.rules.account} : {}),
    });
  } catch (error) {
    throw new UserError(`not saved: ${(error as Error).message}`);
  }
  return `saved ${context.provider} rules to ${accountDirty ? context.tokenFile : context.configFile}`;
}
