// Model rules: which model ids a client sees and what reaches the provider. One pure resolution with
// CLIProxyAPI's semantics (PROVIDERS.md, "Model rules"); the screen, `ccs-tui models` and the proxy
// all read the same result, so the preview cannot disagree with what is served.
//
// Order: base list → exclusions (account ∪ global, on upstream ids, before aliasing) → aliases
// (account first, then global; the first entry for an alias wins; `fork` keeps the original id).
import {UserError, type ModelAlias} from './types.js';
import {codePointName, firstInvisible, hasInvisible, invisibleKind, replaceInvisible} from './invisible.js';
import {holdsCredential, maskCredentialsIn, quoted, sanitizeLine, withoutControls} from './sanitize.js';
import {countOf} from './wording.js';

/** Where a rule comes from: the account's token file or config.yaml. */
export type RuleScope = 'account' | 'global';

export interface ModelRules {
  /** Exclusion patterns: exact ids, or `*` for any run of characters. */
  excluded: readonly string[];
  aliases: readonly ModelAlias[];
  /**
   * Entries of the file that were not read because a name in them is no model name
   * (modelNameProblem): one message each, naming the file and field. They stay in the file.
   */
  refused?: readonly string[];
}

/**
 * Why `name` (a model id, alias or exclusion pattern read from a file or typed) cannot be a model
 * name: `holds U+001B (a control character), which no model name has`; undefined when it can. No
 * model id of CLIProxyAPI or a provider holds a character of core/invisible.ts's set (the one display
 * escapes): one would reach a terminal, a shell export or a TOML string as something else, or make
 * two names look the same. The one rule for every reader.
 */
export function modelNameProblem(name: string): string | undefined {
  const found = firstInvisible(name);
  if (found === undefined) return undefined;
  return `holds ${codePointName(found)} (${invisibleKind(found)}), which no model name has`;
}

/**
 * Why a model name typed into a rule (`alias add`, `exclude add`, the rules editor) is refused:
 * modelNameProblem's, or a key or token in it (core/sanitize.ts holdsCredential: the whole value, a
 * word of it, `"sk-…"`, `Bearer sk-…`, `gpt-4o-sk-…`): a key pasted where the model name was asked
 * would be saved in clear (config.yaml, a token file's `model_aliases`) and shown on every list, as a
 * nickname would (core/accounts.ts). Read after the field's name: `<name> cannot be a key or token
 * ("sk-f…3333" looks like one, …)`. Files are still read as they are (CLIProxyAPI reads them too);
 * what they hold is shown masked (shownModelName).
 */
export function typedModelNameProblem(name: string): string | undefined {
  const trimmed = name.trim();
  if (holdsCredential(trimmed)) return `cannot be a key or token (${quoted(maskCredentialsIn(trimmed))} looks like one, and model rules are saved in clear and shown everywhere)`;
  return modelNameProblem(trimmed);
}

/**
 * A change to a scope's rules that refuses (UserError, nothing written) a name it adds (one the rules
 * did not hold before) holding a credential `mask` knows: `mask` is the CCS dir's credential masker, so
 * a key of any shape (an IBM Bob key has none typedModelNameProblem knows) or a cut of one, pasted
 * where a model name was asked, is not saved in clear. Names already in the file stay (a key saved by
 * mistake is removed by its name).
 */
export function refusingOwnCredentials<R extends ModelRules, A extends unknown[]>(change: (rules: R, ...rest: A) => R, mask: (text: string) => string): (rules: R, ...rest: A) => R {
  return (rules, ...rest) => {
    const next = change(rules, ...rest);
    const before = new Set([...rules.excluded, ...rules.aliases.flatMap((a) => [a.name, a.alias])].map((name) => name.trim()));
    const added: Array<[string, string]> = [
      ...next.excluded.map((p): [string, string] => ['the pattern', p]),
      ...next.aliases.flatMap((a): Array<[string, string]> => [['the model name', a.name], ['the alias', a.alias]]),
    ];
    for (const [field, name] of added) {
      if (before.has(name.trim())) continue;
      const masked = mask(name);
      if (masked !== name) throw new UserError(`${field} cannot be a key or token (${quoted(masked)} holds a credential of an account here, and model rules are saved in clear and shown everywhere)`, 2);
    }
    return next;
  };
}

/**
 * A rule's name (model id, alias, pattern) as data leaves ccs-tui (`--json`): every key or token in
 * it masked as maskSecret shows a key (`sk-f…3333`, `Bearer sk-f…3333`), anything else as it is.
 */
