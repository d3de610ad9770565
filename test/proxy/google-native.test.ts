// Claude Code's requests (the Anthropic SDK, as Claude Code sends them) through the proxy on the two
// Google providers that do not go through Cloud Code: a Vertex AI service account (the native Gemini
// API of its project, against the Google stand-in, which issued the JWT-bearer token it checks) and
// an AI Studio API key (the native Gemini API too, the key in x-goog-api-key, against the scripted
// upstream; s22-aistudio-gemini3-signatures.test.ts has its Gemini 3 signatures and Chat pass-through).
import assert from 'node:assert/strict';
import {after, before, describe, it} from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import type {ApiProtocol} from '../../source/providers/table.js';
import {translatorFor} from '../../source/proxy/translate/index.js';
import {startFakeGoogle, type FakeGoogle} from '../helpers/fake-google/server.js';
import {startFakeInference} from '../helpers/fake-inference/server.js';
import {API_KEY, proxyFixture, type ProxyFixture} from './fixture.js';

/** A tool as Claude Code declares it: JSON Schema with keywords Gemini refuses (`$schema`, `additionalProperties`). */
const READ_TOOL = {
  name: 'Read',
  description: 'Reads a file',
  input_schema: {
    $schema: 'http://json-schema.org/draft-07/schema#',
    type: 'object' as const,
    properties: {file_path: {type: 'string', description: 'absolute path'}},
    required: ['file_path'],
    additionalProperties: false,
  },
};

/** The token file a service-account import writes (services/oauth/login.ts importServiceAccount). */
const vertexToken = (key: Record<string, string>, extra: Record<string, unknown> = {}) => ({
  type: 'vertex',
  email: key.client_email,
  project_id: key.project_id,
  service_account: key,
  ...extra,
});

const MODELS = '/publishers/google/models/gemini-2.5-pro';

describe('vertex: a Claude Code request on a service account reaches the native Gemini API of its project', async () => {
  let google: FakeGoogle;
  let f: ProxyFixture;
  let client: Anthropic;
  before(async () => {
    google = await startFakeGoogle({users: {}});
    const key = google.addServiceAccount('vertex-proj-9');
    f = await proxyFixture({provider: 'vertex', tokens: [{file: 'vertex-sa.json', token: vertexToken(key)}], endpoints: google.settings().endpoints});
    client = new Anthropic({apiKey: API_KEY, baseURL: f.url, maxRetries: 0});
  });
  after(async () => {
    await f.close();
    await google.close();
  });
  const inference = () => google.requests.filter((r) => r.path.startsWith('/v1/projects/'));

  it('streams a tool call, then the answer to its result (a tool round trip), with the JWT-bearer token as Bearer', async () => {
    const first = await client.messages
      .stream({model: 'gemini-2.5-pro', max_tokens: 256, system: 'You are Claude Code.', tools: [READ_TOOL], messages: [{role: 'user', content: 'read /etc/hostname'}]})
      .finalMessage();
    assert.equal(first.stop_reason, 'tool_use');
    const call = first.content.find((block) => block.type === 'tool_use');
    assert.ok(call && call.type === 'tool_use' && call.name === 'Read', JSON.stringify(first.content));

    const second = await client.messages
      .stream({
        model: 'gemini-2.5-pro',
        max_tokens: 256,
        system: 'You are Claude Code.',
        tools: [READ_TOOL],
        messages: [
          {role: 'user', content: 'read /etc/hostname'},
          {role: 'assistant', content: first.content},
          {role: 'user', content: [{type: 'tool_result', tool_use_id: call.id, content: 'box-42'}]},
        ],
      })
      .finalMessage();
    assert.equal(second.stop_reason, 'end_turn');
    assert.deepEqual(
      second.content.filter((block) => block.type === 'text').map((block) => block.type === 'text' && block.text),
      ['Tool said: {"result":"box-42"}'],
    );

    assert.deepEqual(google.vertexRefusals, []);
    assert.deepEqual(
      inference().map((r) => `${r.path}?${r.query}`),
      Array(2).fill(`/v1/projects/vertex-proj-9/locations/us-central1${MODELS}:streamGenerateContent?alt=sse`),
    );
    // The stand-in saw the request itself (no Cloud Code envelope), with the system prompt and the call answered.
    const sent = JSON.parse(inference()[1]!.body) as Record<string, unknown>;
    assert.deepEqual(Object.keys(sent).sort(), ['contents', 'generationConfig', 'systemInstruction', 'tools']);
    assert.equal(google.vertexTurns[1]!.system, 'You are Claude Code.');
    assert.equal(google.vertexTurns[1]!.continuesToolLoop, true);
    // One JWT-bearer exchange; both calls carry the token it issued.
    const grants = google.on('/token');
    assert.deepEqual(grants.map((r) => r.fields.grant_type), ['urn:ietf:params:oauth:grant-type:jwt-bearer']);
    assert.ok(inference().every((r) => /^Bearer ya29\./.test(String(r.headers.authorization))));
  });

  it('answers a non-streaming request through generateContent, and counts tokens through countTokens', async () => {
    const from = inference().length;
    const message = await client.messages.create({model: 'gemini-2.5-pro', max_tokens: 64, messages: [{role: 'user', content: 'hi'}]});
    assert.deepEqual(message.content, [{type: 'text', text: 'Hello from gemini'}]);
    assert.equal(message.model, 'gemini-2.5-pro');
    assert.ok(message.usage.output_tokens > 0);
    const count = await client.messages.countTokens({model: 'gemini-2.5-pro', system: 'be brief', messages: [{role: 'user', content: 'hi'}]});
    assert.ok(count.input_tokens > 0);
    assert.deepEqual(
      inference().slice(from).map((r) => r.path),
      [`/v1/projects/vertex-proj-9/locations/us-central1${MODELS}:generateContent`, `/v1/projects/vertex-proj-9/locations/us-central1${MODELS}:countTokens`],
    );
    assert.deepEqual(google.vertexRefusals, []);
  });
});

