// Attack review (session 21): a management key file of two lines (the key and a note under it), or a
// variable holding a line break. The key went into the Authorization header as it was, which the
// HTTP client refuses: "cannot reach target team: invalid authorization header", as if the server
// were down, naming neither the file nor the variable. Now refused by name before anything is sent.
import assert from 'node:assert/strict';
import {writeFileSync} from 'node:fs';
import path from 'node:path';
import {test} from 'node:test';
import {makeTempCcs} from '../helpers/ccs.js';
import {runBin} from '../helpers/cli.js';
import {MANAGEMENT_KEY, remoteTarget} from '../helpers/fake-cliproxy/target.js';

test('a management key with a line break inside, from the key file or a variable, is refused naming where it came from', async () => {
  const ccs = makeTempCcs();
  const stand = await remoteTarget(ccs);
  try {
    const keyFile = path.join(ccs.paths.root, 'team.key');
    writeFileSync(keyFile, `${MANAGEMENT_KEY}\nrotated 2026-11, ask ops\n`, {mode: 0o600});
    const fromFile = await runBin(['accounts', '--target', 'team'], ccs.env);
    assert.equal(fromFile.code, 1, fromFile.stdout);
    assert.equal(fromFile.stderr, `ccs-tui: ${keyFile}: the management key holds a line break or another control character (${ccs.paths.settings}: targets.team.managementKeyFile); put the key alone on one line\n`);

    writeFileSync(ccs.paths.settings, JSON.stringify({targets: {team: {url: stand.url, managementKeyEnv: 'TEAM_KEY'}}}));
    const fromEnv = await runBin(['accounts', '--target', 'team'], {...ccs.env, TEAM_KEY: `${MANAGEMENT_KEY}\r\nX-Other: 1`});
    assert.equal(fromEnv.code, 1, fromEnv.stdout);
    assert.equal(fromEnv.stderr, `ccs-tui: $TEAM_KEY: the management key holds a line break or another control character (${ccs.paths.settings}: targets.team.managementKeyEnv)\n`);
    assert.equal(stand.requests.length, 0);
  } finally {
    await stand.close();
    ccs.cleanup();
  }
});
