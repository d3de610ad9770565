// `t` on an API-key account tests the key (the provider's models list, asked with it) and says what
// the upstream answered: a refused key shows "! key rejected" in the list (counted as needing
// attention), the detail (the upstream's words, masked, and when) and the quota screen; an accepted
// key ends that. Never "nothing to refresh" while a list can judge the key.
import {cleanUp, renderTui, type TuiHandle} from '../helpers/ink.js';
import assert from 'node:assert/strict';
import {createServer, type Server} from 'node:http';
import type {AddressInfo} from 'node:net';
import {afterEach, test} from 'node:test';
import {readdirSync, readFileSync} from 'node:fs';
import {join} from 'node:path';
import {makeTempCcs, type TempCcs} from '../helpers/ccs.js';

const KEY = 'bob-secret-key-0123456789abcdef';
let ccs: TempCcs | undefined;
let tui: TuiHandle | undefined;
let server: Server | undefined;
afterEach(async () => {
  [tui, ccs] = cleanUp(tui, ccs);
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  server = undefined;
});

const statusLine = (frame: string) => frame.split('\n').at(-2) ?? '';
const row = (frame: string) => frame.split('\n').find((l) => l.includes('›') && l.includes('spare')) ?? '';

test('t on an IBM Bob key: refused → "! key rejected" in the list, detail and quota screen; accepted → ok again', async () => {
  let accept = false;
  const asked: string[] = [];
  server = createServer((req, res) => {
    asked.push(`${req.method} ${req.url} ${req.headers.authorization === `Bearer ${KEY}` ? 'with the key' : 'without'}`);
    const [status, body] = accept ? [200, {data: [{id: 'bob-large'}, {id: 'bob-small'}]}] : [401, {error: {message: `Invalid API key ${KEY}`, type: 'authentication_error'}}];
    res.writeHead(status, {'content-type': 'application/json'}).end(JSON.stringify(body));
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  ccs = makeTempCcs();
  ccs.writeToken('bob-spare.json', {type: 'bob', api_key: KEY, base_url: base});
  tui = await renderTui({paths: ccs.paths, width: 170, height: 30});
  await tui.waitFor('Claude accounts');
  // Only providers with accounts, then the accounts pane.
  await tui.press('H');
  await tui.waitFor('IBM Bob accounts');
  await tui.press('l');
  await tui.waitFor(/›.*spare/);
  await tui.press('t');
  let frame = await tui.waitFor(/key rejected \(/);
  assert.deepEqual(asked, ['GET /v1/models with the key']);
  assert.match(statusLine(frame), /^error: bob spare: key rejected \(L replaces the key; t asks again\): HTTP 401 from 127\.0\.0\.1:\d+\/v1\/models/);
  frame = await tui.waitFor((f) => /! key rejected/.test(row(f)));
  assert.match(frame, /IBM Bob accounts \(1\) · 1 needs attention/);
  // The way out is a new key for this account (L), not a new account (a).
  assert.match(frame.split('\n').at(-1) ?? '', /^L new key /);
  assert.doesNotMatch(frame, new RegExp(KEY));

  await tui.press('enter');
  frame = await tui.waitFor('Key file');
  const status = frame.split('\n').find((l) => l.includes('Status')) ?? '';
  assert.match(status, /! key rejected — HTTP 401 from 127\.0\.0\.1:\d+\/v1\/models: .*Invalid API key bob-…\(redacted\)/);
  assert.match(frame.replace(/[│\n ]+/g, ' '), /the provider refused this API key at \d{4}-\d\d-\d\d \d\d:\d\d \((just now|\d+s ago)\)/);
  assert.doesNotMatch(frame, new RegExp(KEY));

  await tui.press('2');
  frame = await tui.waitFor('bob · spare');
  assert.match(frame, /bob · spare +! key rejected · unknown \(no quota source\)/);

  accept = true;
  await tui.press('1');
  await tui.waitFor(/›.*spare/);
  await tui.press('t');
  frame = await tui.waitFor(/key accepted/);
  assert.match(statusLine(frame), /bob spare: key accepted: the provider lists 2 models for it/);
  frame = await tui.waitFor((f) => / ok /.test(row(f)));
  assert.doesNotMatch(frame, /key rejected|nothing to refresh/);
});

test('L on an API-key account replaces its key in place: masked field, its base URL offered, same token file and default, no account added', async () => {
  const NEW = 'bob-new-key-fedcba9876543210';
  server = createServer((req, res) => {
    const ok = req.headers.authorization === `Bearer ${NEW}`;
    res.writeHead(ok ? 200 : 401, {'content-type': 'application/json'}).end(JSON.stringify(ok ? {data: [{id: 'bob-large'}]} : {error: {message: 'invalid key'}}));
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  ccs = makeTempCcs();
  ccs.writeToken('bob-spare.json', {type: 'bob', api_key: KEY, account_id: 'key-0123456789ab', base_url: base});
  tui = await renderTui({paths: ccs.paths, width: 120, height: 30});
  await tui.waitFor('Claude accounts');
  await tui.press('H');
  await tui.waitFor('IBM Bob accounts');
  await tui.press('l');
  await tui.waitFor(/›.*spare/);
  await tui.press('L');
  // No method, no name asked: the key of this account, at once.
  let frame = await tui.waitFor('(shown masked)');
  assert.match(frame, /IBM Bob — replace the key of spare/);
  assert.match(frame.split('\n')[0]!, /Log in again/, 'the title bar says what this is, not "Add account"');
  assert.doesNotMatch(frame, /Add account/);
  assert.match(frame, /paste the new IBM Bob API key for .*spare.* \(shown masked\)/);
  await tui.type(NEW);
  frame = await tui.waitFor('•'.repeat(NEW.length));
  assert.doesNotMatch(frame, new RegExp(NEW));
  await tui.press('enter');
  // The account's base URL is offered as stored: Enter keeps it, nothing to type again.
  frame = await tui.waitFor('Step 2 of 2');
  assert.ok(frame.includes(base), frame);
  await tui.press('enter');
  frame = await tui.waitFor(/Key of IBM Bob account .*spare.* replaced/);
  assert.doesNotMatch(frame, /Added/);
  const files = readdirSync(ccs.paths.authDir).filter((f) => f.endsWith('.json'));
  assert.deepEqual(files, ['bob-spare.json']);
  const token = JSON.parse(readFileSync(join(ccs.paths.authDir, 'bob-spare.json'), 'utf8'));
  assert.equal(token.api_key, NEW);
  const accounts = JSON.parse(readFileSync(ccs.paths.registry, 'utf8')).providers.bob.accounts;
  assert.equal(Object.keys(accounts).length, 1, JSON.stringify(accounts));
});
