// The taken-over NODE_EXTRA_CA_CERTS (services/extra-ca-certs.ts): the variable back in the
// environment, its certificates trusted beside Node's roots, and a file that cannot be used said as
// Node says it. Against a real TLS server on 127.0.0.1.
import assert from 'node:assert/strict';
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {createServer, request, type Server} from 'node:https';
import type {AddressInfo} from 'node:net';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {after, afterEach, before, test} from 'node:test';
import {connect, rootCertificates, type SecureContext} from 'node:tls';
import {contextTrusting, DEFERRED_VARIABLE, extraCaContext, takeOverExtraCaCerts} from '../../source/services/extra-ca-certs.js';
import {UpstreamAgents} from '../../source/proxy/upstream-agents.js';
import {makeTestCa, testCaSkip, type TestCa} from '../helpers/test-ca.js';

const skip = testCaSkip;
let dir: string;
let ca: TestCa;
let server: Server;
before(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'ccs-tui-extra-ca-'));
  if (skip) return;
  ca = makeTestCa(dir);
  server = createServer(ca.server, (_req, res) => res.end('ok'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
});
after(async () => {
  if (!skip) await new Promise((resolve) => server.close(resolve));
  rmSync(dir, {recursive: true, force: true});
});
afterEach(() => {
  delete (globalThis as Record<symbol, unknown>)[Symbol.for('ccs-tui.extra-ca-certs')];
});

/** 'trusted', or the TLS error code of the handshake with the test server. */
const handshake = (secureContext?: SecureContext) =>
  new Promise<string>((resolve) => {
    const socket = connect({host: '127.0.0.1', port: (server.address() as AddressInfo).port, ...(secureContext ? {secureContext} : {})}, () => {
      resolve(socket.authorized ? 'trusted' : String(socket.authorizationError));
      socket.destroy();
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
  });

test('the context trusts the certificates given, both ways it is made; Node\'s default alone does not', {skip}, async () => {
  const pem = readFileSync(ca.caFile, 'utf8');
  assert.notEqual(await handshake(), 'trusted');
  assert.equal(await handshake(contextTrusting([pem])), 'trusted');
  assert.equal(await handshake(contextTrusting([pem], {nodeInternal: false})), 'trusted');
  assert.ok(rootCertificates.length > 100, 'the fallback lists Node\'s bundled roots beside them');
});

test('taken over: the variable is back for children, the hand-over gone, and the file trusted at the first call', {skip}, async () => {
  const env: NodeJS.ProcessEnv = {[DEFERRED_VARIABLE]: ca.caFile};
  takeOverExtraCaCerts(env);
  assert.deepEqual(env, {NODE_EXTRA_CA_CERTS: ca.caFile});
  const context = extraCaContext();
  assert.equal(await handshake(context), 'trusted');
  assert.equal(extraCaContext(), context, 'built once');
});

test('nothing taken over: the environment is untouched and there is no context of ours', () => {
  const env: NodeJS.ProcessEnv = {NODE_EXTRA_CA_CERTS: '/etc/x.pem'};
  takeOverExtraCaCerts(env);
  assert.deepEqual(env, {NODE_EXTRA_CA_CERTS: '/etc/x.pem'});
  assert.equal(extraCaContext(), undefined);
  const empty: NodeJS.ProcessEnv = {[DEFERRED_VARIABLE]: ''};
  takeOverExtraCaCerts(empty);
  assert.deepEqual(empty, {});
  assert.equal(extraCaContext(), undefined);
});

test('a file without certificates, or gone by the first connection: Node\'s warning names it, and Node\'s roots alone apply', async () => {
  // Recorded, not printed (a test run's output would read as a failure).
  const warnings: string[] = [];
  const emitWarning = process.emitWarning;
  process.emitWarning = ((warning: string | Error) => void warnings.push(typeof warning === 'string' ? warning : warning.message)) as typeof process.emitWarning;
  try {
    const junk = path.join(dir, 'not a bundle.pem');
    writeFileSync(junk, 'hello\n');
    takeOverExtraCaCerts({[DEFERRED_VARIABLE]: junk});
    assert.equal(extraCaContext(), undefined);
    assert.equal(extraCaContext(), undefined, 'said once');
    delete (globalThis as Record<symbol, unknown>)[Symbol.for('ccs-tui.extra-ca-certs')];
    const gone = path.join(dir, 'gone.pem');
    takeOverExtraCaCerts({[DEFERRED_VARIABLE]: gone});
    assert.equal(extraCaContext(), undefined);
    assert.deepEqual(warnings, [`Ignoring extra certs from \`${junk}\`, load failed: no PEM certificate in it`, `Ignoring extra certs from \`${gone}\`, load failed: ENOENT`]);
  } finally {
    process.emitWarning = emitWarning;
  }
});

test('a proxy run in the process that took the file over: its upstream agent trusts it', {skip}, async () => {
  const plain = new UpstreamAgents();
  takeOverExtraCaCerts({[DEFERRED_VARIABLE]: ca.caFile});
  const taken = new UpstreamAgents();
  const ask = (agent: UpstreamAgents) =>
    new Promise<string>((resolve) => {
      const req = request({host: '127.0.0.1', port: (server.address() as AddressInfo).port, path: '/', agent: agent.https}, (res) => {
        res.resume();
        resolve(String(res.statusCode));
      });
      req.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
      req.end();
    });
  try {
    assert.equal(await ask(taken), '200');
    assert.notEqual(await ask(plain), '200');
  } finally {
    plain.destroy();
    taken.destroy();
  }
});
