// Model rules on the command line: `models` shows the resolved list, `alias add/rm` and
// `exclude add/rm` edit config.yaml (or, with --account, the account's token file).
// The store module pulls in `yaml`, so it is imported only when one of these commands runs.
import {describeWarning, maskedModelName, modelCountText, modelNameProblem, refusingOwnCredentials, shownModelName as shown, typedModelNameProblem, type ModelResolution, type ModelRules, type RuleWarning} from '../../core/model-rules.js';
import {countOf} from '../../core/wording.js';
import {shellOption, shellWord} from '../../core/quote.js';
import {sanitizeLine} from '../../core/sanitize.js';
import {hasModelsList} from '../../providers/models-list.js';
import {findProvider} from '../../providers/table.js';
import {UserError} from '../../core/types.js';
import {knownProvider} from './accounts.js';
import {formatTable, parseCommandArgs, printJson, type CliContext, type CommandSpec} from '../context.js';
import {isRemote} from '../target.js';
import type {RulesChange} from './remote-rules.js';
import type {RulesContext} from '../../store/model-rules.js';

const loadStore = () => import('../../store/model-rules.js');

/**
 * The stable `models --json` shape (DESIGN.md), plus where the list came from and the warnings. Names
 * are data, as found; one shaped like a key (a key saved as a rule) is masked (maskedModelName), as
 * no output gives a token whole.
 */
export function modelsJson(resolution: ModelResolution, account?: string) {
  return {
    provider: resolution.provider,
    ...(account === undefined ? {} : {account}),
    source: resolution.source,
    models: resolution.models.map((m) => ({id: maskedModelName(m.id), upstream: maskedModelName(m.upstream)})),
    excluded: resolution.excluded.map((e) => ({id: maskedModelName(e.id), pattern: maskedModelName(e.pattern)})),
    counts: resolution.counts,
    warnings: resolution.warnings.map(describeWarning),
  };
}

export function printWarnings(ctx: CliContext, resolution: ModelResolution): void {
  for (const warning of resolution.warnings) ctx.stderr.write(`ccs-tui: warning: ${describeWarning(warning)}\n`);
}

/**
 * After a rule edit: the warnings about the rule just added (`concerns`), in full; every other
 * rule's only as a count with the command that lists them, so an edit does not repeat what it did
 * not touch (`2 other rules match no model: ccs-tui models claude`).
 */
function printEditWarnings(ctx: CliContext, provider: string, resolution: ModelResolution, concerns: (warning: RuleWarning) => boolean): void {
  const others = new Map<string, RuleWarning['kind']>();
  for (const warning of resolution.warnings) {
    if (concerns(warning)) ctx.stderr.write(`ccs-tui: warning: ${describeWarning(warning)}\n`);
    // One rule may have several warnings: counted once (an alias, a pattern, by scope and position).
    else others.set('index' in warning ? `${warning.scope}:${warning.kind.startsWith('pattern') ? 'pattern' : 'alias'}:${warning.index}` : warning.kind, warning.kind);
  }
  if (others.size === 0) return;
  const nothing = [...others.values()].every((kind) => kind === 'pattern-matches-nothing');
  const what = nothing ? `${countOf(others.size, 'other rule matches', 'other rules match')} no model` : `${countOf(others.size, 'other rule has', 'other rules have')} warnings`;
  ctx.stderr.write(`ccs-tui: note: ${what}: ccs-tui models ${provider}\n`);
}