describe("vertex: the account's region and the stand-in's refusals", async () => {
  let google: FakeGoogle;
  before(async () => {
    google = await startFakeGoogle({users: {}});
  });
  after(() => google.close());

  it("a token file's `location` picks the region in the path", async () => {
    const key = google.addServiceAccount('vertex-eu');
    const f = await proxyFixture({provider: 'vertex', tokens: [{file: 'vertex-eu.json', token: vertexToken(key, {location: 'europe-west4'})}], endpoints: google.settings().endpoints});
    try {
      const client = new Anthropic({apiKey: API_KEY, baseURL: f.url, maxRetries: 0});
      const message = await client.messages.create({model: 'gemini-2.5-pro', max_tokens: 64, messages: [{role: 'user', content: 'hi'}]});
      assert.deepEqual(message.content, [{type: 'text', text: 'Hello from gemini'}]);
      assert.deepEqual(
        google.requests.filter((r) => r.path.startsWith('/v1/projects/')).map((r) => r.path),
        [`/v1/projects/vertex-eu/locations/europe-west4${MODELS}:generateContent`],
      );
    } finally {
      await f.close();
    }
  });

  it('a `location` that is not a region is refused naming the field, and nothing is sent', async () => {
    const key = google.addServiceAccount('vertex-bad');
    const f = await proxyFixture({provider: 'vertex', tokens: [{file: 'vertex-bad.json', token: vertexToken(key, {location: 'x.evil.example/'})}], endpoints: google.settings().endpoints});
    try {
      const response = await fetch(`${f.url}/v1/messages`, {
        method: 'POST',
        headers: {'x-api-key': API_KEY, 'content-type': 'application/json'},
        body: JSON.stringify({model: 'gemini-2.5-pro', max_tokens: 16, messages: [{role: 'user', content: 'hi'}]}),
      });
      const text = await response.text();
      assert.ok(response.status >= 400, text);
      assert.match((JSON.parse(text) as {error: {message: string}}).error.message, /field "location" is "x\.evil\.example\/", not a Vertex AI region/);
      assert.equal(google.requests.filter((r) => r.path.includes('/projects/vertex-bad/')).length, 0);
    } finally {
      await f.close();
    }
  });

  it('the stand-in refuses a Cloud Code envelope, another project, a token it did not issue and a schema keyword Gemini refuses', async () => {
    const key = google.addServiceAccount('vertex-own');
    google.addServiceAccount('vertex-other');
    // A token as the proxy would get it: the JWT-bearer exchange, through the real adapter.
    const f = await proxyFixture({provider: 'vertex', tokens: [{file: 'vertex-own.json', token: vertexToken(key)}], endpoints: google.settings().endpoints});
    try {
      const client = new Anthropic({apiKey: API_KEY, baseURL: f.url, maxRetries: 0});
      await client.messages.create({model: 'gemini-2.5-pro', max_tokens: 16, messages: [{role: 'user', content: 'hi'}]});
      const bearer = String(google.requests.findLast((r) => r.path.startsWith('/v1/projects/vertex-own/'))!.headers.authorization);
      const post = (project: string, body: unknown, authorization = bearer) =>
        fetch(`${google.url}/v1/projects/${project}/locations/us-central1${MODELS}:generateContent`, {method: 'POST', headers: {authorization, 'content-type': 'application/json'}, body: JSON.stringify(body)});
      const contents = [{role: 'user', parts: [{text: 'hi'}]}];
      assert.equal((await post('vertex-own', {contents})).status, 200);
      const envelope = await post('vertex-own', {model: 'gemini-2.5-pro', project: 'vertex-own', request: {contents}});
      assert.equal(envelope.status, 400);
      assert.match(await envelope.text(), /Unknown name \\"request\\"/);
      assert.equal((await post('vertex-other', {contents})).status, 403);
      assert.equal((await post('vertex-own', {contents}, 'Bearer ya29.not-issued')).status, 401);
      const schema = await post('vertex-own', {contents, tools: [{functionDeclarations: [{name: 'Read', parameters: READ_TOOL.input_schema}]}]});
      assert.equal(schema.status, 400);
      assert.match(await schema.text(), /Unknown name \\"\$schema\\"/);
    } finally {
      await f.close();
    }
  });
});

