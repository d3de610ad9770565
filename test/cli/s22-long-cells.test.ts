// A server (or a file) may name an account with thousands of characters: the human table printed
// them whole, each row a wall of text that pushed every column after it off the screen. Cells are
// now cut with … (an email keeps its domain), after they are masked; --json keeps them whole.
import assert from 'node:assert/strict';
import {after, test} from 'node:test';
import {makeTempCcs, tokenFixture} from '../helpers/ccs.js';
import {runBin} from '../helpers/cli.js';
import {remoteTarget} from '../helpers/fake-cliproxy/target.js';

test('accounts --target: a 10,000-character email, note and file name are cut in the table, whole in --json', async () => {
  const ccs = makeTempCcs();
  const stand = await remoteTarget(ccs);
  after(async () => {
    await stand.close();
    ccs.cleanup();
  });
  const email = `${'a'.repeat(10_000)}@example.com`;
  const name = `codex-${'f'.repeat(10_000)}.json`;
  stand.addFile(name, {...tokenFixture('codex', email), note: 'n'.repeat(10_000)});
  stand.addFile('codex-b@example.com.json', tokenFixture('codex', 'b@example.com'));

  const table = await runBin(['accounts', '--target', 'team'], ccs.env);
  assert.equal(table.code, 0, table.stderr);
  const lines = table.stdout.trimEnd().split('\n');
  assert.equal(lines.length, 3);
  for (const line of lines) assert.ok(line.length < 400, `a row of ${line.length} characters`);
  const long = lines.find((line) => line.includes('aaaa'))!;
  const short = lines.find((line) => line.includes('b@example.com'))!;
  assert.match(long, /…/);
  assert.match(long, /…@example\.com /, 'the email keeps its domain');
  assert.match(short, /^codex\s+b@example\.com\s+b@example\.com\s+ok/);
  // The columns still line up: the short account's state starts where the long one's does.
  assert.equal(long.indexOf(' ok'), short.indexOf(' ok'));

  const json = await runBin(['accounts', '--json', '--target', 'team'], ccs.env);
  const rows = JSON.parse(json.stdout) as {email: string; nickname: string; tokenFile: string}[];
  const whole = rows.find((r) => r.email === email)!;
  assert.equal(whole.nickname, 'n'.repeat(10_000));
  assert.equal(whole.tokenFile, name);
});