const models: CommandSpec = {
  name: ['models'],
  usage: '<provider> [--account A] [--live] [--json]',
  summary: 'the model list after aliases and exclusions (--live: the provider\'s list, asked with the account)',
  async run(ctx, args) {
    const flags = {account: {type: 'string'}, live: {type: 'boolean'}, json: {type: 'boolean'}} as const;
    const {values, positionals} = parseCommandArgs(this, args, flags, {required: ['provider']});
    const provider = knownProvider(positionals[0]!);
    if (values.live && values.account === undefined) {
      throw new UserError('--live needs --account A: the list is asked from the provider with that account\'s credentials', 2);
    }
    const {loadRulesContext, resolveContext} = await loadStore();
    const live = values.live ? await (await import('../../proxy/live-models.js')).liveModelList(ctx.paths) : undefined;
    const context = await loadRulesContext(ctx.paths, provider, {account: values.account, live});
    const {withAdvice} = await import('../../store/errors.js');
    const resolution = resolveContext(context);
    const liveError = context.liveError && withAdvice(context.liveError, context.liveAdvice, 'cli');
    // With no --account, the live list's command names the provider's default account (or its only one).
    const suggested = values.account ?? (resolution.source === 'static' && !values.live ? await defaultAccountName(ctx, provider) : undefined);
    const notes = listNotes(provider, {...context, liveError}, resolution, values.live === true, suggested, values.account !== undefined);
    // No static list and none asked: not an empty answer but none asked for; the table's line says how (below).
    const noneAsked = resolution.counts.all === 0 && resolution.source === 'static' && !values.live;
    for (const {label, text, noStaticList} of notes) if (values.json || !(noneAsked && noStaticList)) ctx.stderr.write(`ccs-tui: ${label}${text}\n`);
    if (values.json) {
      // The notes are the list's warnings too: a JSON reader learns what a person reads on stderr.
      const json = modelsJson(resolution, context.account?.id);
      printJson(ctx, {...json, warnings: [...json.warnings, ...notes.map((note) => note.text)], ...(context.livePartial ? {partial: context.livePartial} : {})});
      return 0;
    }
    const rows = resolution.models.map((m) => [shown(m.id), m.id === m.upstream ? '' : `← ${shown(m.upstream)}`, m.sentAs === m.upstream ? '' : `sent as ${shown(m.sentAs)}`]);
    const excludedRows = resolution.excluded.map((e) => [shown(e.id), `excluded by "${shown(e.pattern)}"`, '']);
    if (noneAsked) {
      ctx.stdout.write(`${provider}: no static model list; its models are the provider's live list: ${liveListCommand(provider, suggested)}\n`);
      printWarnings(ctx, resolution);
      return 0;
    }
    ctx.stdout.write(`${provider}: ${listedText(resolution)} (${resolution.source} list${context.livePartial ? ', partial' : ''})\n`);
    ctx.stdout.write((await formatTable(ctx, [...rows, ...excludedRows])).replace(/ +$/gm, ''));
    printWarnings(ctx, resolution);
    return 0;
  },
};

/** `ccs-tui models P --account A --live` (`--account A` as a placeholder when no account is known). */
const liveListCommand = (provider: string, account: string | undefined) => `ccs-tui models ${provider} ${account !== undefined ? shellOption('account', account) : '--account A'} --live`;

/** The name of `provider`'s default account (else its only one) as commands take it; undefined when it has none, or the list cannot be read. */
async function defaultAccountName(ctx: CliContext, provider: string): Promise<string | undefined> {
  try {
    const [{AccountStore}, {accountLabel}] = await Promise.all([import('../../store/accounts.js'), import('../../core/accounts.js')]);
    const own = (await new AccountStore(ctx.paths).load()).accounts.filter((a) => a.provider === provider);
    const chosen = own.find((a) => a.default) ?? (own.length === 1 ? own[0] : undefined);
    return chosen && accountLabel(chosen, own);
  } catch {
    return undefined;
  }
}

/**
 * What `models` says about the list besides the rules' own warnings, one line each (stderr; in
 * `--json` also appended to `warnings`): why a live list is missing or partial, config.yaml keys
 * that do nothing, and where the list the proxy serves comes from when it is not this static one
 * (`noStaticList`: the note that the provider has none, which the table's line says instead).
 * `account`: the account the live list's command names; `accountGiven`: it was given with --account.
 */
function listNotes(provider: string, context: RulesContext, resolution: ModelResolution, live: boolean, account: string | undefined, accountGiven = true): Array<{label: string; text: string; noStaticList?: boolean}> {
  const notes: Array<{label: string; text: string; noStaticList?: boolean}> = [];
  if (context.liveError) notes.push({label: '', text: `no live list, showing the static one: ${context.liveError}`});
  if (context.livePartial) notes.push({label: '', text: `the live list is partial: ${context.livePartial}`});
  for (const problem of context.configWarnings ?? []) notes.push({label: 'warning: ', text: sanitizeLine(problem)});
  // The proxy serves the live list when it has one (a complete one drops static ids it no longer
  // names, README "Models"): this static list may not be what /v1/models answers.
  if (resolution.source === 'static' && !live && hasModelsList(findProvider(provider)!)) {
    const command = liveListCommand(provider, (context.account || !accountGiven) ? account : undefined);
    notes.push({
      label: 'note: ',
      ...(resolution.counts.all === 0 ? {noStaticList: true} : {}),
      text: resolution.counts.all === 0
        ? `${provider} has no static model list (the provider's live list is the only one); see it with: ${command}`
        : `the proxy serves ${provider}'s live list when it gets one, which may differ from this static list; see it with: ${command}`,
    });
  }
  return notes;
}

