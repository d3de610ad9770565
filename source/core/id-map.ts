// Records keyed by names from files and requests (account ids, provider ids, channels).

/**
 * A copy of `entries` without a prototype, so an id such as `__proto__` or `constructor` is an
 * ordinary key: on a plain object, `map['__proto__'] = entry` replaces the prototype and the entry is
 * lost, and `map['constructor']` finds Object's constructor.
 */
export function idMap<T>(entries: Record<string, T> | undefined = {}): Record<string, T> {
  const map = Object.create(null) as Record<string, T>;
  if (typeof entries !== 'object' || entries === null) return map;
  for (const key of Object.keys(entries)) map[key] = entries[key]!;
  return map;
}

/**
 * An empty record keyed by names from requests (header names): like Object.create(null), no key
 * (`__proto__`, `constructor`, `toString`) finds anything it did not set, since Object.prototype is
 * not in its chain (its prototype is an empty object without one). Unlike Object.create(null),
 * which V8 keeps in dictionary mode, it stays a fast object: building one from an answer's headers
 * and walking it (for-in) cost about four times less (issue 14: the proxy does it per answer).
 */
export function nullRecord<T>(): Record<string, T> {
  return new NullRecord() as Record<string, T>;
}

const NullRecord = function NullRecord() {} as unknown as new () => object;
NullRecord.prototype = Object.create(null) as object;

/** `target[key] = value` as an own data property, `__proto__` included: names from files and requests are data. */
export function setOwn(target: object, key: string, value: unknown): void {
  Object.defineProperty(target, key, {value, enumerable: true, writable: true, configurable: true});
}

/**
 * `table[key]` when the table owns `key`, else undefined: for a lookup table (a stop reason, an
 * error code, a unit) keyed by a name that came from a file, a request or an upstream, where
 * `constructor` or `__proto__` would otherwise find Object's.
 */
export function ownValue<T>(table: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(table, key) ? table[key] : undefined;
}

const hasOwnProperty = Object.prototype.hasOwnProperty;

/**
 * Object.hasOwn(record, key), for the `for (key in record)` loops of the proxy's per-request path
 * (header records, request events). Node 20's optimising compiler folds this form to a check of the
 * record's shape when `key` is the loop's own key; Object.hasOwn stays a builtin call per key, and
 * ~60 of those per request were about 1 % of a small JSON answer's CPU.
 */
export function isOwn(record: object, key: string): boolean {
  return hasOwnProperty.call(record, key);
}
