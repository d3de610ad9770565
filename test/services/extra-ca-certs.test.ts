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
import {certificatesOf, contextTrusting, extraCaContext, extraCaWarnings, HANDED_OVER, holdExtraCaWarnings, onExtraCaWarning, trustExtraCaCertsInUndici} from '../../source/services/extra-ca-certs.js';
import {HANDED_OVER_KEY, HANDED_OVER_VARIABLE, takeOverExtraCaCerts} from '../../source/cli/extra-ca-handover.js';
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
  delete (globalThis as Record<symbol, unknown>)[HANDED_OVER];
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
  assert.equal(Symbol.for(HANDED_OVER_KEY), HANDED_OVER, 'the entry leaves the file where this module looks');
  const env: NodeJS.ProcessEnv = {[HANDED_OVER_VARIABLE]: ca.caFile};
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
  const empty: NodeJS.ProcessEnv = {[HANDED_OVER_VARIABLE]: ''};
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
    takeOverExtraCaCerts({[HANDED_OVER_VARIABLE]: junk});
    assert.equal(extraCaContext(), undefined);
    assert.equal(extraCaContext(), undefined, 'said once');
    delete (globalThis as Record<symbol, unknown>)[HANDED_OVER];
    // A name is data: no escape sequence of it reaches the terminal.
    const gone = path.join(dir, 'gone\x1b[2J.pem');
    takeOverExtraCaCerts({[HANDED_OVER_VARIABLE]: gone});
    assert.equal(extraCaContext(), undefined);
    // A file without any PEM block is no fault to Node (it says nothing); a file gone is.
    // Between two letters the sequence is marked (`gone\u001b.pem`): `gone.pem` would name another file.
    assert.deepEqual(warnings, [`Warning: Ignoring extra certs from \`${gone.replace('\x1b[2J', '\\u001b')}\`, load failed: ENOENT: no such file or directory\n`]);
  } finally {
    process.stderr.write = write;
  }
});

test('while the TUI holds the screen, a warning is kept (listed, heard) and not written; the release writes it; a directory is said in the system\'s words', () => {
  const written: string[] = [];
  const write = process.stderr.write;
  process.stderr.write = ((chunk: string) => written.push(String(chunk)) > 0) as typeof process.stderr.write;
  try {
    takeOverExtraCaCerts({[HANDED_OVER_VARIABLE]: dir});
    assert.deepEqual(extraCaWarnings(), []);
    let heard = 0;
    const unsubscribe = onExtraCaWarning(() => heard++);
    const release = holdExtraCaWarnings();
    assert.equal(extraCaContext(), undefined);
    const said = `Ignoring extra certs from \`${dir}\`, load failed: EISDIR: illegal operation on a directory`;
    assert.deepEqual(extraCaWarnings(), [said]);
    assert.equal(extraCaWarnings(), extraCaWarnings(), 'the same array until the next warning');
    assert.equal(heard, 1);
    assert.deepEqual(written, [], 'nothing under the screen');
    release();
    assert.deepEqual(written, [`Warning: ${said}\n`]);
    unsubscribe();
  } finally {
    process.stderr.write = write;
    delete (globalThis as Record<symbol, unknown>)[HANDED_OVER];
  }
});

