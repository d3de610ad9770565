// CLIProxyAPI's `cliproxy/config.yaml`, shared with CCS and CLIProxyAPI. Edited as a YAML document
// (the `yaml` package), so comments, key order and keys we do not own survive every save.
import {isMap, parseDocument, type Document} from 'yaml';
import {idMap} from '../core/id-map.js';
import type {ModelAlias} from '../core/types.js';
import {CorruptFileError, readTextIfExists, withFileLock, writeFileAtomic} from './files.js';
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
  /** `routing.strategy`, when set. */
  routingStrategy?: string;
}

export interface LoadedCliproxyConfig {
  config: CliproxyConfig;
  /** The parsed document (undefined when the file does not exist yet). */
  document?: Document;
  exists: boolean;
}

/** Parses config.yaml text; a YAML error becomes a CorruptFileError with line and column. */
export function parseCliproxyConfig(file: string, text: string): {config: CliproxyConfig; document: Document} {
  const document = parseDocument(text, {keepSourceTokens: false});
  const first = document.errors[0];
  if (first) {
    const position = first.linePos?.[0];
    throw new CorruptFileError(file, `invalid YAML: ${first.message.split('\n')[0]}`, position?.line, position?.col);
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
  for (const [channel, entries] of Object.entries(objectField(file, data, 'oauth-model-alias'))) {
    if (!Array.isArray(entries)) throw new CorruptFileError(file, `field "oauth-model-alias.${channel}" must be a list`);
    // CLIProxyAPI keys both maps by channel trimmed and lower-cased (" Codex " is codex).
    (modelAliases[channelKey(channel)] ??= []).push(...entries.map((entry, i) => {
      if (typeof entry !== 'object' || entry === null) {
        throw new CorruptFileError(file, `field "oauth-model-alias.${channel}[${i}]" must have name and alias`);
      }
      const {name, alias, fork} = entry as Record<string, unknown>;
      return {name: String(name ?? ''), alias: String(alias ?? ''), ...(fork === true ? {fork: true} : {})};
    }));
  }
  const excludedModels: Record<string, string[]> = idMap();
  for (const [channel, patterns] of Object.entries(objectField(file, data, 'oauth-excluded-models'))) {
    if (!Array.isArray(patterns)) throw new CorruptFileError(file, `field "oauth-excluded-models.${channel}" must be a list`);
    (excludedModels[channelKey(channel)] ??= []).push(...patterns.map(String));
  }
  const routing = data.routing as Record<string, unknown> | undefined;
  const routingStrategy = typeof routing?.strategy === 'string' ? routing.strategy : undefined;
  return {port, apiKeys: apiKeys as string[], modelAliases, excludedModels, routingStrategy};
}

/** A channel key as CLIProxyAPI compares it: trimmed, lower-case. */
export const channelKey = (key: string) => key.trim().toLowerCase();

function objectField(file: string, data: Record<string, unknown>, key: string): Record<string, unknown> {
  const value = data[key];
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw new CorruptFileError(file, `field "${key}" must be a mapping`);
  return value as Record<string, unknown>;
}

export async function loadCliproxyConfig(paths: CcsPaths): Promise<LoadedCliproxyConfig> {
  const text = await readTextIfExists(paths.config);
  if (text === undefined) {
    return {config: {port: DEFAULT_PROXY_PORT, apiKeys: [], modelAliases: {}, excludedModels: {}}, exists: false};
  }
  return {...parseCliproxyConfig(paths.config, text), exists: true};
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
  return withFileLock(paths.config, async () => {
    const text = (await readTextIfExists(paths.config)) ?? '';
    const {document, config: current} = parseCliproxyConfig(paths.config, text);
    edit(document, current);
    const next = spliceChangedKeys(text, document);
    const {config} = parseCliproxyConfig(paths.config, next);
    await writeFileAtomic(paths.config, next);
    return config;
  });
}
