// What the proxy says it serves in a pool is where requests go (a newcomer's review): a real proxy
// child (`proxy start`) in a temp CCS dir, a fake Claude upstream on 127.0.0.1 recording whose
// token each request carried, and the real CLI. Rotating (`ccs-tui rotate`, the TUI's `r` through
// the proxy's control route) moves the routing, `proxy status` and the log together; an account
// named alone is served alone (never another once it is paused); `run` refuses a cooling account
// and a provider it can name no model for, with the reason and the way round.
import assert from 'node:assert/strict';
import {readFileSync, writeFileSync} from 'node:fs';
import {describe, it} from 'node:test';
import {rotateRunningProxy} from '../../source/services/proxy/control.js';
import {proxyLogPath} from '../../source/services/proxy/pid-file.js';
import {AccountStore} from '../../source/store/accounts.js';
import {makeTempCcs, tokenFixture, type TempCcs} from '../helpers/ccs.js';
import {runBin} from '../helpers/cli.js';
import {anthropicMessage, freePort, REFUSED_PORT, sendJson, startFakeUpstream, type FakeUpstream} from '../helpers/fake-upstreams.js';
import {startClaudeProxyChild} from '../proxy/proxy-child.js';
import {API_KEY} from '../proxy/fixture.js';

const tokenOf = (email: string) => `Bearer at-claude-${email}-0123456789abcdef`;

/** Dave (the default) and Erin Work, Claude accounts, with a fake upstream that answers every message. */
async function twoAccounts(): Promise<{ccs: TempCcs; upstream: FakeUpstream}> {
  const ccs = makeTempCcs();
  const upstream = await startFakeUpstream((req, res) => sendJson(res, 200, anthropicMessage(String(req.body?.model), 'pong')));
  ccs.writeToken('claude-dave@example.com.json', tokenFixture('claude', 'dave@example.com'));
  ccs.writeToken('claude-erin@example.com.json', tokenFixture('claude', 'erin@example.com'));
  for (const args of [['rename', 'claude', 'dave@example.com', 'Dave'], ['rename', 'claude', 'erin@example.com', 'Erin Work'], ['use', 'claude', 'Dave']]) {
    const run = await runBin(args, ccs.env);
    assert.equal(run.code, 0, run.stderr);
  }
  return {ccs, upstream};
}

/** One Messages request through the proxy; its status, and whose token reached the upstream (undefined: none did). */
async function ask(port: number, upstream: FakeUpstream): Promise<{status: number; text: string; sentWith?: string}> {
  const before = upstream.requests.length;
  const res = await fetch(`http://127.0.0.1:${port}/v1/messages`, {
    method: 'POST',
    headers: {'content-type': 'application/json', 'x-api-key': API_KEY, 'anthropic-version': '2023-06-01'},
    body: JSON.stringify({model: 'claude-opus-5', max_tokens: 16, messages: [{role: 'user', content: 'hi'}]}),
  });
  const text = await res.text();
  const sent = upstream.requests.slice(before).at(-1);
  return {status: res.status, text, sentWith: sent?.headers.authorization as string | undefined};
}

const servingLine = async (ccs: TempCcs) => {
  const status = await runBin(['proxy', 'status'], ccs.env);
  assert.equal(status.code, 0, status.stderr);
  return status.stdout.split('\n').find((line) => line.startsWith('serving: ')) ?? status.stdout;
};

/** The proxy log's lines after the first one matching `from`. */
const logAfter = (ccs: TempCcs, from: RegExp) => {
  const lines = readFileSync(proxyLogPath(ccs.paths), 'utf8').split('\n');
  const at = lines.findIndex((line) => from.test(line));
  assert.ok(at >= 0, `no log line matching ${from}:\n${lines.join('\n')}`);
  return lines.slice(at + 1);
};

