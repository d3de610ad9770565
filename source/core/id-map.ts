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
