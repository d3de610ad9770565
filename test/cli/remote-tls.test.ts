// A remote target behind TLS with a private certificate: refused until trusted (caFile), or with the
// check switched off (insecureSkipVerify). The certificate is made with openssl for 127.0.0.1.
import assert from 'node:assert/strict';
import {spawnSync} from 'node:child_process';
import {readFileSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {after, before, test} from 'node:test';
import {makeTempCcs, tokenFixture, type TempCcs} from '../helpers/ccs.js';
import {runBin} from '../helpers/cli.js';
import {startFakeCliproxy, type FakeCliproxy} from '../helpers/fake-cliproxy/server.js';
import {MANAGEMENT_KEY} from '../helpers/fake-cliproxy/target.js';

const hasOpenssl = spawnSync('openssl', ['version'], {stdio: 'ignore'}).status === 0;
const skip = hasOpenssl ? false : 'openssl is not installed (it makes the test certificate)';

let ccs: TempCcs;
let stand: FakeCliproxy;
let certFile: string;
before(async () => {
  if (skip) return;
  ccs = makeTempCcs();
  const keyFile = path.join(ccs.paths.root, 'server.key');
  certFile = path.join(ccs.paths.root, 'server.pem');
  const made = spawnSync('openssl', [
    'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1',
    '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', keyFile, '-out', certFile,
  ], {stdio: 'pipe'});
  assert.equal(made.status, 0, made.stderr.toString());
  stand = await startFakeCliproxy({key: MANAGEMENT_KEY, tls: {key: readFileSync(keyFile, 'utf8'), cert: readFileSync(certFile, 'utf8')}});
  stand.addFile('codex-a.json', tokenFixture('codex', 'a@example.com'));
  ccs.writeRaw('team.key', MANAGEMENT_KEY);
});
after(async () => {
  if (skip) return;
  await stand.close();
  ccs.cleanup();
});

const useTarget = (extra: Record<string, unknown>) =>
  writeFileSync(
    ccs.paths.settings,
    JSON.stringify({targets: {team: {url: stand.url, managementKeyFile: path.join(ccs.paths.root, 'team.key'), ...extra}}}),
  );

test('an untrusted certificate is refused with the way out; caFile trusts it; insecureSkipVerify skips the check', {skip}, async () => {
  useTarget({});
  const refused = await runBin(['accounts', '--json', '--target', 'team'], ccs.env);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /cannot reach target team \(https:\/\/127\.0\.0\.1:\d+\): the TLS certificate is not trusted \(\w+\); set targets\.team\.caFile/);
  assert.equal(stand.requests.length, 0);

  useTarget({caFile: certFile});
  const trusted = await runBin(['accounts', '--json', '--target', 'team'], ccs.env);
  assert.equal(trusted.code, 0, trusted.stderr);
  assert.equal(JSON.parse(trusted.stdout)[0].email, 'a@example.com');

  useTarget({insecureSkipVerify: true});
  const skipped = await runBin(['accounts', '--json', '--target', 'team'], ccs.env);
  assert.equal(skipped.code, 0, skipped.stderr);

  useTarget({caFile: path.join(ccs.paths.root, 'missing.pem')});
  const missing = await runBin(['accounts', '--target', 'team'], ccs.env);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /missing\.pem: ENOENT \(targets\.team\.caFile\)/);
});
