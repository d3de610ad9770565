// The proxy hands node:http its upstream request headers as a list (upstream.ts upstreamHeaderList):
// the request head on the wire must be the one node:http writes for the same headers as an object,
// with the Host and Basic auth node:http adds to an object, and names that differ only in case
// merged as its setHeader merges them.
import assert from 'node:assert/strict';
import {Agent, request, type OutgoingHttpHeaders} from 'node:http';
import {createServer, type AddressInfo} from 'node:net';
import {after, before, describe, it} from 'node:test';
import {hostHeader, upstreamAddress, upstreamHeaderList} from '../../source/proxy/upstream.js';

describe('upstreamHeaderList', () => {
  let port = 0;
  const heads: string[] = [];
  const server = createServer((socket) => {
    let text = '';
    socket.on('data', (data) => {
      text += data.toString('latin1');
      const end = text.indexOf('\r\n\r\n');
      if (end < 0) return;
      heads.push(text.slice(0, end));
      socket.end('HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n');
    });
  });
  before(() => new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => ((port = (server.address() as AddressInfo).port), resolve()))));
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  /** The request head node:http writes for `headers` (an object or a list) to `url`. */
  const head = (url: string, headers: OutgoingHttpHeaders | string[], auth?: string) =>
    new Promise<string>((resolve, reject) => {
      const {hostname, port: urlPort, path} = upstreamAddress(url);
      const agent = new Agent({keepAlive: false});
      const sent = request({hostname, port: urlPort, path, method: 'POST', headers, agent, ...(auth ? {auth} : {})}, (answer) => {
        answer.resume();
        answer.on('end', () => resolve(heads.at(-1)!));
      });
      sent.on('error', reject);
      sent.end('{}');
    });

  const cases: {name: string; headers: Record<string, string>; url?: string}[] = [
    {name: 'plain lower-case headers', headers: {'content-type': 'application/json', authorization: 'Bearer abc', 'content-length': '2', 'accept-encoding': 'identity'}},
    {name: 'a client header and an adapter header that differ only in case', headers: {'x-msh-platform': 'client', 'content-type': 'application/json', 'X-Msh-Platform': 'adapter', 'User-Agent': 'ua', 'content-length': '2'}},
    {name: 'user:password in the URL, no Authorization', headers: {'content-type': 'application/json', 'content-length': '2'}, url: 'http://user:p%40ss@127.0.0.1:PORT/v1?beta=true'},
    {name: 'user:password in the URL and an Authorization', headers: {Authorization: 'Bearer abc', 'content-length': '2'}, url: 'http://user:pass@127.0.0.1:PORT/v1'},
  ];
  for (const {name, headers, url = 'http://127.0.0.1:PORT/v1/messages?beta=true'} of cases) {
    it(`writes the head node:http writes for the object: ${name}`, async () => {
      const target = url.replace('PORT', String(port));
      const address = upstreamAddress(target);
      const list = upstreamHeaderList(headers, address);
      assert.ok(list);
      assert.equal(await head(target, list), await head(target, headers, address.auth));
    });
  }

  it('leaves headers that name their own Host as an object (node:http takes the TLS server name from it)', () => {
    assert.equal(upstreamHeaderList({Host: 'other.example', 'content-length': '2'}, upstreamAddress('https://api.example/v1')), undefined);
  });

  it('writes Host as node:http does: IPv6 in brackets, no default port', () => {
    assert.equal(hostHeader(upstreamAddress('http://[::1]:9/x')), '[::1]:9');
    assert.equal(hostHeader(upstreamAddress('https://api.anthropic.com/v1')), 'api.anthropic.com');
    assert.equal(hostHeader(upstreamAddress('https://api.anthropic.com:8443/v1')), 'api.anthropic.com:8443');
    assert.equal(hostHeader(upstreamAddress('http://gw.example:443/v1')), 'gw.example:443');
  });
});
