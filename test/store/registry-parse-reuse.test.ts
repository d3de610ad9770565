// The registry (~0.3 MB at 1,000 accounts) is parsed once while its bytes stay the same: by the
// one-account look-ups of a quota poll while it was written in the last second (its stamp not to be
// trusted), and by each refreshed token's save under the lock (issue 14: half that save's CPU). A
// change of its bytes is seen at once, whatever its stamp says.
import assert from 'node:assert/strict';
import {readFileSync, utimesSync} from 'node:fs';
import {setTimeout as sleep} from 'node:timers/promises';
import {test} from 'node:test';
import {AccountStore} from '../../source/store/accounts.js';
import {RECENT_CHANGE_MS} from '../../source/store/file-stamp.js';
import {makeTempCcs, tokenFixture, type TempCcs} from '../helpers/ccs.js';
import {rewriteKeepingMtime} from '../helpers/rewrite-in-place.js';

const emails = ['a@x.com', 'b@x.com', 'c@x.com'];

function ccsWithAccounts(): TempCcs {
  const ccs = makeTempCcs();
  for (const email of emails) ccs.writeToken(`claude-${email}.json`, tokenFixture('claude', email));
  ccs.writeRegistry({
    version: 1,
    providers: {claude: {default: 'a@x.com', accounts: Object.fromEntries(emails.map((e) => [e, {email: e, nickname: `nick-${e[0]}`, tokenFile: `claude-${e}.json`, createdAt: '2026-01-01T00:00:00.000Z'}]))}},
  });
  return ccs;
}

/** How many times `work` parses the registry's text (JSON.parse of exactly the file's bytes). */
async function registryParses(ccs: TempCcs, work: () => Promise<unknown>): Promise<number> {
  const parse = JSON.parse;
  let parses = 0;
  JSON.parse = ((text: string, reviver?: Parameters<typeof JSON.parse>[1]) => {
    if (text === readFileSync(ccs.paths.registry, 'utf8')) parses++;
    return parse(text, reviver);
  }) as typeof JSON.parse;
  try {
    await work();
  } finally {
    JSON.parse = parse;
  }
  return parses;
}

test('a registry written in the last second is parsed once by one-account look-ups, and a change of its bytes is seen', async (t) => {
  const ccs = ccsWithAccounts();
  t.after(() => ccs.cleanup());
  const old = new Date(Date.now() - 60_000);
  utimesSync(ccs.paths.registry, old, old); // its mtime old, its ctime (set by the kernel) now
  const store = new AccountStore(ccs.paths);
  const parses = await registryParses(ccs, async () => {
    for (let i = 0; i < 5; i++) for (const email of emails) assert.equal((await store.loadAccount('claude', {id: email})).nickname, `nick-${email[0]}`);
  });
  assert.equal(parses, 1, 'the same bytes parsed again');
  // Rewritten in place at the same size and mtime, in the same second: the new nickname is read.
  rewriteKeepingMtime(ccs.paths.registry, readFileSync(ccs.paths.registry, 'utf8').replace('nick-b', 'nick-B'));
  assert.equal((await store.loadAccount('claude', {id: 'b@x.com'})).nickname, 'nick-B');
  assert.equal((await store.loadAccount('claude', {id: 'a@x.com'})).nickname, 'nick-a');
});

test("a token file's rewrite under the lock takes the registry as parsed, and sees one changed meanwhile", async (t) => {
  const ccs = ccsWithAccounts();
  t.after(() => ccs.cleanup());
  await sleep(RECENT_CHANGE_MS + 100); // past the "racily clean" second: the stamp decides
  const store = new AccountStore(ccs.paths);
  await store.loadAccount('claude', {id: 'a@x.com'});
  const parses = await registryParses(ccs, async () => {
    for (const [i, email] of emails.entries()) await store.updateToken('claude', {id: email}, (token) => ({...token, access_token: `new-access-${i}`}));
  });
  assert.equal(parses, 0, 'the registry parsed again for a rewrite that does not change it');
  for (const [i, email] of emails.entries()) assert.equal(JSON.parse(readFileSync(`${ccs.paths.authDir}/claude-${email}.json`, 'utf8')).access_token, `new-access-${i}`);

  // Another program points the account at another token file: the next rewrite writes that one.
  ccs.writeToken('claude-b-moved@x.com.json', tokenFixture('claude', 'b@x.com', {access_token: 'moved'}));
  ccs.writeRegistry(JSON.parse(readFileSync(ccs.paths.registry, 'utf8').replace('"tokenFile": "claude-b@x.com.json"', '"tokenFile": "claude-b-moved@x.com.json"')));
  await store.updateToken('claude', {id: 'b@x.com'}, (token) => ({...token, access_token: `after-move`}));
  assert.equal(JSON.parse(readFileSync(`${ccs.paths.authDir}/claude-b-moved@x.com.json`, 'utf8')).access_token, 'after-move');
  assert.equal(JSON.parse(readFileSync(`${ccs.paths.authDir}/claude-b@x.com.json`, 'utf8')).access_token, 'new-access-1');
});
