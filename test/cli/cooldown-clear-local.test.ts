// `ccs-tui cooldown clear <provider> <account>` on this machine, as the TUI's `C`: the person knows
// an account's limit has reset and ends the local proxy's wait (the running proxy's own, over its
// keyed control route, and the stored one a restart reads). It worked only with --target (a
// server's cooldown): locally it said "needs --target", and a newcomer waited an hour.
import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {AccountStore} from '../../source/store/accounts.js';
import {makeTempCcs, tokenFixture, type TempCcs} from '../helpers/ccs.js';
import {runBin} from '../helpers/cli.js';
import {anthropicMessage, sendJson, startFakeUpstream} from '../helpers/fake-upstreams.js';
import {startClaudeProxyChild} from '../proxy/proxy-child.js';
import {API_KEY} from '../proxy/fixture.js';

function twoAccounts(): TempCcs {
  const ccs = makeTempCcs();
  ccs.writeToken('claude-dave@example.com.json', tokenFixture('claude', 'dave@example.com'));
  ccs.writeToken('claude-erin@example.com.json', tokenFixture('claude', 'erin@example.com'));
  return ccs;
}

const coolingOf = async (ccs: TempCcs, id: string) => (await new AccountStore(ccs.paths).load()).accounts.find((a) => a.id === id)?.coolingUntil;

