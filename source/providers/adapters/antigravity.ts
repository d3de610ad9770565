// Antigravity accounts: Google OAuth like Gemini, plus the Cloud Code project that loadCodeAssist
// assigns (kept as `project_id`). Same internal API as Gemini (gemini.ts).
import type {ProviderAdapter} from '../types.js';
import {baseAdapter} from './base.js';
import {googleUserinfo} from './gemini.js';
import {projectFromLoadCodeAssist} from './identity.js';

export const antigravityAdapter: ProviderAdapter = {
  ...baseAdapter('antigravity'),
  async identify(ctx) {
    const identity = await googleUserinfo(ctx);
    const url = ctx.endpoint('discovery');
    const load = await ctx.http.send({
      url,
      method: 'POST',
      headers: {Authorization: `Bearer ${ctx.response.access_token}`, Accept: 'application/json'},
      body: {metadata: {ideType: 'ANTIGRAVITY', platform: 'PLATFORM_UNSPECIFIED', pluginType: 'GEMINI'}},
    });
    // No project (an error answer) still stores the account, without project_id.
    const project = load.status === 200 ? projectFromLoadCodeAssist(ctx.json(load, url)) : undefined;
    if (project) {
      identity.extras.project_id = project;
      identity.projectId = project;
    }
    return identity;
  },
};
