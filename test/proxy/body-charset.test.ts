// An upstream that echoes the account's token in a body whose charset the masker does not read as
// UTF-8 (UTF-16 or UTF-32, declared or only shown by a BOM or by JSON's NUL patterns; UTF-7; EBCDIC):
// a client decodes the bytes by the charset, the BOM or the NULs (Python's json.loads on bytes,
// RFC 4627 §3) and would read the token whole. The client gets the answer in UTF-8 with the token
// masked, or, for a charset that cannot be transcoded, a 502 in its API's shape naming it. Asserted
// on the bytes the client receives, read in every encoding a client might pick.
import assert from 'node:assert/strict';
import type {ServerResponse} from 'node:http';
import {after, describe, it} from 'node:test';
import {anthropicMessage, anthropicStreamEvents} from '../helpers/fake-upstreams.js';
import {API_KEY, oauthToken, proxyFixture, type ProxyFixture} from './fixture.js';

const account = oauthToken('claude', 'a@example.com');
const TOKEN = String(account.access_token);
const MODEL = 'claude-sonnet-4-5-20250929';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Text in UTF-32 (a BOM first when `bom`), big- or little-endian. */
function utf32(text: string, littleEndian: boolean, bom = false): Buffer {
  const points = [...(bom ? '\ufeff' : '') + text].map((c) => c.codePointAt(0)!);
  const out = Buffer.alloc(points.length * 4);
  points.forEach((point, i) => (littleEndian ? out.writeUInt32LE(point, i * 4) : out.writeUInt32BE(point, i * 4)));
  return out;
}
/** Text in UTF-16 (a BOM first when `bom`), big- or little-endian. */
function utf16(text: string, littleEndian: boolean, bom = false): Buffer {
  const le = Buffer.from((bom ? '\ufeff' : '') + text, 'utf16le');
  return littleEndian ? le : Buffer.from(le).swap16();
}
/** Bytes read as UTF-32 (whole units only; a code point past U+10FFFF as U+FFFD). */
function readUtf32(bytes: Buffer, littleEndian: boolean): string {
  let out = '';
  for (let i = 0; i + 4 <= bytes.length; i += 4) {
    const point = littleEndian ? bytes.readUInt32LE(i) : bytes.readUInt32BE(i);
    out += point <= 0x10ffff && (point < 0xd800 || point > 0xdfff) ? String.fromCodePoint(point) : '\ufffd';
  }
  return out;
}

/** Every way a client may read the bytes: as UTF-8, Latin-1, UTF-16 and UTF-32 of either order, and each with its NULs dropped. */
function readings(bytes: Buffer): Record<string, string> {
  const even = bytes.subarray(0, bytes.length - (bytes.length % 2));
  const plain: Record<string, string> = {
    'utf-8': bytes.toString('utf8'),
    latin1: bytes.toString('latin1'),
    'utf-16le': even.toString('utf16le'),
    'utf-16be': Buffer.from(even).swap16().toString('utf16le'),
    'utf-32le': readUtf32(bytes, true),
    'utf-32be': readUtf32(bytes, false),
  };
  return {...plain, ...Object.fromEntries(Object.entries(plain).map(([name, text]) => [`${name} without NULs`, text.replace(/\0/g, '')]))};
}

/** Fails (naming only the reading, never the token) when any reading of `bytes` shows the token or a 14-character start or 12-character end of it. */
function assertNoToken(bytes: Buffer, what: string): void {
  for (const [name, text] of Object.entries(readings(bytes))) {
    assert.ok(!text.includes(TOKEN.slice(0, 14)) && !text.includes(TOKEN.slice(-12)), `${what}: the token is in the answer read as ${name}`);
  }
}

interface Answer {
  status: number;
  type: string | null;
  bytes: Buffer;
  text: string;
}

