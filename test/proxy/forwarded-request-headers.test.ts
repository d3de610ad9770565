// The upstream request's head from one raw header list (forwardedRequestHeaders, addHostFields) is
// byte for byte the head node:http writes when each field is set on it with setHeader, in the same
// order (what the proxy did before): the same fields, spellings, values and order, the Host field
// and the URL's Basic credentials added the same way, names that differ only in case merged the
// same way; and the fields never forwarded (the proxy key, hop-by-hop ones) are not in it.
import assert from 'node:assert/strict';
import {Agent, request, type ClientRequest} from 'node:http';
import {createServer, type AddressInfo} from 'node:net';
import {after, before, describe, it} from 'node:test';
import {addHostFields, forwardedRequestHeaders, forwardedResponseHeaders, upstreamAddress} from '../../source/proxy/upstream.js';

/** A TCP server that keeps each request's head as sent and answers 204. */
let heads: string[] = [];
const server = createServer((socket) => {
  let text = '';
  socket.on('data', (chunk) => {
    text += chunk.toString('latin1');
    const end = text.indexOf('\r\n\r\n');
    if (end < 0) return;
    heads.push(text.slice(0, end + 4));
    text = '';
    socket.write('HTTP/1.1 204 No Content\r\n\r\n');
  });
});
let port = 0;
const agent = new Agent({keepAlive: true});

