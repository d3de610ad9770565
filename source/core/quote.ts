import {hasInvisible} from './invisible.js';

// Values put inside another language's syntax by hand: a POSIX shell word and a TOML string. Names
// in them come from files (a token file's model alias, config.yaml's api-keys): whatever they hold,
// they read back as that one value and end nothing early (a quote, a line break).

/** `'value'` as a POSIX shell reads it back: every character literal, a `'` closed, escaped and reopened (`'\''`). */
export function shellQuoted(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

/**
 * A word for a command line shown to a person: as is when it holds only characters no shell treats
 * specially, else shellQuoted; one with a control or invisible character (a name from a file) as
 * bash's and zsh's `$'…'`, each such character escaped (`\x1b`, `\u200b`), so the line shown holds
 * none and still names that word.
 */
export function shellWord(word: string): string {
  // Not a leading `=`: zsh reads `=name` as the path of the command `name`.
  if (/^[A-Za-z0-9@%+:,./_-][A-Za-z0-9@%+=:,./_-]*$/.test(word)) return word;
  // eslint-disable-next-line no-control-regex
  if (!/[\u0000-\u001f\u007f-\u009f]/.test(word) && !hasInvisible(word)) return shellQuoted(word);
  let out = '';
  for (const char of word) {
    const code = char.codePointAt(0)!;
    if (char === '\\' || char === "'") out += `\\${char}`;
    else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, '0')}`;
    // \x would be a byte there, not the character: C1 controls by their code point.
    else if ((code >= 0x80 && code <= 0x9f) || hasInvisible(char)) out += code > 0xffff ? `\\U${code.toString(16).padStart(8, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
    else out += char;
  }
  return `$'${out}'`;
}

/**
 * `ccs-tui <command> <positionals…> <options…>` shown to a person, each positional a shellWord: with
 * a positional beginning with `-` (an id from a file), the options come first and `--` before the
 * positionals, as the command line would read it as an option otherwise.
 */
export function shellCommand(command: string, positionals: readonly string[], options: readonly string[] = []): string {
  const words = positionals.map(shellWord);
  return [command, ...(positionals.some((word) => word.startsWith('-')) ? [...options, '--', ...words] : [...words, ...options])].join(' ');
}

/**
 * `--name value` for a command line shown to a person (shellWord), or `--name=value` when the value
 * begins with `-`: the command line reads a separate `-…` as the next option.
 */
export function shellOption(name: string, value: string): string {
  return value.startsWith('-') ? `--${name}=${shellWord(value)}` : `--${name} ${shellWord(value)}`;
}

// TOML basic strings (toml.io v1.0.0, "String"): `"` and `\` are escaped, and so is every control
// character (U+0000–U+001F, U+007F), by its short form or \uXXXX; anything else is literal.
const TOML_SHORT: Readonly<Record<string, string>> = {'"': '\\"', '\\': '\\\\', '\b': '\\b', '\t': '\\t', '\n': '\\n', '\f': '\\f', '\r': '\\r'};

/** `"value"` as a TOML basic string (a codex `-c key=value` override reads its value as TOML). */
export function tomlString(value: string): string {
  // eslint-disable-next-line no-control-regex
  return `"${value.replace(/["\\\u0000-\u001f\u007f]/g, (char) => TOML_SHORT[char] ?? `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`)}"`;
}