test('a proxy run in the process that took the file over: its upstream agent trusts it', {skip}, async () => {
  const plain = new UpstreamAgents();
  takeOverExtraCaCerts({[HANDED_OVER_VARIABLE]: ca.caFile});
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

test('the certificates taken from a bundle: never trusted where Node itself refuses with NODE_EXTRA_CA_CERTS, and trusted as Node does for plain bundles', {skip}, async () => {
  const pem = readFileSync(ca.caFile, 'utf8').trim();
  const other = makeTestCa(dir, 'another CA');
  /** A CA that did not sign the server's certificate, first in most bundles below. */
  const a = readFileSync(other.caFile, 'utf8').trim();
  const body = pem.split('\n').slice(1, -1).join('\n');
  const block = (name: string, inside = body) => `-----BEGIN ${name}-----\n${inside}\n-----END ${name}-----`;
  const corrupt = block('CERTIFICATE', body.replace(/[A-Za-z]/, '*'));
  const key = block('PRIVATE KEY', 'MC4CAQAwBQYDK2VwBCIEIA==');
  const bom = '\xef\xbb\xbf';
  // [what, the file's bytes (latin1), Node's verdict must be ours: 'same', or ours may only be 'refused' where Node trusts]
  const cases: [string, string, 'same' | 'not more'][] = [
    ['one certificate', pem, 'same'],
    ['a UTF-8 byte order mark first', `${bom}${pem}\n`, 'same'],
    ['CRLF line ends', `${pem}\n`.replace(/\n/g, '\r\n'), 'same'],
    ['spaces and tabs after the dashes', pem.replace('-----BEGIN CERTIFICATE-----', '-----BEGIN CERTIFICATE----- \t').replace('-----END CERTIFICATE-----', '-----END CERTIFICATE-----  '), 'same'],
    ['comments and another CA first', `# corporate bundle\nsubject=CN = another CA\n\n${a}\n\n${pem}\n`, 'same'],
    ['two files joined, the second with a byte order mark and CRLF', `${a}\n${bom}${pem}\n`.replace(/\n/g, '\r\n'), 'same'],
    ['a TRUSTED CERTIFICATE block', block('TRUSTED CERTIFICATE'), 'same'],
    ['a marker not at a line\'s start', `ca: ${pem}`, 'same'],
    ['a corrupt block, then it', `${corrupt}\n${pem}`, 'same'],
    ['it, then a corrupt block', `${pem}\n${corrupt}`, 'same'],
    ['an END line that names another block, then it', `${block('CERTIFICATE').replace(/END CERTIFICATE/, 'END X509 CERTIFICATE')}\n${pem}`, 'same'],
    ['a trailing-space END, then it as TRUSTED, then a CA', `${a} \n${block('TRUSTED CERTIFICATE')}\n${a}`, 'same'],
    ['a trailing-space END, a corrupt block, a CA, then it', `${a} \n${corrupt}\n${a}\n${pem}`, 'same'],
    // Files whose reading by OpenSSL is in doubt: ccs-tui stops before them.
    ['a key, then it', `${key}\n${pem}`, 'not more'],
    ['the old name', block('X509 CERTIFICATE'), 'not more'],
    ['a block without its END line, then it', `-----BEGIN CERTIFICATE-----\n${body}\n${pem}`, 'not more'],
    ['a CA without its END line, then it', `${a.replace(/-----END CERTIFICATE-----$/, '')}\n${pem}`, 'not more'],
    ['an empty key block, then it', `${a}\n-----BEGIN PRIVATE KEY-----\n-----END PRIVATE KEY-----\n${pem}`, 'not more'],
    ['a key block of the wrong length, then it', `${a}\n-----BEGIN PRIVATE KEY-----\nAAA\n-----END PRIVATE KEY-----\n${pem}`, 'not more'],
    ['a key\'s headers without data, then it', `${a}\n-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00000000000000000000000000000000\n\n-----END RSA PRIVATE KEY-----\n${pem}`, 'not more'],
    ['a second BEGIN line before its own', `${a}\n-----BEGIN CERTIFICATE-----\n${pem}`, 'not more'],
    ['a line that is a NUL, then it', `${a}\n\x00\n${pem}`, 'not more'],
    ['a BEGIN line hidden past 254 bytes, then it', `${a}\n${'#'.repeat(254)}-----BEGIN CERTIFICATE-----\n${pem}`, 'not more'],
    ['a BEGIN line ending in a high byte, then it', `${a}\n-----BEGIN CERTIFICATE-----\xc2\xa0\n-----END CERTIFICATE-----\n${pem}`, 'not more'],
    ['a byte order mark on an empty block, then it', `${a}\n${bom}-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n${pem}`, 'not more'],
    ['a certificate with bytes after it', block('CERTIFICATE', `${body}\nAAAA`), 'not more'],
  ];
  const port = (server.address() as AddressInfo).port;
  const nodeSays = (file: string) =>
    new Promise<string>((resolve) => {
      const script = `const s=require('tls').connect({host:'127.0.0.1',port:${port}},()=>{process.stdout.write(s.authorized?'trusted':'refused');s.destroy()});s.on('error',()=>process.stdout.write('refused'))`;
      execFile(process.execPath, ['-e', script], {env: {...process.env, NODE_EXTRA_CA_CERTS: file}}, (_error, stdout) => resolve(stdout));
    });
  for (const [i, [what, text, rule]] of cases.entries()) {
    const file = path.join(dir, `bundle-${i}.pem`);
    writeFileSync(file, Buffer.from(text, 'latin1'));
    const node = await nodeSays(file);
    const taken = certificatesOf(readFileSync(file, 'latin1')).certificates;
    const ours = (taken.length ? await handshake(contextTrusting(taken)) : await handshake()) === 'trusted' ? 'trusted' : 'refused';
    if (rule === 'same') assert.equal(ours, node, `${what}: Node ${node}, ccs-tui ${ours}`);
    else assert.ok(ours === 'refused' || node === 'trusted', `${what}: Node refused, ccs-tui trusted`);
  }
});

test('undici\'s dispatcher is replaced only when it is undici\'s own default: one set by another hand (an HTTPS proxy\'s) is kept', {skip}, async () => {
  const {Client, getGlobalDispatcher, setGlobalDispatcher} = await import('undici');
  const before = getGlobalDispatcher();
  const someoneElses = new Client('http://127.0.0.1:9');
  setGlobalDispatcher(someoneElses);
  try {
    takeOverExtraCaCerts({[HANDED_OVER_VARIABLE]: ca.caFile});
    await trustExtraCaCertsInUndici();
    assert.equal(getGlobalDispatcher(), someoneElses);
  } finally {
    setGlobalDispatcher(before);
    await someoneElses.close();
  }
});
