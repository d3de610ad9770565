// Registry commands: accounts, use, rotate, rename, pause, resume, remove.
import {accountLabel, accountLabeller, canServeNow, coolingNow, healthWords, maskedNickname, defaultMoveNote, findAccount, HEALTH_TEXT, keyRejectedWords, refreshUnknownWords, reloginAdvice, removedCorruptText, UNSUPPORTED_TYPE} from '../../core/accounts.js';
import {formatCooldown, formatLocalTime} from '../../core/relative-time.js';
import {problemText} from '../../core/problems.js';
import {quoted, sanitizeLine} from '../../core/sanitize.js';
import {shellCommand, shellWord} from '../../core/quote.js';
import {UserError, type Account} from '../../core/types.js';
import {requireProvider, unsupportedType} from '../../providers/table.js';
import {AccountStore, removalLoss} from '../../store/accounts.js';
import {exposedSecretSaid} from '../../store/secret-files.js';
import {withAdvice} from '../../store/errors.js';
import type {AccountService, StoreProblem} from '../../store/account-service.js';
import type {CcsPaths} from '../../store/paths.js';
import type {ProxyLook} from '../../services/proxy/control.js';
import {isRemote, openAccountService} from '../target.js';
import {FailureWithData, formatTable, JSON_FLAG, parseCommandArgs, printJson, type CliContext, type CommandSpec} from '../context.js';

/** The stable `accounts --json` row (DESIGN.md), plus health and whether the registry lists it. */
export function accountJson(account: Account) {
  return {
    provider: account.provider,
    id: account.id,
    email: account.email ?? null,
    nickname: account.nickname === undefined ? null : maskedNickname(account.nickname),
    default: account.default,
    paused: account.paused,
    tokenFile: account.tokenFile,
    expiresAt: account.expiresAt ?? null,
    // Cooling after a limit (a proxy stored its wait) is the health the text's STATE says, as README lists it.
    health: coolingNow(account, Date.now()) ? 'cooling' : account.health,
    registered: account.registered,
    // Why the health is not ok and since when (a mark's reason and time: a refused key, refresh or
    // grant), added beside it; a remote server's own words are `statusMessage` below.
    ...(account.healthDetail !== undefined && !account.serverStatus ? {healthDetail: account.healthDetail} : {}),
    ...(account.healthSince !== undefined ? {healthSince: account.healthSince} : {}),
    // Google accounts (gemini, antigravity, vertex) work in a Cloud project; other rows stay as they were.
    ...(account.projectId ? {projectId: account.projectId} : {}),
    // A type ccs-tui does not know: listed, never served or checked (its health is what the file says). Added, not a changed health.
    ...(unsupportedType(account) ? {supported: false} : {}),
    // When the wait ends (RFC 3339): a proxy's stored cooldown, or a remote server's.
    ...(account.coolingUntil ? {cooldownUntil: account.coolingUntil} : {}),
    ...(account.serverStatus ? {status: account.serverStatus, statusMessage: account.healthDetail ?? null} : {}),
  };
}

export function knownProvider(id: string): string {
  return requireProvider(id).id;
}

/**
 * The provider a registry edit names: one of the table's, else a token `type` the table does not know
 * that token files on disk carry (`accounts` lists them): the edits need no provider knowledge (a
 * nickname, a default, moving or deleting the file), so they work on those too. Otherwise the
 * unknown-provider error (exit 2).
 */
async function providerOnFile(service: AccountService, id: string): Promise<string> {
  try {
    return knownProvider(id);
  } catch (error) {
    const {accounts} = await service.load();
    if (accounts.some((a) => a.provider === id)) return id;
    throw error;
  }
}

/** Each problem with its severity (core/problems.ts), worded as the TUI's banner and the proxy's log word it. */
function reportProblems(ctx: CliContext, problems: StoreProblem[]): void {
  for (const p of problems) {
    // A secret file others may read was already said when it was read (cli/run.ts).
    if (exposedSecretSaid(p.message)) continue;
    ctx.stderr.write(`ccs-tui: ${problemText({severity: p.severity, message: sanitizeLine(p.message)})}${p.backup ? ` (a copy is kept at ${p.backup})` : ''}\n`);
  }
}

