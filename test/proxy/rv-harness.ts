// Leak finder for the masking review: what a client could recover from the bytes it received.
/** Every text a client may assemble: raw, JSON string leaves joined per key across SSE events, nested JSON strings, percent- and base64-decoded forms. */
export function recoverable(raw: string): string[] {
  const out: string[] = [raw];
  const perKey = new Map<string, string>();
  const leaves: string[] = [];
  const walk = (value: unknown, key: string) => {
    if (typeof value === 'string') {
      leaves.push(value);
      perKey.set(key, (perKey.get(key) ?? '') + value);
      try {
        const inner = JSON.parse(value);
        if (typeof inner === 'object' && inner !== null) walk(inner, key + '>');
        else if (typeof inner === 'string') leaves.push(inner);
      } catch {}
    } else if (Array.isArray(value)) value.forEach((v) => walk(v, key));
    else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) walk(v, k);
  };
  const jsons: string[] = [];
  for (const line of raw.split(/\r\n|\r|\n/)) {
    const data = line.startsWith('data:') ? line.slice(5).trim() : line.trim();
    if (data.startsWith('{') || data.startsWith('[')) jsons.push(data);
    else if (data.includes('{')) jsons.push(data.slice(data.indexOf('{')));
  }
  if (raw.trim().startsWith('{')) jsons.push(raw);
  for (const json of jsons) {
    try {
      walk(JSON.parse(json), '');
    } catch {}
  }
  for (const [, joined] of perKey) {
    out.push(joined);
    try {
      walk(JSON.parse(joined), 'joined');
    } catch {}
  }
  out.push(...leaves);
  const more: string[] = [];
  for (const text of [...out, ...perKey.values()]) {
    try {
      more.push(decodeURIComponent(text));
    } catch {}
    more.push(text.replace(/\\+u([0-9a-fA-F]{4})/g, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16))));
    const unwrapped = text.replace(/\\r\\n|\\n|\r\n|\n/g, '');
    for (const m of unwrapped.matchAll(/[A-Za-z0-9+/_-]{12,}={0,2}/g)) for (let s = 0; s < 4; s++) more.push(Buffer.from(m[0].slice(s), 'base64').toString('latin1'));
  }
  return [...out, ...more];
}

/** Whether any recoverable text holds `secret` in full. */
export function leaks(raw: string, secret: string): boolean {
  return recoverable(raw).some((text) => text.includes(secret));
}
