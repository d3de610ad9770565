import assert from 'node:assert/strict';
import {test} from 'node:test';
import {allCommands, COMMAND_GROUPS, commandsStartingWith} from '../../source/cli/commands/index.js';

// run.ts loads only the groups a command line's first word names: a group whose firstWords missed
// one of its commands would make that command "unknown".
test("each command group's firstWords are exactly its commands' first words", async () => {
  for (const group of COMMAND_GROUPS) {
    const words = new Set((await group.load()).map((command) => command.name[0]));
    assert.deepEqual([...words].sort(), [...group.firstWords].sort());
  }
});

test('the commands starting with a word are those of every command, in --help order', async () => {
  const all = await allCommands();
  const names = (commands: {name: readonly string[]}[]) => commands.map((command) => command.name.join(' '));
  for (const word of new Set(all.map((command) => command.name[0]!))) {
    assert.deepEqual(names(await commandsStartingWith(word)), names(all.filter((command) => command.name[0] === word)), word);
  }
  // `use` is in two groups: the registry's `use` and native mode's `use --native`.
  assert.deepEqual(names(await commandsStartingWith('use')), ['use', 'use --native']);
  assert.deepEqual(await commandsStartingWith('frobnicate'), []);
  assert.deepEqual(await commandsStartingWith('__proto__'), []);
});
