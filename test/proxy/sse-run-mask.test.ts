import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {ChatCompletionStream} from 'openai/lib/ChatCompletionStream';
import {Redactor} from '../../source/core/redact.js';
import {SseRunMasker} from '../../source/proxy/sse-run-mask.js';

const TOKEN = 'sk-ant-oat01-AAAABBBBCCCCDDDDEEEEFFFF';
const redactor = new Redactor([TOKEN]);
const delta = (text: string, eol = '\n') =>
  `event: content_block_delta${eol}data: ${JSON.stringify({type: 'content_block_delta', index: 0, delta: {type: 'text_delta', text}})}${eol}${eol}`;

/** The stream through a masker, cut into two reads at `cut`. */
function through(stream: string, cut: number): string {
  const bytes = Buffer.from(stream);
  const masker = new SseRunMasker(redactor);
  return Buffer.concat([masker.push(bytes.subarray(0, cut)), masker.push(bytes.subarray(cut)), masker.end()]).toString('utf8');
}

/** The texts of the text deltas a client joins. */
const joined = (stream: string) =>
  [...stream.matchAll(/^data: (.*)$/gm)].map((m) => JSON.parse(m[1]!) as {delta?: {text?: string}}).map((e) => e.delta?.text ?? '').join('');

const chat = (delta: Record<string, unknown>) => `data: ${JSON.stringify({id: 'c1', object: 'chat.completion.chunk', choices: [{index: 0, delta}]})}\n\n`;

