// Proxy commands: `proxy serve` (foreground; what the TUI runs as its child), `proxy start/stop/status`
// (the same proxy in the background, found again through tui/proxy.json), and `env` (the exports
// for Claude Code). The server itself is imported only when it runs.
import {formatLocalTime} from '../../core/relative-time.js';
import {countOf} from '../../core/wording.js';
import {shellOption} from '../../core/quote.js';
import {quoted, sanitizeLine} from '../../core/sanitize.js';
import {UserError, type Account} from '../../core/types.js';
import type {ProxyPidFile} from '../../services/proxy/pid-file.js';
import {FailureWithData, JSON_FLAG, parseCommandArgs, printJson, type CliContext, type CommandSpec} from '../context.js';

/**
 * `--port N`: decimal digits only, 1-65535 (`anyFree`: 0 too, the system's pick, which the proxy
 * reports), for the commands that start a proxy (proxy serve/start, run) and a login's callback.
 * JavaScript's Number() also reads `1e3`, `0x50`, ` 80` and `08080`: a typo then opened another port.
 */
export function portValue(value: string | undefined, anyFree = true): number | undefined {
  if (value === undefined) return undefined;
  const port = /^[0-9]{1,5}$/.test(value) && (value === '0' || !value.startsWith('0')) ? Number(value) : Number.NaN;
  if (!(port >= (anyFree ? 0 : 1) && port <= 65535)) throw new UserError(`--port must be a port number (1-65535${anyFree ? ', or 0 for any free port' : ''}), got ${quoted(value)}`, 2);
  return port;
}

const targetOptions = {
  port: {type: 'string'},
  provider: {type: 'string'},
  account: {type: 'string'},
} as const;

const serve: CommandSpec = {
  name: ['proxy', 'serve'],
  usage: '[--port N] [--provider P] [--account A]',
  summary: 'run the proxy in the foreground (Ctrl-C stops it)',
  async run(ctx, args) {
    const {values} = parseCommandArgs(this, args, targetOptions);
    const port = portValue(values.port);
    const {needsProxyNodeFlags, PROXY_RERUN_MARK, PROXY_STARTED_BY} = await import('../../services/proxy/launch.js');
    // Run by hand: the same Node flags as the proxy the TUI and `proxy start` run (launch.ts).
    if (needsProxyNodeFlags(ctx, ctx.env)) return (await import('../../services/proxy/rerun.js')).rerunWithProxyNodeFlags(['proxy', 'serve', ...args], ctx.env);
    const {serveProxy} = await import('../../proxy/serve.js');
    const owner = ctx.env.CCS_TUI_PROXY_OWNER === 'tui' || ctx.env.CCS_TUI_PROXY_OWNER === 'background' ? ctx.env.CCS_TUI_PROXY_OWNER : 'foreground';
    const pidIn = (name: string) => {
      const pid = Number(ctx.env[name]);
      return Number.isInteger(pid) && pid > 0 ? pid : undefined;
    };
    const startedBy = owner === 'background' ? pidIn(PROXY_STARTED_BY) : undefined;
    // Run again by a hand-started `proxy serve`: it stops when that process is gone (SIGKILL too).
    const starterPid = pidIn(PROXY_RERUN_MARK);
    return serveProxy(ctx, {port, provider: values.provider, account: values.account, owner, ...(startedBy ? {startedBy} : {}), ...(starterPid ? {starterPid} : {})});
  },
};

