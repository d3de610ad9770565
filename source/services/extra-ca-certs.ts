// NODE_EXTRA_CA_CERTS (a corporate or sandbox CA bundle), read at this process's first TLS connection
// instead of at Node's start.
//
// Why: Node 20 reads the file that variable names, and builds its whole root certificate store with
// it, before any script runs: ~40 ms of every command's start on a machine whose bundle is the
// system's (~140 certificates), a sixth of the TUI's first frame. Node 22 waits for the first TLS
// connection. So the `ccs-tui` command (bin/ccs-tui, a shell script) hands the file over under
// CCS_TUI_EXTRA_CA_CERTS; the entry takes it back at once (cli/extra-ca-handover.ts), so every
// program ccs-tui starts (the proxy child, agents, the browser) gets NODE_EXTRA_CA_CERTS as it was
// set. This process's own TLS clients trust the file through `extraCaContext`: undici's global
// dispatcher (logins, refresh, quota, a remote server) and the proxy's upstream agent. `node dist/source/cli/main.js` run by hand
// skips the script: Node then reads the file itself, and `extraCaContext` is undefined.
import type {SecureContext} from 'node:tls';
import {sanitizeLine} from '../core/sanitize.js';

/**
 * Where the entry leaves the file it took back (cli/extra-ca-handover.ts, the same symbol), and the
 * context once built: one per process, though the TUI's bundle has a copy of this module of its own.
 */
export const HANDED_OVER = Symbol.for('ccs-tui.extra-ca-certs');
interface Taken {
  file: string;
  context?: SecureContext | null;
  /** The warnings said so far (a new array at each), and who hears them while the TUI holds the screen. */
  warnings?: readonly string[];
  listeners?: Set<() => void>;
  held?: boolean;
}
const taken = (): Taken | undefined => (globalThis as {[HANDED_OVER]?: Taken})[HANDED_OVER];

/**
 * A TLS client context that trusts what Node's own default does (its bundled roots, or the system's
 * under `--use-openssl-ca`) and the taken-over file's certificates (`certificatesOf`: never one Node
 * would not take). Built once, at the first call (~40 ms with a system bundle, as Node 20 took at its
 * start). Undefined when no file was taken over (Node's own default already holds it), or when it
 * gave no certificate: Node's roots alone then. A file that cannot be read is said on stderr in
 * Node's words; one read only in part, in ours.
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
    warn(file, systemErrorText(error));
    return undefined;
  }
  const {certificates, stopped} = certificatesOf(text);
  if (stopped) {
    say(
      `ccs-tui trusts ${certificates.length} certificate${certificates.length === 1 ? '' : 's'} of NODE_EXTRA_CA_CERTS \`${sanitizeLine(file)}\`, none after where it stopped: ${stopped}. ` +
        `Keep only PEM certificates in it (or run node on ccs-tui's dist/source/cli/main.js, which lets Node read it).`,
    );
  }
  if (certificates.length === 0) return undefined;
  try {
    return contextTrusting(certificates);
  } catch (error) {
    warn(file, (error as Error).message);
    return undefined;
  }
}

/** The UTF-8 byte order mark, as three characters of the file read as latin1. */
const UTF8_BOM = '\xef\xbb\xbf';
const BEGIN = '-----BEGIN CERTIFICATE-----';
const END = '-----END CERTIFICATE-----';
/** A certificate's base64 line (OpenSSL writes 64 characters; 76 is MIME's). */
const BASE64_LINE = /^[A-Za-z0-9+/]{1,76}={0,2}$/;
/** Bytes that OpenSSL's line reading treats otherwise than as text (NUL ends a line, high bytes are trimmed as spaces). */
const NOT_PLAIN = /[\x00-\x08\x0a-\x1f\x7f-\xff]/;
/** Under OpenSSL's 254-byte reads (BIO_gets), so each line is read whole. */
const MAX_LINE = 200;

/**
 * The certificates to trust from NODE_EXTRA_CA_CERTS's `text` (read as latin1): never one that
 * Node 20 would not take (src/crypto/crypto_context.cc AddCertsFromFile: OpenSSL's
 * PEM_read_bio_X509 until it fails). Not a second PEM reader: the file is taken while it is plain
 * PEM, where OpenSSL's reading is not in doubt: lines of printable text (a UTF-8 byte order mark
 * where OpenSSL drops one: a file's or a block's next line), and `-----BEGIN CERTIFICATE-----`
 * blocks of base64 lines whose bytes are exactly one certificate (OpenSSL parses each,
 * X509Certificate). At the first line that is anything else (another kind of block, a key, a
 * `TRUSTED CERTIFICATE`, control or high bytes, a long line, a block without its END), the
 * certificates before it are what is taken, and `stopped` says where and why: Node would have read
 * on (or stopped there too), so the rest is not trusted. One pass: linear in the file.
 */
