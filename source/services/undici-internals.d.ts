// The three modules of undici 7 (pinned in package.json) that services/http.ts loads instead of the
// package's index: what they export, as far as it uses them.
declare module 'undici/lib/api/api-request.js' {
  import type {Dispatcher} from 'undici';
  /** Called with the dispatcher as `this`, as the index's `request` and `Dispatcher#request` call it. */
  const request: (this: Dispatcher, options: Dispatcher.RequestOptions) => Promise<Dispatcher.ResponseData>;
  export default request;
}
declare module 'undici/lib/global.js' {
  export {getGlobalDispatcher} from 'undici';
}
declare module 'undici/lib/core/util.js' {
  export function parseURL(url: string | URL): URL;
}
