// No token is ever shown, however an upstream interleaves it: usage endpoints and an upstream that
// echo each credential with what a terminal does not draw between its letters (C0/C1 controls,
// colour and title sequences, bidi overrides; raw in a text body, `\u0001` escapes in JSON). A
// terminal drops them and shows the letters as one word, so every output is checked as a terminal
// would draw it: command output, the proxy log, `proxy status` (text and JSON), the quota cache and
// the bodies the proxy's client received (their JSON decoded, as a client shows its message).
import assert from 'node:assert/strict';
import {readdirSync, readFileSync} from 'node:fs';
import path from 'node:path';
import {describe, it} from 'node:test';
import {makeTempCcs} from '../helpers/ccs.js';
import {checkQuotaOutputs, plantEchoAccounts} from '../helpers/echo-accounts.js';
import {runBin} from '../helpers/cli.js';
import {freePort, startFakeUpstream} from '../helpers/fake-upstreams.js';
import {API_KEY} from '../proxy/fixture.js';
import {drawnOnTerminal as drawn, writtenOutOfOrder} from '../helpers/terminal-draw.js';

const planted = (name: string) => `${name}-PLANTED-${Math.random().toString(36).slice(2, 12)}-${'z'.repeat(6)}`;


/** Every JSON value in `text` (a body, an output) decoded, leaves joined by newlines, as a client shows a message. */
function decodedLeaves(text: string): string {
  const leaves: string[] = [];
  const walk = (value: unknown): void => {
    if (typeof value === 'string') leaves.push(value);
    else if (value && typeof value === 'object') for (const item of Object.values(value)) walk(item);
  };
  for (const line of text.split('\n')) {
    const at = line.indexOf('{');
    if (at < 0) continue;
    try {
      walk(JSON.parse(line.slice(at)));
    } catch {
      // Not JSON: the raw text is checked as it is.
    }
  }
  return leaves.join('\n');
}

describe('no token is ever shown, with controls between its letters', async () => {
  const ccs = makeTempCcs();
  const secrets = {
    accessA: planted('sk-ant-oat01-A'),
    refreshA: planted('sk-ant-ort01-A'),
    accessB: planted('sk-ant-oat01-B'),
    refreshB: planted('sk-ant-ort01-B'),
    codexAccess: planted('codex-at'),
    codexRefresh: planted('codex-rt'),
  };
  const all = Object.values(secrets);
  // What a terminal draws as nothing, or that moves its cursor back over a letter written to be
  // overwritten, between every two letters; and pieces written out of order (`\r`, tabs).
  const gaps = ['\u0001', '\u001b[0m', '\u202e', '\u007f\u0085', '\u001b]0;t\u0007\u2066', 'X\u0008', 'X\u001b[1D', '\u200b', '\ufe0f', '\u0332'];
  const forms = [...gaps.map((gap) => (secret: string) => [...secret].join(gap)), writtenOutOfOrder];
  let answer = 0;
  /** Each secret in the next form, one a line (where `\r` returns to its start). */
  const interleaved = () => `\n${all.map((secret) => forms[answer++ % forms.length]!(secret)).join('\n')}`;
  const upstream = await startFakeUpstream((req, res) => {
    // The first account answers 500 in plain text (failover: its text becomes the cooling reason),
    // the second 400 in JSON (passed to the client); the usage and token endpoints 500 and 400.
    const first = String(req.headers.authorization ?? req.headers['x-api-key']).includes('-A');
    const status = req.path.includes('usage') ? 500 : req.path.includes('token') ? 400 : first ? 500 : 400;
    if (first && !req.path.includes('usage') && !req.path.includes('token')) {
      res.writeHead(status, {'content-type': 'text/plain; charset=utf-8'});
      res.end(`upstream trouble: known ${interleaved()}`);
      return;
    }
    res.writeHead(status, {'content-type': 'application/json'});
    res.end(JSON.stringify({error: {type: 'invalid_request_error', message: `bad request; known: ${interleaved()}`}}));
  });
  plantEchoAccounts(ccs, upstream, secrets);

  const assertClean = (text: string, where: string) => {
    for (const shown of [drawn(text), drawn(decodedLeaves(text))]) {
      for (const secret of all) {
        // The middle of a secret: its start is a well-known prefix, and a masked form shows its ends.
        assert.ok(!shown.includes(secret.slice(12, -6)), `${where} draws ${secret.slice(0, 16)}… whole: ${shown.slice(0, 2000)}`);
      }
    }
  };

  it('proxy: client bodies, log and status carry no token a terminal would draw whole', async () => {
    const port = await freePort();
    const started = await runBin(['proxy', 'start', '--port', String(port), '--provider', 'claude', '--json'], ccs.env);
    assert.equal(started.code, 0, started.stderr);
    const bodies: string[] = [];
    for (let i = 0; i < 3; i++) {
      const response = await fetch(`http://127.0.0.1:${port}/v1/messages`, {
        method: 'POST',
        headers: {'x-api-key': API_KEY, 'content-type': 'application/json', 'anthropic-version': '2023-06-01'},
        body: JSON.stringify({model: 'claude-opus-4-6', max_tokens: 8, messages: [{role: 'user', content: 'hi'}]}),
      });
      bodies.push(`${response.status} ${await response.text()}`);
    }
    assert.match(bodies.join('\n'), /bad request; known: .*\(redacted\)/, 'the client still learns what the upstream said, masked');
    for (const body of bodies) assertClean(body, 'body returned to the proxy client');
    const statusJson = await runBin(['proxy', 'status', '--json'], ccs.env);
    assert.equal(statusJson.code, 0, statusJson.stderr);
    assert.match(statusJson.stdout, /redacted/, 'status quotes the (masked) upstream error');
    assertClean(statusJson.stdout + statusJson.stderr, 'proxy status --json');
    const statusText = await runBin(['proxy', 'status'], ccs.env);
    assertClean(statusText.stdout + statusText.stderr, 'proxy status');
    await runBin(['proxy', 'stop'], ccs.env);
    const logs = readdirSync(ccs.paths.logs).map((name) => readFileSync(path.join(ccs.paths.logs, name), 'utf8')).join('\n');
    assert.match(logs, /upstream trouble: known .*\(redacted\)/, 'the log quotes the plain-text 500, masked');
    assertClean(logs, 'proxy log');
  });

  it('quota and refresh: command output and the quota cache carry no token a terminal would draw whole', async () => {
    await checkQuotaOutputs(ccs, assertClean);
    const table = await runBin(['accounts'], ccs.env);
    assertClean(table.stdout + table.stderr, 'accounts');
  });
});
