// Whether the proxy can serve Claude Code on a provider, for `ccs-tui env` and the proxy screen:
// the request path's own answer (prepare.ts whyCannotServe) with the real translators and the
// person's tui.json endpoint overrides.
import type {ServabilityCheck} from '../services/proxy/env.js';
import {endpointOverrides, SettingsUnreadableError, type TuiSettings} from '../store/settings.js';
import {whyCannotServe} from './prepare.js';
import {translatorFor} from './translate/index.js';

export function claudeCodeServability(settings: TuiSettings): ServabilityCheck {
  return (row, token) => {
    try {
      return whyCannotServe(row, 'anthropic', token, translatorFor, endpointOverrides(settings, row.id)?.api);
    } catch (error) {
      if (error instanceof SettingsUnreadableError) return error.message;
      throw error;
    }
  };
}
