// A Responses `.done` event over 1 MB (sse-run-mask.ts MAX_EVENT_BYTES, streamed through
// json-run-mask.ts) repeats a part's whole text: when that part's run went on from a token's start
// that ended the part before, its `.done` texts are masked as its deltas were, as a shorter `.done`
// event's are (doneRewritten). Through a real proxy from a hostile upstream on 127.0.0.1.
import assert from 'node:assert/strict';
import {after, before, describe, it} from 'node:test';
import {oneAccountFixture, type ProxyFixture} from './fixture.js';
import {askRaw, codexAccount, responsesEvent, serve, sseData} from './rv-harness.js';


describe('a token cut between two Responses parts, the second part\'s .done events over 1 MB', () => {
  const secret = 'cdxAccess-TOKEN_s10done_0123456789';
  let f: ProxyFixture;
  before(async () => (f = await oneAccountFixture(codexAccount(secret))));
  after(() => f.close());
  const ev = responsesEvent;
  const request = {model: 'gpt-5.2-codex', stream: true, input: 'hi'};

  for (const cut of [6, 9]) {
    it(`a token cut after ${cut} characters between two parts, part 1's .done events over 1 MB: no .done text joins to it`, async () => {
      const pad = ' lorem ipsum'.repeat(100_000);
      const first = `key ${secret.slice(0, cut)}`;
      const second = `${secret.slice(cut)} end${pad}`;
      const part = (index: number, text: string) => [
        ev('response.content_part.added', {output_index: 0, content_index: index, part: {type: 'output_text', text: '', annotations: []}}),
        ...(text.match(/[^]{1,30000}/g) ?? []).map((delta) => ev('response.output_text.delta', {output_index: 0, content_index: index, delta})),
        ev('response.output_text.done', {output_index: 0, content_index: index, text}),
        ev('response.content_part.done', {output_index: 0, content_index: index, part: {type: 'output_text', text, annotations: []}}),
      ];
      const events = [ev('response.output_item.added', {output_index: 0, item: {id: 'msg_1', type: 'message', role: 'assistant', status: 'in_progress', content: []}}), ...part(0, first), ...part(1, second)];
      serve(f, events, 'trickle');
      const r = await askRaw(f, request, '/v1/responses');
      assert.equal(r.status, 200, r.text.slice(0, 300));
      const got = sseData(r.text).filter((e) => typeof e !== 'string') as Array<Record<string, any>>;
      const textDone = got.map((e) => (e.type === 'response.output_text.done' ? e.text : '')).join('');
      const partDone = got.map((e) => (e.type === 'response.content_part.done' ? e.part.text : '')).join('');
      const deltas = got.map((e) => (e.type === 'response.output_text.delta' ? e.delta : '')).join('');
      for (const [kind, text] of Object.entries({textDone, partDone, deltas})) {
        assert.ok(text.startsWith('key ') && text.endsWith(' ipsum'), `${kind}: the client still reads it`);
        assert.ok(!text.includes(secret.slice(cut, cut + 16)), `${kind} holds the token's rest: ${text.slice(0, 80)}`);
      }
    });
  }
});
