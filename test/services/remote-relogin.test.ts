// Logging in again as an account of a remote CLIProxyAPI server (L on an account that needs a login):
// the server writes that account's file again (same identity), or stores another identity. The
// login screen must say which, as a local login does (`notRelogin`), never report an error for a
// re-login that worked, and never show another account as the one asked for.
import assert from 'node:assert/strict';
import {test} from 'node:test';
import type {LoginView} from '../../source/services/oauth/login-session.js';
import {remoteClaudeLoginsEachTest, startRemoteClaudeLogin} from '../helpers/fake-cliproxy/target.js';

const logins = remoteClaudeLoginsEachTest();

/** A remote Claude login (auth code, pasted) as `login`; `relogin`: the account id asked for. */
async function remoteLogin(login: string, relogin?: string): Promise<LoginView> {
  const {session, until} = startRemoteClaudeLogin(logins.store, relogin);
  try {
    const view = await until('auth-code');
    logins.oidc.signOut();
    const redirect = await logins.oidc.authorize(view.kind === 'auth-code' ? view.url : '', login);
    assert.equal(await session.paste(redirect), undefined);
    return await until((v) => v.kind === 'done' || v.kind === 'ended');
  } finally {
    session.cancel();
  }
}

const idOf = async (email: string) => (await logins.store.load()).accounts.find((a) => a.email === email)!.id;

test('logging in again as the same identity: done, that account (the server rewrote its file), no error', async () => {
  assert.equal((await remoteLogin('hal')).kind, 'done');
  const hal = await idOf('hal@example.test');
  const view = await remoteLogin('hal', hal);
  assert.equal(view.kind, 'done', JSON.stringify(view));
  assert.equal(view.kind === 'done' && view.account?.email, 'hal@example.test');
  assert.equal(view.kind === 'done' && view.notRelogin, undefined);
  assert.equal(view.kind === 'done' && view.account?.outcome, 'logged-in-again', 'the screen says "Logged in again as", not "Added"');
  assert.equal((await logins.store.load()).accounts.length, 1, 'no second account');
});

test('logging in again as hal but the browser logs in as a new identity: kept as its own account, hal still needs a login', async () => {
  assert.equal((await remoteLogin('hal')).kind, 'done');
  const hal = await idOf('hal@example.test');
  const view = await remoteLogin('ivy', hal);
  assert.equal(view.kind, 'done');
  assert.equal(view.kind === 'done' && view.account?.email, 'ivy@example.test');
  assert.equal(view.kind === 'done' && view.notRelogin, hal);
  assert.equal(view.kind === 'done' && view.account?.outcome, 'added');
});

test('logging in again as hal but the browser logs in as an account the server already has: an error naming hal, not "done"', async () => {
  assert.equal((await remoteLogin('hal')).kind, 'done');
  assert.equal((await remoteLogin('joe')).kind, 'done');
  const hal = await idOf('hal@example.test');
  const view = await remoteLogin('joe', hal);
  assert.equal(view.kind, 'ended');
  assert.match(view.kind === 'ended' ? view.message : '', /did not write hal@example\.test again: the browser logged in as another claude account the server already has\. hal@example\.test still needs a login/);
});

test('a first login of an identity the server already has: done, "renewed", as `login --target` says it (not an error)', async () => {
  assert.equal((await remoteLogin('hal')).kind, 'done');
  const view = await remoteLogin('hal');
  assert.equal(view.kind, 'done', JSON.stringify(view));
  // The command line's sentence (cli/commands/remote.ts), word for word: one outcome, one wording.
  assert.equal(view.kind === 'done' ? view.renewed : undefined, 'Claude login done on target svc (an existing account was renewed)');
  assert.equal((await logins.store.load()).accounts.length, 1, 'no second account');
});
