// Values put inside another language's syntax by hand: a POSIX shell word and a TOML string. Names
// in them come from files (a token file's model alias, config.yaml's api-keys): whatever they hold,
// they read back as that one value and end nothing early (a quote, a line break).

/** `'value'` as a POSIX shell reads it back: every character literal, a `'` closed, escaped and reopened (`'\''`). */
export function shellQuoted(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

/** A word for a command line shown to a person: as is when it holds only characters no shell treats specially, else shellQuoted. */
export function shellWord(word: string): string {
  return /^[A-Za-z0-9@%+=:,./_-]+$/.test(word) ? word : shellQuoted(word);
}

// TOML basic strings (toml.io v1.0.0, "String"): `"` and `\` are escaped, and so is every control
// character (U+0000–U+001F, U+007F), by its short form or \uXXXX; anything else is literal.
const TOML_SHORT: Readonly<Record<string, string>> = {'"': '\\"', '\\': '\\\\', '\b': '\\b', '\t': '\\t', '\n': '\\n', '\f': '\\f', '\r': '\\r'};

/** `"value"` as a TOML basic string (a codex `-c key=value` override reads its value as TOML). */
export function tomlString(value: string): string {
  // eslint-disable-next-line no-control-regex
  return `"${value.replace(/["\\\u0000-\u001f\u007f]/g, (char) => TOML_SHORT[char] ?? `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`)}"`;
}
