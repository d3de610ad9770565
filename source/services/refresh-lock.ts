// The refresh lock of the grant an account's token file holds (store/grant-lock.ts), shared by the
// refresher (refresh.ts), native mode (native/sync.ts) and logins (store/accounts.ts saveLogin):
// whoever holds it is the only process that may spend or replace that refresh token.
export {grantKey, MAX_RATE_LIMIT_WAITS, MAX_RETRY_AFTER_SECONDS, refreshLockBounds, withAccountGrantLock, type RefreshLockBounds} from '../store/grant-lock.js';
