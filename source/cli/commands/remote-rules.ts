// Rule edits (`alias add/rm`, `exclude add/rm`) on a remote target. Its own module so models.ts can
// load it without importing the other remote commands (which import models.ts).
import type {ModelResolution, ModelRules} from '../../core/model-rules.js';
import {UserError} from '../../core/types.js';
import type {CliContext} from '../context.js';
import {openRemoteStore} from '../target.js';

/** An edit of one provider's rules; `where` names the file or server for messages. */
export type RulesChange = (rules: ModelRules, where: string) => ModelRules;

const loadRules = () => import('../../services/remote/model-rules.js');

/** `alias add/rm`, `exclude add/rm` on a target: the server's global maps, through their endpoints. */
export async function editRemoteRules(ctx: CliContext, provider: string, account: string | undefined, change: RulesChange): Promise<ModelResolution> {
  if (account !== undefined) {
    throw new UserError(
      '--account rules are not available on a remote target: they live in the token file, and the Management API edits only the ' +
        'global oauth-model-alias and oauth-excluded-models maps (drop --account to edit those)',
      2,
    );
  }
  const store = await openRemoteStore(ctx);
  const rules = await loadRules();
  const where = `target ${ctx.target}'s oauth-model-alias / oauth-excluded-models`;
  const after = await rules.updateRemoteGlobalRules(store.client, provider, (current) => change(current, where));
  return rules.resolveRemote(provider, after);
}
