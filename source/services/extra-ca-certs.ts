// NODE_EXTRA_CA_CERTS (a corporate or sandbox CA bundle), read at this process's first TLS connection
// instead of at Node's start.
//
// Why: Node 20 reads the file that variable names, and builds its whole root certificate store with
// it, before any script runs: ~40 ms of every command's start on a machine whose bundle is the
// system's (~140 certificates), a sixth of the TUI's first frame. Node 22 waits for the first TLS
// connection. So the `ccs-tui` command (bin/ccs-tui, a shell script) hands the file over under
// DEFERRED_VARIABLE; the entry (cli/main.ts) takes it back at once, so every program ccs-tui starts
// (the proxy child, agents, the browser) gets NODE_EXTRA_CA_CERTS as it was set. This process's own
// TLS clients trust the file through `extraCaContext`: undici's global dispatcher (logins, refresh,
// quota, a remote server) and the proxy's upstream agent. `node dist/source/cli/main.js` run by hand
// skips the script: Node then reads the file itself, and `extraCaContext` is undefined.
import type {SecureContext} from 'node:tls';

/** What bin/ccs-tui moves NODE_EXTRA_CA_CERTS to (the same file name). */
export const DEFERRED_VARIABLE = 'CCS_TUI_EXTRA_CA_CERTS';

/**
 * The file taken over, and its context once built: one per process, though the TUI's bundle has a
 * copy of this module of its own beside the command line's.
 */
const TAKEN = Symbol.for('ccs-tui.extra-ca-certs');
interface Taken {
  file: string;
  context?: SecureContext | null;
}
const taken = (): Taken | undefined => (globalThis as {[TAKEN]?: Taken})[TAKEN];

/**
 * Called first by the entry: DEFERRED_VARIABLE's file becomes NODE_EXTRA_CA_CERTS again in `env`
 * (what children inherit), and is remembered for `extraCaContext`. Nothing when the variable is absent.
 */
export function takeOverExtraCaCerts(env: NodeJS.ProcessEnv = process.env): void {
  const file = env[DEFERRED_VARIABLE];
  if (file === undefined) return;
  delete env[DEFERRED_VARIABLE];
  if (file === '') return;
  env.NODE_EXTRA_CA_CERTS = file;
  (globalThis as {[TAKEN]?: Taken})[TAKEN] = {file};
}

/**
 * A TLS client context that trusts what Node's own default does (its bundled roots, or the system's
 * under `--use-openssl-ca`) and the taken-over file's certificates, as NODE_EXTRA_CA_CERTS read at
 * start would (`certificatesOf`). Built once, at the first call (~40 ms with a system bundle, as
 * Node 20 took at its start). Undefined when no file was taken over (Node's own default already holds
 * it), or when it gave no certificate: Node's roots alone then. A fault in the file is warned of in
 * Node's words, as Node does at its start.
 */
export function extraCaContext(): SecureContext | undefined {
  const state = taken();
  if (!state) return undefined;
  if (state.context === undefined) state.context = buildContext(state.file) ?? null;
  return state.context ?? undefined;
}

function buildContext(file: string): SecureContext | undefined {
  const {readFileSync} = process.getBuiltinModule('node:fs');
  let text: string;
  try {
    text = readFileSync(file, 'latin1');
  } catch (error) {
    warn(file, (error as NodeJS.ErrnoException).code ?? String(error));
    return undefined;
  }
  const {certificates, failure} = certificatesOf(text);
  // As Node: the certificates before a fault are kept, and the fault is said.
  if (failure) warn(file, failure);
  if (certificates.length === 0) return undefined;
  try {
    return contextTrusting(certificates);
  } catch (error) {
    warn(file, (error as Error).message);
    return undefined;
  }
}

/** The UTF-8 byte order mark, as the file's first three characters read as latin1. */
const UTF8_BOM = '\xef\xbb\xbf';
/** A data line as OpenSSL's base64 decoder takes it; `=` only at the end of the data. */
const BASE64_LINE = /^[A-Za-z0-9+/]*=?=?$/;
/** A header line before a block's data (`Proc-Type: …`, `DEK-Info: …`), ended by an empty line. */
const HEADER_LINE = /^[A-Za-z0-9-]+:/;

/**
 * The certificates Node 20 takes from NODE_EXTRA_CA_CERTS's `text`, each re-encoded alone, as it
 * reads them (src/crypto/crypto_context.cc AddCertsFromFile: OpenSSL's PEM_read_bio_X509 until it
 * fails; crypto/pem/pem_lib.c): a UTF-8 BOM at the start and each line's trailing whitespace
 * dropped; blocks from a line starting `-----BEGIN <name>-----` (another such line starts over) to
 * the first `-----END ` line, which must name the same; `CERTIFICATE` and `X509 CERTIFICATE` blocks taken in order, any other block (a
 * key, a `TRUSTED CERTIFICATE`) passed over. At the first block that does not end, match or decode,
 * the end, with why in `failure` (Node warns then, and keeps the certificates before it). Where this
 * cannot tell what OpenSSL would do (data that is not plain base64) it stops there too: never a
 * certificate Node would not take. No block at all is no failure. One pass: linear in the file.
 */
