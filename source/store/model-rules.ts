// Where model rules live on disk: the global ones in config.yaml (`oauth-excluded-models`,
// `oauth-model-alias`, keyed by CLIProxyAPI channel), an account's own in its token file
// (`excluded_models`, `model_aliases`).
//
// config.yaml saves go through updateCliproxyConfig, which rewrites only the text that changed
// (store/yaml-splice.ts). Inside the two keys, existing entries keep their comments and their extra
// fields (`display-name`, `force-mapping`).
import {isMap, isScalar, isSeq, Scalar, YAMLMap, YAMLSeq, type Document, type Node} from 'yaml';
import {findAccount} from '../core/accounts.js';
import {quoted} from '../core/sanitize.js';
import {resolveModels, type ModelResolution, type ModelRules, type VisibleModel} from '../core/model-rules.js';
import type {Account, ErrorAdvice, ModelAlias, TokenFile} from '../core/types.js';
import {UserError} from '../core/types.js';
import {findProvider, PROVIDERS, requireProvider, staticModels, type ProviderRow} from '../providers/table.js';
import {AccountStore} from './accounts.js';
import {assertUnsharedPath, channelKey, isReadableAlias, isReadablePattern, loadCliproxyConfig, readableRules, toModelAlias, updateCliproxyConfig, type CliproxyConfig} from './cliproxy-config.js';
import type {CcsPaths} from './paths.js';

export const EXCLUDED_KEY = 'oauth-excluded-models';
export const ALIAS_KEY = 'oauth-model-alias';

/**
 * The config.yaml channel of a provider. CLIProxyAPI keys both maps by the token file's `type`
 * (copilot's is `github-copilot`), except where the row names another channel (Gemini's `gemini-cli`).
 */
export function rulesChannel(provider: string): string {
  const row = findProvider(provider);
  return row?.configChannel ?? row?.tokenType ?? provider.toLowerCase();
}

/**
 * Keys of `oauth-excluded-models` / `oauth-model-alias` that are no CLIProxyAPI channel but name a
 * provider whose channel is spelt otherwise (`gemini` for `gemini-cli`): CLIProxyAPI silently ignores
 * them. One message per key, naming the key to use. Keys naming nothing we know are left alone.
 */
export function misnamedChannels(config: Pick<CliproxyConfig, 'excludedModels' | 'modelAliases'>): string[] {
  const channels = new Set(PROVIDERS.map((row) => channelKey(rulesChannel(row.id))));
  const problems: string[] = [];
  for (const [key, map] of [[EXCLUDED_KEY, config.excludedModels], [ALIAS_KEY, config.modelAliases]] as const) {
    for (const name of Object.keys(map)) {
      if (channels.has(name)) continue;
      const meant = PROVIDERS.find((row) => [row.id, row.tokenType, row.displayName].some((n) => n !== undefined && channelKey(n) === name));
      if (meant) {
        problems.push(`config.yaml ${key}: key ${quoted(name)} is not a CLIProxyAPI channel and does nothing; ${meant.displayName}'s rules go under "${rulesChannel(meant.id)}"`);
      }
    }
  }
  return problems;
}

/** A channel's entry in a config map (whose keys are trimmed and lower-cased when read). */
function channelEntry<T>(map: Record<string, T>, channel: string): T | undefined {
  return Object.hasOwn(map, channelKey(channel)) ? map[channelKey(channel)] : undefined;
}

export function globalRules(config: CliproxyConfig, provider: string): ModelRules {
  const channel = rulesChannel(provider);
  const refused = channelEntry(config.refusedRules ?? {}, channel);
  return {
    excluded: channelEntry(config.excludedModels, channel) ?? [],
    aliases: channelEntry(config.modelAliases, channel) ?? [],
    ...(refused ? {refused} : {}),
  };
}

// Token files: `excluded_models` / `model_aliases` are canonical; CLIProxyAPI still reads the
// hyphenated spellings of older files, so we read them too and replace them on write.
const ACCOUNT_KEYS = {excluded: ['excluded_models', 'excluded-models'], aliases: ['model_aliases', 'model-aliases']} as const;

/**
 * An account's own rules from its token file (`file`: how messages name it, e.g. its path). Entries
 * whose names are no model names are not read; `refused` says which (readableRules).
 */
