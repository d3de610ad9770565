// The command line says what happened, in one wording: an edit that changes nothing says so; an
// unknown provider names the known ones; a re-login account is "re-login" in `accounts`.
import assert from 'node:assert/strict';
import {afterEach, beforeEach, describe, test} from 'node:test';
import {AccountStore} from '../../source/store/accounts.js';
import {makeTempCcs, tokenFixture, type TempCcs} from '../helpers/ccs.js';
import {runBin} from '../helpers/cli.js';

describe('ccs-tui wording (built binary)', () => {
  let ccs: TempCcs;
  beforeEach(() => {
    ccs = makeTempCcs();
    ccs.writeRegistry({
      version: 1,
      providers: {
        codex: {
          default: 'a@example.com',
          accounts: {
            'a@example.com': {email: 'a@example.com', nickname: 'work', tokenFile: 'codex-a.json'},
            'b@example.com': {email: 'b@example.com', tokenFile: 'codex-b.json'},
          },
        },
      },
    });
    ccs.writeToken('codex-a.json', tokenFixture('codex', 'a@example.com', {expired: '2030-01-01T00:00:00Z'}));
    ccs.writeToken('codex-b.json', tokenFixture('codex', 'b@example.com'));
  });
  afterEach(() => ccs.cleanup());

  test('pause twice: the second says it was already paused and keeps the paused-since time', async () => {
    const first = await runBin(['pause', 'codex', 'b@example.com'], ccs.env);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /^codex: paused b@example\.com/);
    const since = (await new AccountStore(ccs.paths).load()).accounts.find((a) => a.id === 'b@example.com')!.pausedAt;
    await new Promise((resolve) => setTimeout(resolve, 20));
    const second = await runBin(['pause', 'codex', 'b@example.com'], ccs.env);
    assert.equal(second.code, 0, second.stderr);
    assert.equal(second.stdout, 'codex: b@example.com was already paused\n');
    assert.equal((await new AccountStore(ccs.paths).load()).accounts.find((a) => a.id === 'b@example.com')!.pausedAt, since);
  });

  test('resume an active account, use the default, rename to the same name: each says nothing changed', async () => {
    const resume = await runBin(['resume', 'codex', 'b@example.com'], ccs.env);
    assert.equal(resume.stdout, 'codex: b@example.com is not paused\n');
    const use = await runBin(['use', 'codex', 'work'], ccs.env);
    assert.equal(use.stdout, 'codex: work is already the default\n');
    const rename = await runBin(['rename', 'codex', 'work', 'work'], ccs.env);
    assert.equal(rename.stdout, 'codex: work is already called "work"\n');
  });

  test('an unknown provider names every known one (no command lists providers without accounts)', async () => {
    for (const args of [['env', 'nosuch'], ['use', 'nosuch', 'x'], ['login', 'nosuch'], ['models', 'nosuch']]) {
      const run = await runBin(args, ccs.env);
      assert.equal(run.code, 2, `${args.join(' ')}: ${run.stderr}`);
      assert.match(run.stderr, /unknown provider "nosuch"; known providers: claude, codex, gemini, .*copilot/, args.join(' '));
      assert.doesNotMatch(run.stderr, /try: ccs-tui accounts/);
    }
  });

  test('accounts: a dead refresh token reads "! re-login", its cause once', async () => {
    await new AccountStore(ccs.paths).setNeedsLogin('codex', 'b@example.com', 'refresh token revoked (invalid_grant)');
    const run = await runBin(['accounts'], ccs.env);
    assert.match(run.stdout, /b@example\.com.*! re-login/);
    assert.doesNotMatch(run.stdout, /needs-login|invalid_grant: /);
  });
});
