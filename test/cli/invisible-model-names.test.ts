// Attack 12: alias names holding invisible characters the read filter missed (U+034F, Hangul
// fillers, no-break space, blank braille, a lone surrogate) were exported raw by `env`, and the
// warning for U+2028/U+2029 quoted them raw. Each is now not read, with a warning naming the file
// and field that shows the name escaped; `env` never prints it.
import assert from 'node:assert/strict';
import {after, describe, test} from 'node:test';
import {makeTempCcs, tokenFixture} from '../helpers/ccs.js';
import {runBin} from '../helpers/cli.js';

/** [character, how a warning shows it, its code point name]. */
const HIDDEN = [
  ['\u2028', '\\u2028', 'U+2028'], ['\u2029', '\\u2029', 'U+2029'], ['\u034f', '\\u034f', 'U+034F'], ['\u115f', '\\u115f', 'U+115F'],
  ['\u3164', '\\u3164', 'U+3164'], ['\u00a0', '\\u00a0', 'U+00A0'], ['\u2800', '\\u2800', 'U+2800'], ['\ud800', '\\ud800', 'U+D800'],
] as const;

/** Nothing but printable ASCII and newlines: no character of the set, no U+FFFD a lone surrogate turns into. */
const PLAIN = /^[\x20-\x7e\n]*$/;

describe('a token file whose aliases hold invisible characters', () => {
  const ccs = makeTempCcs();
  // Renames (no fork): read, one would replace qwen3-coder-plus and be `env`'s sonnet model.
  const aliases = HIDDEN.map(([char]) => ({name: 'qwen3-coder-plus', alias: `a${char}b`}));
  ccs.writeToken('qwen-evil.json', tokenFixture('qwen', 'e@x.com', {model_aliases: [...aliases, {name: 'qwen3-coder-flash', alias: 'plain-alias'}]}));
  ccs.writeRaw('cliproxy/config.yaml', 'api-keys: ["sk-local-0123456789"]\n');
  after(() => ccs.cleanup());

  test('env: each entry is not read, with a warning naming file and field and showing the name escaped; no export holds it', async () => {
    const run = await runBin(['env', 'qwen'], ccs.env);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, PLAIN);
    assert.match(run.stderr, PLAIN, 'every warning shows the names escaped');
    for (const line of run.stdout.trimEnd().split('\n')) assert.match(line, /^export [A-Z_]+='[^']*'$/);
    HIDDEN.forEach(([, shown, code], i) => {
      const warning = `# warning: token file qwen-evil.json: model_aliases[${i}].alias "a${shown}b" holds ${code} (`;
      assert.ok(run.stderr.includes(warning), `${warning}\n${run.stderr}`);
    });
    assert.match(run.stdout, /^export ANTHROPIC_DEFAULT_SONNET_MODEL='qwen3-coder-plus'$/m, 'the model keeps its own id');
  });

  test('models --account: the list holds none of them; the readable alias is served', async () => {
    const run = await runBin(['models', 'qwen', '--account', 'e@x.com'], ccs.env);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout.replaceAll('←', '<'), PLAIN);
    assert.match(run.stderr, PLAIN);
    assert.doesNotMatch(run.stdout, /^a/m, 'no `a…b` alias is listed');
    assert.match(run.stdout, /^qwen3-coder-plus$/m);
    assert.match(run.stdout, /^plain-alias +← qwen3-coder-flash$/m);
    assert.equal(run.stderr.match(/model_aliases\[\d\]\.alias "a\\u[0-9a-f]{4}b" holds U\+/g)?.length, HIDDEN.length, run.stderr);
  });
});