describe('a pool serves the account it says it serves', () => {
  it('`ccs-tui rotate` and the proxy\'s rotate move the routing, `proxy status` and the log together, and it stays', async () => {
    const {ccs, upstream} = await twoAccounts();
    const port = await startClaudeProxyChild(ccs, upstream);
    assert.equal((await ask(port, upstream)).sentWith, tokenOf('dave@example.com'));
    assert.equal(await servingLine(ccs), 'serving: claude / pool of 2 · now Dave');

    const rotated = await runBin(['rotate', 'claude'], ccs.env);
    assert.equal(rotated.code, 0, rotated.stderr);
    assert.equal(rotated.stdout, 'claude: Dave → Erin Work\n');
    // At once, and for every later request: the pool serves the new default until its own rule moves it.
    for (let i = 0; i < 4; i++) assert.equal((await ask(port, upstream)).sentWith, tokenOf('erin@example.com'), `request ${i} after rotate`);
    assert.equal(await servingLine(ccs), 'serving: claude / pool of 2 · now Erin Work');
    const after = logAfter(ccs, /claude now serves Erin Work$/);
    const requests = after.filter((line) => line.includes('POST /v1/messages'));
    assert.equal(requests.length, 4, after.join('\n'));
    assert.ok(requests.every((line) => line.includes('→ claude/Erin Work 200')), requests.join('\n'));

    // The TUI's `r` on an adopted proxy (the same rotate as its own child's, over the control route).
    assert.equal(await rotateRunningProxy(ccs.paths, port), 'Dave');
    for (let i = 0; i < 3; i++) assert.equal((await ask(port, upstream)).sentWith, tokenOf('dave@example.com'), `request ${i} after the proxy's rotate`);
    assert.equal(await servingLine(ccs), 'serving: claude / pool of 2 · now Dave');
  });

  it('the account it rotated to serves until a quota limit moves the pool on, and `proxy status` follows', async () => {
    const ccs = makeTempCcs();
    let erinLimited = false;
    const upstream = await startFakeUpstream((req, res) => {
      if (erinLimited && req.headers.authorization === tokenOf('erin@example.com')) {
        return sendJson(res, 429, {type: 'error', error: {type: 'rate_limit_error', message: 'limit'}}, {
          'anthropic-ratelimit-unified-status': 'rejected',
          'anthropic-ratelimit-unified-reset': String(Math.floor(Date.now() / 1000) + 600),
        });
      }
      sendJson(res, 200, anthropicMessage(String(req.body?.model), 'pong'));
    });
    ccs.writeToken('claude-dave@example.com.json', tokenFixture('claude', 'dave@example.com'));
    ccs.writeToken('claude-erin@example.com.json', tokenFixture('claude', 'erin@example.com'));
    assert.equal((await runBin(['use', 'claude', 'dave@example.com'], ccs.env)).code, 0);
    const port = await startClaudeProxyChild(ccs, upstream);
    assert.equal(await rotateRunningProxy(ccs.paths, port), 'erin@example.com');
    assert.equal((await ask(port, upstream)).sentWith, tokenOf('erin@example.com'));
    erinLimited = true;
    const moved = await ask(port, upstream);
    assert.equal(moved.status, 200, moved.text);
    assert.equal(moved.sentWith, tokenOf('dave@example.com'), 'the limit moved the request on');
    assert.equal(await servingLine(ccs), 'serving: claude / pool of 2 · now dave@example.com');
    assert.equal((await ask(port, upstream)).sentWith, tokenOf('dave@example.com'));
  });

  it('an account named with --account is served alone: paused, the proxy answers 503 naming it, never another account', async () => {
    const {ccs, upstream} = await twoAccounts();
    ccs.writeRaw('cliproxy/config.yaml', `port: 8317\napi-keys:\n  - "${API_KEY}"\n`);
    writeFileSync(ccs.paths.settings, JSON.stringify({endpoints: {claude: {api: upstream.url}}}));
    const port = await freePort();
    try {
      const started = await runBin(['proxy', 'start', '--port', String(port), '--provider', 'claude', '--account', 'erin@example.com'], ccs.env);
      assert.equal(started.code, 0, started.stderr);
      assert.equal((await ask(port, upstream)).sentWith, tokenOf('erin@example.com'));
      assert.equal(await servingLine(ccs), 'serving: claude / Erin Work');
      const paused = await runBin(['pause', 'claude', 'erin@example.com'], ccs.env);
      assert.equal(paused.code, 0, paused.stderr);
      const refused = await ask(port, upstream);
      assert.equal(refused.sentWith, undefined, `nothing goes upstream (sent with ${refused.sentWith})`);
      assert.equal(refused.status, 503, refused.text);
      const message = (JSON.parse(refused.text) as {error: {message: string}}).error.message;
      assert.match(message, /Claude account Erin Work, which this proxy serves alone, is paused \(pinned by --account, ccs-tui run or the TUI; resume it: ccs-tui resume claude 'Erin Work'; or serve the claude pool instead: ccs-tui proxy switch --provider claude\)/);
      // Resumed, it serves again: still alone.
      assert.equal((await runBin(['resume', 'claude', 'erin@example.com'], ccs.env)).code, 0);
      assert.equal((await ask(port, upstream)).sentWith, tokenOf('erin@example.com'));
    } finally {
      await runBin(['proxy', 'stop'], ccs.env);
      await upstream.close();
      ccs.cleanup();
    }
  });

  // No shell command moved a running proxy: the 503 of a paused pinned account said "restart the
  // proxy without --account", and `proxy start` said "stop it first".
  it('proxy switch moves the running proxy to another account or to the pool, without a restart; agents it moves are named', async () => {
    const {ccs, upstream} = await twoAccounts();
    ccs.writeRaw('cliproxy/config.yaml', `port: 8317\napi-keys:\n  - "${API_KEY}"\n`);
    writeFileSync(ccs.paths.settings, JSON.stringify({endpoints: {claude: {api: upstream.url}}}));
    const port = await freePort();
    try {
      const none = await runBin(['proxy', 'switch', '--provider', 'claude', '--account', 'Erin Work'], ccs.env);
      assert.equal(none.code, 3, none.stderr);
      assert.equal(none.stderr, "ccs-tui: no proxy is running to switch (start one serving it: ccs-tui proxy start --provider claude --account 'Erin Work')\n");
      const started = await runBin(['proxy', 'start', '--port', String(port), '--provider', 'claude', '--account', 'Dave'], ccs.env);
      assert.equal(started.code, 0, started.stderr);
      const pid = /pid (\d+)/.exec(started.stdout)![1];
      assert.equal((await ask(port, upstream)).sentWith, tokenOf('dave@example.com'));
      const again = await runBin(['proxy', 'start', '--provider', 'claude', '--account', 'Erin Work'], ccs.env);
      assert.equal(again.code, 1);
      assert.match(again.stderr, /a proxy is already running \(pid \d+, port \d+, claude \/ Dave\); stop it first: ccs-tui proxy stop, or serve that on it: ccs-tui proxy switch --provider claude --account 'Erin Work'\n$/);
      // An agent `run` started on Dave (this test's process stands in for it).
      ccs.writeRaw('tui/agents.json', JSON.stringify([{pid: process.pid, agent: 'claude', provider: 'claude', account: 'Dave', port, startedAt: new Date().toISOString(), where: 'foreground'}]));
      const toErin = await runBin(['proxy', 'switch', '--account', 'Erin Work'], ccs.env);
      assert.equal(toErin.code, 0, toErin.stderr);
      assert.equal(toErin.stdout, `proxy (pid ${pid}, port ${port}) now serves claude / Erin Work\n`);
      assert.equal(toErin.stderr, `ccs-tui: warning: the proxy is shared with agents still running: claude pid ${process.pid} (started on claude / Dave) is now served by Erin Work\n`);
      assert.equal((await ask(port, upstream)).sentWith, tokenOf('erin@example.com'), 'the same proxy, now Erin');
      assert.match((await runBin(['proxy', 'start'], ccs.env)).stderr, /a proxy is already running \(pid \d+, port \d+, claude \/ Erin Work\)/, 'named as status names it');
      assert.equal(await servingLine(ccs), 'serving: claude / Erin Work');
      // Erin paused: the 503 names the switch to the pool, and following it serves again.
      assert.equal((await runBin(['pause', 'claude', 'Erin Work'], ccs.env)).code, 0);
      const refused = await ask(port, upstream);
      assert.equal(refused.status, 503);
      assert.match(refused.text, /serve the claude pool instead: ccs-tui proxy switch --provider claude/);
      const refusedSwitch = await runBin(['proxy', 'switch', '--provider', 'claude', '--account', 'Erin Work'], ccs.env);
      assert.equal(refusedSwitch.code, 1);
      assert.match(refusedSwitch.stderr, /--account: claude account Erin Work is paused; resume it: ccs-tui resume claude 'Erin Work', or serve the claude pool: ccs-tui proxy switch --provider claude\n/);
      const toPool = await runBin(['proxy', 'switch', '--provider', 'claude', '--json'], ccs.env);
      assert.equal(toPool.code, 0, toPool.stderr);
      const json = JSON.parse(toPool.stdout) as {running: boolean; pid: number; provider: string; pool: boolean};
      assert.equal(json.running, true);
      assert.equal(json.pid, Number(pid));
      assert.equal(json.provider, 'claude');
      assert.equal((await ask(port, upstream)).sentWith, tokenOf('dave@example.com'), 'the pool serves Dave, the one not paused');
      assert.match(await servingLine(ccs), /^serving: claude \/ pool/);
      // A pool with no account that can serve is served (an account added is picked up), and said.
      const empty = await runBin(['proxy', 'switch', '--provider', 'codex'], ccs.env);
      assert.equal(empty.code, 0, empty.stderr);
      assert.match(empty.stderr, /^ccs-tui: warning: no codex account yet: requests get 503 until one can \(ccs-tui accounts; ccs-tui login codex adds one\)$/m);
      // The root moved with it: what `env` pointed there reaches codex now (said, as `run` says it).
      assert.match(empty.stderr, /^ccs-tui: warning: the proxy's root URL served the claude pool and now serves the codex pool: a client pointed there \(ccs-tui env\) now reaches Codex; ccs-tui env <provider> gives a provider's own route$/m);
      assert.equal((await runBin(['proxy', 'switch', '--provider', 'claude'], ccs.env)).code, 0);
      // Back to every provider by model, as a proxy started without --provider (no way back but a restart before).
      assert.equal((await runBin(['proxy', 'switch', '--account', 'Dave'], ccs.env)).code, 0);
      const every = await runBin(['proxy', 'switch', '--every-provider'], ccs.env);
      assert.equal(every.code, 0, every.stderr);
      assert.equal(every.stdout, `proxy (pid ${pid}, port ${port}) now serves every provider, by the model asked for\n`);
      assert.match(every.stderr, /claude pid \d+ \(started on claude \/ Dave\) is now served by the claude pool/);
      assert.match(await servingLine(ccs), /^serving: every provider/);
      // The log says when it went back to every provider, as it says a switch to one (newcomer, s41).
      assert.match(readFileSync(proxyLogPath(ccs.paths), 'utf8'), /now serves every provider, picked by the model asked for$/m);
      const byModel = await ask(port, upstream);
      assert.equal(byModel.status, 200, byModel.text);
      assert.equal(byModel.sentWith, tokenOf('dave@example.com'), 'a claude model goes to the claude pool');
      const mixed = await runBin(['proxy', 'switch', '--every-provider', '--provider', 'claude'], ccs.env);
      assert.equal(mixed.code, 2);
      assert.match(mixed.stderr, /--every-provider serves every provider by the model asked for; it takes no --provider or --account/);
      // Bad usage names the flag.
      const bare = await runBin(['proxy', 'switch'], ccs.env);
      assert.equal(bare.code, 2);
      assert.match(bare.stderr, /name what to serve: --provider P \(its pool\), --account A \(that account alone\), or --every-provider/);
      const unknown = await runBin(['proxy', 'switch', '--account', 'nobody'], ccs.env);
      assert.equal(unknown.code, 2);
      assert.match(unknown.stderr, /no account "nobody" \(--account\)/);
    } finally {
      await runBin(['proxy', 'stop'], ccs.env);
      await upstream.close();
      ccs.cleanup();
    }
  });

  it('use and rotate while the proxy serves another account alone: the default moves, and they say the proxy keeps serving that one and how to serve the pool', async () => {
    const {ccs, upstream} = await twoAccounts();
    ccs.writeRaw('cliproxy/config.yaml', `port: 8317\napi-keys:\n  - "${API_KEY}"\n`);
    writeFileSync(ccs.paths.settings, JSON.stringify({endpoints: {claude: {api: upstream.url}}}));
    const port = await freePort();
    try {
      const started = await runBin(['proxy', 'start', '--port', String(port), '--provider', 'claude', '--account', 'dave@example.com'], ccs.env);
      assert.equal(started.code, 0, started.stderr);
      const note = /; the running proxy \(pid \d+, port \d+\) serves Dave alone and keeps serving it; ccs-tui proxy switch --provider claude serves its pool$/m;
      const used = await runBin(['use', 'claude', 'Erin Work'], ccs.env);
      assert.equal(used.code, 0, used.stderr);
      assert.match(used.stdout, /^claude: default is now Erin Work; the running proxy/);
      assert.match(used.stdout, note);
      assert.equal((await ask(port, upstream)).sentWith, tokenOf('dave@example.com'), 'the proxy still serves Dave');
      // Back to Dave, the account it serves: nothing to say.
      const rotated = await runBin(['rotate', 'claude'], ccs.env);
      assert.equal(rotated.stdout, 'claude: Erin Work → Dave\n');
      const again = await runBin(['rotate', 'claude'], ccs.env);
      assert.match(again.stdout, /^claude: Dave → Erin Work; the running proxy/);
      assert.match(again.stdout, note);
      // Already the default while the proxy serves another alone: said too (the person is trying to switch it).
      const already = await runBin(['use', 'claude', 'Erin Work'], ccs.env);
      assert.match(already.stdout, /^claude: Erin Work is already the default; the running proxy/);
      assert.match(already.stdout, note);
      // --json: stdout the answer alone, the note on stderr.
      const json = await runBin(['rotate', 'claude', '--json'], ccs.env);
      assert.deepEqual(JSON.parse(json.stdout), {provider: 'claude', from: 'erin@example.com', to: 'dave@example.com', served: null, nativeFile: null});
      assert.equal(json.stderr, '');
      const jsonAway = await runBin(['rotate', 'claude', '--json'], ccs.env);
      assert.equal(JSON.parse(jsonAway.stdout).to, 'erin@example.com');
      assert.match(jsonAway.stderr, /^ccs-tui: note: the running proxy \(pid \d+, port \d+\) serves Dave alone and keeps serving it; /);
    } finally {
      await runBin(['proxy', 'stop'], ccs.env);
      await upstream.close();
      ccs.cleanup();
    }
  });
});

