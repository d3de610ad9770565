// ATTACK (atk11 n1): `tui/native.json` names the agent files native mode reads, writes and removes
// (`<file>.ccs-tui-previous`). A crafted entry must never make ccs-tui touch anything outside an agent's
// credential file: entries whose file is not one (relative, `..`, /proc, another name, not a string)
// are ignored and named once by `ccs-tui native`, which fails.
import assert from 'node:assert/strict';
import {existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {describe, it} from 'node:test';
import {readNativeStateChecked, switchNative, syncNative} from '../../source/services/native/sync.js';
import {makeTempCcs, tokenFixture, withTempHome} from '../helpers/ccs.js';
import {runBin} from '../helpers/cli.js';

const FAR = '2030-01-02T03:04:05.000Z';

describe('ATTACK native mode: file paths in tui/native.json', () => {
  it('the attacker\'s entries: nothing outside is read or removed, `native` names the file and fails', async () => {
    const ccs = makeTempCcs();
    try {
      const victim = path.join(path.dirname(ccs.paths.state), 'outside.json');
      writeFileSync(`${victim}.ccs-tui-previous`, 'victim');
      mkdirSync(ccs.paths.state, {recursive: true});
      const rel = path.relative(process.cwd(), victim);
      writeFileSync(path.join(ccs.paths.state, 'native.json'), JSON.stringify({
        claude: {account: 'a@x.com', file: rel, since: '', files: [
          {file: rel, account: 'a@x.com', synced: 'zz', pending: {before: 'nope'}},
          {file: victim, account: 'a@x.com', synced: 'zz', pending: {before: 'nope'}},
          {file: '/proc/self/mem', account: '__proto__', synced: 'q'},
        ], known: [{account: '__proto__', tokens: ['constructor']}]},
      }));
      const result = await runBin(['native'], ccs.env);
      assert.notEqual(result.code, 0, 'problems in the state make `native` fail');
      assert.match(result.stderr, /tui\/native\.json has a claude entry whose file is not claude's agent credential file \(.*outside\.json/);
      assert.match(result.stderr, /\/proc\/self\/mem/);
      assert.equal(readFileSync(`${victim}.ccs-tui-previous`, 'utf8'), 'victim', 'nothing outside is removed');
      assert.doesNotMatch(result.stdout, /outside\.json|\/proc/, 'no ignored entry is listed as native');
    } finally {
      ccs.cleanup();
    }
  });

  it('accepts the agent file (also through a symlinked dir, or a link\'s target); ignores `..`, other names, empty, non-string, prototype keys', async () => {
    await withTempHome(async ({ccs, store, env}) => {
      ccs.writeToken('claude-a.json', tokenFixture('claude', 'a@example.com', {expired: FAR}));
      const {file} = await switchNative(store, 'claude', 'a@example.com', env);
      const home = env.HOME!;
      mkdirSync(path.join(home, 'real', '.claude'), {recursive: true});
      symlinkSync(path.join(home, 'real'), path.join(home, 'linked'));
      mkdirSync(path.join(home, 'p', 'profiles'), {recursive: true});
      writeFileSync(path.join(home, 'p', 'profiles', 'work.json'), '{}');
      symlinkSync('profiles/work.json', path.join(home, 'p', '.credentials.json'));
      const good = [file, path.join(home, 'linked', '.claude', '.credentials.json'), path.join(home, 'p', 'profiles', 'work.json')];
      const bad: unknown[] = [`${home}/x/../.claude/.credentials.json`, '.claude/.credentials.json', path.join(home, '.claude', 'other.json'), '', 7, null, '/proc/1/.credentials.json', '/dev/.credentials.json', `${file}/`];
      const statePath = path.join(ccs.paths.state, 'native.json');
      const state = JSON.parse(readFileSync(statePath, 'utf8')) as {claude: {files: unknown[]}};
      const entry = (f: unknown) => ({file: f, account: 'a@example.com', synced: 'x', since: ''});
      state.claude.files = [...good.map(entry), ...bad.map(entry)];
      writeFileSync(statePath, JSON.stringify({...state, __proto__: {account: 'x', file: '/etc/passwd', files: []}, constructor: {account: 'x', file: 'y'}}));
      const checked = readNativeStateChecked(ccs.paths);
      assert.deepEqual(Object.keys(checked.state), ['claude']);
      assert.deepEqual(checked.state.claude!.files.map((e) => e.file), good);
      // Each string path is named (non-strings are no entry at all), on one line.
      assert.equal(checked.problems.length, bad.filter((b) => typeof b === 'string').length, checked.problems.join('\n'));
      for (const problem of checked.problems) assert.match(problem, /^tui\/native\.json has a claude entry whose file is not/);
      // A sync acts on the good entries only, and still works.
      await syncNative(store, 'claude');
      assert.equal(existsSync(path.join(home, '.claude', 'other.json')), false);
    });
  });
});