const accounts: CommandSpec = {
  name: ['accounts'],
  usage: '[--json]',
  summary: 'list every provider and account',
  async run(ctx, args) {
    const {values} = parseCommandArgs(this, args, JSON_FLAG);
    const service = await openAccountService(ctx);
    const snapshot = await service.load();
    reportProblems(ctx, snapshot.problems);
    if (values.json) {
      printJson(ctx, snapshot.accounts.map(accountJson));
      return 0;
    }
    if (snapshot.accounts.length === 0) {
      ctx.stdout.write(`No accounts in ${service.location}. Add one with: ccs-tui login <provider>\n`);
      return 0;
    }
    // The Cloud project column only when some account works in one (Google logins record it).
    const withProject = snapshot.accounts.some((a) => a.projectId);
    const now = Date.now();
    const label = accountLabeller(snapshot.accounts);
    const rows = snapshot.accounts.map((a) => [
      a.provider,
      a.default ? '*' : ' ',
      label(a),
      a.email ?? '',
      ...(withProject ? [a.projectId ?? ''] : []),
      a.paused ? 'paused' : unsupportedType(a) ? UNSUPPORTED_TYPE.text : coolingNow(a, now) ? `cooling ${formatCooldown(a.coolingUntil!, now)}` : HEALTH_TEXT[a.health],
      a.expiresAt ? formatLocalTime(a.expiresAt) : '',
    ]);
    ctx.stdout.write(await formatTable(ctx, [['PROVIDER', 'DEF', 'ACCOUNT', 'EMAIL', ...(withProject ? ['PROJECT'] : []), 'STATE', 'EXPIRES'], ...rows], withProject ? [2, 3, 4] : [2, 3]));
    // "? refresh unknown" alone does not say what to do: its refresh token is never sent again.
    const unknown = snapshot.accounts.filter((account) => account.health === 'refresh-unknown');
    for (const a of unknown) {
      ctx.stderr.write(`ccs-tui: ${sanitizeLine(withAdvice(`${a.provider} ${label(a)}: ${refreshUnknownWords(a.healthDetail, a.expiresAt, now)}`, reloginAdvice(a.provider), 'cli'))}\n`);
    }
    // "! key rejected" alone does not say by whom, when or what to do.
    for (const a of snapshot.accounts.filter((account) => account.health === 'key-rejected')) {
      ctx.stderr.write(`ccs-tui: ${sanitizeLine(`${a.provider} ${label(a)}: ${keyRejectedWords(a)}`)}\n`);
    }
    return 0;
  },
};

function registryEdit(
  name: string,
  summary: string,
  extra: readonly string[],
  apply: (store: AccountService, provider: string, account: string, rest: string[], paths: CliContext['paths']) => Promise<string>,
): CommandSpec {
  return {
    name: [name],
    usage: ['<provider>', '<account>', ...extra.map((e) => `<${e}>`), '[--force]'].join(' '),
    summary,
    async run(ctx, args) {
      const {values, positionals} = parseCommandArgs(this, args, {force: {type: 'boolean'}}, {required: ['provider', 'account', ...extra]});
      const [provider, account, ...rest] = positionals as [string, string, ...string[]];
      const service = await serviceForEdit(ctx, Boolean(values.force));
      const message = await apply(service, await providerOnFile(service, provider), account, rest, ctx.paths);
      ctx.stdout.write(`${sanitizeLine(message)}\n`);
      return 0;
    },
  };
}

/**
 * The store for a registry edit. With `--force`, a corrupt registry may be rebuilt from the token
 * files, and the same warnings as `accounts` (file:line:col, backup path) are printed first, then,
 * once an edit has written it anew, that it did.
 */
async function storeForEdit(ctx: CliContext, force: boolean): Promise<AccountStore> {
  const store = new AccountStore(ctx.paths);
  if (force) {
    store.rebuildCorruptRegistry = true;
    reportProblems(ctx, (await store.load()).problems);
    // The problem says what is listed; what --force did to the file is said once the edit has done it.
    store.onRegistryRebuilt = (registry) => ctx.stderr.write(`ccs-tui: --force: ${registry} was written anew from the accounts listed above\n`);
  }
  return store;
}

/** Where a registry edit acts: the local store (see storeForEdit), or a remote target's. */
async function serviceForEdit(ctx: CliContext, force: boolean): Promise<AccountService> {
  const service = await openAccountService(ctx);
  return service instanceof AccountStore ? storeForEdit(ctx, force) : service;
}

/**
 * How a confirmation names accounts: as the listing does, among the store's accounts after the edit
 * (two logins of one email show their `#suffix` ids).
 */
export async function labeller(store: Pick<AccountService, 'load'>): Promise<(account: Account) => string> {
  return accountLabeller((await store.load()).accounts);
}