export function maskedModelName(name: string): string {
  if (holdsCredential(name)) return maskCredentialsIn(name);
  // A key with an invisible character in it (a name the files' reader refuses, quoted in its message) is one too.
  const bare = hasInvisible(name) ? replaceInvisible(name, () => '') : name;
  return holdsCredential(bare) ? maskCredentialsIn(bare) : name;
}

/**
 * A rule's name as a screen or a message shows it: maskedModelName on one line without escapes. The
 * one way every list of rules and models, warning and rule message shows a name.
 */
export function shownModelName(name: string): string {
  return sanitizeLine(maskedModelName(withoutControls(name)));
}

export interface ModelResolutionInput {
  provider: string;
  /** The models before any rule: the static catalogue or a live list, and which one it is. */
  base: {models: readonly string[]; source: 'static' | 'live'};
  global: ModelRules;
  /** The chosen account's own rules (token file); they come before the global ones. */
  account?: ModelRules;
  /** Maps a catalogue id to the id actually sent upstream (iFlow's legacy ids); identity otherwise. */
  normalize?: (id: string) => string;
}

export interface VisibleModel {
  /** What the client sees and asks for. */
  id: string;
  /** The catalogue id it stands for (equal to `id` unless renamed by an alias). */
  upstream: string;
  /** What the proxy sends upstream after provider normalisation (differs only for legacy ids). */
  sentAs: string;
  /** `original`: the model under its own id; `alias`: renamed; `fork`: an extra id beside the original. */
  kind: 'original' | 'alias' | 'fork';
  /** The thinking suffix written on the alias's target (already in `sentAs`); it wins over a requested one. */
  suffix?: string;
}

export interface ExcludedModel {
  id: string;
  /** The first pattern that matched (account patterns first). */
  pattern: string;
  scope: RuleScope;
}

export type AliasStatus =
  | 'renamed' // the alias replaces the model's id
  | 'forked' // the model appears under both ids
  | 'excluded' // the model is excluded, so the alias never appears
  | 'duplicate' // an earlier entry already uses this alias
  | 'same' // alias equals name: dropped
  | 'incomplete' // name or alias empty: dropped
  | 'unknown'; // the name is not in the base list

export interface AliasRelation {
  name: string;
  alias: string;
  fork: boolean;
  scope: RuleScope;
  /** Position of the entry in its scope's alias list. */
  index: number;
  status: AliasStatus;
}

export type RuleWarning =
  | {kind: 'alias-of-excluded'; scope: RuleScope; index: number; alias: string; name: string; pattern: string}
  | {kind: 'duplicate-alias'; scope: RuleScope; index: number; alias: string; name: string; winner: string}
  | {kind: 'alias-equals-name'; scope: RuleScope; index: number; alias: string}
  | {kind: 'alias-incomplete'; scope: RuleScope; index: number}
  | {kind: 'alias-unknown-model'; scope: RuleScope; index: number; alias: string; name: string}
  | {kind: 'alias-collides'; scope: RuleScope; index: number; alias: string; name: string}
  | {kind: 'pattern-matches-nothing'; scope: RuleScope; index: number; pattern: string}
  | {kind: 'pattern-removes-everything'; scope: RuleScope; index: number; pattern: string}
  | {kind: 'everything-excluded'}
  /** An entry of the file not read (ModelRules.refused): `message` names the file and field. */
  | {kind: 'name-refused'; scope: RuleScope; message: string};

export interface ModelResolution {
  provider: string;
  source: 'static' | 'live';
  base: readonly string[];
  models: VisibleModel[];
  excluded: ExcludedModel[];
  aliases: AliasRelation[];
  counts: {visible: number; all: number; excluded: number};
  warnings: RuleWarning[];
  /** Every exclusion pattern in force (account first), for ids outside the base list. */
  patterns: string[];
}

/**
 * The headline numbers in words: how many of the provider's models are offered (`N of M models`,
 * M = the static or live list), and, when forked aliases add names for a model (the original stays
 * too), how many ids that makes: `15 of 15 models as 16 ids (1 forked alias)`, never "16 of 15".
 */
export function modelCountText(resolution: Pick<ModelResolution, 'models' | 'counts'>): string {
  const offered = new Set(resolution.models.map((m) => m.upstream.toLowerCase())).size;
  const extra = resolution.counts.visible - offered;
  return `${offered} of ${countOf(resolution.counts.all, 'model')}${extra > 0 ? ` as ${resolution.counts.visible} ids (${countOf(extra, 'forked alias', 'forked aliases')})` : ''}`;
}

/**
 * CLIProxyAPI's exclusion match: case-insensitive, surrounding spaces ignored; without `*` the id must
 * be equal, each `*` matches any run of characters (also none). An empty pattern matches nothing.
 */