describe('cooldown clear on this machine', () => {
  it('ends the running proxy\'s wait and the stored one; the account serves again; asked again, it had none', async () => {
    const ccs = twoAccounts();
    let daveLimited = true;
    const upstream = await startFakeUpstream((req, res) => {
      const dave = String(req.headers.authorization).includes('dave@');
      if (dave && daveLimited) return sendJson(res, 429, {type: 'error', error: {type: 'rate_limit_error', message: 'usage limit reached'}}, {'retry-after': '3600'});
      return sendJson(res, 200, anthropicMessage(String(req.body?.model), dave ? 'from dave' : 'from erin'));
    });
    const port = await startClaudeProxyChild(ccs, upstream);
    const ask = async () => {
      const res = await fetch(`http://127.0.0.1:${port}/v1/messages`, {
        method: 'POST',
        headers: {'content-type': 'application/json', 'x-api-key': API_KEY, 'anthropic-version': '2023-06-01'},
        body: JSON.stringify({model: 'claude-opus-5', max_tokens: 16, messages: [{role: 'user', content: 'hi'}]}),
      });
      return res.text();
    };
    assert.match(await ask(), /from erin/, 'dave rested after its 429');
    for (let i = 0; i < 50 && !(await coolingOf(ccs, 'dave@example.com')); i++) await new Promise((resolve) => setTimeout(resolve, 50));
    assert.ok(await coolingOf(ccs, 'dave@example.com'), 'stored for a restart');

    daveLimited = false;
    const cleared = await runBin(['cooldown', 'clear', 'claude', 'dave@example.com'], ccs.env);
    assert.equal(cleared.code, 0, cleared.stderr);
    assert.equal(cleared.stdout, `claude: ended the wait of dave@example.com: the running proxy (port ${port}) tries it again now\n`);
    assert.equal(await coolingOf(ccs, 'dave@example.com'), undefined);
    const status = await runBin(['proxy', 'status'], ccs.env);
    assert.doesNotMatch(status.stdout, /cooling|cooldown/i, status.stdout);
    // Dave, the pool's first, serves the next request again.
    assert.match(await ask(), /from dave/);

    const again = await runBin(['cooldown', 'clear', 'claude', 'dave@example.com'], ccs.env);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(again.stdout, 'claude: dave@example.com had no wait to end\n');
  });

  it('with no proxy running: the stored wait ends (a proxy started now tries it at once); an unknown account is refused by name, exit 2', async () => {
    const ccs = twoAccounts();
    try {
      const until = new Date(Date.now() + 3_600_000).toISOString();
      await new AccountStore(ccs.paths).setCooldown('claude', 'erin@example.com', {until, kind: 'rate-limit', reason: 'HTTP 429'});
      assert.equal(await coolingOf(ccs, 'erin@example.com'), until);
      const cleared = await runBin(['cooldown', 'clear', 'claude', 'erin@example.com'], ccs.env);
      assert.equal(cleared.code, 0, cleared.stderr);
      assert.equal(cleared.stdout, 'claude: ended the wait of erin@example.com: a proxy started now tries it at once\n');
      assert.equal(await coolingOf(ccs, 'erin@example.com'), undefined);
      const rows = JSON.parse((await runBin(['accounts', '--json'], ccs.env)).stdout) as {id: string; cooldownUntil?: string}[];
      assert.equal(rows.find((r) => r.id === 'erin@example.com')?.cooldownUntil, undefined);

      for (const name of ['nosuch@example.com', '__proto__', '../erin@example.com']) {
        const unknown = await runBin(['cooldown', 'clear', 'claude', name], ccs.env);
        assert.equal(unknown.code, 2, name);
        assert.match(unknown.stderr, /^ccs-tui: no claude account "/, unknown.stderr);
      }
      const noProvider = await runBin(['cooldown', 'clear', 'nosuch', 'erin@example.com'], ccs.env);
      assert.equal(noProvider.code, 2);
      assert.match(noProvider.stderr, /nosuch/);
      const missing = await runBin(['cooldown', 'clear', 'claude'], ccs.env);
      assert.equal(missing.code, 2);
      assert.match(missing.stderr, /account/);
    } finally {
      ccs.cleanup();
    }
  });

  it('a running proxy that does not answer: the stored wait is ended and said, with why its own goes on, exit 1; a paused account is said to be paused', async () => {
    const ccs = twoAccounts();
    const upstream = await startFakeUpstream((req, res) => sendJson(res, 200, anthropicMessage(String(req.body?.model), 'ok')));
    const port = await startClaudeProxyChild(ccs, upstream);
    const {readRunningProxy} = await import('../../source/services/proxy/pid-file.js');
    const pid = readRunningProxy(ccs.paths)!.pid;
    const until = new Date(Date.now() + 3_600_000).toISOString();
    await new AccountStore(ccs.paths).setCooldown('claude', 'erin@example.com', {until, kind: 'rate-limit', reason: 'HTTP 429'});
    process.kill(pid, 'SIGSTOP');
    let stuck;
    try {
      stuck = await runBin(['cooldown', 'clear', 'claude', 'erin@example.com'], ccs.env);
    } finally {
      process.kill(pid, 'SIGCONT');
    }
    assert.equal(stuck.code, 1, stuck.stdout);
    assert.equal(stuck.stdout, '');
    assert.match(stuck.stderr, new RegExp(`^ccs-tui: claude: ended the stored wait of erin@example\\.com, but the running proxy \\(port ${port}\\) could not be asked to end its own: .*no answer within 3 s`));
    assert.equal(await coolingOf(ccs, 'erin@example.com'), undefined, 'the stored wait did end');

    assert.equal((await runBin(['pause', 'claude', 'erin@example.com'], ccs.env)).code, 0);
    await new AccountStore(ccs.paths).setCooldown('claude', 'erin@example.com', {until, kind: 'rate-limit', reason: 'HTTP 429'});
    const paused = await runBin(['cooldown', 'clear', 'claude', 'erin@example.com'], ccs.env);
    assert.equal(paused.code, 0, paused.stderr);
    assert.equal(paused.stdout, 'claude: ended the wait of erin@example.com: it is paused: resumed, it is tried at once\n');
  });

  it('a running proxy serving another account alone: said that it tries this one once it serves the pool, not "now"', async () => {
    const ccs = twoAccounts();
    const upstream = await startFakeUpstream((req, res) => sendJson(res, 200, anthropicMessage(String(req.body?.model), 'ok')));
    await startClaudeProxyChild(ccs, upstream);
    const {serveOnRunningProxy} = await import('../../source/services/proxy/control.js');
    const {readRunningProxy} = await import('../../source/services/proxy/pid-file.js');
    await serveOnRunningProxy(ccs.paths, readRunningProxy(ccs.paths)!.port, 'claude', 'dave@example.com');
    const until = new Date(Date.now() + 3_600_000).toISOString();
    await new AccountStore(ccs.paths).setCooldown('claude', 'erin@example.com', {until, kind: 'rate-limit', reason: 'HTTP 429'});
    const cleared = await runBin(['cooldown', 'clear', 'claude', 'erin@example.com'], ccs.env);
    assert.equal(cleared.code, 0, cleared.stderr);
    assert.match(cleared.stdout, /^claude: ended the wait of erin@example\.com: the running proxy \(port \d+\) serves another claude account alone: it tries this one once it serves the pool\n$/);
  });
});
