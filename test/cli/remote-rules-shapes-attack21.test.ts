// Attack review (session 21): a server whose model rules or model list hold a value of the wrong
// kind where a list belongs (`"oauth-model-alias": {"codex": {…}}`, `"oauth-excluded-models":
// {"codex": "gpt-*"}`, `"models": {…}`). `models`, `alias` and `exclude` ended in "unexpected error:
// TypeError: … is not a function" and a stack; now the error names the route and the field.
import assert from 'node:assert/strict';
import {writeFileSync} from 'node:fs';
import http from 'node:http';
import type {AddressInfo} from 'node:net';
import path from 'node:path';
import {test} from 'node:test';
import {makeTempCcs} from '../helpers/ccs.js';
import {runBin, type CliRun} from '../helpers/cli.js';

/** `ccs-tui <args> --target team` on a server answering `answers[route]` (and one codex account), recording what it was sent. */
async function onServer(answers: Record<string, unknown>, args: string[]): Promise<CliRun & {sent: string[]}> {
  const sent: string[] = [];
  const server = http.createServer((req, res) => {
    sent.push(`${req.method} ${req.url}`);
    const route = (req.url ?? '').replace(/^\/v0\/management/, '').replace(/\?.*/, '');
    const files = {files: [{name: 'codex-a.json', type: 'codex', email: 'a@example.com', auth_index: '1'}]};
    res.writeHead(200, {'content-type': 'application/json', 'x-cpa-version': 'v6.9.1'});
    res.end(JSON.stringify(route === '/auth-files' ? files : (answers[route] ?? {})));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const ccs = makeTempCcs();
  try {
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    writeFileSync(path.join(ccs.paths.root, 'tui.json'), JSON.stringify({targets: {team: {url, managementKeyEnv: 'K'}}}));
    return {...(await runBin([...args, '--target', 'team'], {...ccs.env, K: 'rules-key-0123456789'})), sent};
  } finally {
    server.close();
    ccs.cleanup();
  }
}

for (const [label, answers, args, said] of [
  ['aliases of the channel an object', {'/oauth-model-alias': {'oauth-model-alias': {codex: {name: 'gpt-5', alias: 'g'}}}}, ['models', 'codex'], /GET \/v0\/management\/oauth-model-alias answered "oauth-model-alias"\.codex that is not a list \(an object\)/],
  ['exclusions of the channel a string', {'/oauth-excluded-models': {'oauth-excluded-models': {codex: 'gpt-*'}}}, ['exclude', 'add', 'codex', 'gpt-4*'], /GET \/v0\/management\/oauth-excluded-models answered "oauth-excluded-models"\.codex that is not a list \(a string\)/],
  ['the account\'s model list an object', {'/auth-files/models': {models: {id: 'gpt-5'}}}, ['models', 'codex'], /GET \/v0\/management\/auth-files\/models answered "models" that is not a list \(an object\)/],
] as const) {
  test(`a server's ${label}: an error naming the route and field, nothing written`, async () => {
    const run = await onServer(answers, [...args]);
    assert.equal(run.code, 1, run.stdout);
    assert.match(run.stderr, /^ccs-tui: target team: /);
    assert.match(run.stderr, said);
    assert.doesNotMatch(run.stderr, /TypeError|unexpected error|\n {4}at /);
    assert.deepEqual(run.sent.filter((s) => !s.startsWith('GET ')), []);
  });
}
