// Commands on a remote target (`--target NAME`). The account and rule-editing commands run unchanged
// ('same': they get the target's AccountService or rules); the others have a remote implementation
// here, talking to the server's Management API instead of this machine's files.
import {ownValue} from '../../core/id-map.js';
import type {ModelResolution} from '../../core/model-rules.js';
import {sanitizeLine} from '../../core/sanitize.js';
import {UserError} from '../../core/types.js';
import {findProvider} from '../../providers/table.js';
import type {CliContext, CommandSpec} from '../context.js';
import {formatTable, parseCommandArgs, printJson} from '../context.js';
import {loadTargetSettings, openRemoteStore} from '../target.js';
import {knownProvider} from './accounts.js';
import {printQuota} from './quota.js';
import {loginJson, loginOutput, openLoginAddress, pastedLine} from './login.js';
import {pastedCodeFor} from '../../core/pkce.js';
import {loginCancelled} from '../login-early.js';
import {modelsJson, printWarnings} from './models.js';
import {maskedModelName, modelCountText, shownModelName} from '../../core/model-rules.js';
import {countOf} from '../../core/wording.js';

type RemoteRun = (this: CommandSpec, ctx: CliContext, args: string[]) => Promise<number>;

const loadRules = () => import('../../services/remote/model-rules.js');

/**
 * `models <provider> --target T`: our resolver on the server's rules, next to the server's own list
 * for one account (`--account`, else the provider's first enabled one); ids on one side only are
 * flagged, on stderr and under `differences` in --json.
 */
const remoteModels: RemoteRun = async function (ctx, args) {
  const flags = {account: {type: 'string'}, json: {type: 'boolean'}, live: {type: 'boolean'}} as const;
  const {values, positionals} = parseCommandArgs(this, args, flags, {required: ['provider']});
  if (values.live) throw new UserError('--live is not available on a remote target: the server\'s own list is shown instead', 2);
  const provider = knownProvider(positionals[0]!);
  const store = await openRemoteStore(ctx);
  const rules = await loadRules();
  const snapshot = await store.load();
  const candidates = snapshot.accounts.filter((a) => a.provider === provider);
  const account = values.account !== undefined ? await store.find(provider, values.account) : (candidates.find((a) => !a.paused) ?? candidates[0]);
  const resolution = rules.resolveRemote(provider, await rules.remoteGlobalRules(store.client, provider), account);
  const ours = resolution.models.map((m) => m.id);
  const server = account ? await rules.serverModels(store.client, store.serverName(account)) : undefined;
  const differences = server ? rules.modelDifferences(ours, server) : undefined;
  if (values.json) {
    printJson(ctx, {
      ...modelsJson(resolution, account?.id),
      target: ctx.target,
      server: server ? {account: account!.id, models: server.map(maskedModelName)} : null,
      differences: differences ? {onlyServer: differences.onlyServer.map(maskedModelName), onlyLocal: differences.onlyLocal.map(maskedModelName)} : null,
    });
    return 0;
  }
  ctx.stdout.write(`${provider} on target ${ctx.target}: ${modelCountText(resolution)} by our resolver (${resolution.source} list, the server's rules)\n`);
  const rows = resolution.models.map((m) => [shownModelName(m.id), m.id === m.upstream ? '' : `← ${shownModelName(m.upstream)}`]);
  ctx.stdout.write((await formatTable(ctx, [...rows, ...resolution.excluded.map((e) => [shownModelName(e.id), `excluded by "${shownModelName(e.pattern)}"`])])).replace(/ +$/gm, ''));
  if (!server) {
    ctx.stdout.write(`The server's own list needs an account; ${provider} has none on target ${ctx.target}.\n`);
  } else {
    const same = differences!.onlyServer.length + differences!.onlyLocal.length === 0;
    ctx.stdout.write(`Server's list for ${account!.id}: ${countOf(server.length, 'model')}${same ? ', the same' : ''}${server.length ? ':' : ''}\n`);
    if (server.length) ctx.stdout.write((await formatTable(ctx, server.map((id) => [`  ${shownModelName(id)}`]))).replace(/ +$/gm, ''));
    if (differences!.onlyServer.length) ctx.stderr.write(`ccs-tui: differs: only the server lists ${differences!.onlyServer.map(shownModelName).join(', ')}\n`);
    if (differences!.onlyLocal.length) ctx.stderr.write(`ccs-tui: differs: only our resolver lists ${differences!.onlyLocal.map(shownModelName).join(', ')}\n`);
  }
  printWarnings(ctx, resolution);
  return 0;
};