describe('SseRunMasker (pass-through SSE)', () => {
  for (const eol of ['\n', '\r\n']) {
    const name = eol === '\n' ? 'LF' : 'CRLF';
    it(`${name}: a stream without the token comes out byte for byte, cut between reads at every byte`, () => {
      const stream = [...`héllo sk-ant-oat01-AAAAB 世界 sk-ant`].map((c) => delta(c, eol)).join('') + `event: ping${eol}data: {"type":"ping"}${eol}${eol}: comment${eol}${eol}`;
      for (let cut = 0; cut <= Buffer.byteLength(stream); cut++) assert.equal(through(stream, cut), stream, `cut at ${cut}`);
    });

    it(`${name}: a token one character per event comes out masked, cut between reads at every 7th byte`, () => {
      const text = `key ${TOKEN}, ok`;
      const stream = [...text].map((c) => delta(c, eol)).join('') + `event: message_stop${eol}data: {"type":"message_stop"}${eol}${eol}`;
      for (let cut = 0; cut <= stream.length; cut += 7) {
        const out = through(stream, cut);
        assert.equal(joined(out), redactor.redact(text), `cut at ${cut}`);
        assert.ok(out.endsWith(`data: {"type":"message_stop"}${eol}${eol}`));
      }
    });
  }

  it('a base64 echo folded at 16 with spaces, cut between two deltas at every character, is masked in the joined text (no field ends in a line break)', () => {
    // The first delta's tail holds only through its chain: a run of 16 base64 characters and a space
    // (found by sampling the field, not walking it), whose start is an echo's.
    const text = `echo: ${(Buffer.from(`user:${TOKEN}`).toString('base64').match(/.{1,16}/g) ?? []).join(' ')} done`;
    for (let split = 1; split < text.length; split++) {
      const stream = delta(text.slice(0, split)) + delta(text.slice(split)) + 'event: message_stop\ndata: {"type":"message_stop"}\n\n';
      for (const cut of [0, stream.length >> 1]) assert.equal(joined(through(stream, cut)), redactor.redact(text), `split at ${split}, cut at ${cut}`);
    }
  });

  it("Chat: every delta field the OpenAI SDK joins (and reasoning), one character per chunk, masked in the SDK's snapshot", async () => {
    const text = `key ${TOKEN} end`;
    const fields: Record<string, [(piece: string) => Record<string, unknown>, (message: Record<string, any>) => string]> = {
      content: [(p) => ({content: p}), (m) => m.content],
      refusal: [(p) => ({refusal: p}), (m) => m.refusal],
      'audio.transcript': [(p) => ({audio: {transcript: p}}), (m) => m.audio.transcript],
      'audio.data': [(p) => ({audio: {data: p}}), (m) => m.audio.data],
      'function_call.arguments': [(p) => ({function_call: {arguments: p}}), (m) => m.function_call.arguments],
      'tool_calls[].function.arguments': [(p) => ({tool_calls: [{index: 0, function: {arguments: p}}]}), (m) => m.tool_calls[0].function.arguments],
    };
    for (const [name, [delta, read]] of Object.entries(fields)) {
      const first = name.startsWith('tool_calls') ? {tool_calls: [{index: 0, id: 'call_1', type: 'function', function: {name: 'Read', arguments: ''}}]} : name.startsWith('function_call') ? {function_call: {name: 'Read', arguments: ''}} : {};
      const chunks = [{role: 'assistant', ...first}, ...[...text].map(delta)].map((d) => `data: ${JSON.stringify({id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{index: 0, delta: d, finish_reason: null}]})}\n\n`);
      const end = `data: ${JSON.stringify({id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{index: 0, delta: {}, finish_reason: 'stop'}]})}\n\n`;
      const out = through(chunks.join('') + end + 'data: [DONE]\n\n', 100);
      const lines = [...out.matchAll(/^data: (\{.*)$/gm)].map((m) => `${m[1]}\n`).join('');
      const sdk = ChatCompletionStream.fromReadableStream(new Blob([lines]).stream());
      let snapshot: Record<string, any> | undefined;
      sdk.on('chunk', (_chunk, snap) => (snapshot = snap));
      await sdk.done();
      assert.equal(read(snapshot!.choices[0].message), redactor.redact(text), name);
    }
    // Reasoning: the SDK keeps the last delta's, the clients that show it join them.
    for (const key of ['reasoning_content', 'reasoning']) {
      const out = through([...text].map((p) => chat({[key]: p})).join('') + 'data: [DONE]\n\n', 50);
      const reasoning = [...out.matchAll(/^data: (\{.*)$/gm)].map((m) => JSON.parse(m[1]!).choices[0].delta[key] ?? '').join('');
      assert.equal(reasoning, redactor.redact(text), key);
    }
  });

  it("Chat: the log probabilities of masked content or refusal are emptied, at every cut (the chunks' tokens would spell the echo)", () => {
    const text = `key ${TOKEN} end`;
    for (const field of ['content', 'refusal'])
      // (A token whole in one chunk is the byte masker's, before this one: cuts inside the token.)
      for (let cut = 5; cut < 4 + TOKEN.length; cut++) {
        const pieces = [text.slice(0, cut), text.slice(cut, cut + 9), text.slice(cut + 9)].filter(Boolean);
        const lp = (p: string) => ({[field]: [{token: p, logprob: -0.1, bytes: [...Buffer.from(p)], top_logprobs: [{token: p, logprob: -0.1, bytes: [...Buffer.from(p)]}]}]});
        const stream = pieces.map((p) => `data: ${JSON.stringify({id: 'c1', object: 'chat.completion.chunk', choices: [{index: 0, delta: {[field]: p}, logprobs: lp(p), finish_reason: null}]})}\n\n`).join('') + 'data: [DONE]\n\n';
        const events = [...through(stream, stream.length >> 1).matchAll(/^data: (\{.*)$/gm)].map((m) => JSON.parse(m[1]!).choices[0]);
        assert.equal(events.map((c) => c.delta[field] ?? '').join(''), redactor.redact(text), `${field}, cut at ${cut}`);
        const tokens = events.flatMap((c) => c.logprobs[field]);
        const spelled = [tokens.map((t) => t.token).join(''), Buffer.from(tokens.flatMap((t) => t.bytes)).toString(), tokens.map((t) => t.top_logprobs[0].token).join('')];
        for (const joinedText of spelled) assert.ok(!joinedText.includes(TOKEN.slice(0, 12)), `${field}, cut at ${cut}: ${joinedText}`);
      }
  });

  it('Chat and Responses: log probabilities of text with no echo come out byte for byte', () => {
    const text = `key ${TOKEN.slice(0, 10)} end sk-ant`;
    const chatStream = [...text].map((p) => `data: ${JSON.stringify({choices: [{index: 0, delta: {content: p}, logprobs: {content: [{token: p, logprob: -1, bytes: [...Buffer.from(p)], top_logprobs: []}]}}]})}\n\n`).join('');
    const responsesStream = [...text].map((p) => `event: response.output_text.delta\ndata: ${JSON.stringify({type: 'response.output_text.delta', output_index: 0, content_index: 0, delta: p, logprobs: [{token: p, logprob: -1}]})}\n\n`).join('');
    for (const stream of [chatStream, responsesStream]) for (let cut = 0; cut <= stream.length; cut += 13) assert.equal(through(stream, cut), stream, `cut at ${cut}`);
  });

  it('Responses: the log probabilities of a masked output_text delta are emptied', () => {
    const text = `key ${TOKEN} end`;
    const pieces = [text.slice(0, 10), text.slice(10, 20), text.slice(20)];
    const stream = pieces.map((p) => `event: response.output_text.delta\ndata: ${JSON.stringify({type: 'response.output_text.delta', output_index: 0, content_index: 0, delta: p, logprobs: [{token: p, logprob: -1, top_logprobs: []}]})}\n\n`).join('') + `event: response.completed\ndata: {"type":"response.completed"}\n\n`;
    const events = [...through(stream, 0).matchAll(/^data: (\{.*)$/gm)].map((m) => JSON.parse(m[1]!));
    assert.equal(events.map((e) => e.delta ?? '').join(''), redactor.redact(text));
    assert.ok(!events.flatMap((e) => e.logprobs ?? []).map((t: {token: string}) => t.token).join('').includes(TOKEN.slice(0, 12)));
  });

  it('Chat: interleaved parallel tool calls and the deprecated function_call, one character per event, each masked in its own run', () => {
    const chunk = (delta: Record<string, unknown>) => `data: ${JSON.stringify({id: 'c1', object: 'chat.completion.chunk', choices: [{index: 0, delta}]})}\n\n`;
    const first = JSON.stringify({key: TOKEN});
    const second = JSON.stringify({path: `/x/${TOKEN}`});
    let stream = '';
    for (let i = 0; i < Math.max(first.length, second.length); i++) {
      stream += chunk({tool_calls: [{index: 0, function: {arguments: first[i] ?? ''}}]});
      stream += chunk({tool_calls: [{index: 1, function: {arguments: second[i] ?? ''}}]});
    }
    for (const c of first) stream += chunk({function_call: {arguments: c}});
    stream += 'data: [DONE]\n\n';
    const out = through(stream, stream.length >> 1);
    const args: Record<string, string> = {};
    for (const m of out.matchAll(/^data: (\{.*)$/gm)) {
      const delta = (JSON.parse(m[1]!) as {choices: [{delta: {tool_calls?: [{index: number; function: {arguments: string}}]; function_call?: {arguments: string}}}]}).choices[0].delta;
      for (const call of delta.tool_calls ?? []) args[call.index] = (args[call.index] ?? '') + call.function.arguments;
      if (delta.function_call) args.legacy = (args.legacy ?? '') + delta.function_call.arguments;
    }
    assert.deepEqual(args, {0: redactor.redact(first), 1: redactor.redact(second), legacy: redactor.redact(first)});
  });

  for (const eol of ['\n', '\r\n', '\r']) {
    it(`an event over 1 MB passes as it came and masking resumes after it, its blank line cut between reads at every byte (${JSON.stringify(eol)})`, () => {
      const huge = `: ${'x'.repeat(1100 * 1024)}${eol}${eol}`;
      const text = `key ${TOKEN}, ok`;
      const stream = delta('hello, ', eol) + huge + delta(text.slice(0, 9), eol) + delta(text.slice(9), eol);
      const end = Buffer.byteLength(delta('hello, ', eol) + huge);
      const bytes = Buffer.from(stream);
      for (let cut = end - 3; cut <= end + 1; cut++) {
        // Read by 64 KB, as a socket gives them, and cut at `cut`: the huge event is never whole in one read.
        const masker = new SseRunMasker(redactor);
        const outs: Buffer[] = [];
        for (let at = 0; at < cut; at += 64 * 1024) outs.push(masker.push(bytes.subarray(at, Math.min(at + 64 * 1024, cut))));
        outs.push(masker.push(bytes.subarray(cut)), masker.end());
        const out = Buffer.concat(outs).toString('utf8');
        assert.equal(joined(out.replace(/\r\n?/g, '\n')), redactor.redact(`hello, ${text}`), `cut at ${cut}`);
        assert.ok(out.includes(huge), `cut at ${cut}`);
      }
    });
  }

  it("Anthropic: a thinking run held at its end does not hold back the answer's text (a new block ends the runs before it)", () => {
    const event = (type: string, data: Record<string, unknown>) => `event: ${type}\ndata: ${JSON.stringify({type, ...data})}\n\n`;
    const stream = [
      event('content_block_start', {index: 0, content_block: {type: 'thinking', thinking: ''}}),
      // Its tail may begin the token: held until something settles it.
      event('content_block_delta', {index: 0, delta: {type: 'thinking_delta', thinking: 'I would say sk-an'}}),
      event('content_block_delta', {index: 0, delta: {type: 'signature_delta', signature: 'sig'}}),
      event('content_block_stop', {index: 0}),
      event('content_block_start', {index: 1, content_block: {type: 'text', text: ''}}),
      event('content_block_delta', {index: 1, delta: {type: 'text_delta', text: 'Hello!'}}),
    ].join('');
    // Before the turn ends, all of it is out as it came.
    assert.equal(new SseRunMasker(redactor).push(Buffer.from(stream)).toString('utf8'), stream);
  });
});

describe('SseRunMasker: a token cut at a block change (its first part ends a run, the rest starts the next)', () => {
  const sse = (event: string | undefined, data: unknown) => `${event ? `event: ${event}\n` : ''}data: ${JSON.stringify(data)}\n\n`;
  const anthropic = (index: number, delta: Record<string, unknown>) => sse('content_block_delta', {type: 'content_block_delta', index, delta});
  const start = (index: number, block: Record<string, unknown>) => sse('content_block_start', {type: 'content_block_start', index, content_block: block});
  const stop = (index: number) => sse('content_block_stop', {type: 'content_block_stop', index});
  const chat = (delta: Record<string, unknown>, finish: string | null = null) => sse(undefined, {id: 'c1', object: 'chat.completion.chunk', choices: [{index: 0, delta, finish_reason: finish}]});
  let seq = 0;
  const responses = (type: string, data: Record<string, unknown>) => sse(type, {type, sequence_number: seq++, ...data});

  /** Each protocol's stream: `head` ends a text run, a tool call (`args`) follows, then text `after`. */
  const STREAMS: Record<string, (head: string, args: string[], after: string[]) => string> = {
    'Anthropic Messages': (head, args, after) =>
      start(0, {type: 'text', text: ''}) +
      anthropic(0, {type: 'text_delta', text: head}) +
      stop(0) +
      start(1, {type: 'tool_use', id: 'toolu_1', name: 'Bash', input: {}}) +
      args.map((piece) => anthropic(1, {type: 'input_json_delta', partial_json: piece})).join('') +
      stop(1) +
      start(2, {type: 'text', text: ''}) +
      after.map((text) => anthropic(2, {type: 'text_delta', text})).join('') +
      stop(2) +
      sse('message_stop', {type: 'message_stop'}),
    'Chat Completions': (head, args, after) =>
      chat({role: 'assistant', content: head}) +
      chat({tool_calls: [{index: 0, id: 'call_1', type: 'function', function: {name: 'Bash', arguments: ''}}]}) +
      args.map((piece) => chat({tool_calls: [{index: 0, function: {arguments: piece}}]})).join('') +
      after.map((content) => chat({content})).join('') +
      chat({}, 'tool_calls') +
      'data: [DONE]\n\n',
    Responses: (head, args, after) =>
      responses('response.output_item.added', {output_index: 0, item: {id: 'msg_1', type: 'message', role: 'assistant', content: []}}) +
      responses('response.content_part.added', {item_id: 'msg_1', output_index: 0, content_index: 0, part: {type: 'output_text', text: ''}}) +
      responses('response.output_text.delta', {item_id: 'msg_1', output_index: 0, content_index: 0, delta: head}) +
      responses('response.output_item.done', {output_index: 0, item: {id: 'msg_1', type: 'message'}}) +
      responses('response.output_item.added', {output_index: 1, item: {id: 'fc_1', type: 'function_call', call_id: 'call_1', name: 'Bash', arguments: ''}}) +
      args.map((delta) => responses('response.function_call_arguments.delta', {item_id: 'fc_1', output_index: 1, delta})).join('') +
      responses('response.output_item.done', {output_index: 1, item: {id: 'fc_1', type: 'function_call'}}) +
      responses('response.output_item.added', {output_index: 2, item: {id: 'msg_2', type: 'message', role: 'assistant', content: []}}) +
      after.map((delta) => responses('response.output_text.delta', {item_id: 'msg_2', output_index: 2, content_index: 0, delta})).join('') +
      responses('response.completed', {response: {id: 'resp_1', status: 'completed'}}),
  };

  /** Every string a client reads from the stream's events, in order, joined (text, arguments). */
  const strings = (out: string) =>
    [...out.matchAll(/^data: (\{.*)$/gm)]
      .map((m) => JSON.stringify(JSON.parse(m[1]!)))
      .join('')
      .replace(/\\"/g, '"');

  /** The stream through the byte masker and a run masker in reads of 7 bytes. */
  const sevens = (events: string) => {
    const bytes = Buffer.from(events);
    const masker = new SseRunMasker(redactor);
    const reader = redactor.stream();
    const outs: Buffer[] = [];
    for (let at = 0; at < bytes.length; at += 7) outs.push(masker.push(reader.push(bytes.subarray(at, at + 7))));
    outs.push(masker.push(reader.end()), masker.end());
    return Buffer.concat(outs).toString('utf8');
  };

  it('Anthropic: a token in three text runs between tool calls whose arguments end in its start, at every pair of cuts', () => {
    const tool = (index: number) => start(index, {type: 'tool_use', id: `toolu_${index}`, name: 'Bash', input: {}}) + anthropic(index, {type: 'input_json_delta', partial_json: `{"a":"${TOKEN.slice(0, 5)}`}) + stop(index);
    const text = (index: number, t: string) => start(index, {type: 'text', text: ''}) + anthropic(index, {type: 'text_delta', text: t}) + stop(index);
    for (let a = 1; a < TOKEN.length - 1; a++)
      for (let b = a + 1; b < TOKEN.length; b++) {
        const events = text(0, `key ${TOKEN.slice(0, a)}`) + tool(1) + text(2, TOKEN.slice(a, b)) + tool(3) + text(4, `${TOKEN.slice(b)} end`) + sse('message_stop', {type: 'message_stop'});
        const texts = [...through(events, events.length >> 1).matchAll(/^data: (\{.*)$/gm)].map((m) => (JSON.parse(m[1]!) as {delta?: {text?: string}}).delta?.text ?? '').join('');
        assert.ok(!texts.includes(TOKEN.slice(Math.max(a, 12))), `cuts at ${a}, ${b}: ${texts}`);
        assert.ok(!texts.includes(TOKEN.slice(0, 12)) || texts.includes('…(redacted)'), `cuts at ${a}, ${b}: ${texts}`);
      }
  });

  it("Chat: text, interleaved tool calls whose arguments end in the token's start, each call's arguments and the text going on with the token's rest, at every cut", () => {
    for (let cut = 1; cut < TOKEN.length; cut++) {
      const call = (index: number, args: string, head = false) => chat({tool_calls: [{index, ...(head ? {id: `call_${index}`, type: 'function', function: {name: 'Bash', arguments: args}} : {function: {arguments: args}})}]});
      const events =
        chat({role: 'assistant', content: `key ${TOKEN.slice(0, cut)}`}) +
        call(0, `{"a":"${TOKEN.slice(0, cut)}`, true) +
        call(1, `{"b":"${TOKEN.slice(0, 5)}`, true) +
        call(0, `${TOKEN.slice(cut)}"}`) +
        call(1, `"}`) +
        chat({content: `${TOKEN.slice(cut)} end`}) +
        chat({}, 'tool_calls') +
        'data: [DONE]\n\n';
      const out = sevens(events);
      const texts: Record<string, string> = {};
      for (const m of out.matchAll(/^data: (\{.*)$/gm)) {
        const delta = (JSON.parse(m[1]!) as {choices: [{delta: {content?: string; tool_calls?: [{index: number; function: {arguments: string}}]}}]}).choices[0].delta;
        texts.content = (texts.content ?? '') + (delta.content ?? '');
        for (const c of delta.tool_calls ?? []) texts[c.index] = (texts[c.index] ?? '') + c.function.arguments;
      }
      for (const [run, joinedText] of Object.entries(texts)) assert.ok(!joinedText.includes(TOKEN), `cut at ${cut}, ${run}: ${joinedText}`);
      assert.equal(texts.content, redactor.redact(`key ${TOKEN} end`), `cut at ${cut}`);
    }
  });

  it("Responses: a token in three output_text items between function calls whose arguments end in its start, at every pair of cuts", () => {
    const item = (index: number, delta: string) =>
      responses('response.output_item.added', {output_index: index, item: {id: `msg_${index}`, type: 'message', role: 'assistant', content: []}}) +
      responses('response.output_text.delta', {item_id: `msg_${index}`, output_index: index, content_index: 0, delta}) +
      responses('response.output_item.done', {output_index: index, item: {id: `msg_${index}`, type: 'message'}});
    const fn = (index: number) =>
      responses('response.output_item.added', {output_index: index, item: {id: `fc_${index}`, type: 'function_call', call_id: `call_${index}`, name: 'Bash', arguments: ''}}) +
      responses('response.function_call_arguments.delta', {item_id: `fc_${index}`, output_index: index, delta: `{"a":"${TOKEN.slice(0, 5)}`}) +
      responses('response.output_item.done', {output_index: index, item: {id: `fc_${index}`, type: 'function_call'}});
    for (let a = 1; a < TOKEN.length - 1; a += 2)
      for (let b = a + 1; b < TOKEN.length; b++) {
        const events = item(0, `key ${TOKEN.slice(0, a)}`) + fn(1) + item(2, TOKEN.slice(a, b)) + fn(3) + item(4, `${TOKEN.slice(b)} end`) + responses('response.completed', {response: {id: 'resp_1'}});
        const texts = [...sevens(events).matchAll(/^data: (\{.*)$/gm)].map((m) => JSON.parse(m[1]!) as {type: string; delta?: string}).filter((e) => e.type === 'response.output_text.delta').map((e) => e.delta).join('');
        assert.ok(!texts.includes(TOKEN.slice(Math.max(a, 12))), `cuts at ${a}, ${b}: ${texts}`);
        assert.match(texts, /…\(redacted\)/, `cuts at ${a}, ${b}: ${texts}`);
      }
  });

  for (const [name, stream] of Object.entries(STREAMS)) {
    it(`${name}: text → tool call → text, the token's rest in the text after the tool call, at every cut (reads of 7 bytes)`, () => {
      for (let cut = 1; cut < TOKEN.length; cut++) {
        const seen = strings(sevens(stream(`key ${TOKEN.slice(0, cut)}`, ['{"cmd":', '"ls"}'], [...`${TOKEN.slice(cut)} end`])));
        assert.ok(!seen.includes(TOKEN.slice(Math.max(cut, 12))), `cut at ${cut}: ${seen}`);
        assert.ok(!seen.includes(TOKEN.slice(cut, cut + 8)) || cut + 8 > TOKEN.length, `cut at ${cut}: the rest's first characters`);
        assert.match(seen, /…\(redacted\)/, `cut at ${cut}`);
      }
    });

    it(`${name}: text → tool call, the token's rest starting the arguments, at every cut`, () => {
      for (let cut = 1; cut < TOKEN.length; cut++) {
        // (In Chat the text after the tool call goes on with the same run: a space, or the text's
        // start would read as another token sharing the start, which is shown: see cutEchoes.)
        const out = through(stream(`key ${TOKEN.slice(0, cut)}`, [...TOKEN.slice(cut), ' end'], [' ok']), 0);
        const seen = strings(out);
        assert.ok(!seen.includes(`${TOKEN.slice(cut)} end`), `cut at ${cut}: ${seen}`);
        assert.match(seen, /…\(redacted\)/, `cut at ${cut}`);
        // In Chat the text run is still open while the arguments stream (its start shown mid-run, as within any run).
        if (name !== 'Chat Completions') assert.ok(!seen.includes(TOKEN.slice(Math.max(cut, 12))), `cut at ${cut}: ${seen}`);
      }
    });

    it(`${name}: text → arguments ending in the token's start → text, the text's carry not replaced by the arguments' (at every cut, reads of 7 bytes)`, () => {
      for (let cut = 1; cut < TOKEN.length; cut++) {
        const seen = strings(sevens(stream(`key ${TOKEN.slice(0, cut)}`, [`{"a":"${TOKEN.slice(0, 5)}`], [...`${TOKEN.slice(cut)} end`])));
        assert.ok(!seen.includes(TOKEN.slice(Math.max(cut, 12))), `cut at ${cut}: ${seen}`);
        assert.match(seen, /…\(redacted\)/, `cut at ${cut}`);
      }
    });

    it(`${name}: the same, one cut, the stream cut between two reads at every byte`, () => {
      const events = stream(`key ${TOKEN.slice(0, 8)}`, [`{"a":"${TOKEN.slice(0, 5)}`], [`${TOKEN.slice(8)} end`]);
      for (let at = 0; at <= Buffer.byteLength(events); at++) {
        const seen = strings(through(events, at));
        assert.ok(!seen.includes(TOKEN.slice(12)), `read cut at ${at}: ${seen}`);
      }
    });

    it(`${name}: a stream whose runs only start like the token after a block change comes out byte for byte`, () => {
      const events = stream(`key ${TOKEN.slice(0, 7)}`, [...'{"cmd":"sk-ant-not"}'], [...`${TOKEN.slice(0, 9)}xyz end`]);
      for (let cut = 0; cut <= events.length; cut += 11) assert.equal(through(events, cut), events, `cut at ${cut}`);
    });
  }
});

describe('SseRunMasker: a Responses final event longer than it holds (MAX_EVENT_BYTES, 1 MB)', () => {
  it('its output_text joined from the message items holds no token; the events around come out as they were', () => {
    const s = `key ${TOKEN} end`;
    const c = s.indexOf(TOKEN) + 8;
    const message = (text: string) => ({type: 'message', content: [{type: 'output_text', text}]});
    const pad = 'lorem ipsum '.repeat(100_000);
    const completed = {type: 'response.completed', response: {output: [message(pad + s.slice(0, c)), {type: 'reasoning', content: [{type: 'reasoning_text', text: 'hmm'}]}, message(s.slice(c))]}};
    const after = 'event: ping\ndata: {"type":"ping"}\n\n';
    const stream = `event: response.completed\ndata: ${JSON.stringify(completed)}\n\n${after}`;
    const bytes = Buffer.from(stream);
    const masker = new SseRunMasker(redactor);
    const out: Buffer[] = [];
    for (let at = 0; at < bytes.length; at += 65536) out.push(masker.push(bytes.subarray(at, at + 65536)));
    out.push(masker.end());
    const text = Buffer.concat(out).toString('utf8');
    const [event, ping] = text.split('\n\n').filter((part) => part !== '');
    const final = JSON.parse(event!.slice(event!.indexOf('data: ') + 6)) as typeof completed;
    const outputText = final.response.output.filter((item) => item.type === 'message').flatMap((item) => item.content.map((part) => part.text)).join('');
    assert.ok(outputText.startsWith(pad + 'key sk-ant-o') && outputText.endsWith(' end'), outputText.slice(pad.length));
    assert.ok(!outputText.includes(TOKEN), outputText.slice(pad.length));
    assert.equal(`${ping}\n\n`, after);
  });
});

describe('SseRunMasker: a stream whose last event has no blank line after it', () => {
  // ATTACK (s39): the upstream closed after a last event ended by one line break, or none: that
  // event went out as it came, and the token it finished (begun in the event before) was whole in
  // the bytes a raw reader (curl, a body log) joins.
  const chatChunk = (content: string) => `data: ${JSON.stringify({id: 'c1', object: 'chat.completion.chunk', choices: [{index: 0, delta: {content}}]})}`;
  const responsesDelta = (delta: string) => `event: response.output_text.delta\ndata: ${JSON.stringify({type: 'response.output_text.delta', output_index: 0, content_index: 0, delta})}`;
  const messagesDelta = (text: string) => delta(text).replace(/\n\n$/, '');
  for (const [protocol, event] of [
    ['Messages', messagesDelta],
    ['Chat', chatChunk],
    ['Responses', responsesDelta],
  ] as const) {
    for (const ending of ['', '\n', '\r\n']) {
      for (const split of [4, 9, 13, 20, 30]) {
        it(`${protocol}: a token split at ${split} whose end comes in that last event (ended by ${JSON.stringify(ending)}) is masked`, () => {
          const text = `key ${TOKEN} end`;
          const cut = 4 + split;
          const stream = `${event(text.slice(0, cut))}\n\n${event(text.slice(cut))}${ending}`;
          for (const at of [0, stream.length >> 1, stream.length]) {
            const out = through(stream, at);
            assert.ok(!out.replace(/\\u00/g, '').includes(TOKEN.slice(split)), `the token's end is out at cut ${at}: ${out}`);
            const texts = [...out.matchAll(/"(?:text|content|delta)":"((?:[^"\\]|\\.)*)"/g)].map((m) => JSON.parse(`"${m[1]}"`) as string).join('');
            assert.ok(!texts.includes(TOKEN), `joined at cut ${at}: ${texts}`);
            assert.match(texts, /redacted/, `masked at cut ${at}: ${texts}`);
            assert.ok(out.endsWith(ending === '' ? '}' : ending), 'ends as it came');
          }
        });
      }
    }
  }
});

describe('SseRunMasker: a stream cut off in the middle of a token', () => {
  for (const ending of ['', '\n', '\n\n']) {
    for (const shown of [12, 20, 29]) {
      it(`the token's first ${shown} characters, in a last event ended by ${JSON.stringify(ending)}, are masked as a cut echo`, () => {
        const stream = `${delta('key ').replace(/\n\n$/, '')}\n\n${delta(`${TOKEN.slice(0, shown)}`).replace(/\n\n$/, '')}${ending}`;
        for (const at of [0, stream.length >> 1, stream.length]) {
          const out = through(stream, at);
          assert.ok(!out.includes(TOKEN.slice(0, shown)), `the token's start is out at cut ${at}: ${out}`);
        }
      });
    }
  }
});

describe('SseRunMasker: a stream cut off inside the last event\'s string', () => {
  // REVIEW (s39): the last event's JSON never closed (cut mid-string) could not be read as a client
  // reads a run, and went out as it came: a token begun in the event before and going on there was
  // out but for its first characters. Such an event is not sent while a run holds a tail that may
  // begin a credential (a client's SDK drops an unfinished event anyway).
  const chatOpen = (content: string) => `data: {"id":"c1","choices":[{"index":0,"delta":{"content":"${content}`;
  const chatChunk = (content: string) => `data: ${JSON.stringify({id: 'c1', choices: [{index: 0, delta: {content}}]})}\n\n`;
  for (const split of [4, 13, 16, 20]) {
    for (const tail of ['', ' and more text', '\\n']) {
      it(`a token split at ${split}, its rest in an unclosed string ending ${JSON.stringify(tail)}`, () => {
        const stream = `${chatChunk(`key ${TOKEN.slice(0, split)}`)}${chatOpen(`${TOKEN.slice(split)}${tail}`)}`;
        for (const at of [0, stream.length >> 1, stream.length]) {
          const out = through(stream, at);
          assert.ok(!out.includes(TOKEN.slice(split)), `the token's rest is out at cut ${at}: ${out}`);
          assert.ok(!out.includes(TOKEN.slice(0, Math.max(split, 12))) || split < 5, `the token's start is out at cut ${at}: ${out}`);
        }
      });
    }
  }
  it('without a secret, an unfinished last event goes out as it came (its data over two lines, a repeated key)', () => {
    for (const last of [chatOpen('and then it was cut'), `data: {"id":"c1","choices":[{"index":0,\ndata: "delta":{"content":"two lines."}}]}\n`, `data: {"id":"c1","choices":[{"index":0,"delta":{"content":"a.","content":"b."}}]}`]) {
      const stream = `${chatChunk('hello there')}${last}`;
      for (const at of [0, stream.length >> 1, stream.length]) assert.equal(through(stream, at), stream);
    }
  });
});
