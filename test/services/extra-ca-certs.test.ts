// The taken-over NODE_EXTRA_CA_CERTS (services/extra-ca-certs.ts): the variable back in the
// environment, its certificates trusted beside Node's roots, and a file that cannot be used said as
// Node says it. Against a real TLS server on 127.0.0.1.
import assert from 'node:assert/strict';
import {execFile} from 'node:child_process';
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {createServer, request, type Server} from 'node:https';
import type {AddressInfo} from 'node:net';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {after, afterEach, before, test} from 'node:test';
import {connect, rootCertificates, type SecureContext} from 'node:tls';
import {certificatesOf, contextTrusting, DEFERRED_VARIABLE, extraCaContext, takeOverExtraCaCerts, trustExtraCaCertsInUndici} from '../../source/services/extra-ca-certs.js';
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

test('a file without certificates, or gone by the first connection: no context of ours, and Node\'s warning names a file gone', async () => {
  // Recorded, not printed (a test run's output would read as a failure).
  const warnings: string[] = [];
  const write = process.stderr.write;
  process.stderr.write = ((chunk: string) => warnings.push(String(chunk)) > 0) as typeof process.stderr.write;
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
    // A file without any PEM block is no fault to Node (it says nothing); a file gone is.
    assert.deepEqual(warnings, [`Warning: Ignoring extra certs from \`${gone}\`, load failed: ENOENT\n`]);
  } finally {
    process.stderr.write = write;
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

test('the certificates taken from a bundle: trusted as Node itself trusts them with NODE_EXTRA_CA_CERTS, never where Node refuses', {skip}, async () => {
  const pem = readFileSync(ca.caFile, 'utf8').trim();
  const other = makeTestCa(dir, 'another CA');
  const otherPem = readFileSync(other.caFile, 'utf8').trim();
  const body = pem.split('\n').slice(1, -1).join('\n');
  const block = (name: string, inside = body) => `-----BEGIN ${name}-----\n${inside}\n-----END ${name}-----`;
  const corrupt = block('CERTIFICATE', body.replace(/[A-Za-z]/, '*'));
  const key = block('PRIVATE KEY', 'MC4CAQAwBQYDK2VwBCIEIA==');
  /** Another CA whose END line has a trailing space (OpenSSL drops it). */
  const spaced = `${otherPem} `;
  const cases: [string, string][] = [
    ['one certificate', pem],
    ['a UTF-8 byte order mark first', `\ufeff${pem}\n`],
    ['CRLF line ends', `${pem}\n`.replace(/\n/g, '\r\n')],
    ['spaces and tabs after the dashes', pem.replace('-----BEGIN CERTIFICATE-----', '-----BEGIN CERTIFICATE----- \t').replace('-----END CERTIFICATE-----', '-----END CERTIFICATE-----  ')],
    ['comments, a key, another CA, then it', `# bundle\n${key}\nsome words\n${otherPem}\n${pem}\n`],
    ['the old name', block('X509 CERTIFICATE')],
    ['a TRUSTED CERTIFICATE block', block('TRUSTED CERTIFICATE')],
    ['a marker not at a line\'s start', `ca: ${pem}`],
    ['a corrupt block, then it', `${corrupt}\n${pem}`],
    ['it, then a corrupt block', `${pem}\n${corrupt}`],
    ['an END line that names another block, then it', `${block('CERTIFICATE').replace(/END CERTIFICATE/, 'END X509 CERTIFICATE')}\n${pem}`],
    ['a trailing-space END, then it as TRUSTED, then a CA', `${spaced}\n${block('TRUSTED CERTIFICATE')}\n${otherPem}`],
    ['a trailing-space END, a corrupt block, a CA, then it', `${spaced}\n${corrupt}\n${otherPem}\n${pem}`],
    ['a block without its END line, then it', `-----BEGIN CERTIFICATE-----\n${body}\n${pem}`],
    ['an encrypted key\'s headers, then it', `-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,0123456789ABCDEF0123456789ABCDEF\n\nMC4CAQAwBQYDK2VwBCIEIA==\n-----END RSA PRIVATE KEY-----\n${pem}`],
  ];
  const port = (server.address() as AddressInfo).port;
  const nodeSays = (file: string) =>
    new Promise<string>((resolve) => {
      const script = `const s=require('tls').connect({host:'127.0.0.1',port:${port}},()=>{process.stdout.write(s.authorized?'trusted':'refused');s.destroy()});s.on('error',()=>process.stdout.write('refused'))`;
      execFile(process.execPath, ['-e', script], {env: {...process.env, NODE_EXTRA_CA_CERTS: file}}, (_error, stdout) => resolve(stdout));
    });
  for (const [i, [what, text]] of cases.entries()) {
    const file = path.join(dir, `bundle-${i}.pem`);
    writeFileSync(file, text);
    const node = await nodeSays(file);
    const taken = certificatesOf(readFileSync(file, 'latin1')).certificates;
    const ours = taken.length ? await handshake(contextTrusting(taken)) : await handshake();
    assert.equal(ours === 'trusted' ? 'trusted' : 'refused', node, `${what}: Node ${node}, ccs-tui ${ours}`);
  }
});

test('undici\'s dispatcher is replaced only when it is undici\'s own default: one set by another hand (an HTTPS proxy\'s) is kept', {skip}, async () => {
  const {Client, getGlobalDispatcher, setGlobalDispatcher} = await import('undici');
  const before = getGlobalDispatcher();
  const someoneElses = new Client('http://127.0.0.1:9');
  setGlobalDispatcher(someoneElses);
  try {
    takeOverExtraCaCerts({[DEFERRED_VARIABLE]: ca.caFile});
    await trustExtraCaCertsInUndici();
    assert.equal(getGlobalDispatcher(), someoneElses);
  } finally {
    setGlobalDispatcher(before);
    await someoneElses.close();
  }
});