/**
 * `rotate`. --json: `{provider, from, to, served, nativeFile}`, account ids (`from` null when there was no
 * default; `served` the account a running proxy's pool served and the rotation moved on from, when
 * not `from`, else null; `nativeFile` the agent's credential file that followed, else null). When the agent's file
 * fails to follow, the default has still moved: the failure carries `from` and `to` too.
 */
const rotate: CommandSpec = {
  name: ['rotate'],
  usage: '<provider> [--force] [--json]',
  summary: "make the next usable account the provider's default",
  async run(ctx, args) {
    const {values, positionals} = parseCommandArgs(this, args, {force: {type: 'boolean'}, ...JSON_FLAG}, {required: ['provider']});
    const provider = knownProvider(positionals[0]!);
    const {chooseRotationTarget} = await import('../../services/rotation.js');
    const store = await storeForEdit(ctx, Boolean(values.force));
    const target = await chooseRotationTarget(ctx.paths, provider);
    const {from, to} = await store.rotate(provider, target.choose, target.served);
    // `served`: the account the running proxy's pool served, which the rotation moved on from, when not `from`.
    const moved = {provider, from: from?.id ?? null, to: to.id, served: target.served !== undefined && target.served !== from?.id ? target.served : null};
    const label = await labeller(store);
    // Said before the agent's file follows: the default has moved even if that fails.
    const pinned = store instanceof AccountStore ? await pinnedElsewhere(ctx.paths, to, label(to), target) : undefined;
    // Under --json stdout holds only the answer: the note goes to stderr.
    if (!values.json) ctx.stdout.write(`${provider}: ${await rotationText(store, provider, target.served, from, to, label)}${pinned ? `; ${pinned}` : ''}\n`);
    else if (pinned) ctx.stderr.write(`ccs-tui: note: ${pinned}\n`);
    const {followRotationNatively} = await import('../../services/native/sync.js');
    const native = await followRotationNatively(store, provider, to.id, ctx.env).catch(async (error: unknown) => {
      const {describeUserError} = await import('../../store/errors.js');
      const report = values.json ? describeUserError(error) : undefined;
      throw report ? new FailureWithData(report.text, report.exitCode, {...moved, nativeFile: null}) : error;
    });
    if (values.json) {
      printJson(ctx, {...moved, nativeFile: native?.file ?? null});
      return 0;
    }
    if (native) ctx.stdout.write(`${provider}: ${native.file} now holds ${label(to)}\n`);
    return 0;
  },
};

/**
 * "a → b", the default's move; "work → alice (what the running proxy served; …)" when the rotation
 * moved on from the account a running proxy's pool served instead (RotationTarget served).
 */
async function rotationText(store: Pick<AccountService, 'load'>, provider: string, served: string | undefined, from: Account | undefined, to: Account, label: (account: Account) => string): Promise<string> {
  const servedAccount = served === undefined || served === from?.id ? undefined : (await store.load()).accounts.find((a) => a.provider === provider && a.id === served);
  if (!servedAccount) return `${from ? `${label(from)} → ` : ''}${label(to)}`;
  const {rotationFromServedText} = await import('../../services/rotation.js');
  return rotationFromServedText(label(servedAccount), from && label(from), label(to));
}

/**
 * The account before an edit, labelled, when the edit would change nothing (`state` holds already):
 * the command then says so instead of reporting an edit that did not happen. Exit 0 either way.
 * Never on a registry that had to be rebuilt: what it shows is not what the file holds, so the edit
 * goes on and refuses (or, with --force, records the rebuilt list) as any other edit does.
 */
async function already(store: AccountService, provider: string, ref: string, state: (account: Account) => boolean): Promise<string | undefined> {
  const {accounts, registryRebuilt} = await store.load();
  if (registryRebuilt) return undefined;
  const account = findAccount(accounts, provider, ref);
  return state(account) ? accountLabel(account, accounts) : undefined;
}

/**
 * `rename <provider> <account> <nickname>` sets the nickname; `rename <provider> <account> --clear`
 * removes it (the account is called by its email or id again). An empty nickname is refused, pointing at --clear.
 */
