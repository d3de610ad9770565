// `ccs-tui login <provider>`: every login without the TUI, and without a terminal. Device codes
// print the code, the URL and (on a terminal) a QR; auth codes wait for a loopback callback and
// read a pasted redirect URL or code from stdin at once (over SSH, providers with a code page of
// their own are paste only). API keys (tried against the provider before they are stored) and
// Vertex key files are read from stdin, never from argv (argv shows up in `ps` and shell history),
// and with echo off on a terminal (cli/stdin.ts readSecret: never on screen or in the scrollback).
// Exits 0 only once the account is stored. Heavy modules load only when the command runs.
import {maskCredentialsIn, maskedUrl, quoted, sanitizeLine} from '../../core/sanitize.js';
import {shellOption, shellWord} from '../../core/quote.js';
import {UserError, type Account} from '../../core/types.js';
import {PROVIDERS, requireProvider} from '../../providers/table.js';
import type {LoginFlow} from '../../providers/types.js';
import {expandHome, type CcsPaths} from '../../store/paths.js';
import {parseCommandArgs, printJson, type CliContext, type CommandSpec, type OutputStream} from '../context.js';
import {accountJson} from './accounts.js';
import {portValue} from './proxy.js';
import {LOGIN_OPTIONS, loginCancelled, loginMethod} from '../login-early.js';
import {readSecret, readStdin} from '../stdin.js';
import {openAtLoginStart, type Browser} from '../../services/browser.js';

/**
 * Opens a login's address in the browser as the login starts; says so when none opened (the address
 * is printed, to open by hand). The answer comes after the prompt was written, so `askAgain` (if
 * given) writes it once more: what to do next stays the last line on the terminal.
 */
export function openLoginAddress(browser: Browser, url: string, say: (text: string) => void, askAgain?: () => void): void {
  openAtLoginStart(browser, url, (why) => {
    say(`ccs-tui: no browser opened: ${why}; open the address above yourself`);
    askAgain?.();
  });
}

/**
 * The line pasted at the prompt (stdin, up to its newline). At a terminal, a line that holds no code
 * (`codeFromPaste` throws a UserError: no code in it, another login's state, the provider's refusal)
 * or nothing at all (an Enter pressed too soon) is said and the next line read, as the TUI's field
 * stays open for another try; from a pipe it is returned as it is, and the login ends on it (no one
 * is there to paste again). The input's end (Ctrl-D), `signal`, or the login taken meanwhile
 * (`taken`: the browser came back) ends the wait with what was read.
 */
export async function pastedLine(ctx: CliContext, codeFromPaste: (text: string) => string, signal: AbortSignal, say: (text: string) => void, taken: () => boolean = () => false): Promise<string> {
  for (;;) {
    const text = await readStdin(ctx, false, signal);
    const ended = (ctx.stdin as NodeJS.ReadStream).readableEnded === true;
    if (!ctx.stdin.isTTY || ended || signal.aborted || taken()) return text;
    if (!text.trim()) {
      say("Nothing was pasted: paste the whole address this login's browser tab ends on (or the code it shows), then Enter; Ctrl-C stops.");
      continue;
    }
    try {
      codeFromPaste(text);
      return text;
    } catch (error) {
      if (!(error instanceof UserError)) throw error;
      say(`✗ ${error.message}`);
      // Not "it": a foreign link pasted again is refused again.
      say("Paste again: the whole address this login's browser tab ends on (or the code it shows), then Enter; Ctrl-C stops.");
    }
  }
}

/**
 * Where a login's words for a person go (header, QR, address, code, prompts): stdout, or stderr under
 * --json, so that stdout holds only the answer (loginJson).
 */
export const loginOutput = (ctx: CliContext, json: boolean | undefined): OutputStream => (json ? ctx.stderr : ctx.stdout);

/**
 * `login --json`'s answer: `{provider, account}`, the account as `accounts --json` lists it; null when
 * a remote server renewed an existing account instead of adding one (it does not say which).
 */