describe('`ccs-tui run` says when the agent cannot be served as launched', () => {
  it('refuses an account cooling down after a limit, naming the healthy pool; --force pins it and every display says so', async () => {
    const {ccs, upstream} = await twoAccounts();
    const port = await startClaudeProxyChild(ccs, upstream);
    const store = new AccountStore(ccs.paths);
    const erin = (await store.load()).accounts.find((a) => a.email === 'erin@example.com')!;
    await store.setCooldown('claude', erin.id, {until: new Date(Date.now() + 120_000).toISOString(), kind: 'quota', reason: 'usage limit reached'});
    const agent = ccs.writeRaw('agent.mjs', 'process.stdout.write("agent ran\\n");\n');
    const env = {...ccs.env, CCS_TUI_AGENT_CLAUDE: JSON.stringify([process.execPath, agent])};

    const refused = await runBin(['run', 'claude', 'Erin Work'], env);
    assert.equal(refused.code, 1, refused.stderr);
    assert.equal(refused.stdout, '', 'the agent did not run');
    assert.match(refused.stderr, /claude account Erin Work is cooling down (1m \d+s|2m) \(until [^)]+\) \(usage limit reached\): served alone, its requests would be refused until then; run the claude pool instead \(Dave is healthy\): ccs-tui run claude, or launch on it anyway: add --force/);
    assert.equal(await servingLine(ccs), 'serving: claude / pool of 2 · now Dave', 'the proxy was not moved');

    const forced = await runBin(['run', 'claude', 'Erin Work', '--force'], env);
    assert.equal(forced.code, 0, forced.stderr);
    assert.equal(forced.stdout, 'agent ran\n');
    assert.match(forced.stderr, /warning: claude account Erin Work is cooling down/);
    // Pinned: never "pool" while one account serves alone.
    assert.equal(await servingLine(ccs), 'serving: claude / Erin Work');
    const json = JSON.parse((await runBin(['proxy', 'status', '--json'], ccs.env)).stdout) as {pool: boolean; account: string};
    assert.deepEqual([json.pool, json.account], [false, 'Erin Work']);
    assert.match(readFileSync(proxyLogPath(ccs.paths), 'utf8'), /claude now serves only Erin Work \(pinned: the pool's other accounts are not used\)/);
    // Served alone: the proxy's 429 says so, and Dave, healthy, is not asked in its place.
    const limited = await ask(port, upstream);
    assert.equal(limited.status, 429, limited.text);
    assert.equal(limited.sentWith, undefined);
    assert.match(limited.text, /Claude: Erin Work, which this proxy serves alone, is cooling down \(usage limit reached\); retry in \d+ s \(pinned by --account, ccs-tui run or the TUI; serve the claude pool instead: ccs-tui proxy switch --provider claude\)/);
    // Back to the pool: Dave serves (Erin Work still cooling), and it says pool again.
    assert.equal((await runBin(['run', 'claude'], env)).code, 0);
    assert.equal((await ask(port, upstream)).sentWith, tokenOf('dave@example.com'));
    assert.equal(await servingLine(ccs), 'serving: claude / pool of 2 · now Dave');
  });

  it('refuses `run aistudio` when it can name no model, with the notes `env aistudio` gives', async () => {
    const ccs = makeTempCcs();
    try {
      ccs.writeRaw('cliproxy/config.yaml', `port: ${await freePort()}\napi-keys:\n  - "${API_KEY}"\n`);
      ccs.writeRaw('tui.json', JSON.stringify({endpoints: {aistudio: {api: `http://127.0.0.1:${REFUSED_PORT}`}}}));
      ccs.writeToken('aistudio-me@example.com.json', {type: 'aistudio', email: 'me@example.com', api_key: 'AIzaSyTestKey0123456789'});
      const agent = ccs.writeRaw('agent.mjs', 'process.stdout.write("agent ran\\n");\n');
      const run = await runBin(['run', 'aistudio'], {...ccs.env, CCS_TUI_AGENT_CLAUDE: JSON.stringify([process.execPath, agent])});
      assert.equal(run.code, 1, run.stderr);
      assert.equal(run.stdout, '', 'the agent did not run');
      assert.match(run.stderr, /^ccs-tui: Claude Code would name no Google AI Studio model the proxy serves, so its first request would be refused\n {2}why: ccs-tui has no static Google AI Studio model list; Google AI Studio's live model list could not be had/m);
      assert.match(run.stderr, /^ {2}then name one for Claude Code \(it takes its model from ANTHROPIC_MODEL\): set ANTHROPIC_MODEL=<model id> before ccs-tui run$/m);
      assert.match(run.stderr, /ccs-tui models aistudio --account me@example\.com --live/);
      assert.match(run.stderr, /add --force/);
      assert.equal((await runBin(['proxy', 'status'], ccs.env)).code, 3, 'no proxy was started');
    } finally {
      await runBin(['proxy', 'stop'], ccs.env);
      ccs.cleanup();
    }
  });
});