const rename: CommandSpec = {
  name: ['rename'],
  usage: '<provider> <account> <nickname> [--force] · <provider> <account> --clear [--force]',
  summary: 'set the nickname, or remove it (--clear)',
  async run(ctx, args) {
    const {values, positionals} = parseCommandArgs(this, args, {force: {type: 'boolean'}, clear: {type: 'boolean'}}, {required: ['provider', 'account'], optional: ['nickname']});
    const [provider, ref, nickname] = positionals as [string, string, string | undefined];
    const usage = `usage: ccs-tui rename ${this.usage}`;
    if (values.clear && nickname !== undefined) throw new UserError(`--clear removes the nickname: give no <nickname> with it\n${usage}`, 2);
    if (!values.clear && nickname === undefined) throw new UserError(`missing <nickname> (or --clear to remove the nickname)\n${usage}`, 2);
    if (!values.clear && nickname!.trim() === '') throw new UserError(`a nickname cannot be empty; to remove the nickname: ${shellCommand('ccs-tui rename', [provider, ref], ['--clear'])}`, 2);
    const store = await serviceForEdit(ctx, Boolean(values.force));
    const p = await providerOnFile(store, provider);
    let message: string;
    if (values.clear) {
      const none = await already(store, p, ref, (account) => !account.nickname);
      if (none) message = `${p}: ${none} has no nickname`;
      else {
        const account = await store.clearNickname(p, ref);
        message = `${p}: ${sanitizeLine(account.id)} has no nickname now (shown as ${(await labeller(store))(account)})`;
      }
    } else {
      const same = await already(store, p, ref, (account) => account.nickname === nickname);
      // Named by its id (what `use`, `pause`, … accept): the new nickname may read as another account's email.
      message = same ? `${p}: ${same} is already called ${quoted(nickname)}` : `${p}: ${sanitizeLine((await store.rename(p, ref, nickname!)).id)} is now ${quoted(nickname!.trim())}`;
    }
    ctx.stdout.write(`${sanitizeLine(message)}\n`);
    return 0;
  },
};

/**
 * `remove <provider> <account>`: asks first, as the TUI's `d` does and as `gh` asks before it
 * deletes (y/N on a terminal; `--yes` answers for a script; without a terminal and without `--yes`,
 * refused, naming --yes: a script must say it means to delete a grant).
 */
const remove: CommandSpec = {
  name: ['remove'],
  usage: '<provider> <account> [--yes] [--force]',
  summary: 'remove the account and its token file (asks first; --yes: without asking, as a script must)',
  async run(ctx, args) {
    const {values, positionals} = parseCommandArgs(this, args, {force: {type: 'boolean'}, yes: {type: 'boolean'}}, {required: ['provider', 'account']});
    const [provider, ref] = positionals as [string, string];
    const service = await serviceForEdit(ctx, Boolean(values.force));
    const p = await providerOnFile(service, provider);
    if (!values.yes) {
      const {accounts} = await service.load();
      // An account that does not exist is said as every edit says it, before any question.
      const account = findAccount(accounts, p, ref);
      const what = `${p} account ${accountLabel(account, accounts)}${isRemote(ctx) ? ` on target ${ctx.target}` : ''}`;
      const again = shellCommand('ccs-tui remove', [p, ref], ['--yes', ...(isRemote(ctx) ? ['--target', shellWord(ctx.target)] : [])]);
      const loss = await removalLoss(service, account);
      if (!ctx.stdin.isTTY) throw new UserError(`remove deletes ${what}, ${loss}, so it asks first, and stdin is not a terminal to answer: pass --yes to remove it (${again})`, 2);
      ctx.stderr.write(`Remove ${what}? This deletes ${loss}. [y/N] `);
      const controller = new AbortController();
      const onSignal = () => {
        ctx.stderr.write('\n');
        controller.abort();
      };
      process.once('SIGINT', onSignal);
      let answer: string;
      try {
        // Loaded here: only remove's question reads stdin (the listing is the read path kept fast).
        answer = await (await import('../stdin.js')).readStdin(ctx, false, controller.signal);
      } finally {
        process.off('SIGINT', onSignal);
      }
      if (controller.signal.aborted) throw new UserError('remove cancelled; nothing was removed', 130);
      if (!/^y(es)?$/i.test(answer.trim())) throw new UserError(`kept ${accountLabel(account, accounts)}: not removed (answer y to remove it, or pass --yes)`);
    }
    const account = await service.remove(p, ref);
    // Its quota goes with it (loaded here: the listing is the read path kept fast); a failure keeps the removal.
    if (service instanceof AccountStore) await (await import('../../services/quota/cache.js')).forgetQuotaEntries(ctx.paths, p, [account.id]).catch(() => undefined);
    const kept = account.corruptCopy === undefined ? '' : `; ${removedCorruptText(account.corruptCopy)}`;
    const alone = await servedAloneNote(service, ctx.paths, account);
    ctx.stdout.write(`${sanitizeLine(`${p}: removed ${(await labeller(service))(account)}${defaultMoveNote(account.defaultMovedTo, Date.now())}${kept}${alone}`)}\n`);
    return 0;
  },
};

