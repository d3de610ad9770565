// The shell exports that point Claude Code at the proxy, as CCS emits them (src/cliproxy/config/
// env-builder.ts): the root URL for Claude itself (model-neutral: Claude Code's own /model choice is
// honoured), `/api/provider/<provider>` for the others with the model variables set from the list
// the proxy will serve.
import {claudeModelVariables, type ClaudeModels} from '../../providers/agents.js';
import {accountLabel, noUsableAccount} from '../../core/accounts.js';
import {describeWarning, maskedModelName, type ModelResolution, type VisibleModel} from '../../core/model-rules.js';
import {actionKey} from '../../core/keymap.js';
import {UserError, type Account, type ErrorSurface, type TokenFile} from '../../core/types.js';
import {shellOption, shellQuoted, shellWord} from '../../core/quote.js';
import {sanitizeLine} from '../../core/sanitize.js';
import {unusablePinnedAccount} from './serve-target.js';
import {poolSwitchCommand} from './wording.js';
import {codePointName, firstInvisible, invisibleKind} from '../../core/invisible.js';
import {modelsListTarget} from '../../providers/models-list.js';
import {accountResolution, type LiveBase, type LiveModelList} from '../../store/model-rules.js';
import {ensureApiKey, generatedKeyNote} from './api-key.js';
import {requireProvider, rootProvider, type ModelTiers, type ProviderRow} from '../../providers/table.js';
import {AccountStore} from '../../store/accounts.js';
import {loadCliproxyConfig, type CliproxyConfig} from '../../store/cliproxy-config.js';
import {loadSettings} from '../../store/settings.js';
import {LIVE_LIST_TRIES, poolServingOrder} from './serving-order.js';
import type {CcsPaths} from '../../store/paths.js';

export interface ClaudeCodeEnv {
  vars: {name: string; value: string}[];
  /** The port in the base URL: the running proxy's, else config.yaml's (where a start serves). */
  port: number;
  /** Things a person should know (printed as comments / on stderr). */
  notes: string[];
  /** What a person must not miss: model rule entries of the files that were not read (ModelRules.refused). */
  warnings: string[];
  /** Set when the proxy cannot serve Claude Code on this provider: what is missing. */
  unservable?: string;
  /**
   * Set when the provider has no usable account: `ccs-tui run`'s refusal (core/accounts
   * noUsableAccount's reason); the exports would end in an error.
   */
  noAccount?: string;
  /**
   * Set when no model variable could be filled for an account (no static list and no usable live
   * one, or every model excluded), in words for any agent (`run` names its own agent's setting):
   * `causes`, why; `ways`, the commands that show the models or the rules that hide them.
   */
  modelGap?: ModelGap;
}

/** Why no model could be named for an agent, and how to see the models (ClaudeCodeEnv.modelGap). */
export interface ModelGap {
  causes: string[];
  ways: string[];
  /** When a live list was had but picks no model for the slots: naming one for every launch, by an alias with a Claude tier word. */
  aliasWay?: string;
}

/**
 * Why the proxy cannot serve Claude Code (an Anthropic Messages client) on a provider, given its
 * account's token file if any; undefined when it can. The proxy layer knows (proxy/prepare.ts
 * whyCannotServe: translators, base URLs); its callers hand it in.
 */
export type ServabilityCheck = (row: ProviderRow, token: TokenFile | undefined) => string | undefined;

export interface ClaudeCodeEnvOptions {
  /** Generate an API key into config.yaml when it has none (false: the screen just looking). */
  generateKey?: boolean;
  whyCannotServe?: ServabilityCheck;
  /** Where the notes and refusal are shown: they name commands (`cli`, the default) or the TUI's keys. */
  surface?: ErrorSurface;
  /**
   * The provider's live list, asked only when it has no static list (AI Studio), so the model
   * variables come from the models the proxy serves. The proxy layer has the HTTP one
   * (proxy/live-models.ts liveModelList); callers that may wait on the network hand it in.
   */
  liveModels?: LiveModelList;
  /**
   * The accounts whose lists name the models, in the order the proxy serves them (`run`: a named
   * account alone, or the pool's order): the first's list names them; when its live list cannot be
   * had, the next ones are asked (at most LIVE_LIST_TRIES), as the proxy would go on to them. Without
   * it: the pool's order now (poolServingOrder, a running proxy's answer), else the provider's default.
   */
  servingOrder?: readonly Account[];
  /** Called just before the live list is asked (a screen says it is asking meanwhile). */
  onAskingLive?: () => void;
  /** The provider a running proxy serves on its root routes (tui/proxy.json `provider`; none: every provider, by model). */
  rootServes?: string;
  /** The account that running proxy serves alone (tui/proxy.json `account`, and `accountId` when recorded), when it is pinned to one. */
  pinnedAccount?: string;
  pinnedAccountId?: string;
}

