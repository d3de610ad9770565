// A paused account serves nothing, so it is never the default: pausing the last usable account says
// no account is left to be the default, and `accounts` (its `*`, --json `default`) agrees. The
// newcomer saw "no usable account is left to be the default" beside `*` on the paused account.
import assert from 'node:assert/strict';
import {afterEach, test} from 'node:test';
import {makeTempCcs, tokenFixture, type TempCcs} from '../helpers/ccs.js';
import {runBin} from '../helpers/cli.js';

let ccs: TempCcs | undefined;
afterEach(() => ccs?.cleanup());

const row = (stdout: string, name: string) => stdout.split('\n').find((line) => line.includes(name)) ?? '';
const accountsJson = async (c: TempCcs) => JSON.parse((await runBin(['accounts', '--json'], c.env)).stdout) as {id: string; default: boolean; paused: boolean}[];

function oneAccount(): TempCcs {
  const c = makeTempCcs();
  c.writeToken('claude-alice@example.com.json', tokenFixture('claude', 'alice@example.com'));
  c.writeRegistry({version: 1, providers: {claude: {default: 'alice@example.com', accounts: {'alice@example.com': {email: 'alice@example.com', nickname: 'work', tokenFile: 'claude-alice@example.com.json'}}}}});
  return c;
}

test('pausing the last usable account: no default, said and shown alike (text and --json); resuming makes it the default again', async () => {
  ccs = oneAccount();
  const paused = await runBin(['pause', 'claude', 'work'], ccs.env);
  assert.equal(paused.code, 0, paused.stderr);
  assert.equal(paused.stdout, 'claude: paused work; no usable account is left to be the default\n');
  const table = await runBin(['accounts'], ccs.env);
  assert.match(row(table.stdout, 'alice@'), /^claude\s{3,}work\s+alice@example\.com\s+paused/, `no * on a paused account:\n${table.stdout}`);
  assert.deepEqual((await accountsJson(ccs)).map((a) => [a.id, a.default, a.paused]), [['alice@example.com', false, true]]);
  const resumed = await runBin(['resume', 'claude', 'work'], ccs.env);
  assert.equal(resumed.stdout, 'claude: resumed work; default is now work\n');
  assert.match(row((await runBin(['accounts'], ccs.env)).stdout, 'alice@'), /^claude\s+\*\s+work/);
});

test('a registry that names a paused account as the default (as CCS may write it): the first account not paused is the default shown', async () => {
  ccs = makeTempCcs();
  ccs.writeToken('claude-alice@example.com.json', tokenFixture('claude', 'alice@example.com'), 'auth-paused');
  ccs.writeToken('claude-bob@example.com.json', tokenFixture('claude', 'bob@example.com'));
  ccs.writeRegistry({
    version: 1,
    providers: {
      claude: {
        default: 'alice@example.com',
        accounts: {
          'alice@example.com': {email: 'alice@example.com', tokenFile: 'claude-alice@example.com.json', paused: true},
          'bob@example.com': {email: 'bob@example.com', tokenFile: 'claude-bob@example.com.json'},
        },
      },
    },
  });
  assert.deepEqual((await accountsJson(ccs)).map((a) => [a.id, a.default, a.paused]), [
    ['alice@example.com', false, true],
    ['bob@example.com', true, false],
  ]);
});

test('pausing the default when the only other account cannot serve (its token file is missing): the message names where the default went and why it cannot serve', async () => {
  ccs = oneAccount();
  ccs.writeRegistry({
    version: 1,
    providers: {
      claude: {
        default: 'alice@example.com',
        accounts: {
          'alice@example.com': {email: 'alice@example.com', nickname: 'work', tokenFile: 'claude-alice@example.com.json'},
          'bob@example.com': {email: 'bob@example.com', tokenFile: 'claude-bob@example.com.json'},
        },
      },
    },
  });
  const paused = await runBin(['pause', 'claude', 'work'], ccs.env);
  assert.match(paused.stdout, /^claude: paused work; default is now bob@example\.com \(no token: token file not found in auth\/ or auth-paused\/\)\n$/);
  const table = await runBin(['accounts'], ccs.env);
  assert.match(row(table.stdout, 'bob@'), /^claude\s+\*\s+bob@example\.com/, table.stdout);
  assert.doesNotMatch(row(table.stdout, 'alice@'), /\*/);
});