/** pinnedElsewhereNote, loaded only when asked (services/proxy/default-again.ts). */
async function pinnedElsewhere(paths: CcsPaths, account: Account, label: string, asked?: {proxy?: ProxyLook}): Promise<string | undefined> {
  const {pinnedElsewhereNote} = await import('../../services/proxy/default-again.js');
  return pinnedElsewhereNote(paths, account, label, 'cli', asked);
}

/**
 * When this CCS dir's running proxy serves `account` alone (its own status: `--account`, or `ccs-tui
 * run` switching it live), what it does now that the account cannot serve: answers 503, and how to
 * have it serve the pool; '' otherwise (a remote target's accounts are no local proxy's).
 */
async function servedAloneNote(service: AccountService, paths: CcsPaths, account: Account, until = ''): Promise<string> {
  if (!(service instanceof AccountStore)) return '';
  const [{readRunningProxy}, {poolSwitchCommand}] = await Promise.all([import('../../services/proxy/pid-file.js'), import('../../services/proxy/wording.js')]);
  const running = readRunningProxy(paths);
  if (!running || running.kind !== 'builtin') return '';
  const {fetchProxyStatus} = await import('../../services/proxy/control.js');
  const status = await fetchProxyStatus(paths, running.port).catch(() => undefined);
  if (!status?.pinnedAccount || status.provider !== account.provider) return '';
  try {
    if (findAccount([account], account.provider, status.pinnedAccount).id !== account.id) return '';
  } catch {
    return '';
  }
  return `; the running proxy (pid ${running.pid}, port ${running.port}) serves it alone and answers 503${until ? ` ${until}` : ''}: ${poolSwitchCommand(account.provider)} serves the ${account.provider} pool`;
}

export const accountCommands: CommandSpec[] = [
  accounts,
  registryEdit('use', "make the account the provider's default", [], async (store, p, a, _rest, paths) => {
    const same = await already(store, p, a, (account) => account.default);
    if (same) {
      // The proxy may serve another account of the pool meanwhile (its strategy moved on): moved back, and said.
      const {proxyToDefaultAgain} = await import('../../services/proxy/default-again.js');
      const {accounts} = await store.load();
      const account = store instanceof AccountStore ? findAccount(accounts, p, a) : undefined;
      const proxy = account && ((await proxyToDefaultAgain(paths, store, account, same)) ?? (await pinnedElsewhere(paths, account, same)));
      return `${p}: ${same} is already the default${proxy ? `; ${proxy}` : ''}`;
    }
    const account = await store.setDefault(p, a);
    const label = (await labeller(store))(account);
    const pinned = store instanceof AccountStore ? await pinnedElsewhere(paths, account, label) : undefined;
    // A default that cannot serve (a dead token, its file unreadable) is taken, and said: a pool passes it over.
    const dead = canServeNow(account, Date.now()) ? '' : `; it cannot serve now (${healthWords(account)}): a pool passes it over until you log in again: ccs-tui login ${p}`;
    return `${p}: default is now ${label}${dead}${pinned ? `; ${pinned}` : ''}`;
  }),
  rotate,
  rename,
  registryEdit('pause', 'pause (moves the token file to auth-paused/)', [], async (store, p, a, _rest, paths) => {
    const same = await already(store, p, a, (account) => account.paused);
    if (same) return `${p}: ${same} was already paused`;
    // The local store says where the default went (a remote server decides that itself).
    const account: Account & {defaultMovedTo?: Account | null} = await store.setPaused(p, a, true);
    const alone = await servedAloneNote(store, paths, account, 'until it is resumed');
    return `${p}: paused ${(await labeller(store))(account)}${defaultMoveNote(account.defaultMovedTo, Date.now())}${alone}`;
  }),
  registryEdit('resume', 'resume a paused account', [], async (store, p, a) => {
    const same = await already(store, p, a, (account) => !account.paused);
    if (same) return `${p}: ${same} is not paused`;
    // The local store says when the resumed account became the default (every other one is paused).
    const account: Account & {defaultMovedTo?: Account | null} = await store.setPaused(p, a, false);
    return `${p}: resumed ${(await labeller(store))(account)}${defaultMoveNote(account.defaultMovedTo, Date.now())}`;
  }),
  remove,
];