export function loginJson(provider: string, account: Account | undefined) {
  return {provider, account: account ? accountJson(account) : null};
}

/** The ids of the providers that log in by `kind`: `aistudio, bob`. */
const loggingInBy = (kind: LoginFlow['kind']) => PROVIDERS.filter((row) => row.logins.some((flow) => flow.kind === kind)).map((row) => row.id).join(', ');

/** The login flags that mean something to one kind of login only, and what they are for (their errors say it). */
const FLAGS_OF_ONE_LOGIN: Record<string, {kind: LoginFlow['kind']; what: string}> = {
  'key-file': {kind: 'service-account', what: `a service-account key file (${loggingInBy('service-account')})`},
  'base-url': {kind: 'api-key', what: `an API-key login's base URL (${loggingInBy('api-key')}; other providers' addresses are endpoints in tui.json)`},
  'allow-insecure-http': {kind: 'api-key', what: "an API-key login's plain http:// base URL"},
  port: {kind: 'auth-code', what: "a browser login's callback port"},
  paste: {kind: 'auth-code', what: 'pasting the address a browser login ends on'},
};

/** How each kind of login is done, as `login --help` lists it (`several`: the provider has other ways too). */
function loginWay(flow: LoginFlow, several: boolean): string {
  switch (flow.kind) {
    case 'auth-code':
      return 'browser, or --paste the address it ends on';
    case 'device':
      return several ? 'device code (--device)' : 'device code';
    case 'service-account':
      return 'service-account key file (--key-file PATH, or stdin)';
    case 'api-key':
      return `API key on stdin${flow.needsBaseUrl ? `; --base-url URL required${flow.baseUrlExample ? `, e.g. ${flow.baseUrlExample}` : ''}` : ''}`;
  }
}

/** `login --help`'s provider list: every id the command takes, from the provider table, with its ways to log in. */
export function loginProvidersHelp(): string {
  const width = Math.max(...PROVIDERS.map((row) => row.id.length));
  const rows = PROVIDERS.map((row) => `  ${row.id.padEnd(width)}  ${row.displayName}: ${row.logins.map((flow) => loginWay(flow, row.logins.length > 1)).join(' | ')}`);
  return `providers (the <provider> to give):\n${rows.join('\n')}\n`;
}

