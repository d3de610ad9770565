// Attack review (issue 16): a remote login ends when its code expires even if the server keeps
// answering "wait", and an unknown status is an error after a few tries, not a wait forever.
import assert from 'node:assert/strict';
import {test} from 'node:test';
import type {Clock} from '../../source/services/clock.js';
import {ManagementClient, type ManagementTransport} from '../../source/services/remote/client.js';
import {waitForRemoteLogin, type RemoteLogin} from '../../source/services/remote/login.js';
import type {RemoteTarget} from '../../source/store/targets.js';

function fakeClock(): Clock & {asked: number} {
  let now = 1_700_000_000_000;
  return {
    asked: 0,
    now: () => now,
    setTimeout: () => () => undefined,
    setInterval: () => () => undefined,
    async sleep(ms) {
      now += ms;
    },
  };
}

function clientAnswering(status: string): {client: ManagementClient; asked: () => number} {
  let asked = 0;
  const transport: ManagementTransport = async () => {
    asked++;
    return {status: 200, headers: {}, text: JSON.stringify({status})};
  };
  const target = {name: 'team', url: 'http://127.0.0.1:9', keySource: '$K', readKey: async () => 'k', insecureSkipVerify: false} as unknown as RemoteTarget;
  return {client: new ManagementClient(target, 'login-expiry-key-1234', transport), asked: () => asked};
}

const login: RemoteLogin = {serverProvider: 'qwen', state: 's', url: 'https://example.com/device', device: true, userCode: 'ABCD', expiresInSeconds: 60};

test('a server answering wait past expires_in: the login ends as expired', async () => {
  const {client, asked} = clientAnswering('wait');
  await assert.rejects(waitForRemoteLogin(client, login, {clock: fakeClock()}), /expired/);
  assert.ok(asked() <= 40, `asked ${asked()} times`);
});

test('a server answering wait with no expiry: the hard cap ends it', async () => {
  const {client} = clientAnswering('wait');
  await assert.rejects(waitForRemoteLogin(client, {...login, expiresInSeconds: undefined}, {clock: fakeClock()}), /expired after 20 min/);
});

test('an unknown status is an error after a few answers, naming it', async () => {
  const {client, asked} = clientAnswering('pending-forever');
  await assert.rejects(waitForRemoteLogin(client, login, {clock: fakeClock()}), /"pending-forever" 3 times/);
  assert.equal(asked(), 3);
});
