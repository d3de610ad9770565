// Log probabilities whose hold is forced to end lose the entries from where a credential may begin
// (core/logprobs-mask.ts dropOpen): held 1 s while other events wait (deliver.ts HOLD_RELEASE_MS,
// SseRunMasker.expire), more than 1 MB held, an SSE event too long to hold before or after them, a
// choice that finishes on a cut start, a JSON answer over 4 MB holding more than 1 MB of entries.
// The entries of later lists that go on with what was dropped must not reach the client either:
// before, the masker forgot the dropped start, and the rest of the token went out (`q` dropped,
// `wAccess_TOKEN-…` sent: all of a token but its first character). Every cut offset through the
// maskers the proxy pipes a stream through, then through a real proxy from a hostile upstream on
// 127.0.0.1.
import assert from 'node:assert/strict';
import {after, before, describe, it} from 'node:test';
import {setTimeout as sleep} from 'node:timers/promises';
import {Redactor} from '../../source/core/redact.js';
import {SseRunMasker} from '../../source/proxy/sse-run-mask.js';
import {API_KEY, oneAccountFixture, type ProxyFixture} from './fixture.js';
import {askRaw, codexAccount, inPieces, maskedJsonRuns, qwen, responsesEvent, serve, sseData, tokenOf} from './rv-harness.js';

const token = tokenOf(qwen);
const redactor = new Redactor([token]);

type Entry = {token: string; logprob: number; bytes: number[]; top_logprobs: Entry[]};
/** An entry whose chosen token is `text` (its bytes `bytes`, its rank-0 alternative `top`). */
const entry = (text: string, top?: string, bytes = text): Entry => ({token: text, logprob: -0.1, bytes: [...Buffer.from(bytes)], top_logprobs: top === undefined ? [] : [entry(top)]});

/** How the token is spelled across the lists: by the chosen tokens, by their bytes alone, by the rank-0 alternatives. */
type Form = 'tokens' | 'bytes' | 'rank 0';
const FORMS: Form[] = ['tokens', 'bytes', 'rank 0'];
/** A list entry spelling `piece` in `form`. */
const spelling = (form: Form, piece: string) => (form === 'tokens' ? entry(piece) : form === 'bytes' ? entry('·', undefined, piece) : entry('·', piece));

/** A Chat chunk of choice 0 with these logprobs entries (`content` its text: one that spells nothing). */
const chat = (entries: Entry[] | null, finish: string | null = null, content = entries && entries.length > 0 ? 'x' : undefined) =>
  `data: ${JSON.stringify({id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'qwen3-coder-plus', choices: [{index: 0, delta: content === undefined ? {} : {content}, logprobs: entries && {content: entries, refusal: null}, finish_reason: finish}]})}\n\n`;
/** A chunk of choice 0's tool call (no logprobs): it waits behind choice 0's held logprobs. */
const toolChunk = (args: string) => `data: ${JSON.stringify({id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'qwen3-coder-plus', choices: [{index: 0, delta: {tool_calls: [{index: 0, function: {arguments: args}}]}, logprobs: null, finish_reason: null}]})}\n\n`;
/** Tool-call chunks of more than 1 MB in all (MAX_EVENT_BYTES of events waiting behind a hold). */
const overMegabyte = () => Array.from({length: 11}, () => toolChunk(`"${'z'.repeat(100_000)}"`));
/** A Chat chunk too long to hold (an SSE event over 1 MB), its text long, with these entries. */
const longChat = (entries: Entry[]) => chat(entries, null, 'L'.repeat(1_200_000));
const DONE = 'data: [DONE]\n\n';

/** What a client joins of choice 0's (or a Responses part's) log probabilities: tokens, bytes decoded, rank-0 alternatives. */
function joined(text: string): {tokens: string[]; bytes: string; rank0: string} {
  const entries = sseData(text).flatMap((event) => (typeof event === 'string' ? [] : ((event.choices?.[0]?.logprobs?.content ?? event.logprobs ?? []) as Entry[])));
  return {tokens: entries.map((e) => e.token), bytes: Buffer.from(entries.flatMap((e) => e.bytes)).toString('utf8'), rank0: entries.map((e) => e.top_logprobs[0]?.token ?? '').join('')};
}

/** Every 4 characters of the token (none is in the entries that spell nothing). */
const windows = (secret: string) => Array.from({length: secret.length - 3}, (_, i) => secret.slice(i, i + 4));

