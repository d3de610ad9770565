import assert from 'node:assert/strict';
import {test} from 'node:test';
import {afterPoll, checkExpiry, describePollState, formatCountdown, secondsLeft, startDeviceFlow} from '../../source/core/device-flow.js';
import {parsePastedCode, pkceChallenge} from '../../source/core/pkce.js';

const T0 = 1_000_000;

test('interval from the server, else the provider default', () => {
  assert.equal(startDeviceFlow({intervalSeconds: 7, expiresInSeconds: 600}, T0, 5).nextPollAt, T0 + 7000);
  assert.equal(startDeviceFlow({expiresInSeconds: 600}, T0, 2).intervalSeconds, 2);
  assert.equal(startDeviceFlow({intervalSeconds: 0}, T0, 5).intervalSeconds, 5, 'a zero interval is ignored');
});

test('slow_down adds 5 s for this and every later poll; a body interval wins when larger', () => {
  let s = startDeviceFlow({intervalSeconds: 5, expiresInSeconds: 600}, T0, 5);
  s = afterPoll(s, {kind: 'pending'}, T0 + 5000);
  assert.equal(s.nextPollAt, T0 + 10_000);
  s = afterPoll(s, {kind: 'slow-down'}, T0 + 10_000);
  assert.equal(s.intervalSeconds, 10);
  assert.equal(s.nextPollAt, T0 + 20_000);
  s = afterPoll(s, {kind: 'pending'}, T0 + 20_000);
  assert.equal(s.nextPollAt, T0 + 30_000, 'later polls keep the longer interval');
  assert.equal(describePollState(s), 'waiting for approval · slowed down to 10 s');
  s = afterPoll(s, {kind: 'slow-down', intervalSeconds: 25}, T0 + 30_000);
  assert.equal(s.intervalSeconds, 25);
});

test('network errors back off exponentially, capped, and recover', () => {
  let s = startDeviceFlow({intervalSeconds: 5, expiresInSeconds: 900}, T0, 5);
  s = afterPoll(s, {kind: 'network-error', message: 'connection refused'}, T0);
  assert.equal(s.nextPollAt - T0, 10_000);
  assert.match(describePollState(s), /retrying after a network error \(connection refused\)/);
  s = afterPoll(s, {kind: 'network-error', message: 'x'}, T0);
  assert.equal(s.nextPollAt - T0, 20_000);
  for (let i = 0; i < 5; i++) s = afterPoll(s, {kind: 'network-error', message: 'x'}, T0);
  assert.equal(s.nextPollAt - T0, 60_000, 'capped at 60 s');
  s = afterPoll(s, {kind: 'pending'}, T0);
  assert.equal(s.pollState, 'waiting');
  assert.equal(s.nextPollAt - T0, 5000);
});

test('denied, expired and failed stop; a poll that would come after expiry ends the flow', () => {
  const s = startDeviceFlow({intervalSeconds: 5, expiresInSeconds: 12}, T0, 5);
  assert.equal(afterPoll(s, {kind: 'denied'}, T0).phase, 'denied');
  assert.equal(afterPoll(s, {kind: 'expired'}, T0).phase, 'expired');
  assert.equal(afterPoll(s, {kind: 'failed', message: 'bad'}, T0).phase, 'failed');
  const second = afterPoll(s, {kind: 'pending'}, T0 + 5000);
  assert.equal(second.phase, 'polling');
  assert.equal(afterPoll(second, {kind: 'pending'}, T0 + 10_000).phase, 'expired');
  assert.equal(checkExpiry(s, T0 + 12_000).phase, 'expired');
  assert.equal(secondsLeft(s, T0 + 2500), 10);
  assert.equal(formatCountdown(905), '15:05');
});

test('pasted codes: full URL, code#state, bare code, error redirects', () => {
  assert.deepEqual(parsePastedCode('http://localhost:1455/auth/callback?code=abc&state=xyz'), {code: 'abc', states: ['xyz']});
  assert.deepEqual(parsePastedCode(' abc#xyz \n'), {code: 'abc', states: ['xyz']});
  assert.deepEqual(parsePastedCode('abc'), {code: 'abc', states: []});
  assert.equal(parsePastedCode('http://localhost/cb?error=access_denied')!.error, 'access_denied');
  assert.equal(parsePastedCode('two words'), undefined);
  assert.equal(parsePastedCode(''), undefined);
  // RFC 7636 appendix B.
  assert.equal(pkceChallenge('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk'), 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM');
});