const login: CommandSpec = {
  name: ['login'],
  usage: '<provider> [--nickname N] [--no-browser] [--paste] [--device] [--port N] [--base-url URL [--allow-insecure-http]] [--key-file PATH] [--json]',
  summary: 'log in (device code, browser/paste, API key or key file on stdin) and store the account (--json: the prompts on stderr, the account on stdout)',
  help: loginProvidersHelp,
  async run(ctx, args) {
    const {values, positionals} = parseCommandArgs(this, args, LOGIN_OPTIONS, {required: ['provider']});
    const row = requireProvider(positionals[0]!);
    const port = portValue(values.port, false);
    const [{worldDeps}, {loadSettings}, login, {sessionKind, callbackForwardHint}, {accountLabel, corruptKeyFileText, keptGrantText, loginOutcomeText}] = await Promise.all([
      import('../../services/deps.js'),
      import('../../store/settings.js'),
      import('../../services/oauth/login.js'),
      import('../../services/environment.js'),
      import('../../core/accounts.js'),
    ]);
    const loaded = await loadSettings(ctx.paths);
    const out = loginOutput(ctx, values.json);
    // The clipboard's OSC 52 goes to the terminal the person reads, not into --json's answer.
    const deps = {...worldDeps(ctx.paths, ctx.env, out), settings: loaded.settings};
    const nickname = values.nickname?.trim() || undefined;
    const say = (text: string) => ctx.stderr.write(`${text}\n`);
    const tty = Boolean(out.isTTY);
    const session = sessionKind(ctx.env);
    const methods = row.logins.map((f) => f.kind);
    const method = loginMethod(row, Boolean(values.device));
    if (values.device && !methods.includes('device')) throw new UserError(`${row.id} has no device-code login (its login: ${row.logins.map((flow) => loginWay(flow, false)).join('; or ')})`, 2);
    // A flag of another kind of login is never dropped in silence: IBM Bob's key put in a file and
    // given as --key-file met "stdin was empty"; --base-url on codex changed nothing it said.
    for (const [flag, {kind, what}] of Object.entries(FLAGS_OF_ONE_LOGIN)) {
      if (values[flag as keyof typeof values] === undefined || method === kind) continue;
      // A key in a file for a key login: said once the base URL is known (below), with the command that reads it.
      if (method === 'api-key' && flag === 'key-file') continue;
      const way = loginWay(row.logins.find((f) => f.kind === method)!, false);
      const instead =
        methods.includes(kind) ? `${row.id}'s login by ${way} (--device) takes none`
        : `${row.id} has no such login (its login: ${way})`;
      throw new UserError(`--${flag} is for ${what}; ${instead}`, 2);
    }
    // Kept, not refused (a script may give it to every login), but said: a key login opens no browser anyway.
    if (values['no-browser'] && (method === 'api-key' || method === 'service-account')) say(`ccs-tui: note: --no-browser is not used: ${row.id}'s login takes ${method === 'api-key' ? 'an API key' : 'a service-account key file'} and opens no browser`);

    // Ctrl-C ends every wait of a login at once (a prompt, the browser's callback, a device code's
    // polling): one press, said, nothing stored, exit 130.
    const controller = new AbortController();
    const onSignal = () => {
      // The message starts on a line of its own, after the terminal's `^C`.
      if (ctx.stderr.isTTY) ctx.stderr.write('\n');
      controller.abort(loginCancelled());
    };
    process.once('SIGINT', onSignal);
    const cancelled = new Promise<never>((_, reject) => controller.signal.addEventListener('abort', () => reject(controller.signal.reason), {once: true}));
    cancelled.catch(() => undefined);
    try {
      let account;
      if (method === 'api-key') {
        // Before the key is asked for: a base URL the provider needs is a flag, and its example is in the table.
        const flow = row.logins.find((f) => f.kind === 'api-key');
        let givenBaseUrl = values['base-url'];
        if (flow?.kind === 'api-key' && flow.needsBaseUrl && !givenBaseUrl && nickname) {
          // A new key for an account named by --nickname (the advice for a refused key): its stored base
          // URL, as L in the TUI offers it.
          const stored = await storedBaseUrl(ctx.paths, row.id, nickname);
          if (stored) {
            givenBaseUrl = stored;
            say(`base URL: ${sanitizeLine(maskCredentialsIn(maskedUrl(stored)))} (the one ${sanitizeLine(nickname)} has; --base-url gives another)`);
          }
        }
        if (flow?.kind === 'api-key' && flow.needsBaseUrl && !givenBaseUrl && !login.baseUrlOverrideNote(deps.settings, row)) {
          throw new UserError(`${row.displayName} needs a base URL (--base-url URL): ccs-tui login ${row.id} --base-url ${flow.baseUrlExample ?? 'URL'}, the key on stdin`, 2);
        }
        // A base URL that cannot be used (plain http:// to another machine) is refused before the key is read.
        const urlProblem = login.baseUrlProblem(row, givenBaseUrl?.trim() || undefined, 'cli', Boolean(values['allow-insecure-http']), deps.settings);
        if (urlProblem) throw new UserError(urlProblem, 2);
        if (values['key-file'] !== undefined) {
          // The command as given, its key file read from stdin: `~` expanded (a shell does not expand it quoted).
          const file = shellWord(expandHome(values['key-file'], ctx.env));
          throw new UserError(`--key-file is for ${FLAGS_OF_ONE_LOGIN['key-file']!.what}; ${row.id} has none: its API key is read from stdin: ${keyLoginCommand(row.id, values['base-url'], values['allow-insecure-http'], values.nickname)} < ${file}`, 2);
        }
        const unused = givenBaseUrl ? login.baseUrlOverrideNote(deps.settings, row) : undefined;
        if (unused) say(`note: ${unused}`);
        const apiKey = await readSecret(ctx, {
          whole: false,
          signal: controller.signal,
          prompt: `Paste the ${row.displayName} API key, then press Enter (it is not shown):`,
          what: 'the key',
          // At a terminal an Enter with nothing pasted is said and the read goes on (Ctrl-D ends it).
          emptyEnter: `Nothing was entered. Paste the ${row.displayName} API key, then press Enter (it is not shown; Ctrl-D or Ctrl-C stops):`,
        });
        if (controller.signal.aborted) throw controller.signal.reason;
        // Said here, where stdin is the source: the service's own wording does not know where the key came from.
        // At a terminal only Ctrl-D ends the prompt with nothing (an empty Enter is asked again): the person stopped.
        if (apiKey.trim() === '' && ctx.stdin.isTTY) throw new UserError(`no ${row.displayName} API key was entered; no account stored`);
        if (apiKey.trim() === '' && !controller.signal.aborted) {
          const command = keyLoginCommand(row.id, givenBaseUrl, values['allow-insecure-http'], values.nickname);
          throw new UserError(`no ${row.displayName} API key: stdin was empty (the key is read from stdin, never from the command line); pipe it in, e.g. ${command} < key.txt, or run ${command} in a terminal and paste it`, 2);
        }
        account = await login.addApiKeyAccount(deps, row.id, {apiKey, baseUrl: givenBaseUrl, nickname, signal: controller.signal, allowInsecureHttp: Boolean(values['allow-insecure-http'])});
      } else if (method === 'service-account') {
        const keyFile = values['key-file'];
        if (keyFile) {
          // `~` too: the shell leaves it in --key-file=~/… and in quotes.
          const key = await login.readKeyFile(keyFile, ctx.env).catch((error: Error) => {
            throw new UserError(`--key-file ${error.message}`, 2);
          });
          account = await login.importServiceAccount(deps, row.id, key.file, key.text, {nickname});
        } else {
          if (ctx.stdin.isTTY) say(`(or give the file instead: ccs-tui login ${row.id} --key-file key.json)`);
          const text = await readSecret(ctx, {whole: true, signal: controller.signal, prompt: 'Paste the service-account key JSON, then press Ctrl-D (it is not shown):', what: 'the key JSON'});
          if (controller.signal.aborted) throw controller.signal.reason;
          account = await login.importServiceAccount(deps, row.id, 'stdin', text, {nickname});
        }
      } else if (method === 'device') {
        const {qrForTerminal, wrappedRows} = await import('../../services/qr.js');
        // The provider's answer may take up to the request timeout: said at once, not after.
        say(`Asking ${row.displayName} for a device code…`);
        const approved = login.deviceLogin(deps, row.id, {
          nickname,
          signal: controller.signal,
          onAuthorization: (a) => {
            const url = a.verificationUriComplete ?? a.verificationUri;
            // The QR first, the address and code last, so they stay on screen above the wait line.
            const tail =
              `  Open:  ${a.verificationUri}\n  Code:  ${a.userCode}\n` +
              (a.verificationUriComplete ? `  or open directly: ${a.verificationUriComplete}\n` : '') +
              `Waiting for approval (the code expires in ${Math.round((a.expiresAt - Date.now()) / 60000)} min)…\n`;
            out.write(`${row.displayName} login\n`);
            if (tty) out.write(qrForTerminal(url, out, (columns) => 1 + wrappedRows(tail, columns)));
            out.write(tail);
            if (values['no-browser']) say('--no-browser: no browser is opened; open the address on any device yourself.');
            else if (session.local) openLoginAddress(deps.browser, url, say);
          },
          onState: (s) => {
            if (s.phase === 'approved') say(`Approved; finishing the login with ${row.displayName} and storing the account…`);
            if (s.pollState === 'slowed-down' && s.phase === 'polling') say(`(server asked to slow down: polling every ${s.intervalSeconds} s)`);
            if (s.pollState === 'retrying' && s.phase === 'polling') say(`(network error, retrying: ${s.message ?? ''})`);
          },
        });
        account = await Promise.race([approved, cancelled]);
      } else if (method === 'auth-code') {
        const {qrForTerminal, wrappedRows} = await import('../../services/qr.js');
        const paste = Boolean(values.paste) || !session.local;
        const flow = await login.beginAuthCodeLogin(deps, row.id, {paste, port, nickname});
        const s = flow.session;
        if (s.notice) say(`ccs-tui: ${s.notice}`);
        // A port given that this login does not use (it ends on the provider's own page, pasted): said, not dropped.
        if (port !== undefined && s.mode !== 'loopback' && new URL(s.redirectUri).port !== String(port)) say(`ccs-tui: note: --port ${port} is not used: this login ends on ${s.redirectUri}, whose address you paste here; nothing listens on a port`);
        // Advice names only what is true: the port is forwarded only when ccs-tui listens on it here.
        const hint = callbackForwardHint(s.redirectUri, s.port, ctx.env);
        const pasteLine = 'paste the address the browser ends on (or the code it shows) here and press Enter';
        const prompt =
          s.mode === 'loopback'
            ? `Waiting for the browser to come back to ${s.redirectUri} (ccs-tui listens there on this machine), or ${pasteLine}.\n` +
              (hint ? `  The browser is on another machine: forward the port first (${hint}), or paste the address even if the page does not load.\n` : '')
            : `After approving, ${pasteLine}.\n` +
              (new URL(s.redirectUri).hostname === 'localhost' ? `  Nothing of ccs-tui listens on ${s.redirectUri}: copy that address from the browser even if the page shows an error.\n` : '');
        const open = `  Open: ${s.authorizeUrl}\n`;
        out.write(`${row.displayName} login\n`);
        if (tty) out.write(qrForTerminal(s.authorizeUrl, out, (columns) => 1 + wrappedRows(open + prompt, columns)));
        out.write(open);
        if (values['no-browser']) say(`--no-browser: no browser is opened; open the address in a browser yourself${s.mode === 'loopback' ? ` (it comes back to ${s.redirectUri}, where ccs-tui listens on this machine)` : ''}, then ${s.mode === 'loopback' ? 'wait here or ' : ''}paste what it ends on here.`);
        else if (session.local) openLoginAddress(deps.browser, s.authorizeUrl, say, () => s.claimedBy() === undefined && !controller.signal.aborted && out.write(prompt));
        out.write(prompt);
        if (!session.local && methods.includes('device')) say(`(over SSH a device code needs no port and no paste: ccs-tui login ${row.id} --device)`);
        if (s.mode === 'loopback') {
          // The callback or a paste, whichever comes first; stdin and the port are let go once the
          // login ends (Ctrl-C included: a listening server would keep the process alive).
          const reading = new AbortController();
          try {
            const claimed = (by: 'callback' | 'paste') => say(`${by === 'callback' ? 'The browser came back' : 'Pasted'}; checking the code with ${row.displayName}…`);
            account = await Promise.race([flow.viaFirst(pastedLine(ctx, flow.session.codeFromPaste, reading.signal, say, () => flow.session.claimedBy() !== undefined), controller.signal, claimed), cancelled]);
          } finally {
            reading.abort();
            flow.cancel();
          }
        } else {
          const pasted = await pastedLine(ctx, flow.session.codeFromPaste, controller.signal, say);
          if (controller.signal.aborted) throw controller.signal.reason;
          if (!pasted.trim()) throw new UserError('nothing was pasted; no account stored');
          // Claimed first: a paste that is no code is refused before anything is said or sent.
          const code = flow.session.claimPaste(pasted);
          say(`Checking the code with ${row.displayName}…`);
          account = await flow.exchangeClaimed(code, controller.signal);
        }
      } else {
        throw new UserError(`${row.id} has no login method`, 2);
      }
      const {accounts} = await deps.store.load();
      // The login is kept; the name it was meant to have is another account's (an OAuth login is known only once it is done).
      if (account.nicknameNotGiven) say(`ccs-tui: warning: --nickname ${quoted(nickname)} was not given to ${accountLabel(account, accounts)}: ${account.nicknameNotGiven}`);
      if (account.corrupt) say(`ccs-tui: warning: ${corruptKeyFileText(account.corrupt)}`);
      if (account.keptGrant) say(`ccs-tui: note: ${keptGrantText(account.keptGrant)}`);
      if (values.json) {
        const {nicknameChanged} = account;
        printJson(ctx, {
          ...loginJson(row.id, accounts.find((a) => a.provider === account.provider && a.id === account.id) ?? account),
          ...(account.outcome === 'key-replaced' ? {keyReplaced: true} : {}),
          ...(nicknameChanged ? {nicknameChanged: {from: nicknameChanged.from ?? null, to: nicknameChanged.to}} : {}),
          ...(account.corrupt ? {corruptCopy: account.corrupt.copy} : {}),
          ...(account.keptGrant ? {keptGrant: account.keptGrant} : {}),
        });
        return 0;
      }
      const named = `${row.id} account ${accountLabel(account, accounts)}`;
      ctx.stdout.write(`${loginOutcomeText(account.outcome, named, account.nicknameChanged)}${account.projectId ? ` (project ${sanitizeLine(account.projectId)})` : ''}${account.madeDefault ? ' (default)' : ''}\n`);
      return 0;
    } catch (error) {
      // Whatever the wait was: the cancellation is what is said.
      if (controller.signal.aborted) throw controller.signal.reason;
      const {DeviceFlowEnded} = await import('../../services/oauth/device.js');
      const {OAuthError} = await import('../../services/oauth/token-endpoint.js');
      const {NetworkError, UnexpectedResponseError} = await import('../../services/http.js');
      if (error instanceof DeviceFlowEnded || error instanceof OAuthError || error instanceof NetworkError || error instanceof UnexpectedResponseError) {
        throw new UserError(`${row.id} login: ${error.message}; no account stored`);
      }
      throw error;
    } finally {
      process.off('SIGINT', onSignal);
    }
  },
};

export const loginCommands: CommandSpec[] = [login];

/** The base URL of the one API-key account of `provider` that `name` names (nickname, email or id), if it has one. */
async function storedBaseUrl(paths: CcsPaths, provider: string, name: string): Promise<string | undefined> {
  const [{AccountStore}, {matchedAs}] = await Promise.all([import('../../store/accounts.js'), import('../../core/accounts.js')]);
  const named = (await new AccountStore(paths).load()).accounts.filter((a) => a.provider === provider && a.apiKey !== undefined && ['nickname', 'email', 'id'].includes(matchedAs(a, name) ?? ''));
  return named.length === 1 ? named[0]!.baseUrl : undefined;
}

/** The API-key login command to show again (the key to come on stdin): the URL as errors show it, since a query or user info may carry a key (maskedUrl). */
function keyLoginCommand(provider: string, baseUrl: string | undefined, insecure: boolean | undefined, nickname?: string): string {
  const url = baseUrl?.trim() ? ` --base-url ${shellWord(maskedUrl(baseUrl.trim()))}` : '';
  return `ccs-tui login ${provider}${url}${insecure ? ' --allow-insecure-http' : ''}${nickname !== undefined ? ` ${shellOption('nickname', nickname)}` : ''}`;
}
