import assert from 'node:assert/strict';
import {test} from 'node:test';
import {accountLabel, accountProject, canServeNow, findAccount, nextInTurn, nicknameProblem} from '../../source/core/accounts.js';
import type {Account, TokenFile} from '../../source/core/types.js';
import {accountFixture} from '../helpers/accounts.js';

const account = (id: string, extra: Partial<Account> = {}): Account => accountFixture(id, {email: `${id}@example.com`, nickname: id, ...extra});

test('next in turn wraps around and skips accounts that cannot serve', () => {
  const list = [account('a'), account('b', {paused: true}), account('c', {health: 'needs-login'}), account('d', {health: 'expired'})];
  assert.equal(nextInTurn(list, 'a', 0)?.id, 'd');
  assert.equal(nextInTurn(list, 'd', 0)?.id, 'a');
  assert.equal(nextInTurn([account('a')], 'a', 0), undefined);
  assert.equal(nextInTurn(list, undefined, 0)?.id, 'a');
  assert.equal(canServeNow(account('x', {health: 'missing-token'}), 0), false);
});

test('an account is found by id, nickname or email', () => {
  const list = [account('a', {nickname: 'Work'}), account('b', {email: 'B@Example.com', nickname: undefined})];
  assert.equal(findAccount(list, 'claude', 'work').id, 'a');
  assert.equal(findAccount(list, 'claude', 'b@example.com').id, 'b');
  assert.throws(() => findAccount(list, 'claude', 'zzz'), /no claude account "zzz" \(accounts: Work, B@Example.com\)/);
  assert.throws(() => findAccount(list, 'kimi', 'a'), /kimi has no accounts/);
  const twins = [account('x', {nickname: 'same'}), account('y', {nickname: 'same'})];
  assert.throws(() => findAccount(twins, 'claude', 'same'), /matches 2 claude accounts: x \(.+\), y \(.+\); name one by its token file, or by an id, nickname or email only it has/);
});

test('nickname rules', () => {
  const others = [account('a', {nickname: 'work'})];
  assert.equal(nicknameProblem('home', others), undefined);
  assert.match(nicknameProblem('WORK', others)!, /already used/);
  assert.match(nicknameProblem('', others)!, /empty/);
  assert.match(nicknameProblem('x'.repeat(51), others)!, /50/);
  // Read as an option by every command it is typed into.
  assert.match(nicknameProblem('--json', others)!, /cannot begin with "-"/);
  assert.match(nicknameProblem(' -x', others)!, /cannot begin with "-"/);
  assert.equal(nicknameProblem('x-', others), undefined);
  assert.match(nicknameProblem('a\u001b[2Jb', others)!, /control/);
});

test('an account label shows the #suffix id only when another account of the provider has the same label', () => {
  const team = account('dup@corp.example.com#1a2b3c4d-team', {provider: 'codex', email: 'dup@corp.example.com', nickname: undefined});
  const plus = account('dup@corp.example.com#5e6f7a8b-plus', {provider: 'codex', email: 'DUP@corp.example.com', nickname: undefined});
  const claude = account('dup@corp.example.com', {email: 'dup@corp.example.com', nickname: undefined});
  const all = [team, plus, claude];
  assert.equal(accountLabel(team, all), 'dup@corp.example.com#1a2b3c4d-team');
  assert.equal(accountLabel(plus, all), 'dup@corp.example.com#5e6f7a8b-plus');
  // Another provider's account with that email is no clash; without siblings the plain label stays.
  assert.equal(accountLabel(claude, all), 'dup@corp.example.com');
  assert.equal(accountLabel(team), 'dup@corp.example.com');
  // A nickname makes the label unique again.
  assert.equal(accountLabel({...plus, nickname: 'Plus'}, [team, {...plus, nickname: 'Plus'}]), 'Plus');
  // Ids equal to the shared label (an old registry): the token file tells them apart.
  const a = account('x@y.z', {email: 'x@y.z', nickname: undefined, tokenFile: 'claude-x@y.z-1.json'});
  const b = account('x@y.z#2', {email: 'x@y.z', nickname: undefined});
  assert.equal(accountLabel(a, [a, b]), 'x@y.z (claude-x@y.z-1.json)');
});

test('a nickname that is another account\'s email or id labels its account by id, and that other account too (every label names one account)', () => {
  const alice = account('alice@example.com', {email: 'alice@example.com', nickname: undefined, tokenFile: 'claude-alice@example.com.json'});
  const bob = account('bob@example.com', {email: 'bob@example.com', nickname: 'alice@example.com', tokenFile: 'claude-bob@example.com.json'});
  const all = [alice, bob];
  assert.equal(accountLabel(bob, all), 'bob@example.com');
  assert.equal(accountLabel(alice, all), 'alice@example.com (claude-alice@example.com.json)');
  // The other account has a nickname of its own: its email still names it, so bob's nickname is no label.
  const al = {...alice, nickname: 'Al'};
  assert.equal(accountLabel(bob, [al, bob]), 'bob@example.com');
  assert.equal(accountLabel(al, [al, bob]), 'Al');
  // A nickname that is another account's token file name is no label either.
  const carol = account('carol@example.com', {email: 'carol@example.com', nickname: 'claude-alice@example.com', tokenFile: 'claude-carol@example.com.json'});
  assert.equal(accountLabel(carol, [alice, carol]), 'carol@example.com');
});

test('rv10c: two accounts whose nicknames are each other\'s emails (a hand-edited registry): neither label names the other account', () => {
  const a = account('a@x.example', {email: 'a@x.example', nickname: 'b@x.example', tokenFile: 'claude-a@x.example.json'});
  const b = account('b@x.example', {email: 'b@x.example', nickname: 'a@x.example', tokenFile: 'claude-b@x.example.json'});
  const all = [a, b];
  for (const own of all) {
    const label = accountLabel(own, all);
    // What a person would type from the label: it finds this account, or (a label with its token file) that file does.
    const typed = /^(.*) \((.+)\)$/.exec(label)?.[2] ?? label;
    assert.equal(findAccount(all, 'claude', typed).id, own.id, `label "${label}" of ${own.id}`);
  }
  assert.equal(accountLabel(a, all), 'a@x.example (claude-a@x.example.json)');
});

test('accountProject: the token file\'s project_id (flat or CLIProxyAPI-nested), a Vertex key\'s, else the registry\'s', () => {
  const token = (fields: Record<string, unknown>) => ({type: 'gemini', ...fields}) as TokenFile;
  assert.equal(accountProject(token({project_id: 'proj1', token: {access_token: 'at'}})), 'proj1');
  assert.equal(accountProject(token({project_id: 'proj1'}), 'recorded'), 'proj1', 'the file is what the proxy sends');
  assert.equal(accountProject(token({service_account: {project_id: 'vx'}})), 'vx');
  assert.equal(accountProject(token({project_id: ''}), 'recorded'), 'recorded');
  assert.equal(accountProject(undefined, 'recorded'), 'recorded');
  assert.equal(accountProject(token({project_id: 7})), undefined);
});
