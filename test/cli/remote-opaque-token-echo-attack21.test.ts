// Attack review (session 21): text a remote server keeps about an account (its status_message)
// shown by `accounts --json --target`. A bearer value in quotes was masked together with the `\`
// of the JSON escape after it, so stdout was no longer JSON; a token named by its field
// (`refresh_token=…`, `"access_token": "…"`, `client_secret=…`) was shown whole when it had no
// well-known prefix (Qwen, iFlow and Kimi tokens are opaque): this machine cannot know the server's
// tokens, so only their shape masks them.
import assert from 'node:assert/strict';
import {test} from 'node:test';
import {makeTempCcs} from '../helpers/ccs.js';
import {runBin} from '../helpers/cli.js';
import {remoteTarget} from '../helpers/fake-cliproxy/target.js';

/** `accounts --json --target team` on a server whose one account's state says `message`: its statusMessage. */
async function statusShown(message: string): Promise<{statusMessage: string; stdout: string}> {
  const ccs = makeTempCcs();
  const stand = await remoteTarget(ccs);
  try {
    stand.addFile('qwen-u@example.com.json', {type: 'qwen', email: 'u@example.com'}, {status: 'error', statusMessage: message});
    const run = await runBin(['accounts', '--json', '--target', 'team'], ccs.env);
    assert.equal(run.code, 0, run.stderr);
    const [account] = JSON.parse(run.stdout) as {statusMessage: string}[];
    return {statusMessage: account!.statusMessage, stdout: run.stdout};
  } finally {
    await stand.close();
    ccs.cleanup();
  }
}

test('a quoted bearer value in an account state is masked and --json stays JSON', async () => {
  const bearer = 'Zq8Ld3Kq7Zp2Wm5Xn8Rt4Yv0';
  const shown = await statusShown(`upstream refused header "Bearer ${bearer}"`);
  assert.match(shown.statusMessage, /^upstream refused header "Bearer Zq8L…\(redacted\)"$/);
  assert.ok(!shown.stdout.includes(bearer));
});

test('an opaque token the server names by its field, in an account state, is masked', async () => {
  const refresh = 'QwRt_9fK2pLmN4sVx8ZyTq3Wd';
  const access = 'Ifa7Hk2MzQ9rTn4YpLx6Vb1C';
  const secret = 'cs9Ld3Kq7Zp2Wm5Xn8Rt4Yv';
  const shown = await statusShown(`refresh failed: sent refresh_token=${refresh}&client_secret=${secret}, got {"access_token": "${access}", "token_type": "bearer"}`);
  assert.equal(shown.statusMessage, 'refresh failed: sent refresh_token=QwRt…(redacted)&client_secret=cs9L…(redacted), got {"access_token": "Ifa7…(redacted)", "token_type": "bearer"}');
  for (const value of [refresh, access, secret]) assert.ok(!shown.stdout.includes(value), value);
});

test('an opaque token named in camelCase or by a header (refreshToken, apiKey, clientSecret, x-api-key) is masked; ordinary words are not', async () => {
  const refresh = 'QwRt9fK2pLmN4sVx8ZyTq3Wd';
  const key = 'Ifa7Hk2MzQ9rTn4YpLx6Vb1C';
  const secret = 'cs9Ld3Kq7Zp2Wm5Xn8Rt4Yv';
  const header = 'Hd4Lp8Qx2Zm6Wn0Rt5Yv9Kc';
  const shown = await statusShown(`refresh failed: {"refreshToken": "${refresh}", "apiKey": "${key}", "clientSecret": "${secret}"} x-api-key: ${header}; monkey: ordinarywordshere`);
  for (const value of [refresh, key, secret, header]) assert.ok(!shown.stdout.includes(value), `${value} shown: ${shown.statusMessage}`);
  assert.match(shown.statusMessage, /"refreshToken": "QwRt…\(redacted\)"/);
  assert.match(shown.statusMessage, /monkey: ordinarywordshere$/);
});
