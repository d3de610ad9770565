// A body whose top level repeats a field the proxy decides on (a second "model") is refused, small or
// streamed, on every route: parsers disagree on which copy counts (JSON.parse and Go's encoding/json
// keep the last, the streaming scanner and gjson the first), so an excluded model could otherwise be
// checked as one model and served as another. The upstream stand-in records every request it
// received, whole or cut, and the tests assert it never had a complete body with a repeat.
import assert from 'node:assert/strict';
import {createServer, request as httpRequest} from 'node:http';
import type {AddressInfo} from 'node:net';
import {after, describe, it} from 'node:test';
import {STREAM_ABOVE_BYTES} from '../../source/proxy/body.js';
import {answerByProtocol, type FakeUpstream, type RecordedRequest} from '../helpers/fake-upstreams.js';
import {API_KEY, claudeAccounts, oauthToken, proxyFixture, type ProxyFixture} from './fixture.js';

const ALLOWED = 'claude-sonnet-4-5-20250929';
/** Excluded by config.yaml's `claude-opus-4-1*`: the proxy must never let it reach the upstream. */
const EXCLUDED = 'claude-opus-4-1-20250805';
const BIG = 9 * 1024 * 1024;

/** What the stand-in received for one request: its bytes so far, and whether its body ever completed. */
interface Received {
  path: string;
  bytes: Buffer[];
  /** 'complete': the whole Content-Length arrived; 'cut': the connection ended first. */
  end?: 'complete' | 'cut';
}

type RecordingUpstream = FakeUpstream & {received: Received[]};

/**
 * An upstream stand-in on 127.0.0.1 that answers complete requests by protocol (as startFakeUpstream
 * does) and, unlike it, also records requests the proxy cut before their end.
 */