before(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
after(() => {
  agent.destroy();
  server.close();
});

/** The head of one request to the test server; `setUp` sets its fields (before node:http adds Host and auth). */
function headOf(url: string, headers: string[] | undefined, setUp: (req: ClientRequest) => void = () => {}): Promise<string> {
  const address = upstreamAddress(url);
  heads = [];
  return new Promise((resolve, reject) => {
    const options = {hostname: address.hostname, port: address.port, path: address.path, method: 'POST', agent, ...(headers ? {headers} : {}), ...(address.auth && !headers ? {auth: address.auth} : {})};
    const req = request(options, (res) => {
      res.resume();
      res.on('end', () => resolve(heads[0]!));
    });
    setUp(req);
    req.on('error', reject);
    req.end('{}');
  });
}

type Fields = Record<string, string>;

/** The heads node:http writes with a setHeader per field (client's not dropped, adapter's, the proxy's own) and from the proxy's list. */
async function bothHeads(url: string, client: Fields, upstream: Fields, own?: Fields): Promise<{viaSetHeader: string; viaList: string}> {
  const forwarded = Object.entries(client).filter(([name]) => !['host', 'connection', 'content-length', 'x-api-key', 'x-goog-api-key', 'api-key', 'authorization', 'accept-encoding', 'user-agent'].includes(name));
  const fields = [...forwarded, ...Object.entries(upstream), ['accept-encoding', 'identity'], ['content-length', '2'], ...Object.entries(own ?? {})];
  const viaSetHeader = await headOf(url, undefined, (req) => {
    // node:http adds Host and Basic auth in its constructor; fields set after replace them as any other.
    req.removeHeader('host');
    req.removeHeader('authorization');
    for (const [name, value] of fields) req.setHeader(name!, value!);
    const address = upstreamAddress(url);
    if (!req.getHeader('host')) req.setHeader('Host', address.hostField);
    if (address.auth && !req.getHeader('authorization')) req.setHeader('Authorization', `Basic ${Buffer.from(address.auth).toString('base64')}`);
  });
  const viaList = await headOf(url, addHostFields(forwardedRequestHeaders(client, upstream, 2, own), upstreamAddress(url)));
  return {viaSetHeader, viaList};
}

const client = {host: '127.0.0.1:8317', connection: 'keep-alive', 'content-type': 'application/json', 'anthropic-version': '2023-06-01', 'x-api-key': 'proxy-key-0123456789', 'content-length': '2', accept: 'application/json', 'x-msh-platform': 'client'};

describe('forwardedRequestHeaders', () => {
  it('writes the head node:http writes field by field, its own Host included, without the fields never forwarded', async () => {
    const upstream = {authorization: 'Bearer t0k', 'anthropic-version': '2023-06-01', 'anthropic-beta': 'a,b'};
    const {viaSetHeader, viaList} = await bothHeads(`http://127.0.0.1:${port}/v1/messages?beta=true`, client, upstream);
    assert.equal(viaList, viaSetHeader);
    assert.equal(
      viaList,
      `POST /v1/messages?beta=true HTTP/1.1\r\ncontent-type: application/json\r\nanthropic-version: 2023-06-01\r\naccept: application/json\r\nx-msh-platform: client\r\nauthorization: Bearer t0k\r\nanthropic-beta: a,b\r\naccept-encoding: identity\r\ncontent-length: 2\r\nHost: 127.0.0.1:${port}\r\nConnection: keep-alive\r\n\r\n`,
    );
  });

  it("forwards no credential header of the client's (the proxy's key, or a Gemini or Azure key field the upstream would read before the account's)", async () => {
    const withKeys = {...client, 'x-goog-api-key': 'proxy-key-0123456789', 'api-key': 'proxy-key-0123456789', authorization: 'Bearer proxy-key-0123456789'};
    const {viaSetHeader, viaList} = await bothHeads(`http://127.0.0.1:${port}/v1beta/openai/chat/completions`, withKeys, {authorization: 'Bearer AIzaAccountKey'});
    assert.equal(viaList, viaSetHeader);
    assert.doesNotMatch(viaList, /proxy-key-0123456789/);
    assert.match(viaList, /\r\nauthorization: Bearer AIzaAccountKey\r\n/);
  });

  it('merges names that differ only in case as setHeader does: the last value and spelling, in the first place', async () => {
    const upstream = {Accept: 'text/event-stream', 'X-Msh-Platform': 'kimi_cli', 'Content-Type': 'application/json; charset=utf-8', 'Accept-Encoding': 'gzip'};
    const {viaSetHeader, viaList} = await bothHeads(`http://127.0.0.1:${port}/x`, client, upstream, {accept: 'application/json'});
    assert.equal(viaList, viaSetHeader);
    assert.deepEqual(forwardedRequestHeaders(client, upstream, 2, {accept: 'application/json'}), ['Content-Type', 'application/json; charset=utf-8', 'anthropic-version', '2023-06-01', 'accept', 'application/json', 'X-Msh-Platform', 'kimi_cli', 'accept-encoding', 'identity', 'content-length', '2']);
  });

  it('adds Basic auth from the URL and keeps a Host or Authorization the adapter names, filling an empty one, as node:http does', async () => {
    const plain = await bothHeads(`http://user:p%40ss@127.0.0.1:${port}/x`, client, {});
    assert.equal(plain.viaList, plain.viaSetHeader);
    assert.match(plain.viaList, /\r\nHost: 127\.0\.0\.1:\d+\r\nAuthorization: Basic dXNlcjpwQHNz\r\n/);
    const named = await bothHeads(`http://user:pw@127.0.0.1:${port}/x`, client, {authorization: 'Bearer x', host: 'other.example'});
    assert.equal(named.viaList, named.viaSetHeader);
    const empty = await bothHeads(`http://user:pw@127.0.0.1:${port}/x`, client, {Authorization: '', host: ''});
    assert.equal(empty.viaList, empty.viaSetHeader);
    assert.deepEqual(addHostFields(['Authorization', '', 'host', ''], upstreamAddress('https://user:p%40ss@gw.example/v1')), ['Authorization', 'Basic dXNlcjpwQHNz', 'Host', 'gw.example']);
  });

  it('names the host as node:http does: IPv6 in brackets, a port only when not the default', () => {
    assert.equal(upstreamAddress('http://[::1]:9/x').hostField, '[::1]:9');
    assert.equal(upstreamAddress('https://api.example/x').hostField, 'api.example');
    assert.equal(upstreamAddress('https://api.example:8443/x').hostField, 'api.example:8443');
    assert.equal(upstreamAddress('http://api.example:443/x').hostField, 'api.example:443');
  });

  it('refuses a value node:http would refuse', () => {
    assert.throws(() => request({host: '127.0.0.1', port, agent, headers: forwardedRequestHeaders({'x-a': 'line\r\nInjected: 1'}, {}, 0)}), {code: 'ERR_INVALID_CHAR'});
  });

  it('drops the fields a Connection header names, both ways (RFC 9110 7.6.1: meant for the next hop only)', () => {
    const sent = forwardedRequestHeaders({connection: 'close, X-Hop-Secret,  x-other ', 'x-hop-secret': 's3cret', 'x-other': 'o', 'x-kept': 'k'}, {}, 0);
    assert.deepEqual(sent, ['x-kept', 'k', 'accept-encoding', 'identity', 'content-length', '0']);
    const plain = forwardedRequestHeaders({connection: 'keep-alive', 'x-kept': 'k'}, {}, 0);
    assert.deepEqual(plain, ['x-kept', 'k', 'accept-encoding', 'identity', 'content-length', '0']);
    assert.deepEqual(forwardedResponseHeaders({connection: 'X-Upstream-Only', 'x-upstream-only': 'u', 'content-type': 'application/json'}), {'content-type': 'application/json'});
  });
});