/** The Claude tier words a person's alias may carry to claim a slot (`opus`, `team-sonnet`). */
const TIER_WORDS = {opus: 'big', sonnet: 'mid', haiku: 'small'} as const;

/** An agent's model slots, and where the small (haiku) slot's model came from when the list names no small one. */
export interface ModelSlots extends ClaudeModels {
  /**
   * Set when the provider has a tier table but the list names none of its small models (nor a
   * `haiku` alias): the small slot got the mid tier's model, else the main one.
   */
  smallFrom?: 'mid' | 'main';
}

/**
 * The models of an agent's slots from an account's resolved list: a person's alias whose name has a
 * Claude tier word (`opus`, `sonnet`, `haiku` as a whole word: `team-sonnet`) wins its slot; else
 * the provider's tier table (ModelTiers, ids matched exactly, aliases found by the id they stand
 * for); else list order (the first model). A slot whose tier the list lacks takes the nearest
 * smaller one that is there, else the main model: the small slot's background calls never go to
 * the big model while a smaller one is listed (ModelSlots.smallFrom says so).
 */
export function modelSlots(listed: readonly VisibleModel[], tiers: ModelTiers | undefined, options: {listOrder?: boolean} = {}): ModelSlots {
  // A name holding a key (a rule written by hand before such names were refused) is no slot's model:
  // exported, the key would be printed with the variables.
  const models = listed.filter((model) => maskedModelName(model.id) === model.id);
  const byAlias: Partial<Record<keyof ModelTiers, string>> = {};
  for (const model of models) {
    if (model.kind === 'original') continue;
    for (const word of model.id.toLowerCase().split(/[^a-z0-9]+/)) {
      const tier = Object.hasOwn(TIER_WORDS, word) ? TIER_WORDS[word as keyof typeof TIER_WORDS] : undefined;
      if (tier && !byAlias[tier]) byAlias[tier] = model.id;
    }
  }
  const fromTable = (tier: keyof ModelTiers) => {
    for (const wanted of tiers?.[tier] ?? []) {
      const hit = models.find((m) => m.id === wanted) ?? models.find((m) => m.upstream === wanted);
      if (hit) return hit.id;
    }
    return undefined;
  };
  const pick = (tier: keyof ModelTiers) => byAlias[tier] ?? fromTable(tier);
  // A live list's order is the provider's, with models no slot wants (embeddings) among them: no list-order fallback.
  const main = pick('big') ?? (options.listOrder === false ? undefined : models[0]?.id);
  const [mid, small] = [pick('mid'), pick('small')];
  const haiku = small ?? mid ?? main;
  const smallFrom = tiers && small === undefined && haiku !== undefined ? (mid !== undefined ? 'mid' : 'main') : undefined;
  return {main, opus: main, sonnet: mid ?? main, haiku, ...(smallFrom ? {smallFrom} : {})};
}

/**
 * The model slots for a provider's account (the static list by plan, and the live list `live` when
 * given, with config.yaml's and the account's rules applied) and that resolution.
 */
export function providerModelSlots(row: ProviderRow, config: CliproxyConfig, account?: Account, token?: TokenFile, live?: LiveBase): {models: ModelSlots; resolution: ModelResolution} {
  const resolution = accountResolution(row, config, account, token, live);
  return {models: modelSlots(resolution.models, row.models.tiers, {listOrder: live === undefined}), resolution};
}


/** One account's try at the live list: the slots from it, or why it could not be had. */
interface LiveTry {
  account: Account;
  token?: TokenFile;
  slots?: ReturnType<typeof providerModelSlots>;
  why?: string;
}

/**
 * The slots from the live list when the provider has no static one and a live list can be asked
 * (options.liveModels), asked with `candidates` in serving order until one gives it (at most
 * LIVE_LIST_TRIES): every try, the last the one whose slots count (none when it was not asked).
 */