const start: CommandSpec = {
  name: ['proxy', 'start'],
  usage: '[--port N] [--provider P] [--account A] [--json]',
  summary: 'start the proxy in the background',
  async run(ctx, args) {
    const {values} = parseCommandArgs(this, args, {...targetOptions, ...JSON_FLAG});
    const {startBackgroundProxy} = await import('../../services/proxy/control.js');
    const {loadSettings} = await import('../../store/settings.js');
    const {settings} = await loadSettings(ctx.paths);
    // The proxy it starts serves config.yaml's api-keys: said here, where a person reads it (the
    // child's own warnings go to its log).
    await (await import('../../store/secret-files.js')).exposedConfigWarning(ctx.paths.config);
    const entry = await startBackgroundProxy(
      ctx.paths,
      {port: portValue(values.port), provider: values.provider, account: values.account},
      {env: ctx.env, useCliproxyBinary: settings.proxy.useCliproxyBinary, onStale: sayStale(ctx), refuseUnusable: true},
    );
    if (entry.provider && !values.account) {
      const {AccountStore} = await import('../../store/accounts.js');
      await warnEmptyPool(ctx, (await new AccountStore(ctx.paths).load()).accounts, entry.provider);
    }
    // Agents `run` started on another port, where no proxy is now (a proxy stop left them): said,
    // since this one does not serve them.
    const {readRunningAgents} = await import('../../services/agents/running.js');
    const stranded = readRunningAgents(ctx.paths).filter((agent) => agent.port !== entry.port);
    if (stranded.length > 0) {
      const named = stranded.map((agent) => `${agent.agent} pid ${agent.pid} on port ${agent.port}`).join(', ');
      ctx.stderr.write(`ccs-tui: note: this proxy listens on port ${entry.port}; ${countOf(stranded.length, 'running agent')} ${stranded.length === 1 ? 'uses' : 'use'} another, where no proxy runs (${named}): restart ${stranded.length === 1 ? 'it' : 'them'} here, or stop this proxy and start it on that port\n`);
    }
    // The shape `proxy status --json` answers in: the record's own fields (its nonce, a secret) stay in it.
    if (values.json) printJson(ctx, (await runningStatus(ctx, entry)).result);
    else {
      const [provider, account] = [entry.provider && sanitizeLine(entry.provider), entry.account && sanitizeLine(entry.account)];
      ctx.stdout.write(`proxy started: pid ${entry.pid}, http://127.0.0.1:${entry.port}${provider ? `, ${provider}` : ''}${account ? ` / ${account}` : ''}\nexports for Claude Code: ccs-tui env${provider ? ` ${provider}` : ''}\n`);
    }
    return 0;
  },
};

