// Registry commands: accounts, use, rotate, rename, pause, resume, remove.
import {accountLabel, defaultMoveNote, HEALTH_TEXT} from '../../core/accounts.js';
import {formatLocalTime} from '../../core/relative-time.js';
import type {Account} from '../../core/types.js';
import {UserError} from '../../core/types.js';
import {findProvider} from '../../providers/table.js';
import {AccountStore} from '../../store/accounts.js';
import {formatTable, parseCommandArgs, printJson, type CliContext, type CommandSpec} from '../context.js';

/** The stable `accounts --json` row (DESIGN.md), plus health and whether the registry lists it. */
export function accountJson(account: Account) {
  return {
    provider: account.provider,
    id: account.id,
    email: account.email ?? null,
    nickname: account.nickname ?? null,
    default: account.default,
    paused: account.paused,
    tokenFile: account.tokenFile,
    expiresAt: account.expiresAt ?? null,
    health: account.health,
    registered: account.registered,
  };
}

export function knownProvider(id: string): string {
  const row = findProvider(id);
  if (!row) throw new UserError(`unknown provider "${id}" (try: ccs-tui accounts)`, 2);
  return row.id;
}

function reportProblems(ctx: CliContext, problems: {file: string; message: string; backup?: string}[]): void {
  for (const p of problems) {
    ctx.stderr.write(`ccs-tui: warning: ${p.message}${p.backup ? ` (original kept at ${p.backup})` : ''}\n`);
  }
}

const accounts: CommandSpec = {
  name: ['accounts'],
  usage: '[--json]',
  summary: 'list every provider and account',
  async run(ctx, args) {
    const {values} = parseCommandArgs(this, args, {json: {type: 'boolean'}}, {required: []});
    const snapshot = await new AccountStore(ctx.paths).load();
    reportProblems(ctx, snapshot.problems);
    if (values.json) {
      printJson(ctx, snapshot.accounts.map(accountJson));
      return 0;
    }
    if (snapshot.accounts.length === 0) {
      ctx.stdout.write(`No accounts in ${ctx.paths.root}. Add one with: ccs-tui login <provider>\n`);
      return 0;
    }
    const rows = snapshot.accounts.map((a) => [
      a.provider,
      a.default ? '*' : ' ',
      accountLabel(a),
      a.email ?? '',
      a.paused ? 'paused' : HEALTH_TEXT[a.health],
      a.expiresAt ? formatLocalTime(a.expiresAt) : '',
    ]);
    ctx.stdout.write(formatTable([['PROVIDER', 'DEF', 'ACCOUNT', 'EMAIL', 'STATE', 'EXPIRES'], ...rows]));
    return 0;
  },
};

function registryEdit(
  name: string,
  summary: string,
  extra: readonly string[],
  apply: (store: AccountStore, provider: string, account: string, rest: string[]) => Promise<string>,
): CommandSpec {
  return {
    name: [name],
    usage: ['<provider>', '<account>', ...extra.map((e) => `<${e}>`)].join(' '),
    summary,
    async run(ctx, args) {
      const {positionals} = parseCommandArgs(this, args, {}, {required: ['provider', 'account', ...extra]});
      const [provider, account, ...rest] = positionals as [string, string, ...string[]];
      const message = await apply(new AccountStore(ctx.paths), knownProvider(provider), account, rest);
      ctx.stdout.write(`${message}\n`);
      return 0;
    },
  };
}

const rotate: CommandSpec = {
  name: ['rotate'],
  usage: '<provider>',
  summary: "make the next usable account the provider's default",
  async run(ctx, args) {
    const {positionals} = parseCommandArgs(this, args, {}, {required: ['provider']});
    const provider = knownProvider(positionals[0]!);
    const {chooseRotationTarget} = await import('../../services/rotation.js');
    const store = new AccountStore(ctx.paths);
    const {from, to} = await store.rotate(provider, await chooseRotationTarget(ctx.paths, provider));
    ctx.stdout.write(`${provider}: ${from ? `${accountLabel(from)} → ` : ''}${accountLabel(to)}\n`);
    return 0;
  },
};

export const accountCommands: CommandSpec[] = [
  accounts,
  registryEdit('use', "make the account the provider's default", [], async (store, p, a) => {
    const account = await store.setDefault(p, a);
    return `${p}: default is now ${accountLabel(account)}`;
  }),
  rotate,
  registryEdit('rename', 'set the nickname', ['nickname'], async (store, p, a, [nickname]) => {
    const account = await store.rename(p, a, nickname!);
    return `${p}: ${account.email || account.id} is now "${account.nickname}"`;
  }),
  registryEdit('pause', 'pause (moves the token file to auth-paused/)', [], async (store, p, a) => {
    const account = await store.setPaused(p, a, true);
    return `${p}: paused ${accountLabel(account)}${defaultMoveNote(account.defaultMovedTo)}`;
  }),
  registryEdit('resume', 'resume a paused account', [], async (store, p, a) => {
    const account = await store.setPaused(p, a, false);
    return `${p}: resumed ${accountLabel(account)}`;
  }),
  registryEdit('remove', 'remove the account and its token file', [], async (store, p, a) => {
    const account = await store.remove(p, a);
    return `${p}: removed ${accountLabel(account)}`;
  }),
];
