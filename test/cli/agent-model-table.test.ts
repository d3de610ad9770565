// The README's agents table is the agents table's launch (source/providers/agents.ts), and every
// agent is given a model or told why not: `run aistudio work --agent qwen` with AI Studio's list out
// of reach set no OPENAI_MODEL and said nothing.
import assert from 'node:assert/strict';
import {readFileSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {describe, it} from 'node:test';
import {AGENTS} from '../../source/providers/agents.js';
import {makeTempCcs} from '../helpers/ccs.js';
import {repoRoot, runBin} from '../helpers/cli.js';
import {freePort, sendJson, startFakeUpstream} from '../helpers/fake-upstreams.js';
import {API_KEY} from '../proxy/fixture.js';

const readme = readFileSync(path.join(repoRoot, 'README.md'), 'utf8');

/** The names a README cell puts in backticks, `A_{B,C}_D` spread to A_B_D and A_C_D. */
function cellNames(cell: string): string[] {
  return [...cell.matchAll(/`([^`]+)`/g)].flatMap(([, name]) => {
    const brace = /^(.*)\{([^}]*)\}(.*)$/.exec(name!);
    return brace ? brace[2]!.split(',').map((part) => `${brace[1]}${part}${brace[3]}`) : [name!];
  });
}

describe('agents table', () => {
  it('the README names exactly the variables each agent is given (and the proxy-served agents only)', () => {
    const target = {baseUrl: 'http://127.0.0.1:1/api/provider/p', apiKey: 'k', models: {main: 'm', opus: 'o', sonnet: 's', haiku: 'h'}, defaultModel: 'm'};
    for (const agent of AGENTS) {
      const row = new RegExp(`^\\| \`${agent.id}\`[^|]*\\| \`[^|]*\\| [^|]*\\| (.*) \\|$`, 'm').exec(readme);
      assert.ok(row, `README's agents table has a row for ${agent.id}`);
      if (agent.protocol === 'gemini-api') {
        assert.match(row[1]!, /not served by the proxy/);
        continue;
      }
      const launch = agent.launch(target);
      const named = cellNames(row[1]!);
      for (const [name, value] of Object.entries(launch.env)) {
        assert.ok(named.includes(name), `${agent.id}: README misses ${name}`);
        if (value === undefined) assert.match(row[1]!, new RegExp(`\`${name}\` removed`), `${agent.id}: README says ${name} is removed`);
      }
      // Its model, whichever way it is given.
      assert.ok(launch.env[agent.model.setting] === 'm' || launch.args.includes(`model="m"`), `${agent.id} is given the model by ${agent.model.setting}`);
      assert.ok(row[1]!.includes(agent.model.setting.replace(/=$/, '')), `${agent.id}: README names ${agent.model.setting}`);
      if (launch.args.length === 0) {
        const set = Object.keys(launch.env).sort();
        assert.deepEqual(named.filter((name) => /^[A-Z_]+$/.test(name)).sort(), set, `${agent.id}: README's variables are the launch's`);
      }
    }
  });

  it('AI Studio without its live list: `run --agent qwen` refuses, naming OPENAI_MODEL and how to set it, unless --force; with it, the run account\'s list names it', async () => {
    let refuse = true;
    const asked: string[] = [];
    const upstream = await startFakeUpstream((req, res) => {
      if (req.path !== '/v1beta/openai/models') return sendJson(res, 404, {error: {message: `no ${req.path}`}});
      asked.push(String(req.headers.authorization ?? req.headers['x-goog-api-key'] ?? req.url));
      if (refuse) return sendJson(res, 403, {error: {message: 'API key not valid'}});
      sendJson(res, 200, {object: 'list', data: ['models/gemini-2.5-pro', 'models/gemini-2.5-flash'].map((id) => ({id, object: 'model'}))});
    });
    const ccs = makeTempCcs();
    try {
      ccs.writeToken('aistudio-me.json', {type: 'aistudio', email: 'me@example.com', api_key: 'AIzaSyTestKeyDefault0123'});
      ccs.writeToken('aistudio-w.json', {type: 'aistudio', email: 'w@example.com', api_key: 'AIzaSyTestKeyWork000123'});
      ccs.writeRaw('cliproxy/config.yaml', `port: ${await freePort()}\napi-keys:\n  - "${API_KEY}"\n`);
      writeFileSync(ccs.paths.settings, JSON.stringify({endpoints: {aistudio: {api: upstream.url}}}));
      assert.equal((await runBin(['rename', 'aistudio', 'w@example.com', 'work'], ccs.env)).code, 0);
      const agent = {...ccs.env, CCS_TUI_AGENT_QWEN: JSON.stringify(['/bin/sh', '-c', 'env | grep ^OPENAI_ | sort'])};
      const refused = await runBin(['run', 'aistudio', 'work', '--agent', 'qwen'], agent);
      assert.equal(refused.code, 1, refused.stderr);
      assert.equal(refused.stdout, '', 'the agent did not run');
      // A short first line with the cause, then the way out, line by line, in Qwen Code's terms only.
      const lines = refused.stderr.trimEnd().split('\n');
      assert.equal(lines[0], 'ccs-tui: Qwen Code would name no Google AI Studio model the proxy serves, so its first request would be refused', refused.stderr);
      assert.match(lines[1]!, /^ {2}why: ccs-tui has no static Google AI Studio model list; Google AI Studio's live model list could not be had: .*403/, refused.stderr);
      assert.equal(lines[2], '  list the provider\'s models: ccs-tui models aistudio --account work --live', refused.stderr);
      assert.equal(lines[3], '  then name one for Qwen Code (it takes its model from OPENAI_MODEL): set OPENAI_MODEL=<model id> before ccs-tui run', refused.stderr);
      assert.equal(lines[4], '  or launch it anyway: add --force', refused.stderr);
      assert.equal(lines.length, 5, refused.stderr);
      assert.doesNotMatch(refused.stderr, /Claude Code|ANTHROPIC_/, 'no word of another agent');
      const forced = await runBin(['run', 'aistudio', 'work', '--agent', 'qwen', '--force'], agent);
      assert.equal(forced.code, 0, forced.stderr);
      assert.doesNotMatch(forced.stdout, /OPENAI_MODEL/);
      assert.match(forced.stderr, /^ccs-tui: warning: Qwen Code would name no Google AI Studio model the proxy serves, .*\n(?: {2}.*\n)* {2}then name one for Qwen Code \(it takes its model from OPENAI_MODEL\)/m);
      assert.doesNotMatch(forced.stderr, /add --force/, 'forced: no offer of --force');
      // The run's own list read is the first to hear the key refused: warned of at once.
      assert.match(forced.stderr, /^ccs-tui: warning: aistudio account work has its key refused /m);
      assert.ok(asked.at(-1)!.includes('AIzaSyTestKeyWork000123'), `the list is asked with the run's account: ${asked.join(', ')}`);
      // Named by hand: passed on, no warning about the model. The key, refused by the list read just
      // made, is warned of: the agent runs (a refused key is still tried), but likely meets refusals.
      const byHand = await runBin(['run', 'aistudio', 'work', '--agent', 'qwen'], {...agent, OPENAI_MODEL: 'gemini-2.5-pro'});
      assert.match(byHand.stdout, /^OPENAI_MODEL=gemini-2\.5-pro$/m);
      assert.equal(byHand.code, 0, byHand.stderr);
      assert.doesNotMatch(byHand.stderr, /would name no|OPENAI_MODEL/);
      assert.match(byHand.stderr, /^ccs-tui: warning: aistudio account work has its key refused \(key rejected: HTTP 403 .*API key not valid.*\): the proxy rests it 30 min after a refusal, and a new key ends the rest at once; a new key: ccs-tui login aistudio --nickname work$/m);
      assert.ok(!byHand.stderr.includes('AIzaSyTestKeyWork000123'), 'the key is not printed');
      // The upstream takes the key again: the run's own list read ends the mark, so no warning.
      refuse = false;
      const served = await runBin(['run', 'aistudio', 'work', '--agent', 'qwen'], agent);
      assert.match(served.stdout, /^OPENAI_MODEL=gemini-2\.5-pro$/m);
      assert.doesNotMatch(served.stderr, /warning/);
    } finally {
      await runBin(['proxy', 'stop'], ccs.env);
      await upstream.close();
      ccs.cleanup();
    }
  });
});
