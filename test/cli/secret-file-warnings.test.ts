// A secret file others may read (a token file, config.yaml holding api-keys) is warned of by every
// command that reads it, once, in store/secret-files.ts's one wording; the proxy logs it as a
// warning, not an error (README "Files").
import assert from 'node:assert/strict';
import {spawnSync} from 'node:child_process';
import {chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {after, describe, it} from 'node:test';
import {proxyLogPath} from '../../source/services/proxy/pid-file.js';
import {makeTempCcs} from '../helpers/ccs.js';
import {killAll, runBin, serveByHand} from '../helpers/cli.js';
import {waitFor} from '../helpers/wait.js';
import {API_KEY, oauthToken} from '../proxy/fixture.js';

const configWarning = /^ccs-tui: warning: \S*config\.yaml: readable by group and others \(mode 0644\); it holds api-keys \(secrets\) and is rewritten 0600 on its next write \(or now: chmod 600 \S*config\.yaml\)$/gm;
const tokenWarning = /^ccs-tui: warning: \S*claude-a@example\.com\.json: readable by group and others \(mode 0644\); it holds secrets and is rewritten 0600 on its next write \(or now: chmod 600 \S*\.json\)$/gm;

describe('secret files others may read', async () => {
  const ccs = makeTempCcs();
  const token = ccs.writeToken('claude-a@example.com.json', oauthToken('claude', 'a@example.com'));
  ccs.writeRaw('cliproxy/config.yaml', `port: 8317\napi-keys:\n  - "${API_KEY}"\n`);
  chmodSync(ccs.paths.config, 0o644);
  chmodSync(token, 0o644);
  const started: number[] = [];
  after(() => {
    killAll(started);
    ccs.cleanup();
  });

  for (const args of [['accounts'], ['env'], ['env', 'claude'], ['models', 'claude'], ['quota'], ['proxy', 'status']]) {
    it(`\`${args.join(' ')}\` warns of each secret file it read, once, in the one wording`, async () => {
      const run = await runBin(args, ccs.env);
      // `proxy status` reads the accounts, not the api-keys (it prints none).
      if (args[0] !== 'proxy') assert.equal(run.stderr.match(configWarning)?.length, 1, run.stderr);
      assert.equal(run.stderr.match(tokenWarning)?.length, 1, run.stderr);
      assert.doesNotMatch(run.stderr, new RegExp(API_KEY));
    });
  }

  it('`proxy start` warns of the config.yaml its proxy serves; the proxy logs token files as a warning, not an error', async () => {
    const start = await runBin(['proxy', 'start', '--port', '0', '--json'], ccs.env);
    assert.equal(start.code, 0, start.stderr);
    const {pid, port} = JSON.parse(start.stdout) as {pid: number; port: number};
    started.push(pid);
    assert.equal(start.stderr.match(configWarning)?.length, 1, start.stderr);
    try {
      // A request makes the proxy read the accounts.
      await fetch(`http://127.0.0.1:${port}/v1/models`, {headers: {authorization: `Bearer ${API_KEY}`}});
      const log = () => (existsSync(proxyLogPath(ccs.paths)) ? readFileSync(proxyLogPath(ccs.paths), 'utf8') : '');
      await waitFor(() => /claude-a@example\.com\.json: readable/.test(log()), "the warning in the proxy log");
      assert.match(log(), / warning: \S*claude-a@example\.com\.json: readable by group and others \(mode 0644\); it holds secrets/);
      assert.doesNotMatch(log(), /error: \S*readable by/);
    } finally {
      await runBin(['proxy', 'stop'], ccs.env);
    }
  });

  it('a hand-run `proxy serve` warns on its terminal too, once, as one of its own lines (test/cli/proxy-warning-once.test.ts)', async () => {
    const served = await serveByHand(['--port', '0'], ccs.env, started);
    try {
      const proxyLine = /^\S+Z warning: \S*config\.yaml: readable by group and others \(mode 0644\); it holds api-keys \(secrets\)/gm;
      await waitFor(() => served.output.stdout.match(proxyLine) !== null, 'the warning on its terminal');
      assert.equal(served.output.stdout.match(proxyLine)?.length, 1, served.output.stdout);
      assert.doesNotMatch(served.output.stderr, /config\.yaml: readable/);
    } finally {
      served.shell.kill('SIGTERM');
      await served.exited;
    }
  });
});

describe('many secret files others may read (a dir copied 0644)', async () => {
  const ccs = makeTempCcs();
  const emails = Array.from({length: 40}, (_, i) => `user${String(i).padStart(2, '0')}@example.com`);
  for (const email of emails) chmodSync(ccs.writeToken(`claude-${email}.json`, oauthToken('claude', email)), 0o644);
  after(() => ccs.cleanup());

  for (const args of [['accounts'], ['accounts', '--json']]) {
    it(`\`${args.join(' ')}\` names the first three, then one line for the rest with the command that fixes them all`, async () => {
      const run = await runBin(args, ccs.env);
      assert.equal(run.code, 0, run.stderr);
      const named = run.stderr.match(/^ccs-tui: warning: \S*claude-user\d\d@example\.com\.json: readable by group and others \(mode 0644\)/gm) ?? [];
      assert.equal(named.length, 3, run.stderr);
      const rest = run.stderr.match(/^ccs-tui: warning: and 37 more secret files that group or others may read; each is rewritten 0600 on its next write \(or now, all of them: chmod -R go-rwx (\S+)\)$/m);
      assert.ok(rest, run.stderr);
      assert.equal(rest[1], ccs.paths.root);
      assert.equal(run.stderr.trimEnd().split('\n').length, 4, run.stderr);
      // Every account is still listed.
      if (args.includes('--json')) assert.equal((JSON.parse(run.stdout) as unknown[]).length, 40);
      else assert.equal(run.stdout.match(/@example\.com/g)?.length, 80, run.stdout);
    });
  }
});

// ATTACK (s39): the chmod the warning suggests named the file as it is, unquoted: a name with `$(…)`
// or a space ran something else when pasted, and a dir with a space chmod-ed the wrong paths.
describe('the chmod a warning suggests, for names a shell would read otherwise', async () => {
  const names = ['claude-$(touch PWNED) x@example.com.json', "claude-it's; a@example.com.json", 'claude-\u202eevil@example.com.json'];
  for (const name of names) {
    it(`pasted into a shell, it makes ${JSON.stringify(name)} 0600 and runs nothing else`, async () => {
      const ccs = makeTempCcs();
      try {
        const file = ccs.writeToken(name, oauthToken('claude', 'a@example.com'));
        chmodSync(file, 0o644);
        const run = await runBin(['accounts'], ccs.env);
        const command = run.stderr.match(/\(or now: (chmod 600 .*)\)$/m)?.[1];
        assert.ok(command, run.stderr);
        const shell = spawnSync('bash', ['-c', command], {cwd: ccs.paths.root, encoding: 'utf8'});
        assert.equal(shell.status, 0, shell.stderr);
        assert.equal(statSync(file).mode & 0o777, 0o600, `${command} did not make it 0600`);
        assert.ok(!existsSync(path.join(ccs.paths.root, 'PWNED')), `${command} ran something else`);
        assert.doesNotMatch(command, /[\u202e\u001b]/, 'no raw control or bidi character shown');
      } finally {
        ccs.cleanup();
      }
    });
  }

  it('the whole-dir chmod, for a CCS dir with a space and `$(…)` in its path', async () => {
    const parent = mkdtempSync(path.join(os.tmpdir(), 'ccs sp $(touch PWNED) '));
    const ccs = makeTempCcs();
    const root = path.join(parent, '.ccs');
    try {
      cpSync(ccs.paths.root, root, {recursive: true});
      const env = {...ccs.env, CCS_DIR: root};
      for (let i = 0; i < 5; i++) chmodSync(writeToken(root, `claude-u${i}@example.com.json`), 0o644);
      const run = await runBin(['accounts'], env);
      const command = run.stderr.match(/all of them: (chmod -R go-rwx .*)\)$/m)?.[1];
      assert.ok(command, run.stderr);
      const shell = spawnSync('bash', ['-c', command], {cwd: parent, encoding: 'utf8'});
      assert.equal(shell.status, 0, shell.stderr);
      assert.equal(statSync(path.join(root, 'cliproxy', 'auth', 'claude-u0@example.com.json')).mode & 0o077, 0, command);
      assert.ok(!existsSync(path.join(parent, 'PWNED')) && !existsSync('PWNED'), `${command} ran something else`);
    } finally {
      rmSync(parent, {recursive: true, force: true});
      ccs.cleanup();
    }
  });
});

function writeToken(root: string, name: string): string {
  const file = path.join(root, 'cliproxy', 'auth', name);
  mkdirSync(path.dirname(file), {recursive: true, mode: 0o700});
  writeFileSync(file, JSON.stringify(oauthToken('claude', name.replace(/^claude-|\.json$/g, ''))), {mode: 0o600});
  return file;
}
