// The per-account refresh lock's target, shared by the refresher (refresh.ts) and native mode
// (native/sync.ts): whoever holds it is the only one that may spend or replace the account's refresh token.
import {createHash} from 'node:crypto';
import path from 'node:path';
import type {CcsPaths} from '../store/paths.js';

export function refreshLockPath(paths: Pick<CcsPaths, 'locks'>, provider: string, accountId: string): string {
  return path.join(paths.locks, `refresh-${provider}-${createHash('sha256').update(accountId).digest('hex').slice(0, 16)}`);
}