/**
 * `quota --target T`: every account's windows, read now through the server's api-call (the server
 * holds the tokens). Nothing is cached on this machine, so --refresh changes nothing.
 */
const remoteQuota: RemoteRun = async function (ctx, args) {
  const flags = {provider: {type: 'string'}, json: {type: 'boolean'}, refresh: {type: 'boolean'}} as const;
  const {values} = parseCommandArgs(this, args, flags);
  const provider = values.provider === undefined ? undefined : knownProvider(values.provider);
  const [{loadSettings}, {fetchRemoteQuota}, {hasQuotaSource}] = await Promise.all([
    import('../../store/settings.js'),
    import('../../services/remote/quota.js'),
    import('../../services/quota/service.js'),
  ]);
  const {settings} = await loadSettings(ctx.paths);
  const store = await openRemoteStore(ctx);
  const accounts = (await store.load()).accounts.filter((a) => !provider || a.provider === provider);
  const entries = await Promise.all(accounts.map((account) => (hasQuotaSource(account.provider) ? fetchRemoteQuota(store, settings, account) : {windows: []})));
  return await printQuota(ctx, accounts, entries, {json: values.json, provider, staleAfterMs: settings.quota.staleAfterSeconds * 1000});
};

/** How long a login's cancel, after Ctrl-C, waits for the server (ms). */
const CANCEL_WAIT_MS = 3000;

/**
 * `login <provider> --target T`: the server runs the flow and keeps the token. Device flows show the
 * URL and code (and a QR on a terminal); auth-code flows show the URL, read the redirect the browser
 * ended on from stdin and post it to the server. Then the status is asked every 2 s. Ctrl-C cancels
 * the login on the server too.
 */