async function liveModelSlots(row: ProviderRow, config: CliproxyConfig, candidates: readonly Account[], tokenOf: (account: Account) => Promise<TokenFile | undefined>, liveModels: LiveModelList, onAsking?: () => void): Promise<LiveTry[]> {
  const tries: LiveTry[] = [];
  for (const account of candidates.slice(0, LIVE_LIST_TRIES)) {
    const token = await tokenOf(account);
    try {
      if (tries.length === 0) onAsking?.();
      const live = await liveModels(row.id, account, token);
      // No list to ask with this account (no models endpoint, no credentials): not asked.
      if (!live) {
        if (tries.length === 0) return [];
        continue;
      }
      if (live.models.length === 0) tries.push({account, token, why: 'the live list is empty'});
      else return [...tries, {account, token, slots: providerModelSlots(row, config, account, token, live)}];
    } catch (error) {
      tries.push({account, token, why: sanitizeLine((error as Error).message)});
    }
  }
  return tries;
}

/**
 * The exports for a provider (none: Claude on the root URL). Without `generateKey` (the screen just
 * looking) a config.yaml without api-keys is left alone and the token line says so.
 */
export async function claudeCodeEnv(paths: CcsPaths, providerId?: string, port?: number, options: ClaudeCodeEnvOptions = {generateKey: true}): Promise<ClaudeCodeEnv> {
  const {config, generated} = (options.generateKey ?? true) ? await ensureApiKey(paths) : {config: (await loadCliproxyConfig(paths)).config, generated: false};
  const notes: string[] = [];
  if (generated) notes.push(generatedKeyNote(paths));
  const served = port ?? config.port;
  const root = `http://127.0.0.1:${served}`;
  // Only the screen just looking gets here without a key: what makes one there (as `ccs-tui env` does).
  const vars = [{name: 'ANTHROPIC_AUTH_TOKEN', value: config.apiKeys[0] ?? `<no api-keys in config.yaml yet: ${actionKey('proxy.copyEnv', 'proxy')} or ${actionKey('proxy.start', 'proxy')} generates and saves one>`}];
  const row = providerId ? requireProvider(providerId) : rootProvider();
  const store = new AccountStore(paths);
  const snapshot = await store.load();
  const now = Date.now();
  // A running proxy that serves this provider with one account alone answers only with it.
  const pinned =
    options.pinnedAccount !== undefined && (options.rootServes ?? rootProvider().id) === row.id
      ? unusablePinnedAccount(snapshot.accounts, row.id, options.pinnedAccount, now, options.surface === 'tui' ? `${actionKey('provider.serve', 'home')} on the accounts screen` : poolSwitchCommand(row.id), options.pinnedAccountId, options.surface)
      : undefined;
  const reason = pinned ? `the running proxy serves it with one account alone: ${pinned}` : noUsableAccount(row, snapshot.accounts, now, options.surface);
  const noAccount = reason && `Claude Code cannot use ${row.displayName}: ${reason}`;
  if (row.servesRootRoutes) {
    // A running proxy serving another provider on its root (started with --provider, or moved there by
    // `run`): that provider would get Claude Code's requests. Claude keeps its own path there.
    const elsewhere = options.rootServes !== undefined && options.rootServes !== row.id ? options.rootServes : undefined;
    if (elsewhere) notes.push(`the running proxy serves ${sanitizeLine(elsewhere)} on its root URL: ${row.displayName} is served at ${root}/api/provider/${row.id}`);
    return {vars: [{name: 'ANTHROPIC_BASE_URL', value: elsewhere ? `${root}/api/provider/${row.id}` : root}, ...vars], port: served, notes, warnings: [], ...(noAccount ? {noAccount} : {})};
  }
  // The account the proxy serves first names the models (its list, its own rules), not the default:
  // the pool may serve another first (a strategy, a cooldown, a running proxy that rotated).
  const order = options.servingOrder ?? (await poolServingOrder(paths, (await loadSettings(paths, {report: false})).settings.rotation.strategy, row.id, snapshot.accounts, now, 'counts'));
  const first = order[0] ?? snapshot.accounts.find((a) => a.provider === row.id && a.default) ?? snapshot.accounts.find((a) => a.provider === row.id);
  const firstToken = first ? await store.readToken(first).catch(() => undefined) : undefined;
  const unservable = options.whyCannotServe?.(row, firstToken);
  if (unservable) notes.push(`the proxy cannot serve Claude Code on ${row.displayName}: ${unservable}`);
  const fromStatic = providerModelSlots(row, config, first, firstToken);
  const asks = fromStatic.resolution.base.length === 0 && first && !unservable && options.liveModels;
  const tokenOf = async (a: Account) => (a === first ? firstToken : await store.readToken(a).catch(() => undefined));
  const tries = asks ? await liveModelSlots(row, config, [first, ...order.filter((a) => a !== first)], tokenOf, options.liveModels!, options.onAskingLive) : [];
  const had = tries.find((t) => t.slots);
  const failed = tries.filter((t) => t.why !== undefined);
  // Whose list names the models: the account that gave the live list, else the first served.
  const account = had?.account ?? first;
  const token = had ? had.token : firstToken;
  const live = {slots: had?.slots, why: had ? undefined : failedWhy(failed, snapshot.accounts)};
  if (had && failed.length > 0) notes.push(`${row.displayName}'s live model list could not be had ${failedWhy(failed, snapshot.accounts, true)}; asked with ${accountLabel(had.account, snapshot.accounts)}, the account the proxy fails over to`);
  const slots = live.slots ?? fromStatic;
  // Live models, every one excluded: that is the advice; live models the slots do not name: the static advice.
  const livePicksNone = live.slots !== undefined && live.slots.resolution.models.length > 0;
  const models = claudeModelVariables(slots.models);
  let modelGap: ModelGap | undefined;
  // A refusal (cannot serve, no usable account) is the whole story: no notes on models that would not be served.
  if (!unservable && !noAccount) {
    if (!row.api.includes('anthropic')) notes.push(`Claude Code's requests are translated to ${row.displayName}'s ${row.api[0]} API by the proxy`);
    if (models.length > 0 && account) notes.push(`models from the resolved list of ${accountLabel(account, snapshot.accounts)}${live.slots ? ` (${row.displayName}'s live list, asked now)` : ''}`);
    const {haiku, smallFrom} = slots.models;
    if (models.length > 0 && smallFrom) {
      notes.push(`the list names no small ${row.displayName} model (${row.models.tiers?.small.join(', ')}): the Haiku slot gets ${haiku}, ${smallFrom === 'mid' ? 'the mid-tier model' : 'the same model as the main one'}`);
    }
    else if (models.length === 0 && account) {
      const liveCause = (claude: boolean) => (live.why ? `${row.displayName}'s live model list could not be had: ${live.why}` : livePicksNone ? liveListPicksNone(row, claude) : undefined);
      const claudeLive = liveCause(true);
      if (claudeLive) notes.push(claudeLive);
      const advice = noModelsAdvice(row, livePicksNone ? fromStatic.resolution : slots.resolution, account, snapshot.accounts, token, options.surface);
      notes.push(...advice.claudeNotes);
      const neutralLive = liveCause(false);
      // Models listed, none picked: an alias with a tier word names one for every launch (README "env").
      const aliasWay = livePicksNone
        ? `or, for every launch, give the model to use an alias holding the word opus (e.g. team-opus; sonnet and haiku name the smaller slots): ${options.surface === 'tui' ? `on the model rules screen (${actionKey('screen.models')}; ${actionKey('rules.fork', 'models')} keeps its own id too)` : `ccs-tui alias add ${row.id} <model id> team-opus --fork`}`
        : undefined;
      // `env` says it too, after the by-hand exports (a newcomer found only those there).
      if (aliasWay) notes.push(aliasWay);
      modelGap = {causes: [advice.cause, ...(neutralLive ? [neutralLive] : [])], ways: advice.ways, ...(aliasWay ? {aliasWay} : {})};
    }
  }
  const warnings = slots.resolution.warnings.filter((w) => w.kind === 'name-refused').map(describeWarning);
  return {vars: [{name: 'ANTHROPIC_BASE_URL', value: `${root}/api/provider/${row.id}`}, ...vars, ...models], port: served, notes, warnings, ...(unservable ? {unservable} : {}), ...(noAccount ? {noAccount} : {}), ...(modelGap ? {modelGap} : {})};
}

/**
 * Why the live list could not be had, from each account tried (serving order): `401 …` when one was
 * asked, `with work: 401 …; with spare: unreachable` when several were. `withFirst`: name the
 * account even when it is the only one (a note saying which account then gave the list).
 */
function failedWhy(failed: readonly LiveTry[], siblings: readonly Account[], withFirst = false): string | undefined {
  if (failed.length === 0) return undefined;
  if (failed.length === 1 && !withFirst) return failed[0]!.why;
  return failed.map((t) => `with ${accountLabel(t.account, siblings)}: ${t.why}`).join('; ');
}

/**
 * Why a live list gave no model for the slots: it names none of the provider's tier models, or the
 * provider has no tiers to pick by. `claude`: in the words of Claude Code's slots, else of any agent's model.
 */
function liveListPicksNone(row: ProviderRow, claude: boolean): string {
  const tierModels = [...new Set(Object.values(row.models.tiers ?? {}).flat())];
  return tierModels.length > 0
    ? `${row.displayName}'s live list names none of the models ccs-tui ${claude ? "fills Claude Code's slots with" : 'picks from'} (${tierModels.join(', ')})`
    : `ccs-tui knows no ${row.displayName} model tiers, so it cannot pick ${claude ? "Claude Code's models" : 'a model'} from the live list`;
}

/** How a person fills Claude Code's model slots by hand: every variable the exports would set (claudeModelVariables). */
const MODEL_PLACEHOLDER = '<model id>';
const handModelExports = () =>
  claudeModelVariables({main: MODEL_PLACEHOLDER, opus: MODEL_PLACEHOLDER, sonnet: MODEL_PLACEHOLDER, haiku: MODEL_PLACEHOLDER})
    .map(({name, value}) => `${name}=${value}`)
    .join(' ');

/**
 * The notes for an account whose resolved list is empty (no model variables: Claude Code would ask
 * for Claude's own model names): why, and the commands that show the models and pick one. A model
 * the proxy does not list goes upstream as is (core/model-rules resolveRequestedModel), so naming
 * one of the provider's own ids in the model variables works without a list.
 */
function noModelsAdvice(row: ProviderRow, resolution: ModelResolution, account: Account, siblings: readonly Account[], token: TokenFile | undefined, surface: ErrorSurface = 'cli'): {cause: string; ways: string[]; claudeNotes: string[]} {
  // The label among its siblings: one that names only this account, as `--account` must.
  const accountFlag = ` ${shellOption('account', accountLabel(account, siblings))}`;
  const tui = surface === 'tui';
  const rulesScreen = `the model rules screen (${actionKey('screen.models')})`;
  if (resolution.base.length > 0) {
    const cause = `every ${row.displayName} model is excluded`;
    const ways = [
      tui
        ? `see the patterns that hide them on ${rulesScreen}; ${actionKey('rules.delete', 'models')} removes one (${actionKey('rules.account', 'models')} shows an account's own patterns)`
        : `see the patterns that hide them: ccs-tui models ${row.id}${accountFlag}; remove one: ccs-tui exclude rm ${row.id} <pattern> (with --account for an account's own pattern)`,
    ];
    return {cause, ways, claudeNotes: [`${cause}; no model variables`, ...ways]};
  }
  let live = false;
  try {
    live = token !== undefined && modelsListTarget(row, undefined, token, Date.now()) !== undefined;
  } catch {
    // No URL to ask (a base URL missing): the list cannot be had live either.
  }
  const cause = `ccs-tui has no static ${row.displayName} model list`;
  const ways = live ? [`list the provider's models: ${tui ? `${actionKey('rules.live', 'models')} on ${rulesScreen}` : `ccs-tui models ${row.id}${accountFlag} --live`}`] : [];
  return {
    cause,
    ways,
    claudeNotes: [
      `${cause}, so these exports set no model variables and Claude Code would ask for Claude's own model names`,
      ...ways,
      `then name them for Claude Code after the eval (one id for all, or a small one for haiku): export ${handModelExports()} (the proxy passes a model it does not list on as is)`,
    ],
  };
}

/**
 * `export KEY='value'` quoted for POSIX shells. A value holding a control or invisible character
 * (core/invisible.ts; an api-key of config.yaml: model names cannot, modelNameProblem) is refused:
 * printed, it would reach the terminal as escape sequences, break the line, or export a name that
 * looks like another.
 */
export function exportLines(env: Pick<ClaudeCodeEnv, 'vars'>): string[] {
  return env.vars.map(({name, value}) => {
    const found = firstInvisible(value);
    if (found !== undefined) {
      throw new UserError(`${name}: its value holds ${invisibleKind(found)} (${codePointName(found)}); no export printed (fix config.yaml api-keys)`);
    }
    return `export ${name}=${shellQuoted(value)}`;
  });
}

export {claudeModelVariables, type ClaudeModels};
