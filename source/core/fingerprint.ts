// A short, one-way fingerprint of a secret (a refresh token): enough to recognise the same token
// again (its refresh attempt record, an account marked "refresh unknown"), useless to an attacker.
// Also the fixed-length, file-name-safe stand-in for an account id in lock and record file names.
import {nodeCrypto} from './crypto.js';

/** sha256 of the secret, first 16 hex digits. */
export function tokenFingerprint(secret: string): string {
  return nodeCrypto().createHash('sha256').update(secret).digest('hex').slice(0, 16);
}
