// A proxy serving one account alone whose account is then removed answers 503 naming the account
// as the person knew it (its nickname), never its registry id: a newcomer who removed `studio2` read
// "account key-16539bb7344f … is gone", an id shown nowhere else.
import assert from 'node:assert/strict';
import {rmSync} from 'node:fs';
import path from 'node:path';
import {after, describe, it} from 'node:test';
import {API_KEY, proxyFixture} from './fixture.js';
import {tokenFixture} from '../helpers/ccs.js';
import {AccountStore} from '../../source/store/accounts.js';

describe('the pinned account removed', async () => {
  const f = await proxyFixture({
    provider: 'claude',
    // Pinned by its id, as the TUI's `s` pins.
    serve: {provider: 'claude', account: 'a@example.com'},
    tokens: [{file: 'claude-a.json', token: tokenFixture('claude', 'a@example.com')}, {file: 'claude-b.json', token: tokenFixture('claude', 'b@example.com')}],
    registry: {version: 1, providers: {claude: {default: 'a@example.com', accounts: {
      'a@example.com': {email: 'a@example.com', nickname: 'studio2', tokenFile: 'claude-a.json'},
      'b@example.com': {email: 'b@example.com', tokenFile: 'claude-b.json'},
    }}}},
  });
  after(() => f.close());

  const status = async () => (await (await fetch(`${f.url}/_ccs-tui/status`, {headers: {'x-api-key': API_KEY}})).json()) as {pinnedTrouble?: {message: string; advice?: {command?: string}}};

  it('while it serves, its status says nothing is wrong', async () => {
    assert.equal((await status()).pinnedTrouble, undefined);
  });

  it('the 503 names it studio2, as the screens did; the status says it before any request meets it', async () => {
    rmSync(path.join(f.ccs.paths.authDir, 'claude-a.json'));
    const registry = {version: 1, providers: {claude: {default: 'b@example.com', accounts: {'b@example.com': {email: 'b@example.com', tokenFile: 'claude-b.json'}}}}};
    f.ccs.writeRegistry(registry);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const trouble = (await status()).pinnedTrouble;
    assert.equal(trouble?.message, 'Claude account studio2, which this proxy serves alone, is gone (removed, or its token file moved)');
    assert.match(trouble?.advice?.command ?? '', /serve the claude pool instead: ccs-tui proxy switch --provider claude/);
    const res = await fetch(`${f.url}/v1/messages`, {
      method: 'POST',
      headers: {'x-api-key': API_KEY, 'content-type': 'application/json', 'anthropic-version': '2023-06-01'},
      body: JSON.stringify({model: 'claude-opus-4-6', max_tokens: 8, messages: [{role: 'user', content: 'hi'}]}),
    });
    assert.equal(res.status, 503);
    const text = await res.text();
    assert.match(text, /Claude account studio2, which this proxy serves alone, is gone/, text);
    assert.doesNotMatch(text, /account a@example\.com,/);
  });
});

describe('the pinned account renamed, then paused or removed', async () => {
  const f = await proxyFixture({
    provider: 'claude',
    serve: {provider: 'claude', account: 'a@example.com'},
    tokens: [{file: 'claude-a.json', token: tokenFixture('claude', 'a@example.com')}, {file: 'claude-b.json', token: tokenFixture('claude', 'b@example.com')}],
  });
  after(() => f.close());
  const status = async () => (await (await fetch(`${f.url}/_ccs-tui/status`, {headers: {'x-api-key': API_KEY}})).json()) as {account?: string; pinnedTrouble?: {message: string; advice?: {command?: string}}};
  const store = new AccountStore(f.ccs.paths);

  it('is named by its new name, and the way out gives it as one shell word', async () => {
    await store.rename('claude', {id: 'a@example.com'}, 'my work; rm -rf x');
    await new Promise((resolve) => setTimeout(resolve, 1100));
    assert.equal((await status()).account, 'my work; rm -rf x');
    await store.setPaused('claude', {id: 'a@example.com'}, true);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const paused = await status();
    assert.equal(paused.account, 'my work; rm -rf x', 'the serving line and the trouble name it alike');
    assert.equal(paused.pinnedTrouble?.message, 'Claude account my work; rm -rf x, which this proxy serves alone, is paused');
    assert.match(paused.pinnedTrouble?.advice?.command ?? '', /resume it: ccs-tui resume claude 'my work; rm -rf x'/);
  });

  it('removed after the rename: still named by the name it was known by', async () => {
    await store.setPaused('claude', {id: 'a@example.com'}, false);
    await store.remove('claude', {id: 'a@example.com'});
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const gone = await status();
    assert.equal(gone.account, 'my work; rm -rf x');
    assert.match(gone.pinnedTrouble?.message ?? '', /^Claude account my work; rm -rf x, which this proxy serves alone, is gone/);
  });
});

describe('the pinned account of an API-key provider removed', async () => {
  const f = await proxyFixture({
    provider: 'aistudio',
    serve: {provider: 'aistudio', account: 'a'},
    tokens: [
      {file: 'aistudio-a.json', token: {type: 'aistudio', api_key: 'AIzaSyTestKeyTestKeyTestKeyTestKey0001', account_id: 'key-aaaaaaaaaaaa'}},
      {file: 'aistudio-b.json', token: {type: 'aistudio', api_key: 'AIzaSyTestKeyTestKeyTestKeyTestKey0002', account_id: 'key-bbbbbbbbbbbb'}},
    ],
  });
  after(() => f.close());

  it('its way out is adding its key again, not a login', async () => {
    rmSync(path.join(f.ccs.paths.authDir, 'aistudio-a.json'));
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const status = (await (await fetch(`${f.url}/_ccs-tui/status`, {headers: {'x-api-key': API_KEY}})).json()) as {pinnedTrouble?: {message: string; advice?: {command?: string; tui?: string}}};
    assert.match(status.pinnedTrouble?.message ?? '', /which this proxy serves alone, is gone/);
    assert.match(status.pinnedTrouble?.advice?.command ?? '', /add its key again: ccs-tui login aistudio;/);
    assert.match(status.pinnedTrouble?.advice?.tui ?? '', /a on the accounts screen: add its key again/);
    assert.doesNotMatch(JSON.stringify(status.pinnedTrouble), /log in again/);
  });
});

it('a removed key account known by its nickname: adding its key again gives the nickname back (as a shell word)', async () => {
  const {pinnedAdvice} = await import('../../source/proxy/errors.js');
  assert.match(pinnedAdvice('aistudio', 'studio two', 'addkey', true).command ?? '', /add its key again: ccs-tui login aistudio --nickname 'studio two';/);
  assert.match(pinnedAdvice('aistudio', 'key-0123456789ab', 'addkey', false).command ?? '', /add its key again: ccs-tui login aistudio;/);
});
