// CLIProxyAPI's `cliproxy/config.yaml`, shared with CCS and CLIProxyAPI. Edited as a YAML document
// (the `yaml` package), so comments, key order and keys we do not own survive every save.
import {isAlias, isMap, isPair, isScalar, parseDocument, visit, type Document, type Node} from 'yaml';
import {idMap} from '../core/id-map.js';
import {modelNameProblem, shownModelName} from '../core/model-rules.js';
import {cutText} from '../core/redact.js';
import {sanitizeLine} from '../core/sanitize.js';
import type {ModelAlias} from '../core/types.js';
import {UserError} from '../core/types.js';
import {CorruptFileError, readRegularFile} from './files.js';
import {withFileLock} from './file-lock.js';
import {CONFIG_SECRETS, reportExposedSecret} from './secret-files.js';
import type {CcsPaths} from './paths.js';
import {spliceChangedKeys} from './yaml-splice.js';

export const DEFAULT_PROXY_PORT = 8317;

/** The parts of config.yaml ccs-tui reads. */
export interface CliproxyConfig {
  port: number;
  apiKeys: string[];
  /** `oauth-model-alias`: channel → entries. */
  modelAliases: Record<string, ModelAlias[]>;
  /** `oauth-excluded-models`: channel → patterns. */
  excludedModels: Record<string, string[]>;
  /** Per channel, the entries of both maps not read because a name in them is none (readableRules). */
  refusedRules?: Record<string, string[]>;
  /** `routing.strategy`, when set. */
  routingStrategy?: string;
}

export interface LoadedCliproxyConfig {
  config: CliproxyConfig;
  /** The parsed document (undefined when the file does not exist yet). */
  document?: Document;
  exists: boolean;
}

/**
 * Parses config.yaml text; a YAML error becomes a CorruptFileError with line and column. `<<` merge
 * keys are applied as CLIProxyAPI's reader (gopkg.in/yaml.v3) applies them: the merged map's pairs,
 * then the map's own pairs over them.
 */
export function parseCliproxyConfig(file: string, text: string): {config: CliproxyConfig; document: Document} {
  const document = parseDocument(text, {keepSourceTokens: false, merge: true});
  const first = document.errors[0];
  if (first) {
    const position = first.linePos?.[0];
    // yaml ends its first line with `at line 4, column 1:` (a code excerpt follows): the position is
    // said once, by CorruptFileError, and nothing dangles.
    const reason = first.message.split('\n')[0]!.replace(/\s*at line \d+, column \d+:?\s*$/, '').replace(/:\s*$/, '');
    throw new CorruptFileError(file, `invalid YAML: ${reason}`, position?.line, position?.col);
  }
  if (document.contents !== null && !isMap(document.contents)) {
    throw new CorruptFileError(file, 'expected a mapping (key: value) at the top level');
  }
  let data: Record<string, unknown>;
  try {
    data = (document.toJS({maxAliasCount: 1000}) ?? {}) as Record<string, unknown>;
  } catch (error) {
    // yaml refuses documents whose aliases expand exponentially ("billion laughs") with a ReferenceError.
    throw new CorruptFileError(file, `invalid YAML: ${(error as Error).message.split('\n')[0]}`);
  }
  return {config: readFields(file, data), document};
}

function readFields(file: string, data: Record<string, unknown>): CliproxyConfig {
  const port = data.port ?? DEFAULT_PROXY_PORT;
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new CorruptFileError(file, `field "port" must be a port number (1-65535), got ${JSON.stringify(port)}`);
  }
  const apiKeys = data['api-keys'] ?? [];
  if (!Array.isArray(apiKeys) || apiKeys.some((k) => typeof k !== 'string')) {
    throw new CorruptFileError(file, 'field "api-keys" must be a list of strings');
  }
  const modelAliases: Record<string, ModelAlias[]> = idMap();
  const refusedRules: Record<string, string[]> = idMap();
  for (const [channel, entries] of Object.entries(objectField(file, data, 'oauth-model-alias'))) {
    if (!Array.isArray(entries)) throw new CorruptFileError(file, `field "oauth-model-alias.${channel}" must be a list`);
    const aliases = entries.map((entry, i) => {
      if (typeof entry !== 'object' || entry === null) {
        throw new CorruptFileError(file, `field "oauth-model-alias.${channel}[${i}]" must have name and alias`);
      }
      return toModelAlias(entry as Record<string, unknown>);
    });
    // CLIProxyAPI keys both maps by channel trimmed and lower-cased (" Codex " is codex).
    const read = readableRules(file, {aliases: `oauth-model-alias.${channel}`, excluded: ''}, aliases, []);
    (modelAliases[channelKey(channel)] ??= []).push(...read.aliases);
    if (read.refused.length > 0) (refusedRules[channelKey(channel)] ??= []).push(...read.refused);
  }
  const excludedModels: Record<string, string[]> = idMap();
  for (const [channel, patterns] of Object.entries(objectField(file, data, 'oauth-excluded-models'))) {
    if (!Array.isArray(patterns)) throw new CorruptFileError(file, `field "oauth-excluded-models.${channel}" must be a list`);
    const read = readableRules(file, {aliases: '', excluded: `oauth-excluded-models.${channel}`}, [], patterns.map(String));
    (excludedModels[channelKey(channel)] ??= []).push(...read.excluded);
    if (read.refused.length > 0) (refusedRules[channelKey(channel)] ??= []).push(...read.refused);
  }
  const routing = data.routing as Record<string, unknown> | undefined;
  const routingStrategy = typeof routing?.strategy === 'string' ? routing.strategy : undefined;
  return {port, apiKeys: apiKeys as string[], modelAliases, excludedModels, ...(Object.keys(refusedRules).length > 0 ? {refusedRules} : {}), routingStrategy};
}

