// JSON Schema (OpenAI and Anthropic tool parameters) → the OpenAPI 3.0 subset Gemini function
// declarations accept in `parameters`. Gemini answers 400 to `$ref`, `$schema`, `additionalProperties`,
// `const`, `oneOf`/`allOf`, type arrays, string formats other than `enum`/`date-time`, non-string enum
// values, an empty `properties` object and `required` names that are not properties; CLIProxyAPI
// cleans the same keywords. Rewritten rather than dropped where the meaning survives: `$ref` is
// inlined from `$defs`/`definitions`, `const` becomes a one-value enum, `["string","null"]` becomes
// `nullable`, `oneOf` becomes `anyOf`, `allOf` is merged.
import {asArray, isRecord, setOwn, type JsonObject} from './json.js';

const KEPT = new Set(['type', 'format', 'description', 'nullable', 'enum', 'items', 'properties', 'required', 'minItems', 'maxItems', 'minimum', 'maximum', 'minLength', 'maxLength', 'anyOf', 'propertyOrdering', 'title']);
const STRING_FORMATS = new Set(['enum', 'date-time']);
const NUMBER_FORMATS = new Set(['int32', 'int64', 'float', 'double']);
/** `$ref` chains deeper than this are cut (a recursive schema would never end). */
const MAX_REF_DEPTH = 8;

/** A Gemini-safe copy of a tool's parameter schema; undefined when the tool takes no parameters. */
export function geminiParameters(schema: unknown): JsonObject | undefined {
  if (!isRecord(schema)) return undefined;
  const cleaned = clean(schema, schema, 0);
  if (cleaned.type === 'object' && cleaned.properties === undefined) return undefined;
  return cleaned;
}

function clean(node: JsonObject, root: JsonObject, depth: number): JsonObject {
  let schema = node;
  if (typeof schema.$ref === 'string') {
    const target = depth < MAX_REF_DEPTH ? resolveRef(schema.$ref, root) : undefined;
    const {$ref: _ref, ...rest} = schema;
    schema = target ? {...target, ...rest} : {type: 'object', ...rest};
    depth++;
  }
  if (Array.isArray(schema.allOf)) schema = mergeAllOf(schema);
  const out: JsonObject = {};
  // Type arrays: the null member becomes `nullable`, several others become `anyOf`.
  if (Array.isArray(schema.type)) {
    const types = schema.type.filter((t): t is string => typeof t === 'string');
    const concrete = types.filter((t) => t !== 'null');
    if (types.includes('null')) out.nullable = true;
    if (concrete.length === 1) out.type = concrete[0];
    else if (concrete.length > 1) out.anyOf = concrete.map((type) => clean({...schema, type}, root, depth));
  } else if (typeof schema.type === 'string') out.type = schema.type;

  const options = asArray(schema.anyOf ?? schema.oneOf).filter(isRecord);
  if (options.length > 0) {
    const concrete = options.filter((option) => option.type !== 'null');
    if (concrete.length < options.length) out.nullable = true;
    if (concrete.length === 1) Object.assign(out, clean(concrete[0]!, root, depth));
    else if (concrete.length > 1) out.anyOf = concrete.map((option) => clean(option, root, depth));
  }
  if (schema.const !== undefined) out.enum = [String(schema.const)];

  for (const [key, value] of Object.entries(schema)) {
    if (!KEPT.has(key) || Object.hasOwn(out, key) || key === 'anyOf') continue;
    if (key === 'properties') {
      if (!isRecord(value) || Object.keys(value).length === 0) continue;
      out.properties = Object.fromEntries(Object.entries(value).map(([name, sub]) => [name, isRecord(sub) ? clean(sub, root, depth) : {}]));
    } else if (key === 'items') {
      if (isRecord(value)) out.items = clean(value, root, depth);
    } else if (key === 'enum') {
      out.enum = asArray(value).filter((v) => v !== null).map(String);
    } else if (key === 'format') {
      const type = out.type;
      if ((type === 'string' && STRING_FORMATS.has(String(value))) || ((type === 'integer' || type === 'number') && NUMBER_FORMATS.has(String(value)))) out.format = value;
    } else out[key] = value;
  }
  // Gemini's enums are strings only.
  if (out.enum !== undefined) out.type = 'string';
  if (out.required !== undefined) {
    const properties = isRecord(out.properties) ? out.properties : {};
    const required = asArray(out.required).filter((name): name is string => typeof name === 'string' && Object.hasOwn(properties, name));
    if (required.length > 0) out.required = required;
    else delete out.required;
  }
  return out;
}

function resolveRef(ref: string, root: JsonObject): JsonObject | undefined {
  const match = /^#\/(\$defs|definitions)\/(.+)$/.exec(ref);
  if (!match) return undefined;
  const defs = root[match[1]!];
  let name: string;
  try {
    name = decodeURIComponent(match[2]!).replace(/~1/g, '/').replace(/~0/g, '~');
  } catch {
    // Not a URI fragment (a `%` without two hex digits): it names no definition.
    return undefined;
  }
  const target = isRecord(defs) && Object.hasOwn(defs, name) ? defs[name] : undefined;
  return isRecord(target) ? target : undefined;
}

function mergeAllOf(schema: JsonObject): JsonObject {
  const {allOf, ...rest} = schema;
  const merged: JsonObject = {...rest};
  for (const part of asArray(allOf).filter(isRecord)) {
    for (const [key, value] of Object.entries(part)) {
      if (key === 'properties' && isRecord(value)) merged.properties = {...(isRecord(merged.properties) ? merged.properties : {}), ...value};
      else if (key === 'required') merged.required = [...asArray(merged.required), ...asArray(value)];
      else if (!Object.hasOwn(merged, key)) setOwn(merged, key, value);
    }
  }
  return merged;
}
