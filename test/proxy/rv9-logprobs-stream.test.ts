// rv9 attack review: log probabilities across a pass-through stream's events (sse-run-mask.ts sent →
// core/logprobs-mask.ts LogprobsMasker, stream mode). The masker empties only the list of the event
// that completes a credential; the events before it go out with theirs. For Chat and Responses the
// text run's change empties them too (withoutLogprobs), but not for Gemini (`logprobsResult`, which
// withoutLogprobs does not know): a client joining a Gemini stream's chosenCandidates tokens gets
// the credential but for its last token. Fails on main at 4e74721 (Gemini).
import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {Redactor} from '../../source/core/redact.js';
import {SseRunMasker} from '../../source/proxy/sse-run-mask.js';

const secret = 'ya29.gemAccess_TOKEN-0011223344556677';
const redactor = new Redactor([secret]);
/** One model token per event, as a stream sends them. */
const tokens = ['key ', ...secret.match(/.{1,3}/g)!, ' end'];

/** The stream through the maskers deliver.ts pipes a pass-through SSE answer through, in chunks of `size` bytes. */
function delivered(body: string, size: number): string {
  const bytes = Buffer.from(body, 'utf8');
  const masker = redactor.stream();
  const runs = new SseRunMasker(redactor);
  const out: Buffer[] = [];
  for (let at = 0; at < bytes.length; at += size) out.push(runs.push(masker.push(bytes.subarray(at, at + size))));
  out.push(runs.push(masker.end()), runs.end());
  return Buffer.concat(out).toString('utf8');
}

const dataOf = (text: string) => text.split('\n').filter((line) => line.startsWith('data: {')).map((line) => JSON.parse(line.slice(6)) as Record<string, any>);

const protocols = {
  gemini: {
    event: (t: string) => `data: ${JSON.stringify({candidates: [{index: 0, content: {role: 'model', parts: [{text: t}]}, logprobsResult: {chosenCandidates: [{token: t, logProbability: -0.1}], topCandidates: [{candidates: [{token: t, logProbability: -0.1}]}]}}]})}\n\n`,
    joined: (e: Record<string, any>) => (e.candidates?.[0]?.logprobsResult?.chosenCandidates ?? []).map((c: {token: string}) => c.token).join(''),
  },
  chat: {
    event: (t: string) => `data: ${JSON.stringify({id: 'c1', object: 'chat.completion.chunk', choices: [{index: 0, delta: {content: t}, logprobs: {content: [{token: t, logprob: -0.1, bytes: [...Buffer.from(t)], top_logprobs: []}]}, finish_reason: null}]})}\n\n`,
    joined: (e: Record<string, any>) => (e.choices?.[0]?.logprobs?.content ?? []).map((c: {token: string}) => c.token).join(''),
  },
};

describe('rv9: a credential spelled by one token per event in a stream\'s log probabilities', () => {
  for (const [name, protocol] of Object.entries(protocols)) {
    for (const size of [65536, 50, 7]) {
      it(`${name}${name === 'chat' ? ' (control)' : ''}, chunks of ${size}: the client's joined logprobs tokens do not hold the credential but for its last character`, () => {
        const out = delivered(tokens.map(protocol.event).join(''), size);
        const joined = dataOf(out).map(protocol.joined).join('');
        assert.ok(!joined.includes(secret.slice(0, -1)), `joined logprobs tokens: ${joined}`);
      });
    }
  }
});

describe('rv9: a Responses final event over MAX_EVENT_BYTES (1 MB) whose output_text logprobs spell a credential', () => {
  // sse-run-mask.ts giveUp: the long event's data goes through a JsonRunMasker, which masks joined
  // strings only; under 1 MB the same event is masked whole (finalMasked → maskJoinedTexts, whose
  // LogprobsMasker empties the list).
  const final = (padBytes: number) => {
    const spelled = secret.match(/.{1,3}/g)!.map((t) => ({token: t, logprob: -0.1, bytes: [...Buffer.from(t)], top_logprobs: []}));
    const text = `key ${secret.replace(/./g, 'x')} ${'lorem ipsum '.repeat(Math.ceil(padBytes / 12))}`;
    const response = {id: 'resp_1', object: 'response', status: 'completed', output: [{id: 'msg_1', type: 'message', role: 'assistant', status: 'completed', content: [{type: 'output_text', text, annotations: [], logprobs: spelled}]}]};
    return `event: response.completed\ndata: ${JSON.stringify({type: 'response.completed', sequence_number: 9, response})}\n\n`;
  };
  const spelledBy = (out: string) =>
    dataOf(out)
      .filter((e) => e.type === 'response.completed')
      .flatMap((e) => e.response.output[0].content[0].logprobs as {token: string}[])
      .map((entry) => entry.token)
      .join('');
  for (const [label, pad] of [
    ['control: a 0.5 MB final event (masked whole)', 512 * 1024],
    ['a 1.2 MB final event (streamed through JsonRunMasker)', 1.2 * 1024 * 1024],
  ] as const) {
    it(`${label}: the final response's logprobs tokens do not spell the credential`, () => {
      const out = delivered(final(pad), 65536);
      assert.ok(!spelledBy(out).includes(secret), `the logprobs spell ${secret}`);
    });
  }
});