export function certificatesOf(text: string): {certificates: string[]; failure?: string} {
  const {X509Certificate} = process.getBuiltinModule('node:crypto');
  const lines = (text.startsWith(UTF8_BOM) ? text.slice(UTF8_BOM.length) : text).split('\n');
  const certificates: string[] = [];
  let name: string | undefined;
  let data: string[] = [];
  let blocks = 0;
  const stop = (why: string) => ({certificates, failure: `block ${blocks} (${name}): ${why}`});
  for (const whole of lines) {
    // OpenSSL ends a line at its last byte above space (\r, tabs, spaces and NULs go).
    const line = whole.replace(/[\x00-\x20]+$/, '');
    // A BEGIN line starts a block, even inside one that never ended (as OpenSSL reads it).
    if (line.startsWith('-----BEGIN ') && line.length >= 16 && line.endsWith('-----')) {
      name = line.slice(11, -5);
      data = [];
      blocks++;
      continue;
    }
    if (name === undefined) continue;
    if (!line.startsWith('-----END ')) {
      data.push(line);
      continue;
    }
    if (line !== `-----END ${name}-----`) return stop(`its END line names another block (${line.slice(9, -5) || line})`);
    // Headers (an encrypted key's), then an empty line, then the data.
    const blank = data.indexOf('');
    const body = blank > 0 && data.slice(0, blank).every((header) => HEADER_LINE.test(header)) ? data.slice(blank + 1) : data;
    const padded = body.findIndex((row) => row.includes('='));
    if (!body.every((row) => BASE64_LINE.test(row)) || (padded >= 0 && body.slice(padded + 1).some((row) => row !== ''))) return stop('bad base64 decode');
    if (name === 'CERTIFICATE' || name === 'X509 CERTIFICATE') {
      if (body !== data) return stop('a certificate with headers');
      try {
        certificates.push(new X509Certificate(`-----BEGIN CERTIFICATE-----\n${body.join('\n')}\n-----END CERTIFICATE-----\n`).toString());
      } catch (error) {
        return stop((error as Error).message);
      }
    }
    name = undefined;
  }
  return name === undefined ? {certificates} : stop('no END line');
}

/**
 * Node's default roots plus `certificates` (PEM). A SecureContext made without `ca` shares Node's root
 * store; adding a certificate to it gives the context a store of its own, made as Node makes the
 * default one (bundled roots or the system's, per its flags and build), and adds to that
 * (src/crypto/crypto_context.cc, SecureContext::AddCACert). `ca` itself would replace the roots, so
 * where that method is missing the bundled roots are listed beside the file's.
 */
export function contextTrusting(certificates: readonly string[], options: {nodeInternal?: boolean} = {}): SecureContext {
  const tls = process.getBuiltinModule('node:tls');
  const context = tls.createSecureContext();
  const native = (context as unknown as {context?: {addCACert?: (pem: string) => void}}).context;
  if (options.nodeInternal !== false && typeof native?.addCACert === 'function') {
    for (const pem of certificates) native.addCACert(pem);
    return context;
  }
  return tls.createSecureContext({ca: [...tls.rootCertificates, ...certificates]});
}

/**
 * Node's own line for the same fault at its start, written as Node writes it (to stderr, whatever
 * NODE_NO_WARNINGS says). The TUI's screen may hide it (docs/benchmarks.md, the thirty-second).
 */
function warn(file: string, reason: string): void {
  process.stderr.write(`Warning: Ignoring extra certs from \`${file}\`, load failed: ${reason}\n`);
}

let undiciTrusts: Promise<void> | undefined;

/**
 * undici's global dispatcher (services/http.ts's requests, and a remote server's without a caFile of
 * its own) trusts the taken-over file too: once, before undici's first request. Nothing when no file
 * was taken over.
 */
export function trustExtraCaCertsInUndici(): Promise<void> {
  if (!taken()) return Promise.resolve();
  return (undiciTrusts ??= (async () => {
    const context = extraCaContext();
    if (!context) return;
    const [{getGlobalDispatcher, setGlobalDispatcher}, {default: Agent}] = await Promise.all([import('undici/lib/global.js'), import('undici/lib/dispatcher/agent.js')]);
    // Only undici's own default is replaced: a dispatcher set by another hand (Node 22's own, under
    // NODE_USE_ENV_PROXY, sends through the person's HTTPS proxy) is kept, and the file then not
    // trusted: a refused certificate, never a request that goes round the proxy.
    if (getGlobalDispatcher().constructor !== Agent) return;
    setGlobalDispatcher(new Agent({connect: {secureContext: context}}));
  })());
}
