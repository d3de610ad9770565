// The four modules of undici 7 (pinned in package.json) that services/http.ts and
// services/extra-ca-certs.ts load instead of the package's index: what they export, as far as they
// use them.
declare module 'undici/lib/api/api-request.js' {
  import type {Dispatcher} from 'undici';
  /** Called with the dispatcher as `this`, as the index's `request` and `Dispatcher#request` call it. */
  const request: (this: Dispatcher, options: Dispatcher.RequestOptions) => Promise<Dispatcher.ResponseData>;
  export default request;
}
declare module 'undici/lib/global.js' {
  export {getGlobalDispatcher, setGlobalDispatcher} from 'undici';
}
declare module 'undici/lib/dispatcher/agent.js' {
  import {Agent} from 'undici';
  export default Agent;
}
declare module 'undici/lib/core/util.js' {
  export function parseURL(url: string | URL): URL;
}