async function recordingUpstream(): Promise<RecordingUpstream> {
  const server = createServer();
  const upstream: RecordingUpstream = {url: '', port: 0, requests: [], received: [], bytesReceived: 0, handler: (req, res) => answerByProtocol(req, res), close: async () => {}};
  server.on('request', (incoming, res) => {
    const entry: Received = {path: incoming.url ?? '/', bytes: []};
    upstream.received.push(entry);
    incoming.on('data', (chunk: Buffer) => {
      entry.bytes.push(chunk);
      upstream.bytesReceived += chunk.length;
    });
    incoming.on('error', () => (entry.end = 'cut'));
    incoming.on('close', () => (entry.end ??= 'cut'));
    incoming.on('end', () => {
      entry.end = 'complete';
      const raw = Buffer.concat(entry.bytes).toString('utf8');
      let body: Record<string, unknown> | undefined;
      try {
        body = JSON.parse(raw) as Record<string, unknown>;
      } catch {
        body = undefined;
      }
      const url = incoming.url ?? '/';
      const recorded: RecordedRequest = {method: incoming.method ?? 'POST', url, path: url.split('?')[0]!, headers: incoming.headers, raw, body};
      upstream.requests.push(recorded);
      void Promise.resolve(upstream.handler(recorded, res, incoming)).catch(() => res.destroy());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  upstream.port = (server.address() as AddressInfo).port;
  upstream.url = `http://127.0.0.1:${upstream.port}`;
  upstream.close = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  return upstream;
}

interface Answer {
  status: number;
  text: string;
  /** The upstream had bytes of this request before the client sent its held part. */
  streamedEarly: boolean;
}

/**
 * POSTs `body` with its Content-Length. With `holdAt`, sends the bytes before it, then holds the
 * rest until the upstream has received bytes of this request (forwarding began) or 5 s passed.
 * A connection the proxy closes after answering is not an error here: the answer is what counts.
 */
function post(f: ProxyFixture, path: string, body: Buffer, headers: Record<string, string>, holdAt?: number): Promise<Answer> {
  const upstream = f.upstream;
  return new Promise((resolve, reject) => {
    const before = upstream.bytesReceived;
    let streamedEarly = false;
    let answered = false;
    const req = httpRequest(`${f.url}${path}`, {method: 'POST', headers: {...headers, 'content-type': 'application/json', 'content-length': String(body.length)}}, (res) => {
      answered = true;
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => resolve({status: res.statusCode!, text, streamedEarly}));
      res.on('error', () => resolve({status: res.statusCode!, text, streamedEarly}));
    });
    req.on('error', (error) => {
      if (!answered) reject(error);
    });
    if (holdAt === undefined) return void req.end(body);
    req.write(body.subarray(0, holdAt));
    const started = Date.now();
    const poll = setInterval(() => {
      streamedEarly = upstream.bytesReceived > before;
      if (streamedEarly || answered || Date.now() - started > 5_000) {
        clearInterval(poll);
        if (!req.destroyed) req.end(body.subarray(holdAt));
      }
    }, 10);
  });
}

const anthropicHeaders = {'x-api-key': API_KEY, 'anthropic-version': '2023-06-01'};
const openaiHeaders = {authorization: `Bearer ${API_KEY}`};

/**
 * A request body as raw JSON text: `first` members, one user message of `fillerBytes` bytes (with
 * a nested `"model"` of its own, twice: below the top level, which the proxy does not read), then
 * `last` members (with their leading comma).
 */
function rawBody(first: string, fillerBytes: number, last = ''): Buffer {
  return Buffer.from(`{${first},"messages":[{"role":"user","content":"${'y'.repeat(fillerBytes)}","model":"n1","model":"n2"}]${last}}`);
}

const repeatMessage = (field: string) => `request body repeats the top-level "${field}" field: send it once (parsers disagree on which copy counts, so the proxy and the upstream could act on different values)`;

/** Waits until the stand-in knows how request `index` ended (the proxy cuts asynchronously). */
async function endOf(upstream: RecordingUpstream, index: number): Promise<Received | undefined> {
  for (let waited = 0; waited < 3_000; waited += 20) {
    const entry = upstream.received[index];
    if (!entry || entry.end) return entry;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return upstream.received[index];
}

/** Nothing the upstream ever received, whole or cut, names the excluded model or a repeated key. */
function assertNeverReceived(upstream: RecordingUpstream): void {
  for (const entry of upstream.received) {
    const raw = Buffer.concat(entry.bytes).toString('utf8');
    assert.ok(!raw.includes(EXCLUDED), `${entry.path}: the upstream received the excluded model (${entry.end})`);
    assert.ok(!raw.includes('mod\\u0065l'), `${entry.path}: the upstream received an escaped "model" key (${entry.end})`);
    if (entry.end === 'complete') {
      // Counted on the text: the only top-level "model" members these bodies carry are written as `{"model":` or `],"model":`.
      const topLevel = raw.match(/(?:^\{|\],)"model":/g) ?? [];
      assert.ok(topLevel.length <= 1, `${entry.path}: a complete body with ${topLevel.length} top-level "model" keys`);
    }
  }
}

/** A proxy serving one Claude account in front of a recording stand-in, config.yaml excluding `claude-opus-4-1*`. */
async function claudeExcludingOpus(): Promise<{upstream: RecordingUpstream; f: ProxyFixture}> {
  const upstream = await recordingUpstream();
  const f = await proxyFixture({
    provider: 'claude',
    tokens: claudeAccounts('a'),
    upstream,
    configYaml: ['oauth-excluded-models:', '  claude:', '    - "claude-opus-4-1*"', ''].join('\n'),
  });
  return {upstream, f};
}

describe('a repeated top-level "model" is refused on the Anthropic routes, small or streamed', async () => {
  const {upstream, f} = await claudeExcludingOpus();
  after(() => f.close());
  after(() => assertNeverReceived(upstream));

  const messages = (body: Buffer, holdAt?: number, path = '/v1/messages') => post(f, path, body, anthropicHeaders, holdAt);

  /** Asserts an Anthropic-shaped 400 naming the repeated field. */
  const assertRefused = (answer: Answer, field = 'model') => {
    assert.equal(answer.status, 400, answer.text.slice(0, 300));
    assert.deepEqual(JSON.parse(answer.text), {type: 'error', error: {type: 'invalid_request_error', message: repeatMessage(field)}});
  };

  it('refuses a small body with the excluded model second, and the upstream gets nothing', async () => {
    const before = upstream.received.length;
    assertRefused(await messages(rawBody(`"model":"${ALLOWED}","max_tokens":8`, 100, `,"model":"${EXCLUDED}"`)));
    assert.equal(upstream.received.length, before);
  });

  it('refuses a small body with the excluded model first (JSON.parse would keep the allowed last one)', async () => {
    const before = upstream.received.length;
    assertRefused(await messages(rawBody(`"model":"${EXCLUDED}","max_tokens":8`, 100, `,"model":"${ALLOWED}"`)));
    assert.equal(upstream.received.length, before);
  });

  it('refuses a repeat spelled with escapes ("mod\\u0065l" is "model"), small and streamed', async () => {
    const before = upstream.received.length;
    assertRefused(await messages(rawBody(`"model":"${ALLOWED}","max_tokens":8`, 100, `,"mod\\u0065l":"${EXCLUDED}"`)));
    assert.equal(upstream.received.length, before);
    const big = rawBody(`"model":"${ALLOWED}","max_tokens":8`, BIG, `,"mod\\u0065l":"${EXCLUDED}"`);
    const answer = await messages(big, big.length - 200);
    assertRefused(answer);
    assert.equal(answer.streamedEarly, true, 'forwarding had begun before the repeat arrived');
    assert.equal((await endOf(upstream, before))?.end, 'cut', 'the upstream request was cut before its end');
  });

  it('refuses "Model" (another case of a decided field: Go reads it as "model")', async () => {
    const answer = await messages(Buffer.from(`{"Model":"${EXCLUDED}","model":"${ALLOWED}","max_tokens":8,"messages":[]}`));
    assert.equal(answer.status, 400);
    assert.match(JSON.parse(answer.text).error.message, /^request body has a top-level "Model" field: send it as "model"/);
  });

  it('refuses a streamed body whose repeat is in its head, before anything goes upstream', async () => {
    const before = upstream.received.length;
    const big = rawBody(`"model":"${ALLOWED}","max_tokens":8,"model":"${EXCLUDED}"`, BIG);
    assert.ok(big.length >= STREAM_ABOVE_BYTES);
    assertRefused(await messages(big));
    assert.equal(upstream.received.length, before);
  });

  it('refuses a streamed body whose excluded repeat arrives after forwarding began: the upstream request is cut, never complete', async () => {
    const before = upstream.received.length;
    const whole = upstream.requests.length;
    const big = rawBody(`"model":"${ALLOWED}","max_tokens":8`, BIG, `,"model":"${EXCLUDED}"`);
    const answer = await messages(big, big.length - 100);
    assertRefused(answer);
    assert.equal(answer.streamedEarly, true, 'forwarding had begun before the repeat arrived');
    const entry = await endOf(upstream, before);
    assert.equal(entry?.end, 'cut', 'the upstream request was cut before its end');
    assert.ok(Buffer.concat(entry.bytes).length < big.length);
    assert.equal(upstream.requests.length, whole, 'no request reached the upstream whole');
  });

  it('refuses a streamed body whose excluded model comes first, whatever comes later, and sends nothing', async () => {
    const before = upstream.received.length;
    const big = rawBody(`"model":"${EXCLUDED}","max_tokens":8`, BIG, `,"model":"${ALLOWED}"`);
    const answer = await messages(big, big.length - 100);
    // The first model is read before anything is forwarded: refused by the rule (404) before the repeat is read.
    assert.equal(answer.status, 404, answer.text.slice(0, 300));
    assert.match(JSON.parse(answer.text).error.message, /is excluded for Claude/);
    assert.equal(upstream.received.length, before);
  });

  it('refuses a repeat on count_tokens too', async () => {
    const before = upstream.received.length;
    assertRefused(await messages(rawBody(`"model":"${ALLOWED}"`, 100, `,"model":"${EXCLUDED}"`), undefined, '/v1/messages/count_tokens'));
    assert.equal(upstream.received.length, before);
  });

  it('refuses a repeated "stream" (it decides how a translated answer is written)', async () => {
    assertRefused(await messages(rawBody(`"model":"${ALLOWED}","stream":false,"max_tokens":8`, 10, ',"stream":true')), 'stream');
  });

  it('serves bodies whose repeats are below the top level only, small and streamed (still piped as it arrives)', async () => {
    const nested = `,"metadata":{"user_id":"u1","user_id":"u2"},"system":[{"type":"text","text":"\\"model\\":\\"${'x'}\\""}]`;
    const small = await messages(rawBody(`"model":"${ALLOWED}","max_tokens":8`, 100, nested));
    assert.equal(small.status, 200, small.text.slice(0, 300));
    assert.equal(upstream.requests.at(-1)!.body?.model, ALLOWED);

    const before = upstream.received.length;
    const big = rawBody(`"model":"${ALLOWED}","max_tokens":8`, BIG, nested);
    const answer = await messages(big, big.length - 100);
    assert.equal(answer.status, 200, answer.text.slice(0, 300));
    assert.equal(answer.streamedEarly, true, 'the upstream got bytes before the client finished its body');
    const entry = await endOf(upstream, before);
    assert.equal(entry?.end, 'complete');
    assert.equal(Buffer.concat(entry.bytes).length, big.length, 'the whole body, unchanged');
    assert.equal(upstream.requests.at(-1)!.body?.model, ALLOWED);
  });
});

describe('a repeated top-level "model" is refused on the OpenAI routes, translated or passed through', async () => {
  const {upstream, f: claude} = await claudeExcludingOpus();
  const xaiUpstream = await recordingUpstream();
  const xai = await proxyFixture({
    provider: 'xai',
    apiPath: '/v1',
    tokens: [{file: 'xai-a@example.com.json', token: oauthToken('xai', 'a@example.com')}],
    upstream: xaiUpstream,
    configYaml: ['oauth-excluded-models:', '  xai:', '    - "grok-4.3"', ''].join('\n'),
  });
  after(() => claude.close());
  after(() => xai.close());
  after(() => assertNeverReceived(upstream));
  after(() => {
    for (const entry of xaiUpstream.received) assert.ok(!Buffer.concat(entry.bytes).includes('grok-4.3'), 'the upstream never received the excluded grok-4.3');
  });

  /** Asserts an OpenAI-shaped 400 naming the repeated field. */
  const assertRefused = (answer: Answer) => {
    assert.equal(answer.status, 400, answer.text.slice(0, 300));
    assert.deepEqual(JSON.parse(answer.text), {error: {message: repeatMessage('model'), type: 'invalid_request_error', param: null, code: null}});
  };

  it('refuses small and large Chat Completions and Responses bodies translated for Claude', async () => {
    const before = upstream.received.length;
    for (const path of ['/v1/chat/completions', '/v1/responses']) {
      assertRefused(await post(claude, path, rawBody(`"model":"${ALLOWED}"`, 100, `,"model":"${EXCLUDED}"`), openaiHeaders));
      const big = rawBody(`"model":"${ALLOWED}"`, BIG, `,"model":"${EXCLUDED}"`);
      assertRefused(await post(claude, path, big, openaiHeaders));
    }
    assert.equal(upstream.received.length, before, 'a translated body is read whole first: nothing went upstream');
  });

  it('refuses a streamed Chat Completions body passed through to xAI once its repeat arrives, and cuts the upstream request', async () => {
    const before = xaiUpstream.received.length;
    const big = rawBody('"model":"grok-4.6"', BIG, ',"model":"grok-4.3"');
    const answer = await post(xai, '/v1/chat/completions', big, openaiHeaders, big.length - 100);
    assertRefused(answer);
    assert.equal(answer.streamedEarly, true, 'forwarding had begun before the repeat arrived');
    assert.equal((await endOf(xaiUpstream, before))?.end, 'cut');
    assert.equal(xaiUpstream.requests.length, 0, 'no request reached the upstream whole');
  });

  it('still serves a streamed Chat Completions body without repeats, piped as it arrives', async () => {
    const big = rawBody('"model":"grok-4.6"', BIG);
    const answer = await post(xai, '/v1/chat/completions', big, openaiHeaders, big.length - 100);
    assert.equal(answer.status, 200, answer.text.slice(0, 300));
    assert.equal(answer.streamedEarly, true);
    assert.equal(xaiUpstream.requests.at(-1)!.body?.model, 'grok-4.6');
  });
});

/**
 * The JSON text a byte-level parser that follows RFC 4627 §3 reads (Python's json.loads on bytes, as
 * Starlette/FastAPI's request.json() calls it; Jackson's bootstrapper): the encoding is told by the
 * pattern of NULs in the first four bytes, so `{` followed by NUL is UTF-16LE.
 */
function rfc4627Text(bytes: Buffer): string {
  if (bytes.length >= 4 && bytes[0] !== 0 && bytes[1] === 0 && (bytes[2] !== 0 || bytes[3] !== 0)) return bytes.toString('utf16le');
  return bytes.toString('utf8');
}

describe('a streamed body that an upstream parser reads differently from the scanner is refused', async () => {
  const {upstream, f} = await claudeExcludingOpus();
  after(() => f.close());

  const messages = (body: Buffer, holdAt?: number) => post(f, '/v1/messages', body, anthropicHeaders, holdAt);

  /** The client got a 400, and the upstream never received this request whole. */
  const assertRefused = async (answer: Answer, before: number, message: RegExp) => {
    assert.equal(answer.status, 400, answer.text.slice(0, 300));
    assert.match(JSON.parse(answer.text).error.message, message);
    const entry = await endOf(upstream, before);
    assert.notEqual(entry?.end, 'complete', 'the upstream never had the whole body');
  };

  it('refuses a UTF-16LE body whose bytes spell an allowed "model" for the scanner and an excluded one for an RFC 4627 parser', async () => {
    // As UTF-16LE, these ASCII bytes are CJK characters inside the string "a"; read as bytes they
    // close that string, name the allowed model and close the object.
    const decoy = `","model":"${ALLOWED}"} `;
    assert.equal(decoy.length % 2, 0);
    const junk = Buffer.from(decoy, 'latin1').toString('utf16le');
    const text = `{"a":"${junk}","model":"${EXCLUDED}","max_tokens":8,"messages":[{"role":"user","content":"${'y'.repeat(BIG / 2)}"}]}`;
    const body = Buffer.from(text, 'utf16le');
    assert.ok(body.length >= STREAM_ABOVE_BYTES);
    assert.equal((JSON.parse(rfc4627Text(body)) as {model: string}).model, EXCLUDED, 'what Python json.loads(bytes) would serve');
    const before = upstream.received.length;
    await assertRefused(await messages(body), before, /^request body is not UTF-8 JSON: byte 0x00 at offset 1, outside any string/);
  });

  it('refuses a streamed body with comments (JSON5, Gson\'s lenient reader) that hide the model an upstream would read', async () => {
    // The scanner reads `"model":"<allowed>"` inside the first comment; a parser that skips comments
    // reads only `"model":"<excluded>"`, which the scanner sees as bytes between strings.
    const text = `{/*"model":"${ALLOWED}",*//*"*/"model":"${EXCLUDED}"/*"*/,"max_tokens":8,"messages":[{"role":"user","content":"${'y'.repeat(BIG)}"}]}`;
    const lenient = JSON.parse(text.replace(/\/\*.*?\*\//g, '')) as {model: string};
    assert.equal(lenient.model, EXCLUDED, 'what a parser that skips comments would serve');
    const before = upstream.received.length;
    await assertRefused(await messages(Buffer.from(text)), before, /^request body is not UTF-8 JSON: "\/" at offset 1, outside any string/);
  });

  it('refuses a streamed body with more after its object (JSON.parse refuses the same body when small)', async () => {
    const first = `{"model":"${ALLOWED}","max_tokens":8,"messages":[]}`;
    const text = `${first}\n{"model":"${EXCLUDED}","max_tokens":8,"messages":[{"role":"user","content":"${'y'.repeat(BIG)}"}]}`;
    const before = upstream.received.length;
    await assertRefused(await messages(Buffer.from(text)), before, new RegExp(`^request body is not UTF-8 JSON: "\\{" at offset ${first.length + 1}, after the top-level object`));
    assertNeverReceived(upstream);
  });

  it('still serves a streamed body with every kind of JSON value and whitespace outside its strings', async () => {
    const text = `\r\n\t {"model" :\t"${ALLOWED}" ,"max_tokens": 8, "temperature":-1.5E+2,"top_p":0.5e-1,"stop_sequences":null,"stream":false,"x":[true,{}],"messages":[{"role":"user","content":"${'y'.repeat(BIG)}"}]}\r\n `;
    const before = upstream.received.length;
    const answer = await messages(Buffer.from(text), text.length - 100);
    assert.equal(answer.status, 200, answer.text.slice(0, 300));
    assert.equal(answer.streamedEarly, true);
    assert.equal((await endOf(upstream, before))?.end, 'complete');
  });
});

describe('a top-level "model" that is not a string is refused', async () => {
  const {upstream, f} = await claudeExcludingOpus();
  after(() => f.close());
  after(() => assertNeverReceived(upstream));

  it('refuses an array, an object, a number or null as "model", small and streamed: the rules cannot check it and a coercing upstream reads the name inside', async () => {
    const cases: [string, string][] = [
      [`["${EXCLUDED}"]`, 'an array'],
      [`{"id":"${EXCLUDED}"}`, 'an object'],
      ['4.1', 'a number'],
      ['null', 'null'],
    ];
    for (const [value, kind] of cases) {
      for (const filler of [100, BIG]) {
        const before = upstream.received.length;
        const answer = await post(f, '/v1/messages', rawBody(`"model":${value},"max_tokens":8`, filler), anthropicHeaders);
        assert.equal(answer.status, 400, `${value}: ${answer.text.slice(0, 300)}`);
        assert.equal(JSON.parse(answer.text).error.message, `model: must be a string (the model id), not ${kind}`);
        assert.equal(upstream.received.length, before, 'nothing went upstream');
      }
    }
  });
});
