// Two logins of one email (CCS's `email#suffix` ids): every listing and confirmation tells them apart.
import assert from 'node:assert/strict';
import {afterEach, beforeEach, test} from 'node:test';
import {makeTempCcs, tokenFixture, type TempCcs} from '../helpers/ccs.js';
import {runBin} from '../helpers/cli.js';

const TEAM = 'dup@corp.example.com#1a2b3c4d-team';
const PLUS = 'dup@corp.example.com#5e6f7a8b-plus';

let ccs: TempCcs;
beforeEach(() => {
  ccs = makeTempCcs();
  ccs.writeToken('codex-1a2b3c4d-dup@corp.example.com-team.json', tokenFixture('codex', 'dup@corp.example.com'));
  ccs.writeToken('codex-5e6f7a8b-dup@corp.example.com-plus.json', tokenFixture('codex', 'dup@corp.example.com'));
  ccs.writeToken('claude-dup@corp.example.com.json', tokenFixture('claude', 'dup@corp.example.com'));
});
afterEach(() => ccs.cleanup());

test('accounts and quota list each login of a shared email by its #suffix id; other providers keep the email', async () => {
  const list = await runBin(['accounts'], ccs.env);
  assert.equal(list.code, 0, list.stderr);
  const codexRows = list.stdout.split('\n').filter((l) => l.startsWith('codex'));
  assert.equal(codexRows.length, 2);
  assert.match(codexRows.join('\n'), new RegExp(`${TEAM}[\\s\\S]*\\n.*${PLUS}`));
  assert.match(list.stdout, /^claude\s+\*\s+dup@corp\.example\.com\s/m);

  const quota = await runBin(['quota', '--provider', 'codex'], ccs.env);
  const quotaRows = quota.stdout.split('\n').filter((l) => l.startsWith('codex'));
  assert.deepEqual(quotaRows.map((l) => l.split(/\s+/)[1]), [TEAM, PLUS]);
});

test('use, pause and resume confirm the account by the id that was typed', async () => {
  const use = await runBin(['use', 'codex', PLUS], ccs.env);
  assert.equal(use.code, 0, use.stderr);
  assert.equal(use.stdout, `codex: default is now ${PLUS}\n`);
  const pause = await runBin(['pause', 'codex', TEAM], ccs.env);
  assert.equal(pause.stdout, `codex: paused ${TEAM}\n`);
  const rotate = await runBin(['resume', 'codex', TEAM], ccs.env);
  assert.equal(rotate.stdout, `codex: resumed ${TEAM}\n`);
});
