// An Account as the store reads it: a registered, usable claude account named `id`; `extra` overrides.
import type {Account} from '../../source/core/types.js';

export const accountFixture = (id: string, extra: Partial<Account> = {}): Account => ({
  provider: 'claude',
  id,
  tokenFile: `${id}.json`,
  default: false,
  paused: false,
  registered: true,
  health: 'ok',
  ...extra,
});
