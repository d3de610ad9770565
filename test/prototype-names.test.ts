// Names from files, requests and upstream answers used as keys of a lookup table or a merged object:
// `constructor`, `__proto__`, `toString` are data, never Object.prototype's members.
import assert from 'node:assert/strict';
import {afterEach, beforeEach, describe, it} from 'node:test';
import {iflowError, normalizeIflowModel} from '../source/providers/adapters/iflow.js';
import {parseRoute} from '../source/proxy/routes.js';
import {geminiParameters} from '../source/proxy/translate/gemini-schema.js';
import {AnthropicReader} from '../source/proxy/translate/readers/anthropic.js';
import {thinkingFromModel} from '../source/proxy/translate/thinking-suffix.js';
import {loadSettings} from '../source/store/settings.js';
import {makeTempCcs, type TempCcs} from './helpers/ccs.js';

const PROTOTYPE_NAMES = ['constructor', '__proto__', 'toString', 'valueOf', 'hasOwnProperty'];

describe('names that are Object.prototype members', () => {
  let ccs: TempCcs;
  beforeEach(() => (ccs = makeTempCcs()));
  afterEach(() => ccs.cleanup());

  it('an upstream stop_reason is read as an unknown reason (end_turn), not as Object', () => {
    for (const reason of PROTOTYPE_NAMES) {
      const events = AnthropicReader.readBody(JSON.stringify({id: 'msg_1', type: 'message', model: 'm', content: [{type: 'text', text: 'hi'}], stop_reason: reason, usage: {input_tokens: 1, output_tokens: 1}}));
      assert.deepEqual(events.at(-1), {type: 'stop', reason: 'end_turn'}, reason);
    }
  });

  it('a model suffix naming a prototype member is not a thinking level: the id goes upstream as asked', () => {
    for (const word of PROTOTYPE_NAMES) assert.deepEqual(thinkingFromModel(`claude-sonnet-4-5(${word})`), {model: `claude-sonnet-4-5(${word})`}, word);
  });

  it('iFlow: a model id or an error code naming a prototype member passes as data', () => {
    for (const name of PROTOTYPE_NAMES) {
      assert.equal(normalizeIflowModel(name), name);
      assert.equal(iflowError(200, JSON.stringify({status: name, choices: null})), undefined, name);
      assert.equal(iflowError(200, JSON.stringify({code: name})), undefined, name);
    }
  });

  it('request paths naming a prototype member are not proxy routes', () => {
    for (const name of PROTOTYPE_NAMES) {
      assert.equal(parseRoute(name), undefined, name);
      assert.equal(parseRoute(`/api/provider/claude/${name}`), undefined, name);
    }
  });

  it('a JSON schema whose allOf part has a "__proto__" or "constructor" key is cleaned without taking it as a prototype', () => {
    const schema = JSON.parse('{"allOf":[{"type":"object","__proto__":{"polluted":true},"constructor":{"x":1},"properties":{"a":{"type":"string"}}}]}') as Record<string, unknown>;
    const cleaned = geminiParameters(schema) as Record<string, unknown>;
    assert.equal(Object.getPrototypeOf(cleaned), Object.prototype);
    assert.equal((cleaned as {polluted?: unknown}).polluted, undefined);
    assert.deepEqual(cleaned, {type: 'object', properties: {a: {type: 'string'}}});
  });

  it('tui.json: a "__proto__" member stays data (no setting is inherited from it), the others still load', async () => {
    ccs.writeRaw('tui.json', '{"__proto__": {"rotation": {"strategy": "fill-first"}, "injected": true}, "quota": {"pollSeconds": 120, "constructor": 1}}');
    const {settings, problem} = await loadSettings(ccs.paths);
    assert.equal(problem, undefined);
    assert.equal(Object.getPrototypeOf(settings), Object.prototype);
    assert.equal((settings as unknown as {injected?: unknown}).injected, undefined);
    assert.equal(settings.rotation.strategy, 'most-headroom');
    assert.equal(settings.quota.pollSeconds, 120);
    assert.equal(Object.getPrototypeOf(settings.quota), Object.prototype);
  });
});