/** Nothing of `secret` in what the client joins, and every entry that spells none of it there (`·`: one whose bytes or alternative spell it). */
function assertDroppedOnly(text: string, where: string, secret = token): void {
  const got = joined(text);
  for (const [name, spelled] of [['tokens', got.tokens.join('')], ['bytes', got.bytes], ['rank 0', got.rank0]] as const) {
    const part = windows(secret).find((window) => spelled.includes(window));
    assert.equal(part, undefined, `${where}: the ${name} the client joins hold ${part}: ${spelled}`);
  }
  assert.deepEqual(got.tokens.filter((t) => t !== '·'), ['Hello', ' ', ' end'], `${where}: the entries that spell nothing arrive`);
}

/**
 * The events through the maskers deliver.ts pipes a pass-through stream through (byte masker,
 * SseRunMasker), one push each; `expireAfter`: the hold's time bound runs out after that event
 * (SseRunMasker.expire, as deliver.ts calls it).
 */
function piped(events: readonly string[], expireAfter?: number): string {
  const bytes = redactor.stream();
  const runs = new SseRunMasker(redactor);
  const out: Buffer[] = [];
  events.forEach((event, i) => {
    out.push(runs.push(bytes.push(Buffer.from(event))));
    if (i === expireAfter) out.push(runs.expire());
  });
  out.push(runs.push(bytes.end()), runs.end());
  return Buffer.concat(out).toString('utf8');
}

/** The token cut in three: at `cut`, and somewhere after it. */
const threeParts = (cut: number) => {
  const second = cut + 1 + ((cut * 7) % (token.length - cut - 1));
  return [token.slice(0, cut), token.slice(cut, second), token.slice(second)] as const;
};
const CUTS = Array.from({length: token.length - 2}, (_, i) => i + 1);

describe('a Chat stream: the rest of a token whose held start a forced release dropped', () => {
  for (const form of FORMS) {
    it(`the hold expires after its start, the rest follows in two lists (${form}, every cut)`, () => {
      for (const cut of CUTS) {
        const [start, middle, rest] = threeParts(cut);
        const events = [chat([entry('Hello'), entry(' ')]), chat([spelling(form, start)]), toolChunk('{"a":1}'), chat([spelling(form, middle)]), chat([spelling(form, rest), entry(' end')]), chat(null, 'stop'), DONE];
        assertDroppedOnly(piped(events, 2), `cut ${cut}`);
      }
    });

    it(`the choice finishes on a cut start, then the upstream goes on with the rest (${form})`, () => {
      for (const cut of CUTS.filter((c) => c >= 12)) {
        const [start, middle, rest] = threeParts(cut);
        const events = [chat([entry('Hello'), entry(' ')]), chat([spelling(form, start)], 'length'), chat([spelling(form, middle)]), chat([spelling(form, rest), entry(' end')]), chat(null, 'stop'), DONE];
        assertDroppedOnly(piped(events), `cut ${cut}`);
      }
    });
  }

  it('more than 1 MB waits behind the held start, then the rest follows (every cut)', () => {
    for (const cut of CUTS) {
      const [start, middle, rest] = threeParts(cut);
      const events = [chat([entry('Hello'), entry(' ')]), chat([entry(start)]), ...overMegabyte(), chat([entry(middle)]), chat([entry(rest), entry(' end')]), chat(null, 'stop'), DONE];
      assertDroppedOnly(piped(events), `cut ${cut}`);
    }
  });

  it('an event too long to hold goes on with the held start, or ends in one the next events go on with (every cut)', () => {
    for (const cut of CUTS) {
      const [start, middle, rest] = threeParts(cut);
      const intoLong = [chat([entry('Hello'), entry(' ')]), chat([entry(start)]), longChat([entry(middle)]), chat([entry(rest), entry(' end')]), chat(null, 'stop'), DONE];
      assertDroppedOnly(piped(intoLong), `into the long event, cut ${cut}`);
      const outOfLong = [chat([entry('Hello'), entry(' ')]), longChat([entry(start)]), chat([entry(middle)]), chat([entry(rest), entry(' end')]), chat(null, 'stop'), DONE];
      assertDroppedOnly(piped(outOfLong), `out of the long event, cut ${cut}`);
    }
  });

  it('control: a hold that expires on an ordinary word loses nothing after it', () => {
    const events = [chat([entry('Hello'), entry(' ')]), chat([entry('qw')]), toolChunk('{"a":1}'), chat([entry('erty'), entry(' end')]), chat(null, 'stop'), DONE];
    assert.deepEqual(joined(piped(events, 2)).tokens, ['Hello', ' ', 'erty', ' end']);
  });
});