const switchServing: CommandSpec = {
  name: ['proxy', 'switch'],
  usage: '[--provider P] [--account A] [--every-provider] [--json]',
  summary: "serve a provider's pool, one of its accounts alone, or every provider by model, on the running proxy, without a restart",
  async run(ctx, args) {
    const {values} = parseCommandArgs(this, args, {provider: targetOptions.provider, account: targetOptions.account, 'every-provider': {type: 'boolean'}, ...JSON_FLAG});
    const every = values['every-provider'] === true;
    if (every && (values.provider !== undefined || values.account !== undefined)) throw new UserError('proxy switch: --every-provider serves every provider by the model asked for; it takes no --provider or --account', 2);
    if (!every && values.provider === undefined && values.account === undefined) throw new UserError('proxy switch: name what to serve: --provider P (its pool), --account A (that account alone), or --every-provider (each request by its model, as a proxy started without --provider)', 2);
    const [{readRunningProxy}, {serveOnRunningProxy, fetchProxyStatus}, {checkServeTarget}, {AccountStore}, {agentsOnPort}, {movedAgentsWarning, rootMovedWarning}, {findAccount, accountLabeller}, {requireProvider}] = await Promise.all([
      import('../../services/proxy/pid-file.js'),
      import('../../services/proxy/control.js'),
      import('../../services/proxy/serve-target.js'),
      import('../../store/accounts.js'),
      import('../../services/agents/running.js'),
      import('../../services/agents/launch.js'),
      import('../../core/accounts.js'),
      import('../../providers/table.js'),
    ]);
    const store = new AccountStore(ctx.paths);
    // The names first (exit 2 for one that names nothing), and an account that cannot serve alone is refused, as `proxy start` refuses it.
    const provider = every ? '' : (await checkServeTarget(store, {provider: values.provider, account: values.account}, {command: 'proxy switch', now: Date.now()}))!;
    const running = readRunningProxy(ctx.paths, sayStale(ctx));
    if (!running) throw new FailureWithData(noProxyWords(provider, values.account), 3, {running: false});
    if (running.kind === 'cliproxy-binary') throw new UserError(`the running proxy (pid ${running.pid}) is the CLIProxyAPI binary, which picks accounts itself; the built-in proxy serves one account or pool: set "proxy.useCliproxyBinary" to false in ${ctx.paths.settings}, then ccs-tui proxy stop and ccs-tui proxy start`);
    const {accounts} = await store.load();
    const account = values.account === undefined ? undefined : findAccount(accounts, provider, values.account);
    const before = agentsOnPort(ctx.paths, running.port);
    const statusBefore = await fetchProxyStatus(ctx.paths, running.port);
    const serving = await serveOnRunningProxy(ctx.paths, running.port, provider, account?.id);
    const labelOf = accountLabeller(accounts);
    const target = every ? ('every-provider' as const) : {provider: requireProvider(provider), ...(account ? {account} : {})};
    // What it moves, as `run` says it: agents started on it, and clients pointed at its root URL.
    for (const warning of [movedAgentsWarning(before, target, serving, labelOf), statusBefore && rootMovedWarning(statusBefore, target, serving, labelOf)]) if (warning) ctx.stderr.write(`ccs-tui: warning: ${warning}\n`);
    if (!account && !every) await warnEmptyPool(ctx, accounts, provider);
    if (values.json) printJson(ctx, (await runningStatus(ctx, readRunningProxy(ctx.paths) ?? running)).result);
    else {
      const what = every ? 'every provider, by the model asked for' : account ? `${provider} / ${sanitizeLine(serving ?? labelOf(account))}` : `the ${provider} pool${serving ? ` (${sanitizeLine(serving)} first)` : ''}`;
      ctx.stdout.write(`proxy (pid ${running.pid}, port ${running.port}) now serves ${what}\n`);
    }
    return 0;
  },
};

/** A pool served with no account that can serve: every request gets a 503 until one is added or mended (said, not refused: the proxy picks one up when it comes). */
async function warnEmptyPool(ctx: CliContext, accounts: readonly Account[], provider: string): Promise<void> {
  const {poolEmptyText} = await import('../../core/rotation.js');
  const empty = poolEmptyText(accounts, provider, Date.now());
  if (empty) ctx.stderr.write(`ccs-tui: warning: ${empty}: requests get 503 until one can (ccs-tui accounts; ccs-tui login ${provider} adds one)\n`);
}

/** No proxy to switch: the start that serves the same. */
function noProxyWords(provider: string, account: string | undefined): string {
  const options = [...(provider ? [shellOption('provider', provider)] : []), ...(account !== undefined ? [shellOption('account', account)] : [])];
  return `no proxy is running to switch (start one serving it: ${['ccs-tui proxy start', ...options].join(' ')})`;
}

const stop: CommandSpec = {
  name: ['proxy', 'stop'],
  usage: '[--json]',
  summary: 'stop the background proxy',
  async run(ctx, args) {
    const {values} = parseCommandArgs(this, args, JSON_FLAG);
    const {stopRunningProxy} = await import('../../services/proxy/control.js');
    const {agentsLeftText, noProxyText} = await import('../../services/proxy/wording.js');
    const {readRunningAgents} = await import('../../services/agents/running.js');
    // Read before the stop: the agents that used it are the ones left without a proxy (said, as the TUI asks before).
    const agents = readRunningAgents(ctx.paths);
    const stopped = await stopRunningProxy(ctx.paths, undefined, sayStale(ctx));
    const orphaned = stopped ? agents.filter((agent) => agent.port === stopped.port) : [];
    if (orphaned.length > 0) {
      // What it served: its provider, and the account served alone, by id (as its record names them),
      // unless that account cannot serve now (removed, paused): a start naming it would be refused.
      const account = stopped!.account && (stopped!.accountId ?? stopped!.account);
      const accountGone = account !== undefined && stopped!.provider !== undefined && !(await canServeByName(ctx, stopped!.provider, account));
      ctx.stderr.write(`ccs-tui: note: ${agentsLeftText(orphaned, stopped!.port, {provider: stopped!.provider, account, accountGone})}\n`);
    }
    // `agentsLeft`: the agents that used it and have none now (as the note says), `{agent, pid, port}`.
    if (values.json) printJson(ctx, {stopped: Boolean(stopped), pid: stopped?.pid ?? null, agentsLeft: orphaned.map((agent) => ({agent: agent.agent, pid: agent.pid, port: agent.port}))});
    else ctx.stdout.write(stopped ? `proxy stopped (pid ${stopped.pid})\n` : `${noProxyText('ccs-tui proxy start')}\n`);
    return 0;
  },
};

