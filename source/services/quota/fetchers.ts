// Quota reads (PROVIDERS.md, "Quota sources"). What each endpoint wants and how its answer becomes
// QuotaWindows is the provider adapter's fetchQuota; this service sends its requests and turns
// failures into the errors a person can act on (errors.ts).
import type {Account, QuotaWindow, TokenFile} from '../../core/types.js';
import type {ProviderRow, QuotaContext} from '../../providers/table.js';
import {jsonBody, UnexpectedResponseError, type HttpClient} from '../http.js';
import {classifyStatus, missingField, QuotaFetchError} from './errors.js';

export interface QuotaFetchContext {
  http: HttpClient;
  /** Provider row with the user's endpoint overrides applied. */
  row: ProviderRow;
  account: Account;
  token: TokenFile;
  now: number;
  /** Aborts the request (the TUI quits while a fetch is running). */
  signal?: AbortSignal;
}

/** The account's quota windows, read by its provider's adapter. */
export async function fetchQuota(ctx: QuotaFetchContext): Promise<QuotaWindow[]> {
  const {fetchQuota: read} = ctx.row.adapter;
  if (!read) throw new QuotaFetchError('unexpected', `${ctx.row.id} has no quota reader`);
  return read(quotaContext(ctx));
}

function quotaContext(ctx: QuotaFetchContext): QuotaContext {
  return {
    row: ctx.row,
    account: ctx.account,
    token: ctx.token,
    now: ctx.now,
    async getJson(req) {
      const response = await ctx.http.send({timeoutMs: 20_000, signal: ctx.signal, ...req});
      const failure = classifyStatus(response, req.url, ctx.now);
      if (failure) throw failure;
      try {
        return jsonBody(response, req.url);
      } catch (error) {
        if (error instanceof UnexpectedResponseError) throw new QuotaFetchError('unexpected', error.message);
        throw error;
      }
    },
    usageUrl() {
      const url = ctx.row.endpoints.usage;
      if (!url) throw new QuotaFetchError('unexpected', `${ctx.row.id} has no usage endpoint`);
      return url;
    },
    accessToken() {
      const token = ctx.token.access_token;
      if (typeof token !== 'string' || token === '') {
        throw new QuotaFetchError('needs-login', `${ctx.account.tokenFile}: field "access_token" is missing`);
      }
      return token;
    },
    missingField,
  };
}