export function certificatesOf(text: string): {certificates: string[]; stopped?: string} {
  const {X509Certificate} = process.getBuiltinModule('node:crypto');
  const certificates: string[] = [];
  const lines = text.split('\n');
  let data: string[] | undefined;
  /** OpenSSL drops a byte order mark on the first line each read of a block starts with. */
  let firstOfRead = true;
  for (const [index, whole] of lines.entries()) {
    const stop = (why: string) => ({certificates, stopped: `line ${index + 1} ${why}`});
    let line = whole.endsWith('\r') ? whole.slice(0, -1) : whole;
    if (firstOfRead && line.startsWith(UTF8_BOM)) line = line.slice(UTF8_BOM.length);
    firstOfRead = false;
    if (line.length > MAX_LINE) return stop(`is longer than ${MAX_LINE} characters`);
    if (NOT_PLAIN.test(line)) return stop('holds a control character or a byte above 0x7e');
    line = line.replace(/[ \t]+$/, '');
    if (data === undefined) {
      if (line === BEGIN) data = [];
      else if (line.startsWith('-----')) return stop(`is not ${BEGIN} (${line.slice(0, 40)})`);
      continue;
    }
    if (line !== END) {
      if (!BASE64_LINE.test(line)) return stop('is not a base64 line of a certificate');
      data.push(line);
      continue;
    }
    let certificate;
    try {
      certificate = new X509Certificate(`${BEGIN}\n${data.join('\n')}\n${END}\n`);
    } catch (error) {
      return stop(`ends a certificate that does not parse (${(error as Error).message})`);
    }
    // Exactly one certificate's bytes: OpenSSL would take the first of two, or one with more after it.
    if (!Buffer.from(data.join(''), 'base64').equals(certificate.raw)) return stop('ends a block that is not exactly one certificate');
    certificates.push(certificate.toString());
    data = undefined;
    firstOfRead = true;
  }
  return data === undefined ? {certificates} : {certificates, stopped: `the file ends inside a certificate`};
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

/** Node's own line for the same fault at its start (to stderr, whatever NODE_NO_WARNINGS says). */
function warn(file: string, reason: string): void {
  say(`Ignoring extra certs from \`${sanitizeLine(file)}\`, load failed: ${sanitizeLine(reason)}`);
}

/** `ENOENT: no such file or directory`: a read's failure in the system's words, without the path. */
function systemErrorText(error: unknown): string {
  const {errno, code} = error as NodeJS.ErrnoException;
  const {getSystemErrorMap} = process.getBuiltinModule('node:util');
  const described = errno === undefined ? undefined : getSystemErrorMap().get(errno)?.[1];
  return code ? `${code}${described ? `: ${described}` : ''}` : String(error);
}

/**
 * A warning of the hand-over, kept for the TUI's problems list (M; extraCaWarnings) and written to
 * stderr as `Warning: …`: at once, or, while the TUI holds the screen (holdExtraCaWarnings), once the
 * screen is given back.
 */
function say(message: string): void {
  const state = taken();
  if (!state?.held) process.stderr.write(`Warning: ${message}\n`);
  if (!state) return;
  state.warnings = [...(state.warnings ?? []), message];
  for (const listener of state.listeners ?? []) listener();
}

/**
 * Keeps the hand-over's warnings off stderr while a full screen is drawn, which would hide them
 * (ui/launch.ts). The release writes those kept to stderr, the screen given back.
 */
export function holdExtraCaWarnings(): () => void {
  const state = taken();
  if (!state) return () => undefined;
  state.held = true;
  const before = state.warnings?.length ?? 0;
  const release = () => {
    if (!state.held) return;
    state.held = false;
    process.off('exit', release);
    for (const message of state.warnings?.slice(before) ?? []) process.stderr.write(`Warning: ${message}\n`);
  };
  // A signal or a crash ends the process without the caller's release (ui/terminal.ts gives the screen back first).
  process.on('exit', release);
  return release;
}

/** The hand-over's warnings so far, oldest first (the same array until the next: a store for React). */
export function extraCaWarnings(): readonly string[] {
  return taken()?.warnings ?? NONE;
}
const NONE: readonly string[] = [];

/** Hears each new warning kept (useSyncExternalStore's subscribe); returns the unsubscribe. */
export function onExtraCaWarning(listener: () => void): () => void {
  const state = taken();
  if (!state) return () => undefined;
  (state.listeners ??= new Set()).add(listener);
  return () => state.listeners?.delete(listener);
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
