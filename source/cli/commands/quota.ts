// `ccs-tui quota [--provider P] [--json] [--refresh]`: every account's quota windows.
//
// Without --refresh the cached numbers are shown (what the TUI and the proxy last saw); accounts
// with nothing cached are fetched once, so a first run is not empty. --refresh fetches every account
// now, bypassing any 429 backoff. Exit 3 when every listed account is used up, so scripts can guard.
import {accountLabeller, quotaAccountState} from '../../core/accounts.js';
import {describeWindow} from '../../core/quota-format.js';
import {formatDuration} from '../../core/relative-time.js';
import {currentWindows, isExhausted} from '../../core/quota.js';
import type {Account, QuotaWindow} from '../../core/types.js';
import {quotaErrorText, type QuotaErrorInfo} from '../../services/quota/errors.js';
import {NO_QUOTA_SOURCE} from '../../services/quota/no-source.js';
import {findProvider} from '../../providers/table.js';
import {formatTable, parseCommandArgs, printJson, type CliContext, type CommandSpec} from '../context.js';
import {knownProvider} from './accounts.js';

export const EXIT_EXHAUSTED = 3;

const QUOTA_FETCHES_AT_ONCE = 8;

/** `work` over `items`, at most `limit` at once; results in `items`' order. */
async function mapWithConcurrency<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index]!);
    }
  };
  await Promise.all(Array.from({length: Math.min(limit, items.length)}, worker));
  return results;
}

const quota: CommandSpec = {
  name: ['quota'],
  usage: '[--provider P] [--json] [--refresh]',
  summary: "every account's 5-hour, weekly and monthly quota (exit 3 when all are used up)",
  async run(ctx, args) {
    const {values} = parseCommandArgs(
      this,
      args,
      {provider: {type: 'string'}, json: {type: 'boolean'}, refresh: {type: 'boolean'}},
      {required: []},
    );
    const provider = values.provider === undefined ? undefined : knownProvider(values.provider);
    const [{worldDeps}, {loadSettings, settingsUnreadable}, service, cacheModule] = await Promise.all([
      import('../../services/deps.js'),
      import('../../store/settings.js'),
      import('../../services/quota/service.js'),
      import('../../services/quota/cache.js'),
    ]);
    const world = worldDeps(ctx.paths, ctx.env, ctx.stdout);
    const [{settings}, snapshot] = await Promise.all([loadSettings(ctx.paths), world.store.load()]);
    // Every account: one whose provider has no quota source is listed as unknown (printQuota).
    const accounts = snapshot.accounts.filter((a) => !provider || a.provider === provider);
    const deps = {...world, settings};
    const cache = await cacheModule.readQuotaCache(ctx.paths);
    const staleAfterMs = settings.quota.staleAfterSeconds * 1000;
    // tui.json is broken (said once by loadSettings' warning): nothing is asked, as for an account
    // that cannot be read: the cached numbers, each account saying why they do not move.
    const unreadable = settingsUnreadable(settings);
    if (unreadable !== undefined) {
      const entries = accounts.map((a) => {
        const cached = cacheModule.cacheEntry(cache, a.provider, a.id);
        return service.hasQuotaSource(a.provider) ? service.waitingForSettings(cached, unreadable) : (cached ?? {windows: []});
      });
      return await printQuota(ctx, accounts, entries, {json: values.json, provider, staleAfterMs});
    }
    // Results are written in batches: one read-modify-write of the cache for many accounts.
    const sink = new cacheModule.QuotaCacheWriter(ctx.paths);
    // A few requests at a time (1,000 accounts are not 1,000 connections at once); a request does not
    // wait for its batch to be written, the command waits for all of them at the end.
    const written = await mapWithConcurrency(accounts, QUOTA_FETCHES_AT_ONCE, async (account: Account) => {
      const cached = cacheModule.cacheEntry(cache, account.provider, account.id);
      // Cached answers are shown as they are; an account never asked, or whose cache holds only an
      // error, is asked. Not a local file's trouble (`file`): where a refreshed grant was kept beside
      // its token file is news that stays until someone reads it (--refresh asks all the same).
      if (!values.refresh && cached && !(cached.windows.length === 0 && cached.error && cached.error.kind !== 'file')) return {entry: Promise.resolve(cached)};
      const change = await service.askAccountQuota(deps, account, cached, {force: values.refresh});
      // Wrapped: an async function's returned promise would be awaited here, holding the slot.
      return {entry: change ? sink.update(account.provider, account.id, change) : Promise.resolve(cached ?? {windows: []})};
    });
    const entries = await Promise.all(written.map((w) => w.entry));
    return await printQuota(ctx, accounts, entries, {json: values.json, provider, staleAfterMs});
  },
};

/**
 * Prints one quota row per account (table or --json) and returns the exit code: 3 when every listed
 * account is used up. `entries[i]` belongs to `accounts[i]`.
 */
export async function printQuota(
  ctx: CliContext,
  accounts: readonly Account[],
  entries: readonly {windows: QuotaWindow[]; error?: QuotaErrorInfo}[],
  options: {json?: boolean; provider?: string; staleAfterMs: number},
): Promise<number> {
  const {provider, staleAfterMs} = options;
  const now = Date.now();
  const rows = accounts.map((account, i) => ({
    account,
    windows: currentWindows(entries[i]!.windows, now, staleAfterMs),
    error: entries[i]!.error ?? null,
    // A provider without a quota source (vertex, aistudio, …) lists its accounts with unknown numbers.
    noSource: !findProvider(account.provider)?.quotaSource,
  }));

  if (options.json) {
    printJson(
      ctx,
      rows.map((r) => ({provider: r.account.provider, account: r.account.id, windows: r.windows, error: r.error, ...(r.noSource ? {note: NO_QUOTA_SOURCE} : {})})),
    );
  } else if (rows.length === 0) {
    ctx.stdout.write(provider ? `No ${provider} accounts. Add one with: ccs-tui login ${provider}\n` : 'No accounts. Add one with: ccs-tui login <provider>\n');
  } else {
    const label = accountLabeller(accounts);
    // The account's own state (paused, a refused key, …) before its numbers, in the quota screen's words.
    const stated = (account: Account, text: string) => [quotaAccountState(account, now), text].filter(Boolean).join(' · ');
    const table = rows.map((r) => [
      r.account.provider,
      label(r.account),
      stated(
        r.account,
        r.windows.length ? r.windows.map((w) => describeWindow(w, now) + (w.stale ? ' (stale)' : '')).join('; ')
        : r.noSource ? `unknown (${NO_QUOTA_SOURCE})`
        : 'no numbers yet',
      ),
      r.error ? `${r.error.kind === 'settings-unreadable' ? `${cachedAge(r.windows, now)}; ` : ''}${quotaErrorText(r.error)}` : '',
    ]);
    ctx.stdout.write((await formatTable(ctx, [['PROVIDER', 'ACCOUNT', 'WINDOWS', 'ERROR'], ...table], [1])).replace(/ +$/gm, ''));
  }
  const allExhausted = rows.length > 0 && rows.every((r) => isExhausted(r.windows, now));
  return allExhausted ? EXIT_EXHAUSTED : 0;
}

/** How old the cached numbers shown are (`cached 5m ago`, from the newest window read), for a row that could not be read now. */
function cachedAge(windows: readonly QuotaWindow[], now: number): string {
  const newest = Math.max(...windows.map((w) => Date.parse(w.observedAt)).filter((at) => !Number.isNaN(at)));
  return Number.isFinite(newest) ? `cached ${formatDuration(now - newest)} ago` : 'nothing cached';
}

export const quotaCommands: CommandSpec[] = [quota];
