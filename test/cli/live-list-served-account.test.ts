// `ccs-tui env`, the proxy screen and `ccs-tui run` ask a provider's live model list with the
// account the proxy serves first (its pool's pick, a running proxy's answer), not the default; when
// that account cannot give it, with the next ones the pool fails over to; and their advice names
// the account actually asked.
import assert from 'node:assert/strict';
import {writeFileSync} from 'node:fs';
import {afterEach, beforeEach, describe, it} from 'node:test';
import {rotateRunningProxy} from '../../source/services/proxy/control.js';
import {readRunningProxy} from '../../source/services/proxy/pid-file.js';
import {AccountStore} from '../../source/store/accounts.js';
import {makeTempCcs, type TempCcs} from '../helpers/ccs.js';
import {runBin} from '../helpers/cli.js';
import {freePort, sendJson, startFakeUpstream, type FakeUpstream} from '../helpers/fake-upstreams.js';
import {API_KEY} from '../proxy/fixture.js';

const MAIN_KEY = 'AIzaSyMainKeyMainKeyMainKey000001';
const SPARE_KEY = 'AIzaSySpareKeySpareKeySpareKey0002';

describe('the live model list is asked with the account the proxy serves (built binary)', () => {
  let ccs: TempCcs;
  let upstream: FakeUpstream;
  /** Keys the models endpoint takes; any other is refused with 401. */
  let good: Set<string>;
  beforeEach(async () => {
    good = new Set([SPARE_KEY]);
    upstream = await startFakeUpstream((req, res) => {
      const key = String(req.headers.authorization ?? '').replace(/^Bearer /, '');
      if (req.path !== '/v1beta/openai/models') return sendJson(res, 404, {error: {message: 'no such path'}});
      if (!good.has(key)) return sendJson(res, 401, {error: {message: 'API key not valid'}});
      sendJson(res, 200, {object: 'list', data: [{id: 'models/gemini-2.5-pro'}, {id: 'models/gemini-2.5-flash'}]});
    });
    ccs = makeTempCcs();
    ccs.writeRaw('cliproxy/config.yaml', `port: ${await freePort()}\napi-keys:\n  - "${API_KEY}"\n`);
    ccs.writeToken('aistudio-main.json', {type: 'aistudio', email: 'main@example.com', api_key: MAIN_KEY});
    ccs.writeToken('aistudio-spare.json', {type: 'aistudio', email: 'spare@example.com', api_key: SPARE_KEY});
    ccs.writeRegistry({version: 1, providers: {aistudio: {default: 'main@example.com', accounts: {
      'main@example.com': {email: 'main@example.com', nickname: 'main', tokenFile: 'aistudio-main.json'},
      'spare@example.com': {email: 'spare@example.com', nickname: 'spare', tokenFile: 'aistudio-spare.json'},
    }}}});
    writeFileSync(ccs.paths.settings, JSON.stringify({endpoints: {aistudio: {api: upstream.url}}}));
  });
  afterEach(async () => {
    await runBin(['proxy', 'stop'], ccs.env);
    ccs.cleanup();
    await upstream.close();
  });

  const asked = () => upstream.requests.map((r) => String(r.headers.authorization ?? '').replace(/^Bearer /, ''));

  it('the default waited out by the proxy (a stored cooldown): env asks spare, which the pool serves first, and never the default', async () => {
    const store = new AccountStore(ccs.paths);
    await store.setCooldown('aistudio', 'main@example.com', {until: new Date(Date.now() + 600_000).toISOString(), kind: 'rate-limit', reason: 'rate limited'});
    const env = await runBin(['env', 'aistudio', '--json'], ccs.env);
    assert.equal(env.code, 0, env.stderr);
    const {env: vars, notes} = JSON.parse(env.stdout) as {env: Record<string, string>; notes: string[]};
    assert.equal(vars.ANTHROPIC_MODEL, 'gemini-2.5-pro');
    assert.ok(notes.includes("models from the resolved list of spare (Google AI Studio's live list, asked now)"), notes.join('; '));
    assert.deepEqual(asked(), [SPARE_KEY]);
  });

  it('a running proxy that rotated to spare: env asks spare, as the proxy serves it now', async () => {
    good = new Set([MAIN_KEY, SPARE_KEY]);
    const start = await runBin(['proxy', 'start', '--provider', 'aistudio'], ccs.env, undefined, 30_000);
    assert.equal(start.code, 0, start.stderr);
    assert.equal(await rotateRunningProxy(ccs.paths, readRunningProxy(ccs.paths)!.port, 'aistudio'), 'spare');
    const before = upstream.requests.length;
    const env = await runBin(['env', 'aistudio', '--json'], ccs.env);
    assert.equal(env.code, 0, env.stderr);
    const {notes} = JSON.parse(env.stdout) as {notes: string[]};
    assert.ok(notes.includes("models from the resolved list of spare (Google AI Studio's live list, asked now)"), notes.join('; '));
    assert.deepEqual(asked().slice(before), [SPARE_KEY]);
  });

  it("the served account's key refused: env asks the next one the pool fails over to, and says so", async () => {
    const env = await runBin(['env', 'aistudio', '--json'], ccs.env);
    assert.equal(env.code, 0, env.stderr);
    const {env: vars, notes} = JSON.parse(env.stdout) as {env: Record<string, string>; notes: string[]};
    assert.equal(vars.ANTHROPIC_MODEL, 'gemini-2.5-pro');
    assert.ok(notes.some((n) => /^Google AI Studio's live model list could not be had with main: .*401.*; asked with spare, the account the proxy fails over to$/.test(n)), notes.join('\n'));
    assert.ok(notes.includes("models from the resolved list of spare (Google AI Studio's live list, asked now)"), notes.join('\n'));
    assert.deepEqual(asked(), [MAIN_KEY, SPARE_KEY]);
  });

  it('every account refused: each is named with its answer, and the advice names the account asked first', async () => {
    good = new Set();
    const env = await runBin(['env', 'aistudio'], ccs.env);
    assert.equal(env.code, 0, env.stderr);
    assert.match(env.stderr, /^# Google AI Studio's live model list could not be had: with main: .*401.*; with spare: .*401/m);
    assert.match(env.stderr, /ccs-tui models aistudio --account main --live/);
    assert.doesNotMatch(env.stdout, /ANTHROPIC_MODEL=/);
  });

  it('run: the agent gets the model of the account that gave the list when the served one cannot', async () => {
    const agent = ccs.writeRaw('agent.mjs', 'process.stdout.write(JSON.stringify({main: process.env.ANTHROPIC_MODEL ?? null}));\n');
    const run = await runBin(['run', 'aistudio', '--agent', 'claude'], {...ccs.env, CCS_TUI_AGENT_CLAUDE: JSON.stringify([process.execPath, agent])}, undefined, 40_000);
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(JSON.parse(run.stdout), {main: 'gemini-2.5-pro'});
  });
});