/** A POST through the proxy: status, Content-Type and the raw bytes of the body (and them as UTF-8). */
async function post(url: string, path: string, body: unknown): Promise<Answer> {
  const headers: Record<string, string> = path === '/v1/messages' ? {'x-api-key': API_KEY, 'anthropic-version': '2023-06-01'} : {authorization: `Bearer ${API_KEY}`};
  const response = await fetch(`${url}${path}`, {method: 'POST', headers: {...headers, 'content-type': 'application/json'}, body: JSON.stringify(body)});
  const bytes = Buffer.from(await response.arrayBuffer());
  return {status: response.status, type: response.headers.get('content-type'), bytes, text: bytes.toString('utf8')};
}
const messages = (url: string, stream = false) => post(url, '/v1/messages', {model: MODEL, max_tokens: 8, ...(stream ? {stream} : {}), messages: [{role: 'user', content: 'hi'}]});
const chat = (url: string, stream = false) => post(url, '/v1/chat/completions', {model: MODEL, ...(stream ? {stream} : {}), messages: [{role: 'user', content: 'hi'}]});

/** The masked form of the token the client gets in UTF-8 text (core/redact redactedForm). */
const MASKED = `${TOKEN.slice(0, 4)}…(redacted)`;
const errorBody = (text: string) => JSON.stringify({type: 'error', error: {type: 'invalid_request_error', message: `bad key ${text} here`}});

/** The fixture's upstream answers `status` with `bytes` of type `type` (with Content-Length). */
function answerWith(f: ProxyFixture, status: number, type: string, bytes: Buffer): void {
  f.upstream.handler = (_req, res) => {
    res.writeHead(status, {'content-type': type, 'content-length': String(bytes.length)});
    res.end(bytes);
  };
}

/** The fixture's upstream answers 200 with `bytes` of type `type`, in pieces of `size` bytes (writeInPieces). */
function streamInPieces(f: ProxyFixture, type: string, bytes: Buffer, size: number): void {
  f.upstream.handler = async (_req, res) => {
    res.writeHead(200, {'content-type': type});
    await writeInPieces(res, bytes, size);
  };
}

/** Writes `bytes` in pieces of `size` bytes, a few ms apart (each its own read at the proxy), then ends. */
async function writeInPieces(res: ServerResponse, bytes: Buffer, size: number): Promise<void> {
  for (let at = 0; at < bytes.length; at += size) {
    res.write(bytes.subarray(at, at + size));
    await sleep(2);
  }
  res.end();
}