/** Applies a change to the global rules (config.yaml) or, with an account, to its token file. */
async function editRules(ctx: CliContext, provider: string, account: string | undefined, given: RulesChange): Promise<ModelResolution> {
  // A key of this CCS dir given as a name, whatever its shape, is refused on every target.
  const {credentialMasker} = await import('../../services/credential-redactor.js');
  const change = refusingOwnCredentials(given, credentialMasker(ctx.paths));
  if (isRemote(ctx)) return (await import('./remote-rules.js')).editRemoteRules(ctx, provider, account, change);
  const store = await loadStore();
  if (account === undefined) {
    await store.updateGlobalRules(ctx.paths, provider, (rules) => change(rules, ctx.paths.config));
  } else {
    const {account: found, tokenFile} = await store.loadRulesContext(ctx.paths, provider, {account});
    await store.updateAccountRules(ctx.paths, provider, found!.id, (rules) => change(rules, tokenFile!));
  }
  return store.resolveContext(await store.loadRulesContext(ctx.paths, provider, {account}));
}

/**
 * A rule's name as given. `adding`: it goes into a file, so a key given as the name is refused too
 * (typedModelNameProblem); a removal takes one (a key saved by mistake is removed by its name).
 */
function checkText(what: string, value: string, adding: boolean): string {
  const trimmed = value.trim();
  if (trimmed === '') throw new UserError(`<${what}> is empty`, 2);
  const problem = adding ? typedModelNameProblem(trimmed) : modelNameProblem(trimmed);
  if (problem) throw new UserError(`<${what}> ${problem}; nothing was changed`, 2);
  return trimmed;
}

const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

/** "3 of 5 models"; "no model listed" for a list with none (a provider with no static list: its live list is the one). */
const listedText = (resolution: ModelResolution) => (resolution.counts.all === 0 ? 'no model listed' : modelCountText(resolution));
/** After an edit: "3 of 5 models visible", or that the provider lists none here (its live list is the one). */
const visibleText = (resolution: ModelResolution) => (resolution.counts.all === 0 ? `no static model list` : `${listedText(resolution)} visible`);

function ruleCommand(
  name: [string, string],
  usage: string,
  summary: string,
  extraFlags: {fork?: boolean},
  positional: readonly string[],
  apply: (rules: ModelRules, where: string, args: string[], fork: boolean) => ModelRules,
  /** `warned`: a warning about this rule is printed (see `concerns`); `account`: --account as given. */
  message: (provider: string, args: string[], resolution: ModelResolution, warned: boolean, account: string | undefined) => string,
  /** Whether a warning is about the rule this command added (`args`: its checked arguments); none for a removal. */
  concerns: (warning: RuleWarning, args: string[]) => boolean = () => false,
): CommandSpec {
  return {
    name,
    usage: `<provider> ${usage} [--account A]`,
    summary,
    async run(ctx, args) {
      const options = {account: {type: 'string' as const}, ...(extraFlags.fork ? {fork: {type: 'boolean' as const}} : {})};
      const {values, positionals} = parseCommandArgs(this, args, options, {required: ['provider', ...positional]});
      const provider = knownProvider(positionals[0]!);
      const rest = positional.map((what, i) => checkText(what, positionals[i + 1]!, name[1] === 'add'));
      const fork = (values as {fork?: boolean}).fork === true;
      const resolution = await editRules(ctx, provider, values.account, (rules, where) => apply(rules, where, rest, fork));
      const scope = values.account === undefined ? 'global' : 'account';
      const concerned = (warning: RuleWarning) => (!('scope' in warning) || warning.scope === scope) && concerns(warning, rest);
      ctx.stdout.write(`${message(provider, rest, resolution, resolution.warnings.some(concerned), values.account)}\n`);
      printEditWarnings(ctx, provider, resolution, concerned);
      return 0;
    },
  };
}

