// Commands that only make sense with a remote target: moving a token file between this machine and
// the server (`push`, `pull`) and the per-account fields the server keeps (`fields`).
//
// push/pull are the one place a token crosses the network, because the person asked for exactly that.
import {sanitizeLine} from '../../core/sanitize.js';
import {providerForTokenType} from '../../providers/table.js';
import {UserError, type TokenFile} from '../../core/types.js';
import {parseCommandArgs, type CliContext, type CommandOptions, type CommandSpec} from '../context.js';
import {isRemote, openRemoteStore} from '../target.js';
import {knownProvider, labeller} from './accounts.js';

/**
 * Parses a `<provider> <account>` command that only acts on a remote target: usage errors first,
 * then a missing `--target` (exit 2, naming the command).
 */
function parseRemoteCommandArgs<O extends CommandOptions>(spec: CommandSpec, ctx: CliContext, args: string[], options: O) {
  const parsed = parseCommandArgs(spec, args, options, {required: ['provider', 'account']});
  if (!isRemote(ctx)) throw new UserError(`${spec.name.join(' ')} needs --target NAME: a remote server named in tui.json "targets"`, 2);
  return parsed;
}

/** The account `<provider> <account>` names on the remote target, and that target's store. */
async function findRemoteAccount(ctx: CliContext, positionals: string[]) {
  const provider = knownProvider(positionals[0]!);
  const remote = await openRemoteStore(ctx);
  return {provider, remote, account: await remote.find(provider, positionals[1]!)};
}

const push: CommandSpec = {
  name: ['push'],
  usage: '<provider> <account> --target T [--force]',
  summary: "upload a local account's token file to a remote server (--force replaces one of the same name)",
  async run(ctx, args) {
    const {values, positionals} = parseRemoteCommandArgs(this, ctx, args, {force: {type: 'boolean'}});
    const provider = knownProvider(positionals[0]!);
    const {AccountStore} = await import('../../store/accounts.js');
    const local = new AccountStore(ctx.paths);
    const {findAccount} = await import('../../core/accounts.js');
    const account = findAccount((await local.load()).accounts, provider, positionals[1]!);
    const token = await local.readToken(account);
    if (!token) throw new UserError(`${local.tokenPath(account)}: token file not found; nothing to push`);
    const remote = await openRemoteStore(ctx);
    const existing = (await remote.entries()).find((e) => e.name === account.tokenFile);
    if (existing && !values.force) {
      throw new UserError(`target ${ctx.target} already has ${account.tokenFile}; pass --force to replace it`);
    }
    await remote.upload(account.tokenFile, token as Record<string, unknown>);
    ctx.stdout.write(`${provider}: pushed ${(await labeller(local))(account)} (${sanitizeLine(account.tokenFile)}) to target ${ctx.target}\n`);
    return 0;
  },
};

const pull: CommandSpec = {
  name: ['pull'],
  usage: '<provider> <account> --target T',
  summary: "download a remote account's token file and store it as a local account",
  async run(ctx, args) {
    const {positionals} = parseRemoteCommandArgs(this, ctx, args, {});
    const {provider, remote, account} = await findRemoteAccount(ctx, positionals);
    const token = await remote.download(account);
    if (typeof token.type !== 'string') throw new UserError(`target ${ctx.target}: ${account.tokenFile} has no "type"; not storing it`);
    // The file decides the provider wherever it is read later: one whose type differs from the list would be stored under the wrong one.
    const downloadedAs = providerForTokenType(token.type)?.id;
    if (downloadedAs !== account.provider) {
      throw new UserError(
        `target ${ctx.target}: ${account.tokenFile} is listed as ${account.provider} but the downloaded file's "type" is ` +
          `${JSON.stringify(sanitizeLine(token.type))}${downloadedAs && downloadedAs !== token.type ? ` (${downloadedAs})` : ''}; not storing it`,
      );
    }
    const {AccountStore} = await import('../../store/accounts.js');
    const {disabled: _disabled, ...kept} = token;
    const local = new AccountStore(ctx.paths);
    const defaultBefore = (await local.load()).accounts.find((a) => a.provider === provider && a.default);
    const saved = await local.saveLogin({provider, token: kept as TokenFile, nickname: account.nickname});
    // A pull keeps the local default; it sets one only where there was none, and says so.
    const becameDefault = saved.default && defaultBefore?.id !== saved.id ? `; it is the local ${provider} default (there was none)` : '';
    const label = await labeller(local);
    ctx.stdout.write(`${provider}: pulled ${(await labeller(remote))(account)} from target ${ctx.target} into ${ctx.paths.root} as ${label(saved)}${becameDefault}\n`);
    return 0;
  },
};

const fields: CommandSpec = {
  name: ['fields'],
  usage: '<provider> <account> --target T [--priority N] [--note S] [--prefix S] [--proxy-url URL]',
  summary: "set an account's fields on a remote server (priority, note, model prefix, proxy)",
  async run(ctx, args) {
    const options = {priority: {type: 'string'}, note: {type: 'string'}, prefix: {type: 'string'}, 'proxy-url': {type: 'string'}} as const;
    const {values, positionals} = parseRemoteCommandArgs(this, ctx, args, options);
    const changes: Record<string, string | number> = {};
    if (values.priority !== undefined) {
      const priority = Number(values.priority);
      if (!Number.isInteger(priority)) throw new UserError(`--priority must be an integer, got "${values.priority}"`, 2);
      changes.priority = priority;
    }
    for (const [flag, field] of [['note', 'note'], ['prefix', 'prefix'], ['proxy-url', 'proxy_url']] as const) {
      const value = values[flag];
      if (value === undefined) continue;
      if (/[\u0000-\u001f\u007f]/.test(value)) throw new UserError(`--${flag} contains a control character`, 2);
      changes[field] = value.trim();
    }
    if (Object.keys(changes).length === 0) throw new UserError('nothing to set: give --priority, --note, --prefix or --proxy-url', 2);
    const {provider, remote, account} = await findRemoteAccount(ctx, positionals);
    await remote.setFields(account, changes);
    const shown = Object.entries(changes).map(([k, v]) => `${k}=${k === 'proxy_url' ? '(set)' : JSON.stringify(v)}`).join(', ');
    ctx.stdout.write(`${provider}: ${(await labeller(remote))(account)} on target ${ctx.target}: ${shown}\n`);
    return 0;
  },
};

const cooldownClear: CommandSpec = {
  name: ['cooldown', 'clear'],
  usage: '<provider> <account> --target T',
  summary: "clear the server's quota cooldown of an account (its next_retry_after), so it is tried again now",
  async run(ctx, args) {
    const {positionals} = parseRemoteCommandArgs(this, ctx, args, {});
    const provider = knownProvider(positionals[0]!);
    const remote = await openRemoteStore(ctx);
    const account = await remote.clearCooldown(provider, positionals[1]!);
    ctx.stdout.write(`${provider}: cleared the cooldown of ${(await labeller(remote))(account)} on target ${ctx.target}\n`);
    return 0;
  },
};

export const transferCommands: CommandSpec[] = [push, pull, fields, cooldownClear];
