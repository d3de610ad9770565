// A remote target's URL carrying a credential (attack 11, F8): a query (`?access_token=…`) or a
// fragment is refused when tui.json is read, naming the file and field, and nothing is sent; no
// error shows a URL's query or user:password (core/sanitize maskedUrl).
import assert from 'node:assert/strict';
import {readFileSync, writeFileSync} from 'node:fs';
import {afterEach, beforeEach, describe, test} from 'node:test';
import {maskedUrl} from '../../source/core/sanitize.js';
import {makeTempCcs, type TempCcs} from '../helpers/ccs.js';
import {runBin} from '../helpers/cli.js';
import type {FakeCliproxy} from '../helpers/fake-cliproxy/server.js';
import {remoteTarget} from '../helpers/fake-cliproxy/target.js';

const GATEWAY_TOKEN = 'GatewayTok123456789';

describe('a target URL with a query or fragment', () => {
  let ccs: TempCcs;
  let stand: FakeCliproxy;
  beforeEach(async () => {
    ccs = makeTempCcs();
    stand = await remoteTarget(ccs);
  });
  afterEach(async () => {
    await stand.close();
    ccs.cleanup();
  });

  /** tui.json's target `team` at `url` (the stand-in's key file kept). */
  const pointAt = (url: string) => {
    const settings = JSON.parse(readFileSync(ccs.paths.settings, 'utf8'));
    settings.targets.team.url = url;
    writeFileSync(ccs.paths.settings, JSON.stringify(settings));
  };

  for (const [what, tail] of [['query', `/?access_token=${GATEWAY_TOKEN}`], ['fragment', `/#${GATEWAY_TOKEN}`], ['bare question mark', '/?']] as const) {
    test(`is refused at load, naming the file and field, with nothing sent (${what})`, async () => {
      pointAt(`${stand.url}${tail}`);
      for (const args of [['accounts', '--target', 'team'], ['accounts', '--target', 'team', '--json']]) {
        const run = await runBin(args, ccs.env);
        assert.equal(run.code, 1);
        assert.match(run.stderr, new RegExp(`^ccs-tui: ${ccs.paths.settings.replace(/[.]/g, '\\.')}: targets\\.team\\.url must not have a query or fragment \\(`, 'm'));
        assert.ok(!run.stdout.includes(GATEWAY_TOKEN) && !run.stderr.includes(GATEWAY_TOKEN), `${run.stdout}${run.stderr}`);
      }
      assert.equal(stand.requests.length, 0, 'no request reached the server');
    });
  }

  test('a management key put in url (no URL at all) is never printed: the error says what the value lacks', async () => {
    pointAt(GATEWAY_TOKEN);
    const run = await runBin(['accounts', '--target', 'team'], ccs.env);
    assert.equal(run.code, 1);
    assert.match(
      run.stderr,
      /targets\.team\.url must start with https:\/\/, or http:\/\/ to 127\.0\.0\.1, localhost or ::1 \(http:\/\/ to another host needs "allowInsecureHttp": true in targets\.team\); got "Gate…6789", which looks like a key, not an address/,
    );
    assert.ok(!run.stderr.includes(GATEWAY_TOKEN), run.stderr);
    assert.equal(stand.requests.length, 0);
  });

  test('a URL that does not parse is named without its credentials', async () => {
    pointAt(`http://admin:${GATEWAY_TOKEN}@[bad/?token=${GATEWAY_TOKEN}`);
    const run = await runBin(['accounts', '--target', 'team'], ccs.env);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /targets\.team\.url is not a valid URL: "http:\/\/…@\[bad\/\?…"/);
    assert.ok(!run.stderr.includes(GATEWAY_TOKEN));
  });
});

test('maskedUrl keeps scheme, host, port and path, and masks user:password, query and fragment', () => {
  assert.equal(maskedUrl('https://u:p@proxy.example.com:8317/base?k=v#frag'), 'https://…@proxy.example.com:8317/base?…#…');
  assert.equal(maskedUrl('http://127.0.0.1:8317/prefix'), 'http://127.0.0.1:8317/prefix');
});
