// A Gemini account in CLIProxyAPI's nested layout names its Cloud Code project at the top level
// (`"project_id":"proj1"`): `accounts` shows it (JSON and the PROJECT column) and the proxy sends
// it (`"project":"proj1"`), read in one place; a project only the registry records is shown and sent alike.
import assert from 'node:assert/strict';
import {test} from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import {runBin} from '../helpers/cli.js';
import {API_KEY, proxyFixture} from './fixture.js';

const nested = (email: string, project: string) => ({
  type: 'gemini',
  email,
  project_id: project,
  token: {access_token: `ya29.at-${email}-0123456789abcdef`, refresh_token: `1//rt-${email}-0123456789abcdef`, expiry: new Date(Date.now() + 30 * 24 * 3600_000).toISOString(), token_type: 'Bearer'},
});

test('a nested CLIProxyAPI Gemini file: accounts shows its project_id, and the proxy sends the same project', async () => {
  const f = await proxyFixture({provider: 'gemini', tokens: [{file: 'gemini-g@example.com-proj1.json', token: nested('g@example.com', 'proj1')}]});
  try {
    const json = await runBin(['accounts', '--json'], f.ccs.env);
    assert.equal(json.code, 0, json.stderr);
    const [account] = JSON.parse(json.stdout).filter((a: {provider: string}) => a.provider === 'gemini');
    assert.equal(account.projectId, 'proj1');
    const table = await runBin(['accounts'], f.ccs.env);
    assert.match(table.stdout, /PROJECT/);
    assert.match(table.stdout, /g@example\.com +proj1/);

    f.upstream.handler = (_req, res) => {
      res.writeHead(200, {'content-type': 'text/event-stream'});
      res.end(`data: {"response":{"candidates":[{"content":{"role":"model","parts":[{"text":"ok"}]},"finishReason":"STOP"}]}}\n\n`);
    };
    const client = new Anthropic({apiKey: API_KEY, baseURL: f.url, maxRetries: 0});
    await client.messages.create({model: 'gemini-2.5-pro', max_tokens: 64, messages: [{role: 'user', content: 'hi'}]});
    assert.equal((f.upstream.requests.at(-1)!.body as {project?: string}).project, 'proj1');
  } finally {
    await f.close();
  }
});

test('a project only the registry records (CCS wrote it; the token file names none): shown, and the proxy sends that same project', async () => {
  const flat = {type: 'gemini', email: 'r@example.com', access_token: 'ya29.at-r@example.com-0123456789abcdef', refresh_token: '1//rt-r@example.com-0123456789abcdef', expired: new Date(Date.now() + 30 * 24 * 3600_000).toISOString()};
  const registry = {version: 1, providers: {gemini: {default: 'r@example.com', accounts: {'r@example.com': {email: 'r@example.com', tokenFile: 'gemini-r@example.com.json', projectId: 'proj-registry'}}}}};
  const f = await proxyFixture({provider: 'gemini', tokens: [{file: 'gemini-r@example.com.json', token: flat}], registry});
  try {
    const [account] = JSON.parse((await runBin(['accounts', '--json'], f.ccs.env)).stdout).filter((a: {provider: string}) => a.provider === 'gemini');
    assert.equal(account.projectId, 'proj-registry');

    f.upstream.handler = (_req, res) => {
      res.writeHead(200, {'content-type': 'text/event-stream'});
      res.end(`data: {"response":{"candidates":[{"content":{"role":"model","parts":[{"text":"ok"}]},"finishReason":"STOP"}]}}\n\n`);
    };
    const client = new Anthropic({apiKey: API_KEY, baseURL: f.url, maxRetries: 0});
    await client.messages.create({model: 'gemini-2.5-pro', max_tokens: 64, messages: [{role: 'user', content: 'hi'}]});
    assert.equal((f.upstream.requests.at(-1)!.body as {project?: string}).project, 'proj-registry', 'what is shown is what is sent');
  } finally {
    await f.close();
  }
});