/** One alias entry as CLIProxyAPI reads it (config.yaml, a token file): missing names are ''. */
export function toModelAlias(entry: Record<string, unknown>): ModelAlias {
  return {name: String(entry.name ?? ''), alias: String(entry.alias ?? ''), ...(entry.fork === true ? {fork: true} : {})};
}

/**
 * The alias entries and exclusion patterns of one rules list (a config.yaml channel, a token file)
 * whose names are model names (core modelNameProblem), and a message for each one left out, naming
 * the file and field (`fields`: each list's path, e.g. `model_aliases`; `undefined` entries, of
 * another type, are skipped without a message). What is left out stays in
 * the file (the writers keep it: isReadableAlias, isReadablePattern); nothing else is lost.
 */
export function readableRules(
  file: string,
  fields: {aliases: string; excluded: string},
  aliases: readonly (ModelAlias | undefined)[],
  excluded: readonly (string | undefined)[],
): {aliases: ModelAlias[]; excluded: string[]; refused: string[]} {
  const refused: string[] = [];
  // Whether the name is none, said once per entry (an alias entry's name is checked before its alias).
  const refuses = (field: string, value: string) => {
    const problem = modelNameProblem(value);
    if (problem) refused.push(`${file}: ${sanitizeLine(field)} "${cutText(shownModelName(value), 60)}" ${problem}; the entry is not read (fix or remove it in the file)`);
    return problem !== undefined;
  };
  // `undefined`: an entry of another type, skipped (kept in the file), its position counted.
  const keptAliases = aliases.filter((alias, i): alias is ModelAlias => alias !== undefined && !refuses(`${fields.aliases}[${i}].name`, alias.name) && !refuses(`${fields.aliases}[${i}].alias`, alias.alias));
  const keptPatterns = excluded.filter((pattern, i): pattern is string => pattern !== undefined && !refuses(`${fields.excluded}[${i}]`, pattern));
  return {aliases: keptAliases, excluded: keptPatterns, refused};
}

/** Whether an alias entry as found in a file is read (readableRules): writers keep the ones that are not. */
export const isReadableAlias = (entry: Record<string, unknown>) => {
  const alias = toModelAlias(entry);
  return modelNameProblem(alias.name) === undefined && modelNameProblem(alias.alias) === undefined;
};

/** Whether an exclusion pattern as found in a file is read (readableRules). */
export const isReadablePattern = (pattern: unknown) => modelNameProblem(String(pattern)) === undefined;

/** A channel key as CLIProxyAPI compares it: trimmed, lower-case. */
export const channelKey = (key: string) => key.trim().toLowerCase();

function objectField(file: string, data: Record<string, unknown>, key: string): Record<string, unknown> {
  const value = data[key];
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw new CorruptFileError(file, `field "${key}" must be a mapping`);
  return value as Record<string, unknown>;
}

/**
 * What a config.yaml that does not parse stops, and what to do: said after the file's own error by
 * every reader that cannot go on without it (the proxy's reload keeps its last good config instead).
 * Nothing ever rewrites a broken config.yaml (updateCliproxyConfig parses first), so no copy is kept.
 */
export const UNREADABLE_CONFIG_CONSEQUENCE =
  'its api-keys, port and model rules are unknown until it is fixed, so model lists, `env`, rule edits and proxy starts stop (a running proxy keeps the config it last read); nothing rewrites a broken config.yaml: fix it by hand';

/** parseCliproxyConfig for a reader that stops on a broken file: its error says what that stops. */
function parseOrStop(file: string, text: string): {config: CliproxyConfig; document: Document} {
  try {
    return parseCliproxyConfig(file, text);
  } catch (error) {
    if (!(error instanceof CorruptFileError)) throw error;
    throw new CorruptFileError(file, `${error.detail}; ${UNREADABLE_CONFIG_CONSEQUENCE}`, error.line, error.column);
  }
}

export async function loadCliproxyConfig(paths: CcsPaths): Promise<LoadedCliproxyConfig> {
  const found = await readRegularFile(paths.config);
  if (found === undefined) {
    return {config: {port: DEFAULT_PROXY_PORT, apiKeys: [], modelAliases: {}, excludedModels: {}}, exists: false};
  }
  const parsed = parseOrStop(paths.config, found.text);
  // Its api-keys are secrets: any command that read them warns when others may read the file too.
  if (parsed.config.apiKeys.length > 0) reportExposedSecret(paths.config, found.mode, CONFIG_SECRETS);
  return {...parsed, exists: true};
}