describe('a Responses stream (no lane: every event waits): the rest after a forced release', () => {
  const delta = (entries: Entry[]) => responsesEvent('response.output_text.delta', {output_index: 0, content_index: 0, item_id: 'msg_1', delta: 'x', logprobs: entries});
  for (const form of FORMS) {
    it(`the hold expires, or more than 1 MB waits (${form}, every cut)`, () => {
      for (const cut of CUTS) {
        const [start, middle, rest] = threeParts(cut);
        const head = [responsesEvent('response.created', {response: {id: 'resp_1'}}), delta([entry('Hello'), entry(' ')]), delta([spelling(form, start)])];
        const tail = [delta([spelling(form, middle)]), delta([spelling(form, rest), entry(' end')]), responsesEvent('response.completed', {response: {id: 'resp_1'}})];
        assertDroppedOnly(piped([...head, responsesEvent('response.in_progress', {}), ...tail], head.length), `expired, cut ${cut}`);
        if (form === 'tokens') {
          const waiting = Array.from({length: 11}, () => responsesEvent('response.function_call_arguments.delta', {output_index: 1, delta: 'z'.repeat(100_000)}));
          assertDroppedOnly(piped([...head, ...waiting, ...tail]), `over 1 MB, cut ${cut}`);
        }
      }
    });
  }
});

describe('a JSON answer over 4 MB: the rest after more than 1 MB of entries held', () => {
  it('every cut: the entries that go on with the dropped start are dropped, the others arrive', () => {
    const padded = (text: string) => ({...entry(text), pad: 'p'.repeat(100_000)});
    const words = Array.from({length: 3000}, (_, i) => ({...entry(` w${i}`), pad: 'q'.repeat(1000)}));
    for (const cut of CUTS.filter((c) => c % 3 === 1)) {
      const [start, middle, rest] = threeParts(cut);
      const list = [...words, entry(' '), entry(start), ...Array.from({length: 11}, () => padded('')), entry(middle), entry(rest), entry(' end')];
      const answer = JSON.stringify({id: 'c1', object: 'chat.completion', choices: [{index: 0, message: {role: 'assistant', content: 'ok'}, logprobs: {content: list, refusal: null}, finish_reason: 'stop'}]});
      const got = (JSON.parse(maskedJsonRuns(redactor, answer, 65536)).choices[0].logprobs.content as Entry[]).map((e) => e.token);
      assert.ok(!got.join('').includes(token.slice(-4)) && !got.join('').includes(token.slice(0, 4)), `cut ${cut}: ${got.slice(3000).join('|')}`);
      assert.deepEqual(got.filter((t) => t !== ''), [...words.map((w) => w.token), ' ', ' end'], `cut ${cut}`);
    }
  });
});

