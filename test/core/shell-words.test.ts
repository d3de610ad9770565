// A command line shown to a person (the quit line, `proxy stop`'s note, refusals' ways out) names
// accounts and providers from files: whatever a name holds, bash reads the line back as that name,
// and the line itself holds no control character (it is printed on a terminal). A name beginning
// with `-` is given as --flag=VALUE (the command line reads a separate `-…` as an option).
import assert from 'node:assert/strict';
import {execFileSync} from 'node:child_process';
import {test} from 'node:test';
import {shellCommand, shellOption, shellWord} from '../../source/core/quote.js';
import {sanitizeLine} from '../../source/core/sanitize.js';
import {agentsLeftText} from '../../source/services/proxy/wording.js';

const NAMES = ['=x@example.com', '=ls', 'a=b', 'work', 'a b', "it's", 'a\nb', 'a\u001b[31mred', 'a\u200bb', 'a\tb', "x\\y'z\n", '$(touch /tmp/x)', '~root', 'a😀b', 'é\u0085', '-x@example.com', '--help'];

test('every name is read back by bash as itself, and the word shown holds no control character (sanitizeLine leaves it as it is)', () => {
  for (const name of NAMES) {
    const word = shellWord(name);
    assert.equal(sanitizeLine(word), word, JSON.stringify(name));
    // eslint-disable-next-line no-control-regex
    assert.doesNotMatch(word, /[\u0000-\u001f\u007f]/);
    const read = execFileSync('bash', ['-c', `printf '%s' ${word}`], {encoding: 'utf8'});
    assert.equal(read, name, `${JSON.stringify(name)} as ${word}`);
  }
});

test('a word beginning with = is quoted (zsh reads =name as the path of the command name)', () => {
  assert.equal(shellWord('=ls'), "'=ls'");
  assert.equal(shellWord('a=b'), 'a=b');
});

test('the proxy child is given the account as one word, whatever it begins with', async () => {
  const {builtinServeArgs} = await import('../../source/services/proxy/launch.js');
  assert.deepEqual(builtinServeArgs({provider: 'claude', account: '-x@example.com', port: 8317}), ['proxy', 'serve', '--port', '8317', '--provider', 'claude', '--account=-x@example.com']);
});

test('an option\'s value beginning with - is given as --name=VALUE', () => {
  assert.equal(shellOption('account', 'work'), '--account work');
  assert.equal(shellOption('account', '-x@example.com'), '--account=-x@example.com');
  assert.equal(shellOption('account', '-a b'), "--account='-a b'");
});

test('the agents-left line names the provider and the account served alone, each word as bash reads it back', () => {
  const text = agentsLeftText([{agent: 'claude', pid: 42}, {agent: 'codex\u001b[2J', pid: 43}], 8317, {provider: 'claude', account: '-odd\nname'});
  assert.equal(text, "2 running agents (claude pid 42, codex pid 43) used it and have none now: ccs-tui proxy start --port 8317 --provider claude --account=$'-odd\\x0aname' serves them again in the background");
  assert.equal(sanitizeLine(text), text);
});

test('a command with a positional beginning with - gives its options first, then -- before the positionals', () => {
  assert.equal(shellCommand('ccs-tui remove', ['claude', 'work'], ['--yes']), 'ccs-tui remove claude work --yes');
  assert.equal(shellCommand('ccs-tui remove', ['claude', '-x@example.com'], ['--yes']), 'ccs-tui remove --yes -- claude -x@example.com');
  assert.equal(shellCommand('ccs-tui resume', ['claude', 'my work']), "ccs-tui resume claude 'my work'");
});
