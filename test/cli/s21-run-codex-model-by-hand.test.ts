// `run aistudio --agent codex` while AI Studio's live list cannot be had refuses, telling the person
// to name a model by hand: "add -- -m <model id> to ccs-tui run". Doing just that was refused again,
// with the same advice: only an environment variable counted as a model named by hand, and Codex
// CLI takes its model from its arguments. A model in the agent's own arguments is passed on.
import assert from 'node:assert/strict';
import {writeFileSync} from 'node:fs';
import {it} from 'node:test';
import {makeTempCcs} from '../helpers/ccs.js';
import {runBin} from '../helpers/cli.js';
import {freePort, sendJson, startFakeUpstream} from '../helpers/fake-upstreams.js';
import {API_KEY} from '../proxy/fixture.js';

it('run --agent codex -- -m <model>, as the refusal says: launched with that model', async () => {
  const upstream = await startFakeUpstream((req, res) => sendJson(res, 403, {error: {message: 'API key not valid'}}));
  const ccs = makeTempCcs();
  try {
    ccs.writeToken('aistudio-me.json', {type: 'aistudio', email: 'me@example.com', api_key: 'AIzaSyTestKeyDefault0123'});
    ccs.writeRaw('cliproxy/config.yaml', `port: ${await freePort()}\napi-keys:\n  - "${API_KEY}"\n`);
    writeFileSync(ccs.paths.settings, JSON.stringify({endpoints: {aistudio: {api: upstream.url}}}));
    const env = {...ccs.env, CCS_TUI_AGENT_CODEX: JSON.stringify(['/bin/sh', '-c', 'printf "%s\\n" "$@"', 'codex'])};
    const refused = await runBin(['run', 'aistudio', '--agent', 'codex', '--', 'exec', 'hi'], env);
    assert.equal(refused.code, 1, refused.stderr);
    assert.match(refused.stderr, /then name one for Codex CLI .*: add -- -m <model id> to ccs-tui run/);
    for (const named of [['-m', 'gemini-2.5-pro'], ['--model', 'gemini-2.5-pro'], ['--model=gemini-2.5-pro'], ['-c', 'model="gemini-2.5-pro"']]) {
      const byHand = await runBin(['run', 'aistudio', '--agent', 'codex', '--', ...named, 'exec', 'hi'], env);
      assert.equal(byHand.code, 0, `${named.join(' ')}: ${byHand.stderr}`);
      assert.doesNotMatch(byHand.stderr, /would name no/, named.join(' '));
      assert.deepEqual(byHand.stdout.trimEnd().split('\n').slice(-named.length - 2), [...named, 'exec', 'hi']);
    }
  } finally {
    await runBin(['proxy', 'stop'], ccs.env);
    await upstream.close();
    ccs.cleanup();
  }
});