const status: CommandSpec = {
  name: ['proxy', 'status'],
  usage: '[--json]',
  summary: 'whether a proxy runs, on which port, for which account (exit 3 when none runs)',
  async run(ctx, args) {
    const {values} = parseCommandArgs(this, args, JSON_FLAG);
    const {readRunningProxy} = await import('../../services/proxy/pid-file.js');
    const {lastErrorText, trafficText} = await import('../../services/proxy/ipc.js');
    const {coolingLines, noProxyText, servingText} = await import('../../services/proxy/wording.js');
    const running = readRunningProxy(ctx.paths, sayStale(ctx));
    const {result, live, pool, size, account, problem} = running ? await runningStatus(ctx, running) : {result: {running: false}, live: undefined, pool: false, size: undefined, account: undefined, problem: undefined};
    // Exit 3 when none runs, like `systemctl status`: scripts can ask without parsing. It is an
    // answer, not a failure: `{running: false}` is the data, as README "Command line" says.
    if (values.json) {
      printJson(ctx, result);
      return running ? 0 : 3;
    }
    if (!running) {
      ctx.stdout.write(`${noProxyText('ccs-tui proxy start')}\n`);
      return 3;
    }
    const now = Date.now();
    const lines = [
      `proxy running: pid ${running.pid}, http://127.0.0.1:${running.port} (${running.owner}${running.kind === 'cliproxy-binary' ? ', CLIProxyAPI binary' : ''})`,
      `since ${formatLocalTime(running.startedAt)}`,
      // What is served, in every case: a provider (and its account now), or every one by model.
      `serving: ${servingText({provider: running.provider, account, pinned: !pool, poolSize: size})}`,
      ...('cannotServe' in result && result.cannotServe ? [`cannot serve: ${result.cannotServe}; requests get a 503`] : []),
      // The other providers' pools asked so far, each with the account it serves next.
      ...(nextLine(live?.pools?.filter((p) => p.provider !== running.provider))),
      ...(live ? [`requests: ${trafficText(live)}`] : []),
      ...(problem ? [`requests, last error and cooldowns not shown: ${problem}`] : []),
      ...(live?.lastError ? [lastErrorText(live.lastError, now)] : []),
      ...coolingLines(live?.cooling, now),
    ];
    // Each line is sanitised whole as well: what the record and the answer hold is data, whichever field it is in.
    ctx.stdout.write(`${lines.map(sanitizeLine).join('\n')}\n`);
    return 0;
  },
};

