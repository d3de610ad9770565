// The upstream request's head as one header list (upstreamHeaderList) is byte for byte the head
// node:http writes from a header object through setHeader: the same fields, spellings, values and
// order, the Host field and the URL's Basic credentials added the same way, names that differ only
// in case merged the same way.
import assert from 'node:assert/strict';
import {Agent, request, type RequestOptions} from 'node:http';
import {createServer, type AddressInfo} from 'node:net';
import {after, before, describe, it} from 'node:test';
import {upstreamAddress, upstreamHeaderList} from '../../source/proxy/upstream.js';

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

function send(options: RequestOptions): Promise<string> {
  heads = [];
  return new Promise((resolve, reject) => {
    const req = request({...options, method: 'POST', agent}, (res) => {
      res.resume();
      res.on('end', () => resolve(heads[0]!));
    });
    req.on('error', reject);
    req.end('{}');
  });
}

/** The heads node:http writes to `url` (the test server's) from a header object, as before, and from upstreamHeaderList's list. */
async function bothHeads(url: string, headers: Record<string, string>): Promise<{viaObject: string; viaList: string}> {
  const address = upstreamAddress(url);
  const target = {hostname: address.hostname, port: address.port, path: address.path};
  const viaObject = await send({...target, headers, ...(address.auth ? {auth: address.auth} : {})});
  const viaList = await send({...target, headers: upstreamHeaderList(headers, address)});
  return {viaObject, viaList};
}

describe('upstreamHeaderList', () => {
  it('writes the head node:http writes from the header object, its Host and Basic auth included', async () => {
    const headers = {'content-type': 'application/json', authorization: 'Bearer t0k', 'anthropic-beta': 'a,b', 'accept-encoding': 'identity', 'content-length': '2'};
    const plain = await bothHeads(`http://127.0.0.1:${port}/v1/messages?beta=true`, headers);
    assert.equal(plain.viaList, plain.viaObject);
    assert.match(plain.viaList, new RegExp(`^POST /v1/messages\\?beta=true HTTP/1.1\\r\\ncontent-type: application/json\\r\\n.*\\r\\nHost: 127\\.0\\.0\\.1:${port}\\r\\nConnection: keep-alive\\r\\n\\r\\n$`, 's'));
    const {authorization: _, ...withoutBearer} = headers;
    const basic = await bothHeads(`http://user:p%40ss@127.0.0.1:${port}/x`, withoutBearer);
    assert.equal(basic.viaList, basic.viaObject);
    assert.match(basic.viaList, /\r\nAuthorization: Basic dXNlcjpwQHNz\r\n/);
  });

  it('merges names that differ only in case as setHeader does: last value and spelling, first place', async () => {
    const headers = {accept: 'application/json', 'x-msh-platform': 'client', Accept: 'text/event-stream', 'X-Msh-Platform': 'kimi_cli', 'content-length': '2', 'ACCEPT-encoding': 'identity', 'accept-encoding': 'gzip'};
    const {viaObject, viaList} = await bothHeads(`http://127.0.0.1:${port}/x`, headers);
    assert.equal(viaList, viaObject);
    assert.deepEqual(upstreamHeaderList(headers, upstreamAddress('http://127.0.0.1:9/x')), ['Accept', 'text/event-stream', 'X-Msh-Platform', 'kimi_cli', 'content-length', '2', 'accept-encoding', 'gzip', 'Host', '127.0.0.1:9']);
  });

  it('keeps a Host or Authorization the headers name, and fills an empty one as node:http does', async () => {
    const named = await bothHeads(`http://user:pw@127.0.0.1:${port}/x`, {authorization: 'Bearer x', host: 'other.example', 'content-length': '2'});
    assert.equal(named.viaList, named.viaObject);
    const empty = await bothHeads(`http://user:pw@127.0.0.1:${port}/x`, {Authorization: '', host: '', 'content-length': '2'});
    assert.equal(empty.viaList, empty.viaObject);
    assert.deepEqual(upstreamHeaderList({Authorization: '', host: ''}, upstreamAddress('https://user:p%40ss@gw.example/v1')), ['Authorization', 'Basic dXNlcjpwQHNz', 'Host', 'gw.example']);
  });

  it('names the host as node:http does: IPv6 in brackets, a port only when not the default, no server name for an IP', () => {
    assert.deepEqual([upstreamAddress('http://[::1]:9/x').hostField, upstreamAddress('http://[::1]:9/x').servername], ['[::1]:9', '']);
    assert.deepEqual([upstreamAddress('https://api.example/x').hostField, upstreamAddress('https://api.example/x').servername], ['api.example', 'api.example']);
    assert.equal(upstreamAddress('https://api.example:8443/x').hostField, 'api.example:8443');
    assert.equal(upstreamAddress('http://api.example:443/x').hostField, 'api.example:443');
    assert.equal(upstreamAddress('http://10.0.0.1/x').servername, '');
  });

  it('refuses a value node:http would refuse', () => {
    assert.throws(() => request({host: '127.0.0.1', port, agent, headers: upstreamHeaderList({'x-a': 'line\r\nInjected: 1'}, upstreamAddress('http://127.0.0.1:9/x'))}), {code: 'ERR_INVALID_CHAR'});
  });
});