export function matchesPattern(pattern: string, id: string): boolean {
  const p = pattern.trim().toLowerCase();
  const value = id.trim().toLowerCase();
  if (p === '') return false;
  if (!p.includes('*')) return p === value;
  const parts = p.split('*');
  const first = parts[0]!;
  const last = parts[parts.length - 1]!;
  if (!value.startsWith(first)) return false;
  let position = first.length;
  for (const middle of parts.slice(1, -1)) {
    if (middle === '') continue;
    const found = value.indexOf(middle, position);
    if (found < 0) return false;
    position = found + middle.length;
  }
  return value.length - last.length >= position && value.endsWith(last);
}

const same = (a: string, b: string) => a.trim().toLowerCase() === b.trim().toLowerCase();

/**
 * CLIProxyAPI's thinking suffix: `model(8192)`, `model(high)`, `model(auto)`, `model(none)` carry a
 * budget or level after the id (PROVIDERS.md). `suffix` is what is inside the parentheses ('' for an
 * empty `model()`), undefined when the id has none.
 */
export function splitModelSuffix(id: string): {base: string; suffix?: string} {
  const trimmed = id.trim();
  // Most ids end in no ')': no expression run (the proxy asks several times per request, issue 14).
  if (!trimmed.endsWith(')')) return {base: trimmed};
  const match = /^(.*[^\s(])\s*\(([^()]*)\)$/.exec(trimmed);
  return match ? {base: match[1]!, suffix: match[2]!.trim()} : {base: trimmed};
}

/** `id` with a thinking suffix; an empty or missing suffix gives the bare id. */
export const withModelSuffix = (id: string, suffix: string | undefined) => (suffix ? `${id}(${suffix})` : id);

/** A normaliser applied to the id before a thinking suffix, the suffix kept (`kimi-k2.5(8192)` → `kimi-k2(8192)`). */
export function normalizeKeepingSuffix(normalize: (id: string) => string, id: string): string {
  const {base, suffix} = splitModelSuffix(id);
  return suffix === undefined ? normalize(id) : withModelSuffix(normalize(base), suffix);
}

interface ScopedPattern {
  pattern: string;
  scope: RuleScope;
  index: number;
}

interface ScopedAlias extends ModelAlias {
  scope: RuleScope;
  index: number;
  /** A thinking suffix written on the target (`name: gpt-5(high)`): it wins over the request's. */
  targetSuffix?: string;
}

export function resolveModels(input: ModelResolutionInput): ModelResolution {
  const normalize = input.normalize ?? ((id: string) => id);
  const base = input.base.models;
  const warnings: RuleWarning[] = [
    ...(input.account?.refused ?? []).map((message) => ({kind: 'name-refused' as const, scope: 'account' as const, message})),
    ...(input.global.refused ?? []).map((message) => ({kind: 'name-refused' as const, scope: 'global' as const, message})),
  ];

  const patterns: ScopedPattern[] = [
    ...(input.account?.excluded ?? []).map((pattern, index) => ({pattern, scope: 'account' as const, index})),
    ...input.global.excluded.map((pattern, index) => ({pattern, scope: 'global' as const, index})),
  ];
  // An empty base list (a provider whose only list is the live one, not asked for) checks nothing:
  // a pattern or alias target absent from it is no mistake.
  const checkable = base.length > 0;
  for (const p of patterns) {
    if (p.pattern.trim() === '') continue;
    const matched = base.filter((id) => matchesPattern(p.pattern, id)).length;
    if (matched === 0 && checkable) warnings.push({kind: 'pattern-matches-nothing', scope: p.scope, index: p.index, pattern: p.pattern});
    else if (matched === base.length && checkable) warnings.push({kind: 'pattern-removes-everything', scope: p.scope, index: p.index, pattern: p.pattern});
  }

  const excluded: ExcludedModel[] = [];
  const kept: string[] = [];
  for (const id of base) {
    const hit = patterns.find((p) => matchesPattern(p.pattern, id));
    if (hit) excluded.push({id, pattern: hit.pattern.trim(), scope: hit.scope});
    else kept.push(id);
  }
  if (base.length > 0 && kept.length === 0 && !warnings.some((w) => w.kind === 'pattern-removes-everything')) {
    warnings.push({kind: 'everything-excluded'});
  }

  // Aliases: drop empty and name == alias entries, keep the first entry per alias.
  const entries: ScopedAlias[] = [
    ...(input.account?.aliases ?? []).map((a, index) => ({...a, scope: 'account' as const, index})),
    ...input.global.aliases.map((a, index) => ({...a, scope: 'global' as const, index})),
  ];
  const relations: AliasRelation[] = [];
  const winners = new Map<string, ScopedAlias>();
  const active: ScopedAlias[] = [];
  for (const entry of entries) {
    const name = entry.name.trim();
    const alias = entry.alias.trim();
    const relation = (status: AliasStatus): AliasRelation => ({
      name,
      alias,
      fork: entry.fork === true,
      scope: entry.scope,
      index: entry.index,
      status,
    });
    const where = {scope: entry.scope, index: entry.index};
    if (name === '' || alias === '') {
      relations.push(relation('incomplete'));
      warnings.push({kind: 'alias-incomplete', ...where});
      continue;
    }
    if (same(name, alias)) {
      relations.push(relation('same'));
      warnings.push({kind: 'alias-equals-name', ...where, alias});
      continue;
    }
    const winner = winners.get(alias.toLowerCase());
    if (winner) {
      relations.push(relation('duplicate'));
      warnings.push({kind: 'duplicate-alias', ...where, alias, name, winner: winner.name.trim()});
      continue;
    }
    winners.set(alias.toLowerCase(), entry);
    // A target may carry a thinking suffix: the model is the part before it.
    const target = base.some((id) => same(id, name)) ? {base: name} : splitModelSuffix(name);
    const upstream = base.find((id) => same(id, target.base));
    const exclusion = upstream === undefined ? undefined : excluded.find((e) => e.id === upstream);
    if (upstream === undefined) {
      relations.push(relation('unknown'));
      if (checkable) warnings.push({kind: 'alias-unknown-model', ...where, alias, name});
    } else if (exclusion) {
      relations.push(relation('excluded'));
      warnings.push({kind: 'alias-of-excluded', ...where, alias, name, pattern: exclusion.pattern});
    } else {
      relations.push(relation(entry.fork === true ? 'forked' : 'renamed'));
      active.push({...entry, name: upstream, alias, ...(target.suffix ? {targetSuffix: target.suffix} : {})});
    }
  }
  // A model with any fork entry keeps its id; any other aliased model is replaced by its aliases.
  for (const relation of relations) {
    if (relation.status !== 'renamed') continue;
    const forkedElsewhere = active.some((a) => same(a.name, relation.name) && a.fork === true);
    if (forkedElsewhere) relation.status = 'forked';
  }

  const keepsOriginal = (id: string) => {
    const own = active.filter((a) => same(a.name, id));
    return own.length === 0 || own.some((a) => a.fork === true);
  };
  const aliasIds = new Set(active.map((a) => a.alias.toLowerCase()));
  const models: VisibleModel[] = [];
  for (const id of kept) {
    const keepOriginal = keepsOriginal(id);
    // CLIProxyAPI lists a forked model's own id first, then its aliases in config order.
    // An alias that reuses another model's id shadows that model: requests for the id follow the alias.
    if (keepOriginal && !aliasIds.has(id.toLowerCase())) {
      models.push({id, upstream: id, sentAs: normalize(id), kind: 'original'});
    }
    for (const a of active.filter((entry) => same(entry.name, id))) {
      models.push({
        id: a.alias,
        upstream: id,
        sentAs: withModelSuffix(normalize(id), a.targetSuffix),
        kind: keepOriginal ? 'fork' : 'alias',
        ...(a.targetSuffix ? {suffix: a.targetSuffix} : {}),
      });
    }
  }
  for (const a of active) {
    const shadowed = kept.find((id) => same(id, a.alias) && keepsOriginal(id));
    if (shadowed) warnings.push({kind: 'alias-collides', scope: a.scope, index: a.index, alias: a.alias, name: a.name});
  }

  return {
    provider: input.provider,
    source: input.base.source,
    base,
    models,
    excluded,
    aliases: relations,
    counts: {visible: models.length, all: base.length, excluded: excluded.length},
    warnings,
    patterns: patterns.map((p) => p.pattern.trim()).filter((p) => p !== ''),
  };
}

export type RequestedModel =
  | {kind: 'served'; id: string; upstream: string; sentAs: string}
  | {kind: 'excluded'; id: string; pattern: string}
  | {kind: 'unknown'; id: string; sentAs: string};

/**
 * What the proxy does with a requested model id: serve it (as `sentAs` upstream), refuse it because
 * an exclusion removed it (also when asked for by one of its aliases), or pass on an id the list
 * does not know (normalised, e.g. iFlow's legacy ids).
 *
 * Thinking suffixes as CLIProxyAPI applies them: an id in the list that itself ends in `(…)` is
 * matched exactly first; otherwise `alias(8192)` resolves on the part before the parenthesis and is
 * sent as `upstream(8192)`, an empty `alias()` as the bare upstream id, and a suffix written on the
 * alias's target wins over the request's.
 */
export function resolveRequestedModel(
  resolution: ModelResolution,
  requestedId: string,
  normalize: (id: string) => string = (id) => id,
): RequestedModel {
  const id = requestedId.trim();
  const find = (wanted: string) => resolution.models.find((m) => m.id === wanted) ?? resolution.models.find((m) => same(m.id, wanted));
  const exact = find(id);
  if (exact) return {kind: 'served', id: exact.id, upstream: exact.upstream, sentAs: exact.sentAs};
  const {base, suffix} = splitModelSuffix(id);
  const visible = suffix === undefined ? undefined : find(base);
  if (visible) {
    return {kind: 'served', id: visible.id, upstream: visible.upstream, sentAs: visible.suffix !== undefined ? visible.sentAs : withModelSuffix(visible.sentAs, suffix)};
  }
  for (const wanted of suffix === undefined ? [id] : [id, base]) {
    const viaAlias = resolution.aliases.find((a) => a.status === 'excluded' && same(a.alias, wanted));
    const target = viaAlias?.name ?? wanted;
    const excluded = resolution.excluded.find((e) => same(e.id, target));
    if (excluded) return {kind: 'excluded', id, pattern: excluded.pattern};
    // Not in the list (e.g. a model newer than the static catalogue): patterns still apply.
    for (const pattern of resolution.patterns) {
      if (matchesPattern(pattern, wanted)) return {kind: 'excluded', id, pattern};
    }
  }
  return {kind: 'unknown', id, sentAs: normalizeKeepingSuffix(normalize, id)};
}

/**
 * One line for a warning, as the screen and the command line show it: the names in it come from
 * files and are shown on one line without escapes (a name read before modelNameProblem, a pattern),
 * a key found as a name masked (shownModelName).
 */
export function describeWarning(warning: RuleWarning): string {
  return sanitizeLine(warningWords(warning));
}

function warningWords(warning: RuleWarning): string {
  switch (warning.kind) {
    case 'alias-of-excluded':
      return `alias "${shownModelName(warning.alias)}" will not appear: ${shownModelName(warning.name)} is excluded by "${shownModelName(warning.pattern)}"`;
    case 'duplicate-alias':
      return `alias "${shownModelName(warning.alias)}" is already used for ${shownModelName(warning.winner)}; the first entry wins, this one (${shownModelName(warning.name)}) is ignored`;
    case 'alias-equals-name':
      return `alias "${shownModelName(warning.alias)}" equals its name; the entry is ignored`;
    case 'alias-incomplete':
      return 'an alias entry needs both a name and an alias; it is ignored';
    case 'alias-unknown-model':
      return `alias "${shownModelName(warning.alias)}": ${shownModelName(warning.name)} is not in the model list`;
    case 'alias-collides':
      return `alias "${shownModelName(warning.alias)}" hides the model with the same id; requests for it go to ${shownModelName(warning.name)}`;
    case 'pattern-matches-nothing':
      return `pattern "${shownModelName(warning.pattern)}" matches no model`;
    case 'pattern-removes-everything':
      return `pattern "${shownModelName(warning.pattern)}" removes every model`;
    case 'everything-excluded':
      return 'the exclusions remove every model';
    case 'name-refused':
      return warning.message;
  }
}

/** Whether a warning is about the rule at this position (for inline display next to the rule). */
export function warningFor(warning: RuleWarning, scope: RuleScope, list: 'excluded' | 'aliases', index: number): boolean {
  if (!('index' in warning) || warning.scope !== scope || warning.index !== index) return false;
  const isPattern = warning.kind === 'pattern-matches-nothing' || warning.kind === 'pattern-removes-everything';
  return list === 'excluded' ? isPattern : !isPattern;
}

/** A few words for a warning, shown next to the rule it is about (the full line is listed below). */
export function shortWarning(warning: RuleWarning): string {
  const words: Record<RuleWarning['kind'], string> = {
    'alias-of-excluded': 'model excluded',
    'duplicate-alias': 'duplicate, ignored',
    'alias-equals-name': 'same as name, ignored',
    'alias-incomplete': 'incomplete',
    'alias-unknown-model': 'unknown model',
    'alias-collides': 'hides a model',
    'pattern-matches-nothing': 'matches nothing',
    'pattern-removes-everything': 'removes everything',
    'everything-excluded': 'nothing left',
    'name-refused': 'not read',
  };
  return words[warning.kind];
}