const env: CommandSpec = {
  name: ['env'],
  usage: '[provider] [--json]',
  summary: 'shell exports that point Claude Code at the proxy',
  async run(ctx: CliContext, args) {
    const {values, positionals} = parseCommandArgs(this, args, JSON_FLAG, {required: [], optional: ['provider']});
    const [{exportLines}, {readRunningProxy}, {claudeCodeExports}] = await Promise.all([
      import('../../services/proxy/env.js'),
      import('../../services/proxy/pid-file.js'),
      import('../../proxy/claude-code-exports.js'),
    ]);
    // A provider without a static list (AI Studio) gets its model variables from its live list,
    // asked within the proxy's routing limits (the proxy screen shows the same exports).
    const running = readRunningProxy(ctx.paths);
    const result = await claudeCodeExports(ctx.paths, positionals[0], running?.port, {...(running?.provider ? {rootServes: running.provider} : {}), ...(running?.account ? {pinnedAccount: running.account, pinnedAccountId: running.accountId} : {})});
    // Exit 1 when the proxy cannot serve Claude Code on the provider, or no account can (as `run`
    // refuses): the exports would end in an error.
    const error = result.unservable ?? result.noAccount;
    // The exports are right all the same (the port is config.yaml's, where a proxy started now
    // listens), but nothing answers there yet: a note, not a failure.
    if (!running && !error) {
      const {noProxyText} = await import('../../services/proxy/wording.js');
      const base = result.vars.find((v) => v.name === 'ANTHROPIC_BASE_URL')?.value;
      const origin = base ? new URL(base) : undefined;
      // Another program on that port would get the exports' requests (and the key): said, with the way out.
      const taken = origin && (await (await import('../../services/proxy/control.js')).portAnswers(Number(origin.port)));
      result.notes.push(
        taken
          ? `no proxy of ours is running, and port ${origin.port} is in use by another process: these exports would send its requests (and this key) there; set another \`port\` in ${ctx.paths.config}, or stop that process, then: ccs-tui proxy start`
          : `${noProxyText(`ccs-tui proxy start, or ccs-tui run${positionals[0] ? ` ${sanitizeLine(positionals[0])}` : ''} to start it and the agent`)}: nothing answers at ${origin ? origin.origin : 'the proxy port'} yet`,
      );
    }
    if (values.json) {
      const answer = {env: Object.fromEntries(result.vars.map((v) => [v.name, v.value])), notes: [...result.warnings.map((w) => `warning: ${w}`), ...result.notes]};
      // A refusal is answered as every --json failure is (cli/run.ts), with the exports and notes.
      if (error) throw new FailureWithData(error, 1, answer);
      printJson(ctx, answer);
      return 0;
    }
    // A refusal comes first: the unservable reason is itself the first note; no account says it here.
    if (result.noAccount && !result.unservable) ctx.stderr.write(`ccs-tui: ${result.noAccount}\n`);
    // Notes name accounts and models from files: one line each, no escapes.
    for (const warning of result.warnings) ctx.stderr.write(`# warning: ${sanitizeLine(warning)}\n`);
    for (const note of result.notes) ctx.stderr.write(`# ${sanitizeLine(note)}\n`);
    if (error) return 1;
    ctx.stdout.write(`${exportLines(result).join('\n')}\n`);
    return 0;
  },
};

/**
 * A running proxy as `proxy status --json` (and `proxy start --json`) answer it: its record's public
 * fields, with what its loopback API says live (`live`; null fields when it does not answer, or for
 * the CLIProxyAPI binary). `account` is the serving account's label (kept for scripts that read
 * it), `accountId` its id; each `cooling` entry has `provider`, `account` (label) and `accountId`. `pool`: a provider without an account, `size` accounts it rotates over.
 */
