// Whether output still shows a piece of a secret's base64: for tests of the maskers' base64 forms.

/**
 * Some 12-character piece of a base64 text of `secret` (any alignment within 3-byte groups, either
 * alphabet) that `output` holds once its chain separators (raw, JSON-escaped and percent-encoded
 * line breaks, spaces) are removed and `%2B`, `%2F` and `\/` undone; undefined when none.
 */
export function leakedBase64(output: string, secret: string): string | undefined {
  const joined = output.replace(/\\r|\\n|\r|\n| |%0[dDaA]/g, '').replace(/%2[bB]/g, '+').replace(/%2[fF]|\\\//g, '/');
  const bytes = Buffer.from(secret);
  for (const from of [0, 1, 2]) {
    const whole = bytes.subarray(from, from + Math.floor((bytes.length - from) / 3) * 3);
    for (const core of [whole.toString('base64'), whole.toString('base64url')]) {
      for (let i = 0; i + 12 <= core.length; i++) if (joined.includes(core.slice(i, i + 12))) return core.slice(i, i + 12);
    }
  }
  return undefined;
}