/**
 * Edits config.yaml under a cross-process lock: re-reads it, lets `edit` change the document (it
 * gets the current values too, and may throw to refuse), checks the result still parses, and writes
 * it atomically, rewriting only the text of what changed. A broken file is never overwritten.
 */
export async function updateCliproxyConfig(
  paths: CcsPaths,
  edit: (document: Document, current: CliproxyConfig) => void,
): Promise<CliproxyConfig> {
  return withFileLock(paths.config, async (lock) => {
    const read = await lock.read(paths.config);
    const text = read?.text ?? '';
    const {document, config: current} = parseOrStop(paths.config, text);
    try {
      edit(document, current);
    } catch (error) {
      if (error instanceof SharedNodeError) throw new UserError(`${paths.config}:${lineAt(text, error.offset)}: ${error.message}`);
      throw error;
    }
    const next = spliceChangedKeys(text, document);
    const {config} = parseCliproxyConfig(paths.config, next);
    await lock.write(paths.config, next, read);
    return config;
  });
}

/** An edit would go through a YAML anchor, alias or merge key; `offset`: where in the text (for the line). */
class SharedNodeError extends Error {
  constructor(
    readonly offset: number,
    message: string,
  ) {
    super(message);
  }
}

/** 1-based line of a character offset. */
function lineAt(text: string, offset: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i >= 0 && i < offset; i = text.indexOf('\n', i + 1)) line++;
  return line;
}

/** A `<<` merge key: yaml parses its key as a Symbol with `merge: true`, as the text `<<` without. */
function isMergeKey(key: unknown): boolean {
  const value = isScalar(key) ? key.value : key;
  return typeof value === 'symbol' ? value.description === '<<' : value === '<<';
}

const EDIT_BY_HAND = 'edit the file by hand or break the alias (write the list out in full)';

/**
 * Refuses (inside updateCliproxyConfig's edit) to write `keys` (a path of map keys from the root,
 * e.g. ['oauth-excluded-models', 'codex']) when that would go through a node shared by YAML anchors:
 * a value that is an alias (`claude: *ex`), one that comes from a `<<` merge key, or one whose anchor
 * (or an anchor inside it) another part of the file uses (`codex: &ex [...]` with `claude: *ex`).
 * Writing there would change the other part too, or leave its alias without an anchor. The error
 * names the line and what to do; updateCliproxyConfig adds the file.
 */
export function assertUnsharedPath(document: Document, keys: readonly string[]): void {
  let node: unknown = document.contents;
  const where: string[] = [];
  for (const key of keys) {
    if (!isMap(node)) return;
    const own = node.items.find((pair) => String(isScalar(pair.key) ? pair.key.value : pair.key) === key);
    const name = [...where, key].join('.');
    if (!own) {
      const merge = node.items.find((pair) => isMergeKey(pair.key));
      const merged: unknown = (merge?.value as Node | null | undefined)?.toJS(document);
      if ((Array.isArray(merged) ? merged : [merged]).some((m) => typeof m === 'object' && m !== null && Object.hasOwn(m, key))) {
        throw new SharedNodeError(rangeStart(merge!.key), `${name} comes from the merge key "<<" here; editing it would change the map merged in too — ${EDIT_BY_HAND}`);
      }
      return;
    }
    const value = own.value as Node | null;
    if (isAlias(value)) {
      throw new SharedNodeError(rangeStart(value), `${name} is the alias *${value.source} of another part of the file; editing it would change that part too — ${EDIT_BY_HAND}`);
    }
    const users = value ? aliasUsersOf(document, value) : [];
    if (users.length > 0) {
      const [user] = users;
      throw new SharedNodeError(
        rangeStart(user!.alias),
        `${user!.path || 'another key'} uses the anchor &${user!.alias.source} of ${name}; editing ${name} would change ${user!.path || 'it'} too — ${EDIT_BY_HAND}`,
      );
    }
    where.push(key);
    node = value;
  }
}

function rangeStart(node: unknown): number {
  return (node as Node | null)?.range?.[0] ?? 0;
}

/** Aliases outside `node` that name an anchor set on `node` or inside it, each with the key path that holds it. */
function aliasUsersOf(document: Document, node: Node): {alias: Extract<Node, {source: string}>; path: string}[] {
  const anchors = new Set<string>();
  visit(node, (_, n) => {
    if (n && typeof n === 'object' && 'anchor' in n && typeof n.anchor === 'string' && n.anchor) anchors.add(n.anchor);
  });
  if (anchors.size === 0) return [];
  const found: {alias: Extract<Node, {source: string}>; path: string}[] = [];
  visit(document, {
    Node: (_, n, path) => {
      if (n === node) return visit.SKIP;
      if (isAlias(n) && anchors.has(n.source)) {
        const keys = path.filter(isPair).map((pair) => String(isScalar(pair.key) ? pair.key.value : pair.key));
        found.push({alias: n as Extract<Node, {source: string}>, path: keys.join('.')});
      }
      return undefined;
    },
  });
  return found;
}
