// Facts of one client request that its response needs: the proxy hands the same context object to a
// pair's `request` and then to its `stream`/`response`, and these are found again through it.
import type {TranslateContext} from './types.js';

export interface RequestMemo {
  /** Chat `stream_options.include_usage`: the client wants a final usage chunk. */
  includeUsage: boolean;
  /** Client names of Responses `custom` (free-form) tools, sent upstream as one-string functions. */
  customTools: Set<string>;
}

const memos = new WeakMap<TranslateContext, RequestMemo>();

/** The memo of the request `context` belongs to (created empty on first use). */
export function requestMemo(context: TranslateContext): RequestMemo {
  let memo = memos.get(context);
  if (!memo) {
    memo = {includeUsage: false, customTools: new Set()};
    memos.set(context, memo);
  }
  return memo;
}
