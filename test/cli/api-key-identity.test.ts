// An API-key account is its key (README "the same key added again is the same account"): its
// identity is the key's digest (`key-<hex>`), a nickname is a nickname (never stored as the email);
// the key added again, with or without --nickname, is that account (`Same key again for …`); and
// `login <provider> --nickname N` with a new key for an existing account N replaces that account's
// key instead of refusing N as "another" account. Files written by older versions (the nickname
// stored as the email) still load and match.
import assert from 'node:assert/strict';
import {readFileSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {test} from 'node:test';
import {makeTempCcs} from '../helpers/ccs.js';
import {runBin} from '../helpers/cli.js';
import {startFakeServer} from '../helpers/fake-providers/server.js';

const KEY_1 = 'AIzaSyFirstKeyFirstKeyFirstKey00000001';
const KEY_2 = 'AIzaSySecondKeySecondKeySecondKey0002';

type Row = {provider: string; id: string; nickname: string | null; email: string | null; tokenFile: string; default: boolean};

async function withStudio(body: (ccs: ReturnType<typeof makeTempCcs>) => Promise<void>) {
  const ccs = makeTempCcs();
  const studio = await startFakeServer({
    'GET /v1beta/openai/models': (req) =>
      [KEY_1, KEY_2].includes(String(req.headers.authorization ?? '').replace(/^Bearer /, ''))
        ? {json: {object: 'list', data: [{id: 'model-a', object: 'model'}]}}
        : {status: 401, json: {error: {message: 'bad key'}}},
  });
  try {
    writeFileSync(ccs.paths.settings, JSON.stringify({endpoints: {aistudio: {api: studio.url}}}));
    await body(ccs);
  } finally {
    await studio.close();
    ccs.cleanup();
  }
}

const studioRows = async (ccs: ReturnType<typeof makeTempCcs>) =>
  (JSON.parse((await runBin(['accounts', '--json'], ccs.env)).stdout) as Row[]).filter((r) => r.provider === 'aistudio');

test('the same key added again, then with a nickname, is one account; a new key under that nickname replaces its key', () =>
  withStudio(async (ccs) => {
    const first = await runBin(['login', 'aistudio'], ccs.env, `${KEY_1}\n`);
    assert.equal(first.code, 0, first.stderr);
    const again = await runBin(['login', 'aistudio', '--nickname', 'work'], ccs.env, `${KEY_1}\n`);
    assert.equal(again.code, 0, again.stderr);
    // The account had no nickname: the login gave it one, and says so.
    assert.equal(again.stdout, 'Same key again for aistudio account work: already stored; its nickname set to "work" (it had none)\n');
    let rows = await studioRows(ccs);
    assert.equal(rows.length, 1, JSON.stringify(rows));
    assert.match(rows[0]!.id, /^key-[0-9a-f]{12}$/);
    assert.equal(rows[0]!.nickname, 'work');
    assert.equal(rows[0]!.email, null, 'a nickname is not an email');
    const file = path.join(ccs.paths.authDir, rows[0]!.tokenFile);
    assert.equal(JSON.parse(readFileSync(file, 'utf8')).email, undefined);

    const replaced = await runBin(['login', 'aistudio', '--nickname', 'work'], ccs.env, `${KEY_2}\n`);
    assert.equal(replaced.code, 0, replaced.stderr);
    assert.match(replaced.stdout, /^Key of aistudio account work replaced/);
    rows = await studioRows(ccs);
    assert.equal(rows.length, 1, JSON.stringify(rows));
    assert.equal(rows[0]!.nickname, 'work');
    assert.equal(rows[0]!.default, true);
    assert.equal(JSON.parse(readFileSync(path.join(ccs.paths.authDir, rows[0]!.tokenFile), 'utf8')).api_key, KEY_2);
    assert.ok(!replaced.stdout.includes(KEY_2) && !replaced.stderr.includes(KEY_2));

    // The replaced key is the account's identity now: added again, it is the same account.
    const same = await runBin(['login', 'aistudio', '--json'], ccs.env, `${KEY_2}\n`);
    assert.equal(same.code, 0, same.stderr);
    assert.equal(JSON.parse(same.stdout).keyReplaced, undefined, 'the same key again replaced nothing');
    const sameText = await runBin(['login', 'aistudio'], ccs.env, `${KEY_2}\n`);
    assert.equal(sameText.stdout, 'Same key again for aistudio account work: already stored\n');
    assert.equal((await studioRows(ccs)).length, 1);
  }));

test('a new key under the id of an account with no nickname (the advice for a rejected key) replaces its key and gives it no nickname', () =>
  withStudio(async (ccs) => {
    const first = await runBin(['login', 'aistudio'], ccs.env, `${KEY_1}\n`);
    assert.equal(first.code, 0, first.stderr);
    const [{id}] = (await studioRows(ccs)) as [Row];
    const replaced = await runBin(['login', 'aistudio', '--nickname', id], ccs.env, `${KEY_2}\n`);
    assert.equal(replaced.code, 0, replaced.stderr);
    assert.match(replaced.stdout, new RegExp(`^Key of aistudio account ${id} replaced`));
    assert.doesNotMatch(replaced.stdout, /nickname/);
    const rows = await studioRows(ccs);
    assert.equal(rows.length, 1, JSON.stringify(rows));
    assert.equal(rows[0]!.id, id);
    assert.equal(rows[0]!.nickname, null, 'the id is not made its nickname');
    assert.equal(JSON.parse(readFileSync(path.join(ccs.paths.authDir, rows[0]!.tokenFile), 'utf8')).api_key, KEY_2);
  }));

test('an older key account whose email is its nickname still loads, and its key again is that account (the nickname kept)', () =>
  withStudio(async (ccs) => {
    const {createHash} = await import('node:crypto');
    const digest = `key-${createHash('sha256').update(KEY_1).digest('hex').slice(0, 12)}`;
    ccs.writeToken('aistudio-work.json', {type: 'aistudio', api_key: KEY_1, account_id: digest, email: 'work', last_refresh: '2026-01-01T00:00:00Z'});
    let rows = await studioRows(ccs);
    assert.deepEqual(rows.map((r) => r.tokenFile), ['aistudio-work.json']);
    const again = await runBin(['login', 'aistudio'], ccs.env, `${KEY_1}\n`);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /^Same key again for aistudio account work: already stored/);
    rows = await studioRows(ccs);
    assert.deepEqual(rows.map((r) => [r.tokenFile, r.nickname]), [['aistudio-work.json', 'work']]);
    const replaced = await runBin(['login', 'aistudio', '--nickname', 'work'], ccs.env, `${KEY_2}\n`);
    assert.equal(replaced.code, 0, replaced.stderr);
    assert.match(replaced.stdout, /^Key of aistudio account work replaced/);
    rows = await studioRows(ccs);
    assert.deepEqual(rows.map((r) => [r.tokenFile, r.nickname]), [['aistudio-work.json', 'work']]);
    assert.equal(JSON.parse(readFileSync(path.join(ccs.paths.authDir, 'aistudio-work.json'), 'utf8')).api_key, KEY_2);
  }));
