// The failover tests' pool: two accounts of one provider (a@example.com, b@example.com) behind the
// fake inference upstream, whose answer says "served by the next account".
import {after} from 'node:test';
import type {ServerResponse} from 'node:http';
import {startFakeInference} from '../helpers/fake-inference/server.js';
import {oauthToken, proxyFixture} from './fixture.js';

export type PoolProvider = 'codex' | 'claude' | 'qwen' | 'gemini';

/** The account a request was sent with (`a`, `b`), read from its token; `?` for none. */
export const accountOf = (req: {headers: Record<string, string | string[] | undefined>}) => /at-(\w)@example\.com/.exec(String(req.headers.authorization ?? req.headers['x-api-key'] ?? ''))?.[1] ?? '?';

/**
 * The pool, closed after the test file. `accessToken`: account a's (b's is the fixture's), a token
 * as real ones are. `answerA(script)`: from then on account a's requests are answered by `script`
 * (b's by the fake's answer), and every request's account is noted in `tried`.
 */
export async function twoAccountPool(provider: PoolProvider, options: {now?: () => number; accessToken?: string} = {}) {
  const upstream = await startFakeInference({script: () => ({text: 'served by the next account'}), project: 'p1'});
  const extra = (id: string) => ({
    ...(provider === 'codex' ? {account_id: id} : provider === 'gemini' ? {project_id: 'p1'} : {}),
    ...(options.accessToken && id === 'acct-a' ? {access_token: options.accessToken} : {}),
  });
  const f = await proxyFixture({
    provider,
    apiPath: provider === 'codex' ? '/backend-api/codex' : provider === 'qwen' ? '/v1' : undefined,
    tokens: [
      {file: `${provider}-a.json`, token: oauthToken(provider, 'a@example.com', extra('acct-a'))},
      {file: `${provider}-b.json`, token: oauthToken(provider, 'b@example.com', extra('acct-b'))},
    ],
    upstream,
    ...(options.now ? {now: options.now} : {}),
  });
  after(() => f.close());
  const inner = upstream.handler;
  const tried: string[] = [];
  const answerA = (script: (res: ServerResponse) => void) => {
    upstream.handler = (req, res, incoming) => {
      const account = accountOf(req);
      tried.push(account);
      if (account !== 'a') return inner(req, res, incoming);
      script(res);
    };
  };
  return {f, upstream, inner, tried, answerA};
}