async function runningStatus(ctx: CliContext, running: ProxyPidFile) {
  const {readProxyStatus} = await import('../../services/proxy/control.js');
  const {withAdvice} = await import('../../store/errors.js');
  const {poolSize} = await import('../../services/proxy/wording.js');
  const asked = running.kind === 'builtin' ? await readProxyStatus(ctx.paths, running.port) : undefined;
  const live = asked?.status;
  // A provider without an account is its pool: how many accounts it rotates over. The running
  // proxy's own answer first: `ccs-tui run` on an account pins a proxy started for a pool.
  const pool = live?.pinned !== undefined ? !live.pinned : Boolean(running.provider && !running.account);
  let size: number | undefined = live?.poolSize;
  let accountId = live?.accountId;
  let account = live?.account ?? running.account;
  // Without the proxy's own answer (the CLIProxyAPI binary, a proxy that does not answer, a broken
  // config.yaml): the account it was started for, as recorded (`run` and the TUI record its id),
  // found here: its id, and its label as the proxy names it (core accountLabel among every account);
  // the record's name as it is when it names none now.
  const named = live?.account === undefined ? running.account : undefined;
  if ((pool && size === undefined) || (named !== undefined && running.provider)) {
    const [{AccountStore}, {accountLabeller, findAccount}] = await Promise.all([import('../../store/accounts.js'), import('../../core/accounts.js')]);
    const {accounts} = await new AccountStore(ctx.paths).load();
    if (pool && size === undefined) size = poolSize(accounts, running.provider!, Date.now());
    if (named !== undefined && running.provider) {
      const find = (ref: string | {id: string}) => {
        try {
          return findAccount(accounts, running.provider!, ref);
        } catch {
          return undefined;
        }
      };
      const found = find({id: named}) ?? find(named);
      if (found) {
        accountId ??= found.id;
        account = accountLabeller(accounts)(found);
      }
    }
  }
  const result = {
    running: true,
    pid: running.pid,
    port: running.port,
    startedAt: running.startedAt,
    owner: running.owner,
    kind: running.kind,
    provider: running.provider ?? null,
    account: account ?? null,
    // The same account by id, as every other --json output names accounts (`accounts --json` `id`).
    accountId: accountId ?? null,
    pool,
    poolSize: size ?? null,
    // Why the account served alone cannot serve now (removed, paused, needing a login), with the way
    // out, or why no account can (tui.json cannot be read); null when it can, or for a pool that can.
    cannotServe: live?.pinnedTrouble ? withAdvice(live.pinnedTrouble.message, live.pinnedTrouble.advice, 'cli') : (live?.settingsTrouble ?? null),
    requestsPerMinute: live?.requestsPerMinute ?? null,
    totalRequests: live?.totalRequests ?? null,
    refusedPerMinute: live?.refusedPerMinute ?? null,
    refusedRequests: live?.refusedRequests ?? null,
    lastError: live?.lastError ? withAdvice(live.lastError.message, live.lastError.advice, 'cli') : null,
    lastErrorAt: live?.lastError?.at ?? null,
    // When a forwarded request first succeeded after it: the error is history, not the state now.
    lastErrorServedSince: live?.lastError?.servedSince ?? null,
    cooling: live?.cooling ?? [],
    // Each pool's next pick (the root's is `account`): `rotate` moves on from it.
    pools: live?.pools ?? [],
    // Why the live fields (requests, lastError, cooling) are null: the proxy could not be asked.
    liveProblem: asked?.problem ?? null,
  };
  return {result, live, pool, size, account, problem: asked?.problem};
}

/** "pools: codex now dave@example.com · kimi now k1" (each pool's next pick) for the pools listed; none when there are none. */
function nextLine(pools: readonly {provider: string; account: string}[] | undefined): string[] {
  return pools && pools.length > 0 ? [`pools: ${pools.map((p) => `${p.provider} now ${p.account}`).join(' · ')}`] : [];
}

/** Whether the account `ref` (an id, else a name) of `provider` is in the files and can serve now; false when it cannot be read. */
async function canServeByName(ctx: CliContext, provider: string, ref: string): Promise<boolean> {
  const [{AccountStore}, {canServeNow, findAccount}] = await Promise.all([import('../../store/accounts.js'), import('../../core/accounts.js')]);
  try {
    const {accounts} = await new AccountStore(ctx.paths).load();
    const found = accounts.find((a) => a.provider === provider && a.id === ref) ?? findAccount(accounts, provider, ref);
    return canServeNow(found, Date.now());
  } catch {
    return false;
  }
}

/** Says that a stale tui/proxy.json was removed (pid-file.ts readRunningProxy onStale), on stderr. */
const sayStale = (ctx: CliContext) => (line: string) => ctx.stderr.write(`ccs-tui: ${line}\n`);

export const proxyCommands: readonly CommandSpec[] = [serve, start, switchServing, stop, status, env];