describe('aistudio: a Claude Code request on an API key reaches the native Gemini API', async () => {
  const upstream = await startFakeInference({geminiApiKey: 'AIzaSyTestKey0123456789'});
  const f = await proxyFixture({provider: 'aistudio', upstream, tokens: [{file: 'aistudio-key.json', token: {type: 'aistudio', api_key: 'AIzaSyTestKey0123456789'}}]});
  after(() => f.close());
  const client = new Anthropic({apiKey: API_KEY, baseURL: f.url, maxRetries: 0});

  it('streams a tool call and the answer to its result, and answers a non-streaming request', async () => {
    const params = {model: 'gemini-2.5-flash', max_tokens: 128, tools: [READ_TOOL]};
    const first = await client.messages.stream({...params, messages: [{role: 'user', content: 'read it'}]}).finalMessage();
    const call = first.content.find((block) => block.type === 'tool_use');
    assert.ok(call && call.type === 'tool_use' && call.name === 'Read', JSON.stringify(first.content));
    const second = await client.messages
      .stream({...params, messages: [{role: 'user', content: 'read it'}, {role: 'assistant', content: first.content}, {role: 'user', content: [{type: 'tool_result', tool_use_id: call.id, content: 'box-42'}]}]})
      .finalMessage();
    assert.deepEqual(second.content.filter((b) => b.type === 'text').map((b) => b.type === 'text' && b.text), ['Tool said: {"result":"box-42"}']);
    const plain = await client.messages.create({model: 'gemini-2.5-flash', max_tokens: 32, messages: [{role: 'user', content: 'hi'}]});
    assert.deepEqual(plain.content, [{type: 'text', text: 'Hello from gemini'}]);

    assert.deepEqual(upstream.refusals, []);
    assert.deepEqual(
      upstream.requests.map((r) => r.url),
      [...Array(2).fill('/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse'), '/v1beta/models/gemini-2.5-flash:generateContent'],
    );
    assert.ok(upstream.requests.every((r) => r.headers['x-goog-api-key'] === 'AIzaSyTestKey0123456789' && r.headers.authorization === undefined));
  });
});

describe('the Gemini translators carry the request bare for the native API and in the envelope for Cloud Code', () => {
  const context = {clientModel: 'gemini-2.5-pro', upstreamModel: 'gemini-2.5-pro', clientStream: true, project: 'cloud-code-proj'};
  const bodies: [ApiProtocol, Record<string, unknown>][] = [
    ['anthropic', {model: 'gemini-2.5-pro', max_tokens: 16, messages: [{role: 'user', content: 'hi'}]}],
    ['openai-chat', {model: 'gemini-2.5-pro', messages: [{role: 'user', content: 'hi'}]}],
    ['openai-responses', {model: 'gemini-2.5-pro', input: 'hi'}],
  ];
  for (const [client, body] of bodies) {
    it(`${client} client`, () => {
      const native = translatorFor(client, 'gemini-native')!.request(body, context);
      assert.deepEqual(native.body.contents, [{role: 'user', parts: [{text: 'hi'}]}]);
      assert.equal(native.method, 'stream');
      assert.ok(!('request' in native.body) && !('project' in native.body) && !('model' in native.body), JSON.stringify(native.body));
      const internal = translatorFor(client, 'gemini-internal')!.request(body, context);
      assert.deepEqual(internal.body, {model: 'gemini-2.5-pro', project: 'cloud-code-proj', request: native.body});
    });
  }
});
