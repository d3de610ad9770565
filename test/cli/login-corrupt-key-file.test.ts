// A key account whose token file became invalid JSON: `login <provider> --nickname N` with a new key
// (README: it replaces that account's key) replaces it, says which file was broken and where its
// bytes are kept, and loses nothing (the broken file is copied aside before it is written over).
import assert from 'node:assert/strict';
import {readdirSync, readFileSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {test} from 'node:test';
import {makeTempCcs} from '../helpers/ccs.js';
import {runBin} from '../helpers/cli.js';
import {startFakeServer} from '../helpers/fake-providers/server.js';

const KEY_1 = 'AIzaSyFirstKeyFirstKeyFirstKey00000001';
const KEY_2 = 'AIzaSySecondKeySecondKeySecondKey0002';

test('a new key under the nickname of an account whose token file is corrupt replaces it, keeping the broken file', async () => {
  const ccs = makeTempCcs();
  const studio = await startFakeServer({'GET /v1beta/openai/models': () => ({json: {object: 'list', data: [{id: 'model-a', object: 'model'}]}})});
  try {
    writeFileSync(ccs.paths.settings, JSON.stringify({endpoints: {aistudio: {api: studio.url}}}));
    assert.equal((await runBin(['login', 'aistudio', '--nickname', 'personal'], ccs.env, `${KEY_1}\n`)).code, 0);
    const [row] = JSON.parse((await runBin(['accounts', '--json'], ccs.env)).stdout) as {id: string; tokenFile: string}[];
    const file = path.join(ccs.paths.authDir, row!.tokenFile);
    const broken = '{"type": "aistudio", "api_key": "AIzaSyFirstKey';
    writeFileSync(file, broken);

    const replaced = await runBin(['login', 'aistudio', '--nickname', 'personal', '--json'], ccs.env, `${KEY_2}\n`);
    assert.equal(replaced.code, 0, replaced.stderr);
    assert.doesNotMatch(replaced.stderr, /already used/, replaced.stderr);
    const answer = JSON.parse(replaced.stdout) as {account: {id: string; nickname: string}; keyReplaced?: boolean; corruptCopy?: string};
    assert.equal(answer.account.id, row!.id, 'the same account');
    assert.equal(answer.account.nickname, 'personal');
    assert.equal(answer.keyReplaced, true);
    // The warning names the broken file, where it was broken, and where its bytes are.
    const copies = readdirSync(ccs.paths.authDir).filter((name) => name.startsWith(`${row!.tokenFile}.corrupt-`));
    assert.equal(copies.length, 1, readdirSync(ccs.paths.authDir).join(', '));
    const copy = path.join(ccs.paths.authDir, copies[0]!);
    assert.equal(answer.corruptCopy, copy);
    assert.equal(readFileSync(copy, 'utf8'), broken, 'the broken bytes are kept');
    const warning = replaced.stderr.split('\n').find((line) => line.startsWith('ccs-tui: warning: '));
    assert.ok(warning?.includes(`${file}:1:`), replaced.stderr);
    assert.ok(warning?.includes('invalid JSON'), replaced.stderr);
    assert.ok(warning?.includes(copy), replaced.stderr);
    assert.equal(JSON.parse(readFileSync(file, 'utf8')).api_key, KEY_2);
    const rows = JSON.parse((await runBin(['accounts', '--json'], ccs.env)).stdout) as {nickname: string; health: string}[];
    assert.deepEqual(rows.map((r) => [r.nickname, r.health]), [['personal', 'ok']]);

    // Text form: the outcome on stdout as for any replaced key.
    writeFileSync(file, broken);
    const text = await runBin(['login', 'aistudio', '--nickname', 'personal'], ccs.env, `${KEY_1}\n`);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /^Key of aistudio account personal replaced/);
    assert.match(text.stderr, /could not be read .*the broken file is kept at /);
  } finally {
    await studio.close();
    ccs.cleanup();
  }
});
