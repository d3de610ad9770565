// Which command runs an agent: CCS_TUI_AGENT_<ID> wins over tui.json's agents.<id>.command (the
// environment is set for one run; the file for every run), which wins over PATH. A newcomer set
// CCS_TUI_AGENT_CLAUDE and tui.json's command ran, silently.
import assert from 'node:assert/strict';
import {test} from 'node:test';
import {AGENTS} from '../../source/providers/agents.js';
import {agentCommand, agentCommandVariable, agentSettings} from '../../source/services/agents/launch.js';
import {DEFAULT_SETTINGS, type TuiSettings} from '../../source/store/settings.js';

const withAgents = (agents: unknown) => agentSettings({...DEFAULT_SETTINGS, agents} as unknown as TuiSettings);

test('for every agent, the env var overrides tui.json, and tui.json overrides PATH', () => {
  const file = withAgents(Object.fromEntries(AGENTS.map((a) => [a.id, {command: ['/from/tui.json', a.id]}])));
  for (const agent of AGENTS) {
    const variable = agentCommandVariable(agent);
    assert.deepEqual(agentCommand(agent, file, {PATH: '', [variable]: '/from/env'}), ['/from/env'], agent.id);
    assert.deepEqual(agentCommand(agent, file, {PATH: '', [variable]: JSON.stringify(['node', '/from/env.js'])}), ['node', '/from/env.js'], agent.id);
    assert.deepEqual(agentCommand(agent, file, {PATH: ''}), ['/from/tui.json', agent.id], `${agent.id}: without the variable, tui.json's`);
    assert.throws(() => agentCommand(agent, file, {PATH: '', [variable]: '[1]'}), new RegExp(`${variable} must be a path or a JSON array of strings`), `${agent.id}: a bad variable is said, not skipped for the file`);
  }
});

test('with neither, the error names both ways and the binary', () => {
  const [agent] = AGENTS;
  assert.throws(() => agentCommand(agent!, withAgents(undefined), {PATH: ''}), new RegExp(`set agents\\.${agent!.id}\\.command in tui\\.json or ${agentCommandVariable(agent!)}`));
});

test('an executable typed with ~ (tui.json, or a quoted variable) is the home dir\'s', () => {
  const [agent] = AGENTS;
  const env = {PATH: '', HOME: '/home/newcomer'};
  assert.deepEqual(agentCommand(agent!, withAgents({[agent!.id]: {command: ['~/bin/agent', '~/arg']}}), env), ['/home/newcomer/bin/agent', '~/arg'], 'only the executable: arguments are the agent\'s');
  assert.deepEqual(agentCommand(agent!, withAgents(undefined), {...env, [agentCommandVariable(agent!)]: '~/bin/from-env'}), ['/home/newcomer/bin/from-env']);
});
