// tui/account-state.json is ccs-tui's, but a hand edit, another version or a damaged disk may leave
// any shape in it: a mark that is null stopped `accounts`, `quota`, `rotate` and the TUI with a
// TypeError. Each mark is read as it may be used (store/accounts.ts markOf); a whole one still holds.
import assert from 'node:assert/strict';
import {after, test} from 'node:test';
import {tokenFingerprint} from '../../source/core/fingerprint.js';
import {runBin} from '../helpers/cli.js';
import {makeTempCcs} from '../helpers/ccs.js';

const ccs = makeTempCcs();
after(() => ccs.cleanup());
const token = (email: string) => ({type: 'claude', email, access_token: `at-${email}-0123456789`, refresh_token: `rt-${email}-0123456789`, expired: new Date(Date.now() + 3600_000).toISOString()});
ccs.writeToken('claude-a@example.com.json', token('a@example.com'));
ccs.writeToken('claude-b@example.com.json', token('b@example.com'));

test('marks and entries of any other shape are no marks: every command answers; a whole mark beside them still holds', async () => {
  const whole = {reason: 'the refresh answer was lost', at: new Date().toISOString(), fingerprint: tokenFingerprint('rt-b@example.com-0123456789')};
  for (const odd of [null, 5, 'x', [], {fingerprint: 7, reason: 9}, {}]) {
    const state = {
      'claude/a@example.com': {needsLogin: odd, refreshUnknown: odd, refreshFailed: odd, keyRejected: odd, cooldown: odd, served: odd},
      'claude/b@example.com': {refreshUnknown: whole},
      'claude/gone@example.com': odd,
    };
    ccs.writeRaw('tui/account-state.json', JSON.stringify(state));
    for (const args of [['accounts'], ['accounts', '--json'], ['quota', '--provider', 'claude'], ['rotate', 'claude']]) {
      const run = await runBin(args, ccs.env);
      assert.doesNotMatch(run.stdout + run.stderr, /unexpected|TypeError/, `${JSON.stringify(odd)}, ${args.join(' ')}: ${run.stderr}`);
    }
    const accounts = JSON.parse((await runBin(['accounts', '--json'], ccs.env)).stdout) as {email: string; health: string}[];
    assert.equal(accounts.find((a) => a.email === 'b@example.com')?.health, 'refresh-unknown', `${JSON.stringify(odd)}: the whole mark still holds`);
    assert.doesNotMatch(JSON.stringify(accounts), /undefined|"9"/, JSON.stringify(odd));
  }
});

test('a needsLogin mark whose fingerprint is not text names no credential: the account is not shut out by it', async () => {
  ccs.writeRaw('tui/account-state.json', JSON.stringify({'claude/a@example.com': {needsLogin: {reason: 'refused', at: new Date().toISOString(), fingerprint: 12345}}}));
  const accounts = JSON.parse((await runBin(['accounts', '--json'], ccs.env)).stdout) as {email: string; health: string}[];
  assert.equal(accounts.find((a) => a.email === 'a@example.com')?.health, 'ok');
});