const remoteLogin: RemoteRun = async function (ctx, args) {
  const flags = {nickname: {type: 'string'}, 'no-browser': {type: 'boolean'}, paste: {type: 'boolean'}, device: {type: 'boolean'}, port: {type: 'string'}, 'base-url': {type: 'string'}, json: {type: 'boolean'}} as const;
  const {values, positionals} = parseCommandArgs(this, args, flags, {required: ['provider']});
  for (const flag of ['port', 'base-url', 'device'] as const) {
    if (values[flag] !== undefined) throw new UserError(`--${flag} is not available on a remote target: the server chooses how it runs the ${sanitizeLine(positionals[0])} login`, 2);
  }
  const provider = knownProvider(positionals[0]!);
  const [remoteLogins, {accountLabel}, {sessionKind}, {systemBrowser}] = await Promise.all([
    import('../../services/remote/login.js'),
    import('../../core/accounts.js'),
    import('../../services/environment.js'),
    import('../../services/browser.js'),
  ]);
  const store = await openRemoteStore(ctx);
  const before = remoteLogins.stampedAccounts(store, provider, (await store.load()).accounts);
  const login = await remoteLogins.startRemoteLogin(store.client, provider);
  const name = findProvider(provider)?.displayName ?? provider;
  const out = loginOutput(ctx, values.json);
  const tty = Boolean(out.isTTY);
  // The QR (when it fits) first, the address last, so it stays on screen above the prompt.
  const open = `  Open:  ${login.url}\n${login.userCode ? `  Code:  ${login.userCode}\n` : ''}`;
  out.write(`${name} login on target ${ctx.target}\n`);
  if (tty) {
    const {qrForTerminal, wrappedRows} = await import('../../services/qr.js');
    out.write(qrForTerminal(login.url, out, (columns) => 3 + wrappedRows(open, columns)));
  }
  out.write(open);
  if (sessionKind(ctx.env).local && !values['no-browser']) openLoginAddress(systemBrowser, login.url, (text) => ctx.stderr.write(`${text}\n`));

  const controller = new AbortController();
  const onSignal = () => {
    // The message starts on a line of its own, after the terminal's `^C`.
    if (ctx.stderr.isTTY) ctx.stderr.write('\n');
    controller.abort(loginCancelled());
  };
  process.once('SIGINT', onSignal);
  // Until the server has the paste (or may have it), a failure drops its pending login, not left to expire.
  let handedOver = false;
  try {
    if (login.device) {
      const minutes = login.expiresInSeconds ? ` (the code expires in ${Math.round(login.expiresInSeconds / 60)} min)` : '';
      out.write(`Waiting for approval${minutes}…\n`);
    } else {
      out.write(`After approving, paste the address the browser ends on (or the code it shows) here and press Enter; the server finishes the login.\n`);
      // Stdin is let go on Ctrl-C too: read on, it would keep the process waiting after the cancel.
      // A line with no code for this login is asked again at a terminal, as a local login asks.
      const pasted = await pastedLine(ctx, (text) => pastedCodeFor(text, login.state), controller.signal, (text) => ctx.stderr.write(`${text}\n`));
      if (controller.signal.aborted) throw controller.signal.reason;
      // Ctrl-C ends the post too: it is not waited for (the cancel below reaches the server).
      await remoteLogins.submitRemoteCallback(store.client, login, pasted, controller.signal);
    }
    handedOver = true;
    await remoteLogins.waitForRemoteLogin(store.client, login, {
      signal: controller.signal,
      onProgress: (p) => {
        if (p.kind === 'retrying') ctx.stderr.write(`(cannot ask the server for the status, retrying: ${p.message})\n`);
      },
    });
  } catch (error) {
    if (controller.signal.aborted) {
      // Not waited for long: the person asked to stop (a server that holds the cancel too is said as not dropped).
      const cancelled = await remoteLogins.cancelRemoteLogin(store.client, login, CANCEL_WAIT_MS).catch(() => false);
      throw loginCancelled(`login cancelled${cancelled ? '; the server dropped the pending login' : ''}`);
    }
    if (!handedOver) await remoteLogins.cancelRemoteLogin(store.client, login).catch(() => false);
    throw error;
  } finally {
    process.off('SIGINT', onSignal);
  }
  // What the login stored, read as the TUI's remote login reads it (one outcome, one wording).
  const outcome = remoteLogins.remoteLoginOutcome(ctx.target, provider, before, remoteLogins.stampedAccounts(store, provider, (await store.load()).accounts));
  let added = outcome.kind === 'added' ? outcome.account : undefined;
  // By its file: its id changes if another file of its email appears meanwhile, and typed as text it would then name both.
  if (added && values.nickname?.trim()) added = await store.rename(provider, {tokenFile: added.tokenFile}, values.nickname);
  else if (values.nickname?.trim()) ctx.stderr.write(`ccs-tui: warning: --nickname "${sanitizeLine(values.nickname.trim())}" was not given: the server does not say which account it renewed (ccs-tui rename ${provider} <account> <nickname> --target ${ctx.target})\n`);
  if (values.json) {
    printJson(ctx, loginJson(provider, added));
    return 0;
  }
  const accounts = (await store.load()).accounts.filter((a) => a.provider === provider);
  ctx.stdout.write(added ? `Added ${provider} account ${accountLabel(added, accounts)} on target ${ctx.target}\n` : `${remoteLogins.renewedLoginText(provider, ctx.target)}\n`);
  return 0;
};

export const REMOTE_COMMANDS: Record<string, 'same' | RemoteRun> = {
  accounts: 'same',
  rename: 'same',
  pause: 'same',
  resume: 'same',
  remove: 'same',
  models: remoteModels,
  'alias add': 'same',
  'alias rm': 'same',
  'exclude add': 'same',
  'exclude rm': 'same',
  quota: remoteQuota,
  login: remoteLogin,
  push: 'same',
  pull: 'same',
  fields: 'same',
  'cooldown clear': 'same',
};

/**
 * Commands a remote target cannot run for a reason of their own, refused before anything is sent
 * (a wrong management key would count toward the server's ban for a command that cannot work).
 */
const REFUSED_THERE: Readonly<Record<string, string>> = {
  use: 'CLIProxyAPI has no default account, it picks one per request by its routing strategy; pause the others, or set priorities with: ccs-tui fields <provider> <account> --priority N',
};

/**
 * Runs a command on a remote target: unchanged ('same'), its remote form, or a plain refusal. An
 * unknown target is said first, whatever the command (a refusal or a flag's would mislead).
 */
export async function runOnTarget(ctx: CliContext, command: CommandSpec, args: string[]): Promise<number> {
  await loadTargetSettings(ctx);
  const name = command.name.join(' ');
  const remote = ownValue(REMOTE_COMMANDS, name);
  if (remote === 'same') return command.run(ctx, args);
  if (remote) return remote.call(command, ctx, args);
  const why = ownValue(REFUSED_THERE, name) ?? "it acts on this machine's files or proxy";
  throw new UserError(`${name} is not available on a remote target (${ctx.target}): ${why}. On a remote target: ${Object.keys(REMOTE_COMMANDS).join(', ')}`, 2);
}