export const modelCommands: CommandSpec[] = [
  models,
  ruleCommand(
    ['alias', 'add'],
    '<name> <alias> [--fork]',
    'add a model alias (--fork keeps the original id too)',
    {fork: true},
    ['name', 'alias'],
    (rules, where, [name, alias], fork) => {
      if (same(name!, alias!)) throw new UserError(`<alias> "${alias}" equals <name>; an alias must differ from the model id`, 2);
      const existing = rules.aliases.find((a) => same(a.alias.trim(), alias!));
      if (existing && !same(existing.name.trim(), name!)) {
        throw new UserError(`alias "${alias}" already exists for ${shown(existing.name)} in ${where}; remove it first (ccs-tui alias rm)`);
      }
      if (existing) {
        const updated = {name: existing.name, alias: existing.alias, ...(fork ? {fork: true} : {})};
        return {...rules, aliases: rules.aliases.map((a) => (a === existing ? updated : a))};
      }
      return {...rules, aliases: [...rules.aliases, {name: name!, alias: alias!, ...(fork ? {fork: true} : {})}]};
    },
    (provider, [name, alias], resolution, warned, account) => {
      const relation = resolution.aliases.find((a) => same(a.alias, alias!));
      const state =
        relation?.status === 'forked'
          ? 'both ids visible'
          : relation?.status === 'renamed'
            ? `${shown(name!)} now appears as ${shown(alias!)}`
            : warned
              ? 'not visible, see the warning'
              : resolution.source === 'static' && resolution.counts.all === 0
                ? `${provider} has no static model list: it applies to the live list, see it with ccs-tui models ${provider} ${account === undefined ? '--account A' : shellOption('account', account)} --live`
                : `not visible: ${shown(name!)} is not in ${provider}'s ${resolution.source} list`;
      return `${provider}: alias ${shown(alias!)} ← ${shown(name!)} (${state})`;
    },
    (warning, [, alias]) => 'alias' in warning && same(warning.alias, alias!),
  ),
  ruleCommand(
    ['alias', 'rm'],
    '<alias>',
    'remove a model alias',
    {},
    ['alias'],
    (rules, where, [alias]) => {
      const kept = rules.aliases.filter((a) => !same(a.alias.trim(), alias!));
      if (kept.length === rules.aliases.length) throw new UserError(`no alias "${shown(alias!)}" in ${where}`);
      return {...rules, aliases: kept};
    },
    (provider, [alias], resolution) => `${provider}: removed alias ${shown(alias!)} (${visibleText(resolution)})`,
  ),
  ruleCommand(
    ['exclude', 'add'],
    '<pattern>',
    'hide models matching a pattern (exact id, or * for any run of characters)',
    {},
    ['pattern'],
    (rules, _where, [pattern]) => (rules.excluded.some((p) => same(p.trim(), pattern!)) ? rules : {...rules, excluded: [...rules.excluded, pattern!]}),
    (provider, [pattern], resolution) => {
      const removed = resolution.excluded.filter((e) => same(e.pattern, pattern!)).map((e) => e.id);
      return `${provider}: excluded "${shown(pattern!)}" (${removed.length ? `hides ${removed.map(shown).join(', ')}` : 'matches no model'}; ${visibleText(resolution)})`;
    },
    // Its own pattern, an alias it hides, or the whole list gone.
    (warning, [pattern]) => warning.kind === 'everything-excluded' || ('pattern' in warning && same(warning.pattern, pattern!)),
  ),
  ruleCommand(
    ['exclude', 'rm'],
    '<pattern>',
    'remove an exclusion pattern',
    {},
    ['pattern'],
    (rules, where, [pattern]) => {
      const kept = rules.excluded.filter((p) => !same(p.trim(), pattern!));
      if (kept.length === rules.excluded.length) throw new UserError(`no exclusion "${shown(pattern!)}" in ${where}`);
      return {...rules, excluded: kept};
    },
    (provider, [pattern], resolution) => `${provider}: removed exclusion "${shown(pattern!)}" (${visibleText(resolution)})`,
  ),
];

