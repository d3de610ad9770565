// The upstream address node:http is given: the same host, port, path and credentials as the URL
// object it was given before (node's urlToHttpOptions), with the Host field node:http would derive
// from them, parsed once per distinct URL.
import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {upstreamAddress} from '../../source/proxy/upstream.js';

describe('upstreamAddress', () => {
  it('keeps host, port, path with query, and the protocol', () => {
    assert.deepEqual({...upstreamAddress('http://127.0.0.1:8080/v1/messages?beta=true')}, {https: false, hostname: '127.0.0.1', port: 8080, path: '/v1/messages?beta=true', hostField: '127.0.0.1:8080'});
    assert.deepEqual({...upstreamAddress('https://api.anthropic.com/v1/messages')}, {https: true, hostname: 'api.anthropic.com', path: '/v1/messages', hostField: 'api.anthropic.com'});
  });

  it('unbrackets an IPv6 host and keeps user:password for Basic auth', () => {
    assert.deepEqual({...upstreamAddress('http://[::1]:9/x')}, {https: false, hostname: '::1', port: 9, path: '/x', hostField: '[::1]:9'});
    assert.deepEqual({...upstreamAddress('https://user:p%40ss@gw.example/v1')}, {https: true, hostname: 'gw.example', path: '/v1', auth: 'user:p@ss', hostField: 'gw.example'});
  });

  it('gives the same address for the same URL, and refuses what node:http would', () => {
    assert.equal(upstreamAddress('http://127.0.0.1:1/a'), upstreamAddress('http://127.0.0.1:1/a'));
    assert.throws(() => upstreamAddress('ftp://127.0.0.1/a'), /Protocol "ftp:" not supported/);
    assert.throws(() => upstreamAddress('/v1/messages'), /Invalid URL/);
  });
});
