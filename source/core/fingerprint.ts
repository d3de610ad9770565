// A short, one-way fingerprint of a secret (a refresh token): enough to recognise the same token
// again (its refresh attempt record, an account marked "refresh unknown"), useless to an attacker.
// Also the fixed-length, file-name-safe stand-in for an account id in lock and record file names.
import {nodeCrypto} from './crypto.js';

/** sha256 of the secret, first 16 hex digits. */
export function tokenFingerprint(secret: string): string {
  return nodeCrypto().createHash('sha256').update(secret).digest('hex').slice(0, 16);
}

/**
 * The fingerprint of one grant's refresh token: a hash of the provider and the token, so "this exact
 * token was sent" is recorded once whatever the account holding it is called now.
 */
export function grantFingerprint(provider: string, refreshToken: string): string {
  return tokenFingerprint(`${provider}\n${refreshToken}`);
}
