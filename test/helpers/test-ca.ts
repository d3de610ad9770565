// A private certificate authority for TLS tests, made with openssl: a CA, and a server certificate
// it signed for 127.0.0.1 (what a corporate proxy's or a sandbox's CA looks like to a client).
import assert from 'node:assert/strict';
import {spawnSync} from 'node:child_process';
import {readFileSync, writeFileSync} from 'node:fs';
import path from 'node:path';

/** Why TLS tests that need a CA are skipped, or false. */
export const testCaSkip: string | false = spawnSync('openssl', ['version'], {stdio: 'ignore'}).status === 0 ? false : 'openssl is not installed (it makes the test certificates)';

export interface TestCa {
  /** The CA's certificate (PEM file). */
  caFile: string;
  /** The server's key and certificate (PEM), for `https.createServer`. */
  server: {key: string; cert: string};
}

function openssl(args: string[]): void {
  const made = spawnSync('openssl', args, {stdio: 'pipe'});
  assert.equal(made.status, 0, made.stderr.toString());
}

/** Makes the CA `name` and its server certificate in `dir`. */
export function makeTestCa(dir: string, name = 'ccs-tui test CA'): TestCa {
  const file = (base: string) => path.join(dir, `${name.replace(/\W+/g, '-')}-${base}`);
  openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', `/CN=${name}`, '-keyout', file('ca.key'), '-out', file('ca.pem')]);
  openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=127.0.0.1', '-keyout', file('server.key'), '-out', file('server.csr')]);
  writeFileSync(file('server.ext'), 'subjectAltName=IP:127.0.0.1\n');
  openssl(['x509', '-req', '-in', file('server.csr'), '-CA', file('ca.pem'), '-CAkey', file('ca.key'), '-CAcreateserial', '-days', '1', '-extfile', file('server.ext'), '-out', file('server.pem')]);
  return {caFile: file('ca.pem'), server: {key: readFileSync(file('server.key'), 'utf8'), cert: readFileSync(file('server.pem'), 'utf8')}};
}