describe('through a real proxy from a hostile upstream', () => {
  const chatRequest = (cut: number, stream = true) => ({model: 'qwen3-coder-plus', stream, logprobs: true, messages: [{role: 'user', content: String(cut)}]});

  describe('Chat', () => {
    let f: ProxyFixture;
    before(async () => (f = await oneAccountFixture(qwen)));
    after(() => f.close());

    it('the hold expires while a tool call waits (the upstream waits for the client to see it), then the rest of the token', async () => {
      // The upstream sends the token's start and a tool call, waits (at most 5 s) until the client
      // has read the tool call (the hold expired), then the rest. Several cuts at once, one request each.
      const seen = new Map<number, () => void>();
      f.upstream.handler = async (req, res) => {
        const cut = Number((req.body as {messages: Array<{content: string}>}).messages[0]!.content);
        const [start, middle, rest] = threeParts(cut);
        res.writeHead(200, {'content-type': 'text/event-stream'});
        res.write(chat([entry('Hello'), entry(' ')]));
        res.write(chat([entry(start)]));
        res.write(toolChunk('{"cmd":"ls"}'));
        await Promise.race([new Promise<void>((resolve) => seen.set(cut, resolve)), sleep(5000)]);
        for (const event of [chat([entry(middle)]), chat([entry(rest), entry(' end')]), chat(null, 'tool_calls'), DONE]) {
          res.write(event);
          await sleep(2);
        }
        res.end();
      };
      const ask = async (cut: number) => {
        const response = await fetch(`${f.url}/v1/chat/completions`, {method: 'POST', headers: {authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json'}, body: JSON.stringify(chatRequest(cut))});
        let text = '';
        const decoder = new TextDecoder();
        for await (const part of response.body!) {
          text += decoder.decode(part, {stream: true});
          if (text.includes('\\"ls\\"')) seen.get(cut)?.();
        }
        return text;
      };
      const cuts = [1, 5, 11, 12, 20, token.length - 2];
      const texts = await Promise.all(cuts.map(ask));
      texts.forEach((text, i) => assertDroppedOnly(text, `cut ${cuts[i]}`));
    });

    for (const cut of [1, 11, 17]) {
      it(`more than 1 MB waits behind the held start, then the rest (cut ${cut})`, async () => {
        const [start, middle, rest] = threeParts(cut);
        serve(f, [chat([entry('Hello'), entry(' ')]), chat([entry(start)]), ...overMegabyte(), chat([entry(middle)]), chat([entry(rest), entry(' end')]), chat(null, 'tool_calls'), DONE], 'trickle');
        const r = await askRaw(f, chatRequest(cut), '/v1/chat/completions');
        assert.equal(r.status, 200, r.text.slice(0, 300));
        assertDroppedOnly(r.text, `cut ${cut}`);
      });

      it(`an event too long to hold goes on with the held start, or ends in one (cut ${cut})`, async () => {
        const [start, middle, rest] = threeParts(cut);
        for (const events of [
          [chat([entry('Hello'), entry(' ')]), chat([entry(start)]), longChat([entry(middle)]), chat([entry(rest), entry(' end')]), chat(null, 'stop'), DONE],
          [chat([entry('Hello'), entry(' ')]), longChat([entry(start)]), chat([entry(middle)]), chat([entry(rest), entry(' end')]), chat(null, 'stop'), DONE],
        ]) {
          serve(f, events.flatMap(inPieces), 'trickle');
          const r = await askRaw(f, chatRequest(cut), '/v1/chat/completions');
          assert.equal(r.status, 200, r.text.slice(0, 300));
          assertDroppedOnly(r.text, `cut ${cut}`);
        }
      });
    }

    it('a JSON answer over 4 MB holding more than 1 MB of entries, then the rest', async () => {
      const [start, middle, rest] = threeParts(7);
      const words = Array.from({length: 3000}, (_, i) => ({...entry(` w${i}`), pad: 'q'.repeat(1000)}));
      const list = [...words, entry(' '), entry(start), ...Array.from({length: 11}, () => ({...entry(''), pad: 'p'.repeat(100_000)})), entry(middle), entry(rest), entry(' end')];
      const answer = JSON.stringify({id: 'c1', object: 'chat.completion', created: 1, model: 'qwen3-coder-plus', choices: [{index: 0, message: {role: 'assistant', content: 'ok'}, logprobs: {content: list, refusal: null}, finish_reason: 'stop'}]});
      serve(f, inPieces(answer), 'trickle', {'content-type': 'application/json'});
      const r = await askRaw(f, chatRequest(7, false), '/v1/chat/completions');
      assert.equal(r.status, 200, r.text.slice(0, 300));
      const got = (JSON.parse(r.text).choices[0].logprobs.content as Entry[]).map((e) => e.token).filter((t) => t !== '');
      assert.deepEqual(got, [...words.map((w) => w.token), ' ', ' end']);
    });
  });

  describe('Responses', () => {
    let f: ProxyFixture;
    before(async () => (f = await oneAccountFixture(codexAccount('cdxAccess-TOKEN_logprob_0123456789'))));
    after(() => f.close());

    it('more than 1 MB waits behind the held start, then the rest', async () => {
      const codexToken = 'cdxAccess-TOKEN_logprob_0123456789';
      const delta = (entries: Entry[]) => responsesEvent('response.output_text.delta', {output_index: 0, content_index: 0, item_id: 'msg_1', delta: 'x', logprobs: entries});
      const waiting = Array.from({length: 11}, () => responsesEvent('response.function_call_arguments.delta', {output_index: 1, delta: 'z'.repeat(100_000)}));
      const events = [responsesEvent('response.created', {response: {id: 'resp_1'}}), delta([entry('Hello'), entry(' ')]), delta([entry(codexToken.slice(0, 3))]), ...waiting, delta([entry(codexToken.slice(3, 9))]), delta([entry(codexToken.slice(9)), entry(' end')]), responsesEvent('response.completed', {response: {id: 'resp_1', status: 'completed', output: []}})];
      serve(f, events, 'trickle');
      const r = await askRaw(f, {model: 'gpt-5.2-codex', stream: true, input: 'hi', include: ['message.output_text.logprobs']}, '/v1/responses');
      assert.equal(r.status, 200, r.text.slice(0, 300));
      assertDroppedOnly(r.text, 'Responses', codexToken);
    });
  });
});
