// `s` on the model rules screen: write the edited rules through the live target (global ones to
// config.yaml or the server's maps, an account's to its token file). The screen keeps the editing
// state (core/rules-editor.ts); this writes only its edits onto the rules as they are now
// (core/rules-merge.ts), so changes made elsewhere meanwhile survive.
import {refusingOwnCredentials, type ModelRules} from '../../core/model-rules.js';
import {credentialMasker} from '../../services/credential-redactor.js';
import {isDirty, rulesEditProblem, scopeEdits, type RulesEditorState} from '../../core/rules-editor.js';
import {mergedOrThrow, RulesConflict} from '../../core/rules-merge.js';
import {UserError} from '../../core/types.js';
import {actionKey} from '../../core/keymap.js';
import type {RulesContext} from '../../store/model-rules.js';
import type {AppServices} from '../services.js';
import type {ActionResult} from './result.js';

/** What a save did: the status line, and the rules written per scope (to show from now on). */
export type RulesSave = ActionResult & {written?: {global?: ModelRules; account?: ModelRules}};

/**
 * Resolves `done: false` when nothing changed; throws RulesConflict (nothing written) when an edit
 * meets a change made elsewhere to the same rule, unless `keepMine`; throws `not saved: …` when a
 * write fails.
 */
export async function saveRules(services: AppServices, context: RulesContext | undefined, editor: RulesEditorState, keepMine = false): Promise<RulesSave> {
  if (!isDirty(editor)) return {text: 'nothing to save', kind: 'info', done: false};
  // The rules' file could not be read (config.yaml broken meanwhile): the edits wait, unwritten.
  if (!context) throw new UserError(`not saved: the rules' file cannot be read now; your edits are kept: fix the file, then ${actionKey('rules.provider', 'models')} reloads and ${actionKey('rules.save', 'models')} saves`);
  // A key typed as a model name (a save asked with its field still open): nothing is written.
  const problem = rulesEditProblem(editor);
  if (problem) throw new UserError(`not saved: ${problem}`);
  const accountDirty = context.account !== undefined && isDirty(editor, 'account');
  const accountWhere = context.tokenFile ?? 'the token file';
  let written: RulesSave['written'];
  // A key of this CCS dir typed as a name, whatever its shape, is refused on every target.
  const mask = credentialMasker(services.paths);
  try {
    written = await services.targets.current.rules.save(context, {
      ...(isDirty(editor, 'global') ? {global: refusingOwnCredentials((now: ModelRules) => mergedOrThrow(scopeEdits(editor, 'global'), now, context.configFile, keepMine), mask)} : {}),
      ...(accountDirty ? {account: refusingOwnCredentials((now: ModelRules) => mergedOrThrow(scopeEdits(editor, 'account'), now, accountWhere, keepMine), mask)} : {}),
    });
  } catch (error) {
    if (error instanceof RulesConflict) throw error;
    throw new UserError(`not saved: ${(error as Error).message}`);
  }
  return {text: `saved ${context.provider} rules to ${accountDirty ? accountWhere : context.configFile}`, written};
}