export function accountRules(token: TokenFile | undefined, file = 'the token file'): ModelRules {
  if (!token) return {excluded: [], aliases: []};
  const pickKey = (keys: readonly string[]) => keys.find((k) => token[k] !== undefined) ?? keys[0]!;
  const [excludedKey, aliasesKey] = [pickKey(ACCOUNT_KEYS.excluded), pickKey(ACCOUNT_KEYS.aliases)];
  const excluded = token[excludedKey];
  const aliases = token[aliasesKey];
  // Entries that are no objects (aliases) or strings (patterns) are skipped, their positions counted.
  const read = readableRules(
    file,
    {aliases: aliasesKey, excluded: excludedKey},
    Array.isArray(aliases) ? aliases.map((entry: unknown) => (isRecord(entry) ? toModelAlias(entry) : undefined)) : [],
    Array.isArray(excluded) ? excluded.map((pattern: unknown) => (typeof pattern === 'string' ? pattern : undefined)) : [],
  );
  return {excluded: read.excluded, aliases: read.aliases, ...(read.refused.length > 0 ? {refused: read.refused} : {})};
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Edits an account's rules in its token file under the store's lock: `change` gets the rules as they
 * are on disk now and returns the new ones (or throws to refuse). Every other key is kept, and so are
 * the extra fields of alias entries that stay.
 */
export async function updateAccountRules(
  paths: CcsPaths,
  provider: string,
  accountRef: string,
  change: (rules: ModelRules) => ModelRules,
): Promise<ModelRules> {
  let result: ModelRules = {excluded: [], aliases: []};
  await new AccountStore(paths).updateToken(provider, accountRef, (token) => {
    result = change(accountRules(token));
    const next: TokenFile = {...token};
    for (const key of [...ACCOUNT_KEYS.excluded, ...ACCOUNT_KEYS.aliases]) delete next[key];
    const oldAliases = (token.model_aliases ?? token['model-aliases']) as unknown;
    const oldPatterns = (token.excluded_models ?? token['excluded-models']) as unknown;
    const previous = Array.isArray(oldAliases) ? oldAliases.filter(isRecord) : [];
    // Entries accountRules did not read (a name that is none, another type) stay as they are, after the rest.
    const unreadAliases = Array.isArray(oldAliases) ? oldAliases.filter((entry: unknown) => !isRecord(entry) || !isReadableAlias(entry)) : [];
    const unreadPatterns = Array.isArray(oldPatterns) ? oldPatterns.filter((entry: unknown) => typeof entry !== 'string' || !isReadablePattern(entry)) : [];
    if (result.excluded.length + unreadPatterns.length > 0) next.excluded_models = [...result.excluded, ...unreadPatterns];
    if (result.aliases.length + unreadAliases.length > 0) {
      next.model_aliases = [
        ...result.aliases.map((a) => {
          const old = previous.find((p) => p.name === a.name && p.alias === a.alias) ?? {};
          const {fork: _fork, ...extra} = old;
          return {...extra, name: a.name, alias: a.alias, ...(a.fork ? {fork: true} : {})};
        }),
        ...unreadAliases,
      ];
    }
    return next;
  });
  return result;
}

/** The id a provider actually receives for a catalogue id (iFlow's legacy ids); undefined = unchanged. */
export function modelNormalizer(provider: string): ((id: string) => string) | undefined {
  return findProvider(provider)?.adapter.normalizeModel;
}

/**
 * The plan that picks codex's static list: the token file's `plan_type` (what login wrote, and what
 * the proxy reads), else the registry's tier, else the token file name's plan suffix.
 */
export function accountPlan(account: Account | undefined, token?: TokenFile): string | undefined {
  if (!account) return undefined;
  if (typeof token?.plan_type === 'string' && token.plan_type !== '') return token.plan_type;
  if (account.tier) return account.tier;
  const row = findProvider(account.provider);
  const suffix = /-([a-z]+)\.json$/i.exec(account.tokenFile)?.[1]?.toLowerCase();
  return suffix && row?.models.byPlan?.[suffix] ? suffix : undefined;
}

/**
 * A live model list (upstream ids, before any rule) for an account: undefined when none can be had
 * (no account, or no models endpoint); throws when asking failed. proxy/live-models.ts has the
 * HTTP one.
 */
export type LiveModelList = (provider: string, account: Account | undefined, token: TokenFile | undefined) => Promise<LiveModels | undefined>;

/** A live list: the ids, and why it is incomplete when the provider's pages could not all be read. */
export interface LiveModels {
  models: string[];
  partial?: string;
}

/** Everything a resolution needs, as loaded from disk; the screen edits `global` and `account`. */
export interface RulesContext {
  provider: string;
  configFile: string;
  account?: Account;
  tokenFile?: string;
  base: {models: string[]; source: 'static' | 'live'};
  /** Why a live list was asked for but the static one is shown. */
  liveError?: string;
  /** The way out of liveError, worded by each reader (store/errors.ts withAdvice: a flag, or the TUI's key). */
  liveAdvice?: ErrorAdvice;
  /** Why the live list shown is incomplete (its pages could not all be read). */
  livePartial?: string;
  global: ModelRules;
  accountRules?: ModelRules;
  /** config.yaml keys that name a provider but no channel (see misnamedChannels): warnings. */
  configWarnings?: string[];
  /** Where the global rules live, for the header (absent: config.yaml). */
  globalLabel?: string;
  /**
   * A remote server's own resolved model ids for one account (`GET /auth-files/models`), to set
   * beside ours: `models`, or why they could not be had.
   */
  server?: {account: string; models?: string[]; error?: string};
}

export async function loadRulesContext(
  paths: CcsPaths,
  provider: string,
  options: {account?: string; live?: LiveModelList} = {},
): Promise<RulesContext> {
  const row = requireProvider(provider);
  const {config} = await loadCliproxyConfig(paths);
  const store = new AccountStore(paths);
  let account: Account | undefined;
  let token: TokenFile | undefined;
  if (options.account !== undefined) {
    account = findAccount((await store.load()).accounts, row.id, options.account);
    token = await store.readToken(account);
  }
  let live: string[] | undefined;
  let liveError: string | undefined;
  let liveAdvice: ErrorAdvice | undefined;
  let livePartial: string | undefined;
  try {
    const answer = await options.live?.(row.id, account, token);
    live = answer?.models;
    livePartial = answer?.partial;
    if (options.live && live === undefined) {
      liveError = account ? `${row.displayName} has no models endpoint` : "it is asked with an account's credentials";
      if (!account) liveAdvice = {command: `ccs-tui models ${row.id} --account A --live`, action: 'rules.account', scope: 'models'};
    } else if (live?.length === 0) liveError = 'the live list is empty';
  } catch (error) {
    liveError = (error as Error).message;
  }
  return {
    provider: row.id,
    configFile: paths.config,
    account,
    tokenFile: account && store.tokenPath(account),
    base: servedBase(staticModels(row, accountPlan(account, token)), liveError === undefined && live ? {models: live, partial: livePartial} : undefined),
    ...(liveError === undefined ? {} : {liveError}),
    ...(liveAdvice === undefined ? {} : {liveAdvice}),
    ...(livePartial === undefined || liveError !== undefined ? {} : {livePartial}),
    global: globalRules(config, row.id),
    accountRules: account && accountRules(token, store.tokenPath(account)),
    configWarnings: misnamedChannels(config),
  };
}

/** The resolution for a context, with edited rules when given (the screen's unsaved state). */
export function resolveContext(context: RulesContext, edited?: {global?: ModelRules; account?: ModelRules}): ModelResolution {
  return resolveModels({
    provider: context.provider,
    base: context.base,
    global: edited?.global ?? context.global,
    account: edited?.account ?? context.accountRules,
    normalize: modelNormalizer(context.provider),
  });
}

/** A provider's live list as a base is built from it: its ids, and why it is incomplete (LiveModels). */
export type LiveBase = {readonly models: readonly string[]; readonly partial?: string};

/**
 * The base list (catalogue ids, before any rule) an account is served from: the one rule the
 * proxy's `/v1/models` and root routing, the model rules preview, `ccs-tui models --live` and
 * `ccs-tui env` share. `listed` is the static catalogue (by plan), `live` the provider's live list.
 * - No live list (or an empty one): the static list, `static`.
 * - A complete live list: the static ids it also names (a retired catalogue id is not offered: asked
 *   for, it gets a 404 and a 12 h not-found cooldown), then the live ids the static list lacks.
 * - A partial one (its pages could not all be read): the whole static list, then the live ids it
 *   lacks: a static id missing from it may be on a page not read.
 * Ids are compared ignoring case, as the rules compare them; the static spelling is kept.
 */
export function servedBase(listed: readonly string[], live: LiveBase | undefined): {models: string[]; source: 'static' | 'live'} {
  if (!live || live.models.length === 0) return {models: [...listed], source: 'static'};
  const named = new Set(live.models.map((id) => id.toLowerCase()));
  const kept = live.partial === undefined ? listed.filter((id) => named.has(id.toLowerCase())) : listed;
  const known = new Set(listed.map((id) => id.toLowerCase()));
  return {models: [...kept, ...live.models.filter((id) => !known.has(id.toLowerCase()))], source: 'live'};
}

/**
 * The models an account serves as the proxy answers them: the static catalogue (by the account's
 * plan) with config.yaml's and the token file's rules applied. Without an account, the provider's.
 * `live`: the provider's live list, which the base is built with (servedBase).
 */
export function accountResolution(row: ProviderRow, config: CliproxyConfig, account?: Account, token?: TokenFile, live?: LiveBase): ModelResolution {
  return resolveModels({
    provider: row.id,
    base: servedBase(staticModels(row, accountPlan(account, token)), live),
    global: globalRules(config, row.id),
    account: accountRules(token, account ? `token file ${account.tokenFile}` : undefined),
    normalize: modelNormalizer(row.id),
  });
}

/**
 * The models of an account's resolution (accountResolution) that stand for an id of its static list
 * (compared ignoring case): what the proxy's root routing matches, and `/v1/models` lists, before
 * any live-only model.
 */
export function fromStaticList(resolution: ModelResolution, row: ProviderRow, account?: Account, token?: TokenFile): VisibleModel[] {
  const known = new Set(staticModels(row, accountPlan(account, token)).map((id) => id.toLowerCase()));
  return resolution.models.filter((m) => known.has(m.upstream.toLowerCase()));
}

// ---- config.yaml ----

/**
 * Edits the global rules of one provider in config.yaml under the file lock. `change` gets the
 * current rules (re-read inside the lock) and returns the new ones; it may throw a UserError to
 * refuse (nothing is written then). A broken file is never overwritten.
 */
export async function updateGlobalRules(
  paths: CcsPaths,
  provider: string,
  change: (rules: ModelRules) => ModelRules,
): Promise<ModelRules> {
  const channel = rulesChannel(provider);
  let next: ModelRules | undefined;
  await updateCliproxyConfig(paths, (document, config) => {
    next = change(globalRules(config, provider));
    setChannelList(document, EXCLUDED_KEY, channel, next.excluded, {
      unread: (node) => isScalar(node) && !isReadablePattern(node.value),
      matches: (node, pattern) => isScalar(node) && node.value === pattern,
      create: (pattern, like) => scalarLike(pattern, like),
      update: (node, pattern) => (isScalar(node) ? ((node.value = pattern), node) : scalarLike(pattern, node)),
    });
    setChannelList(document, ALIAS_KEY, channel, next.aliases, {
      unread: (node) => isMap(node) && !isReadableAlias(node.toJSON() as Record<string, unknown>),
      matches: sameAliasNode,
      create: aliasNode,
      update: updateAliasNode,
    });
  });
  return next!;
}

/**
 * A new scalar quoted as `like` is (a sibling in the same list, so a new line looks like the lines
 * around it); double-quoted when there is none. yaml still quotes a plain one that would not read
 * back as a string (`yes`, `1.0`).
 */
function scalarLike(value: string, like: unknown): Scalar {
  const node = new Scalar(value);
  node.type = isScalar(like) && like.type ? like.type : Scalar.QUOTE_DOUBLE;
  return node;
}

/** A new alias entry, its scalars quoted as the first existing entry's are. */
function aliasNode(alias: ModelAlias, like: unknown): YAMLMap {
  const map = new YAMLMap();
  map.set('name', scalarLike(alias.name, isMap(like) ? like.get('name', true) : undefined));
  map.set('alias', scalarLike(alias.alias, isMap(like) ? like.get('alias', true) : undefined));
  if (alias.fork) map.set('fork', true);
  return map;
}

/**
 * An existing alias entry made to say `alias`: a changed name or alias gets its new value in the
 * scalar node that is there (its quoting and comment stay), `fork` follows the flag, and every
 * other field stays.
 */
function updateAliasNode(node: unknown, alias: ModelAlias): Node {
  if (!isMap(node)) return aliasNode(alias, undefined);
  for (const key of ['name', 'alias'] as const) {
    const scalar = node.get(key, true);
    if (isScalar(scalar)) {
      if (String(scalar.value ?? '') !== alias[key]) scalar.value = alias[key];
    } else node.set(key, scalarLike(alias[key], undefined));
  }
  if (alias.fork) node.set('fork', true);
  else node.delete('fork');
  return node;
}

function sameAliasNode(node: unknown, alias: ModelAlias): boolean {
  if (!isMap(node)) return false;
  return String(node.get('name') ?? '') === alias.name && String(node.get('alias') ?? '') === alias.alias;
}

/**
 * Sets `<key>.<channel>` to `values`, reusing the node of each value that was already there (its
 * comments and extra fields survive); removes the channel when the list is empty, and the key when
 * no channel is left.
 *
 * A value that is no old entry but takes the place of one (an entry edited in place: between the
 * same unchanged neighbours) is written into that entry's node by `update`, so the text around what
 * changed stays, as a CLI edit of one field would leave it. New nodes are styled like the first old one.
 */
function setChannelList<T>(
  document: Document,
  key: string,
  channel: string,
  values: readonly T[],
  nodes: {
    /** An entry the reader left out (cliproxy-config readableRules): kept as it is, after the values. */
    unread: (node: unknown) => boolean;
    matches: (node: unknown, value: T) => boolean;
    create: (value: T, like: unknown) => Node;
    update: (node: unknown, value: T) => Node;
  },
): void {
  const ownKey = isMap(document.get(key, true))
    ? (document.get(key, true) as YAMLMap).items.map((pair) => String(isScalar(pair.key) ? pair.key.value : pair.key)).find((name) => channelKey(name) === channelKey(channel))
    : undefined;
  assertUnsharedPath(document, [key, ownKey ?? channel]);
  let map = document.get(key, true);
  if (!isMap(map)) {
    if (values.length === 0) return;
    map = new YAMLMap();
    document.set(key, map);
  }
  // The first key that means this channel (CLIProxyAPI trims and lower-cases them); others merged into it are dropped.
  const sameChannel = (map as YAMLMap).items.filter((pair) => channelKey(String(isScalar(pair.key) ? pair.key.value : pair.key)) === channelKey(channel));
  const existingKey = sameChannel[0]?.key;
  for (const extra of sameChannel.slice(1)) (map as YAMLMap).delete(extra.key);
  const existing = existingKey === undefined ? undefined : (map as YAMLMap).get(existingKey, true);
  const all = sameChannel.flatMap((pair) => (isSeq(pair.value) ? pair.value.items : []));
  const unread = all.filter((node) => nodes.unread(node));
  if (values.length === 0 && unread.length === 0) {
    if (existingKey !== undefined) (map as YAMLMap).delete(existingKey);
    if ((map as YAMLMap).items.length === 0) document.delete(key);
    return;
  }
  const old = all.filter((node) => !nodes.unread(node));
  const taken = new Set<number>();
  // Unchanged entries first (wherever they moved to).
  const kept = values.map((value) => {
    const index = old.findIndex((node, i) => !taken.has(i) && nodes.matches(node, value));
    if (index >= 0) taken.add(index);
    return index;
  });
  // Then each changed value takes the first free old entry between its unchanged neighbours.
  let before = -1;
  const chosen = values.map((value, i) => {
    if (kept[i]! >= 0) {
      before = kept[i]!;
      return nodes.update(old[before], value);
    }
    const after = kept.slice(i + 1).find((index) => index >= 0) ?? old.length;
    const index = old.findIndex((_, j) => j > before && j < after && !taken.has(j));
    if (index < 0) return nodes.create(value, old[0]);
    taken.add(index);
    before = index;
    return nodes.update(old[index], value);
  });
  const seq = isSeq(existing) ? existing : new YAMLSeq();
  seq.items = [...chosen, ...unread];
  if (!isSeq(existing)) (map as YAMLMap).set(existingKey ?? channel, seq);
}
