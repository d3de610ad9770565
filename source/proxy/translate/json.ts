// Reading untrusted JSON (client requests, upstream bodies) without `any`: every accessor checks the
// shape and answers undefined (or an empty value) for anything else, so translators never throw on a
// missing field and never read an object's prototype keys.
import {setOwn} from '../../core/id-map.js';

export {parseJsonObject} from '../../core/json-object.js';
export {setOwn};

export type JsonObject = Record<string, unknown>;

export function isRecord(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `value[key]` when `value` is an object that owns `key`. */
export function field(value: unknown, key: string): unknown {
  return isRecord(value) && Object.hasOwn(value, key) ? value[key] : undefined;
}

export function asRecord(value: unknown): JsonObject | undefined {
  return isRecord(value) ? value : undefined;
}

export function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

export function asString(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

export function asNumber(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/** A copy of `body` without `keys`: the fields a translator rewrites; the rest are carried over. */
export function withoutKeys(body: JsonObject, keys: readonly string[]): JsonObject {
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(body)) if (!keys.includes(key)) setOwn(out, key, value);
  return out;
}


/**
 * Tool-call arguments as an object: OpenAI sends them as a JSON string that may be empty (`""` for
 * a tool without parameters) or, from weaker models, not JSON at all; that is kept as `{raw: text}`
 * rather than lost.
 */
export function parseToolArguments(text: string | undefined): JsonObject {
  if (text === undefined || text.trim() === '') return {};
  try {
    const value = JSON.parse(text) as unknown;
    return isRecord(value) ? value : {value};
  } catch {
    return {raw: text};
  }
}

/** A JSON text for tool input that is an object (Anthropic `input`, Gemini `args`), `{}` for none. */
export function toolInputJson(value: unknown): string {
  return JSON.stringify(isRecord(value) ? value : {});
}