describe('an upstream answer in UTF-16, UTF-32 or UTF-7 (Claude upstream)', async () => {
  const f = await proxyFixture({provider: 'claude', tokens: [{file: 'claude-a.json', token: account}]});
  after(() => f.close());
  const answer = (status: number, type: string, bytes: Buffer) => answerWith(f, status, type, bytes);

  for (const [name, type, bytes] of [
    ['UTF-16LE, undeclared (the testers\' case)', 'application/json', utf16(errorBody(TOKEN), true)],
    ['UTF-16LE, declared', 'application/json; charset=utf-16le', utf16(errorBody(TOKEN), true)],
    ['UTF-16BE with a BOM, declared quoted and upper-case', 'application/json; charset="UTF-16BE"', utf16(errorBody(TOKEN), false, true)],
    ['UTF-16BE with a BOM, declared bare utf-16', 'application/json;charset=utf-16', utf16(errorBody(TOKEN), false, true)],
    ['UTF-32 declared (little-endian, with a BOM)', 'application/json; charset=utf-32', utf32(errorBody(TOKEN), true, true)],
    ['UTF-32LE, undeclared', 'application/json', utf32(errorBody(TOKEN), true)],
    ['UTF-32BE, undeclared', 'application/json', utf32(errorBody(TOKEN), false)],
    ['UTF-16LE with a BOM, declared utf-8 (clients trust the BOM)', 'application/json; charset=utf-8', utf16(errorBody(TOKEN), true, true)],
    ['UTF-16BE text/plain, declared', 'text/plain; charset=utf-16be', utf16(`bad key ${TOKEN} here`, false)],
  ] as const) {
    it(`a 400 in ${name}: the client gets it in UTF-8, the token masked`, async () => {
      answer(400, type, bytes);
      const got = await messages(f.url);
      assert.equal(got.status, 400);
      assertNoToken(got.bytes, name);
      assert.ok(got.text.includes(`bad key ${MASKED} here`), `${name}: the upstream's words, masked, in UTF-8`);
      assert.match(got.type ?? '', /charset=utf-8$/);
      assert.ok(!got.bytes.includes(0), 'no NUL left');
    });
  }

  it('a 200 JSON answer in UTF-16LE (declared): the client reads the message in UTF-8, the token masked, a non-ASCII character kept', async () => {
    answer(200, 'application/json; charset=UTF-16LE', utf16(JSON.stringify(anthropicMessage(MODEL, `é 😀 your key ${TOKEN}.`)), true));
    const got = await messages(f.url);
    assert.equal(got.status, 200);
    assertNoToken(got.bytes, 'utf-16le success');
    const message = JSON.parse(got.text) as {content: {text: string}[]};
    assert.ok(message.content[0]!.text === `é 😀 your key ${MASKED}.`, 'the text, masked, its non-ASCII characters kept');
  });

  it('an SSE stream in UTF-16LE, cut inside code units and inside a surrogate pair across reads: the client reads the events in UTF-8, the token masked', async () => {
    const parts = ['Hello 😀, ', `your key ${TOKEN.slice(0, 9)}`, `${TOKEN.slice(9)} ok.`];
    const bytes = utf16(anthropicStreamEvents(MODEL, parts).join(''), true);
    streamInPieces(f, 'text/event-stream; charset=utf-16le', bytes, 7);
    const got = await messages(f.url, true);
    assert.equal(got.status, 200);
    assertNoToken(got.bytes, 'utf-16le stream');
    const text = got.text
      .split('\n')
      .filter((line) => line.startsWith('data: '))
      .map((line) => JSON.parse(line.slice(6)) as {delta?: {text?: string}})
      .map((event) => event.delta?.text ?? '')
      .join('');
    assert.ok(text === `Hello 😀, your key ${MASKED} ok.`, 'the joined deltas, masked, the emoji whole');
  });

  it('an undeclared UTF-16BE stream whose first bytes come alone: decided on them, the rest transcoded', async () => {
    const bytes = utf16(anthropicStreamEvents(MODEL, [`key ${TOKEN}`]).join(''), false);
    f.upstream.handler = async (_req, res) => {
      res.writeHead(200, {'content-type': 'text/event-stream'});
      res.write(bytes.subarray(0, 1));
      await sleep(20);
      await writeInPieces(res, bytes.subarray(1), 64);
    };
    const got = await messages(f.url, true);
    assert.equal(got.status, 200);
    assertNoToken(got.bytes, 'utf-16be stream');
    assert.ok(got.text.includes(`key ${MASKED}`), 'the delta, masked, in UTF-8');
  });

  for (const [label, body] of [
    ['utf-7', Buffer.from(`bad key +${Buffer.from(TOKEN, 'utf16le').swap16().toString('base64').replace(/=+$/, '')}- here`, 'latin1')],
    ['IBM037', Buffer.from('bad key (EBCDIC)', 'latin1')],
    ['iso-2022-jp', Buffer.from(`bad key ${TOKEN.slice(0, 10)}\x1b$B\x1b(B${TOKEN.slice(10)} here`, 'latin1')],
    ['x-no-such-charset', Buffer.from('anything', 'latin1')],
  ] as const) {
    it(`text/plain; charset=${label}: refused with a 502 in Anthropic's shape naming the charset, nothing of the body passed`, async () => {
      answer(400, `text/plain; charset=${label}`, body);
      const got = await messages(f.url);
      assert.equal(got.status, 502);
      assertNoToken(got.bytes, label);
      assert.ok(!got.text.includes('bad key'), 'the upstream body is not passed');
      const json = JSON.parse(got.text) as {type: string; error: {type: string; message: string}};
      assert.equal(json.type, 'error');
      assert.ok(json.error.message.includes(`charset ${label.toLowerCase()}`), json.error.message);
    });
  }

  it('a declared charset=utf-7 on a Chat client: the 502 is in OpenAI\'s shape', async () => {
    answer(200, 'application/json; charset=UTF-7', Buffer.from('{}'));
    const got = await chat(f.url);
    assert.equal(got.status, 502);
    const json = JSON.parse(got.text) as {error: {message: string}};
    assert.match(json.error.message, /charset utf-7/);
  });

  it('an ASCII-compatible charset (iso-8859-1) passes as before: its bytes unchanged but the token masked', async () => {
    answer(200, 'text/plain; charset=ISO-8859-1', Buffer.from(`caf\xe9 ${TOKEN} ok`, 'latin1'));
    const got = await messages(f.url);
    assert.equal(got.status, 200);
    assert.equal(got.type, 'text/plain; charset=ISO-8859-1');
    // The masked form goes in as UTF-8 bytes, as the byte-wise masker writes it.
    assert.ok(got.bytes.toString('latin1') === `caf\xe9 ${Buffer.from(MASKED).toString('latin1')} ok`, 'the body as sent, the token masked');
  });

  it('an ordinary UTF-8 JSON answer passes byte for byte', async () => {
    const body = Buffer.from(JSON.stringify(anthropicMessage(MODEL, 'plain é 😀')));
    answer(200, 'application/json', body);
    const got = await messages(f.url);
    assert.equal(got.status, 200);
    assert.equal(got.type, 'application/json');
    assert.ok(got.bytes.equals(body));
  });

  it('a binary type passes as before (its bytes unchanged)', async () => {
    // NULs of its own, not between ASCII letters (UTF-16 text typed as binary is transcoded: below).
    const body = Buffer.from([1, 0, 0, 0, 0xde, 0xad, 0, 0xbe, 0xef, 0, 0x7f, 0x45, 0x4c, 0x46, 2, 1]);
    answer(200, 'application/octet-stream', body);
    const got = await messages(f.url);
    assert.equal(got.status, 200);
    assert.ok(got.bytes.equals(body));
  });

  // Attack (s41): a "binary" word anywhere in the Content-Type (a parameter too) passed a UTF-16 body
  // as it was, and a declared charset on a binary type was not looked at: Python's requests decodes
  // `r.text` by the charset whatever the type.
  for (const type of ['application/json; charset=utf-16; x=grpc', 'application/json; profile=octet-stream; charset=utf-16', 'text/plain; charset=utf-16; name=a/pdf', 'application/octet-stream; charset=utf-16']) {
    it(`a UTF-16 400 as ${JSON.stringify(type)}: transcoded and masked`, async () => {
      answer(400, type, utf16(errorBody(TOKEN), true, true));
      const got = await messages(f.url);
      assertNoToken(got.bytes, type);
      assert.ok(!got.bytes.includes(0), 'no NUL left');
    });
  }

  // Attack (s41): two charset parameters (the proxy read the first, Python's requests the last), one
  // hidden in a quoted parameter, or RFC 2231's charset*: refused, nothing of the body passed.
  for (const type of ['application/json; charset=utf-8; charset=utf-16', 'application/json; a="; charset=utf-8 "; charset=utf-16', "application/json; charset*=''utf-16", 'application/json; charset=utf-16; charset=utf-16']) {
    it(`a Content-Type naming its charset twice or in RFC 2231's form (${JSON.stringify(type)}): 502, the body not passed`, async () => {
      answer(200, type, Buffer.concat([Buffer.from('中文', 'utf16le'), utf16(`{"x":"${TOKEN}"}`, true)]));
      const got = await messages(f.url);
      assert.equal(got.status, 502);
      assertNoToken(got.bytes, type);
      assert.match(JSON.parse(got.text).error.message, /names its charset more than once, or in RFC 2231's form/);
    });
  }
});

describe('a UTF-16 or UTF-32 answer on a translated route (Chat client onto a Claude upstream)', async () => {
  const f = await proxyFixture({provider: 'claude', tokens: [{file: 'claude-a.json', token: account}]});
  after(() => f.close());

  it('a 400 in UTF-16LE, undeclared: the OpenAI error carries the message masked, without NULs', async () => {
    f.upstream.handler = (_req, res) => {
      res.writeHead(400, {'content-type': 'application/json'});
      res.end(utf16(errorBody(TOKEN), true));
    };
    const got = await chat(f.url);
    assert.equal(got.status, 400);
    assertNoToken(got.bytes, 'translated error');
    const json = JSON.parse(got.text) as {error: {message: string}};
    assert.ok(json.error.message.includes(`bad key ${MASKED} here`), 'the upstream message, masked');
  });

  it('a 200 answer in UTF-32BE (declared): the Chat completion carries the text masked', async () => {
    f.upstream.handler = (_req, res) => {
      res.writeHead(200, {'content-type': 'application/json; charset=utf-32be'});
      res.end(utf32(JSON.stringify(anthropicMessage(MODEL, `your key ${TOKEN}`)), false));
    };
    const got = await chat(f.url);
    assert.equal(got.status, 200);
    assertNoToken(got.bytes, 'translated success');
    const json = JSON.parse(got.text) as {choices: {message: {content: string}}[]};
    assert.ok(json.choices[0]!.message.content === `your key ${MASKED}`, 'the completion text, masked');
  });

  it('a stream in UTF-16LE with a BOM, undeclared, cut at odd bytes: the Chat stream carries the text masked', async () => {
    const bytes = utf16(anthropicStreamEvents(MODEL, ['your key ', TOKEN.slice(0, 15), `${TOKEN.slice(15)}.`]).join(''), true, true);
    streamInPieces(f, 'text/event-stream', bytes, 5);
    const got = await chat(f.url, true);
    assert.equal(got.status, 200);
    assertNoToken(got.bytes, 'translated stream');
    const text = got.text
      .split('\n')
      .filter((line) => line.startsWith('data: {'))
      .map((line) => (JSON.parse(line.slice(6)) as {choices: {delta: {content?: string}}[]}).choices[0]?.delta.content ?? '')
      .join('');
    assert.ok(text === `your key ${MASKED}.`, 'the joined deltas, masked');
  });
});

// Attack (s41, third look): UTF-16 text typed as binary passed raw (requests guesses `r.text`'s
// encoding, json.loads sniffs it), and a translated route quoted a UTF-16 body with a NUL between
// every letter of the token, past the mask.
describe('UTF-16 text typed as binary, and quoted in a translated error', async () => {
  const f = await proxyFixture({provider: 'claude', tokens: [{file: 'claude-a.json', token: account}]});
  after(() => f.close());
  const answer = (status: number, type: string, bytes: Buffer) => answerWith(f, status, type, bytes);

  for (const type of ['application/octet-stream', 'image/png', 'Application/Octet-Stream ; x=1']) {
    it(`a UTF-16LE JSON answer typed ${JSON.stringify(type)}, no BOM: transcoded and masked`, async () => {
      answer(200, type, utf16(JSON.stringify(anthropicMessage(MODEL, `k ${TOKEN}`)), true));
      const got = await messages(f.url);
      assertNoToken(got.bytes, type);
    });
  }

  it('a real binary answer (a PNG head, NULs of its own) passes byte for byte', async () => {
    const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d]), Buffer.from('IHDR'), Buffer.alloc(32, 0)]);
    answer(200, 'image/png', png);
    const got = await messages(f.url);
    assert.equal(got.status, 200);
    assert.ok(got.bytes.equals(png));
  });

  it('a Chat client (translated) on an upstream 200 of UTF-16 text typed as binary: the 502 quotes no token, even with its NULs taken out', async () => {
    answer(200, 'application/x-foo', Buffer.concat([Buffer.from('中文', 'utf16le'), Buffer.from(`${TOKEN} is your key`, 'utf16le')]));
    const got = await chat(f.url);
    assert.equal(got.status, 502, got.text);
    const message = (JSON.parse(got.text) as {error: {message: string}}).error.message;
    assert.ok(!message.replace(/\u0000/g, '').includes(TOKEN), 'the token, letters apart');
    assertNoToken(got.bytes, 'translated 502');
  });
});
