// A tui.json setting of the wrong kind (null for an object, a string for a number, an unknown
// rotation strategy) on the command line: said once as a broken tui.json is, naming the file and the
// field, never an `unexpected error` (a TypeError) nor a false reason (`no other usable account`);
// the command runs on the defaults, and the file is left as it is.
import assert from 'node:assert/strict';
import {readFileSync} from 'node:fs';
import {after, before, test} from 'node:test';
import {makeTempCcs, tokenFixture, type TempCcs} from '../helpers/ccs.js';
import {runBin} from '../helpers/cli.js';
import {quotaWindowFixture, writeQuotaCache} from '../helpers/quota.js';

const HOUR = 3600_000;
let ccs: TempCcs;

const window = (kind: string, usedPct: number) => quotaWindowFixture(Date.now(), kind, usedPct, 20 * HOUR, kind === '5h' ? 18000 : 604800);

before(() => {
  ccs = makeTempCcs();
  const ids = ['a', 'b', 'c'];
  for (const id of ids) ccs.writeToken(`claude-${id}.json`, tokenFixture('claude', `${id}@example.com`));
  ccs.writeRegistry({
    version: 1,
    providers: {
      claude: {
        default: 'a@example.com',
        accounts: Object.fromEntries(ids.map((id) => [`${id}@example.com`, {email: `${id}@example.com`, nickname: id, tokenFile: `claude-${id}.json`}])),
      },
    },
  });
  // most-headroom (the default) picks c; fill-first and round-robin would pick b.
  writeQuotaCache(ccs, new Date(), {
    claude: {
      'a@example.com': [window('5h', 50)],
      'b@example.com': [window('5h', 60)],
      'c@example.com': [window('5h', 10)],
    },
  });
});
after(() => ccs.cleanup());

const STRATEGIES = 'most-headroom, fill-first, round-robin';
const CASES: [json: string, said: string][] = [
  ['{"quota":null}', '"quota" must be an object (it is null)'],
  ['{"quota":{"staleAfterSeconds":"600"}}', '"quota.staleAfterSeconds" must be a number of seconds above 0 (it is "600")'],
  ['{"rotation":null}', '"rotation" must be an object (it is null)'],
  ['{"rotation":"x"}', '"rotation" must be an object (it is "x")'],
  ['{"rotation":{"strategy":"roundrobin"}}', `"rotation.strategy" must be one of ${STRATEGIES} (it is "roundrobin")`],
  ['{"rotation":{"strategy":"__proto__"}}', `"rotation.strategy" must be one of ${STRATEGIES} (it is "__proto__")`],
  ['{"rotation":{"strategy":"toString"}}', `"rotation.strategy" must be one of ${STRATEGIES} (it is "toString")`],
  ['{"rotation":{"strategy":2}}', `"rotation.strategy" must be one of ${STRATEGIES} (it is 2)`],
  ['{"endpoints":{"claude":{"usage":5}}}', '"endpoints.claude.usage" must be a string (it is 5)'],
  ['{"login":{"callbackPorts":null}}', '"login.callbackPorts" must be an object (it is null)'],
];

const saidAs = (said: string) =>
  `ccs-tui: error: ${ccs.paths.settings}: ${said}; no token is sent to any provider until it is fixed (its endpoint overrides are unknown): quota reads, token refreshes, live model lists, logins and the proxy wait, other settings are the defaults\n`;

for (const [json, said] of CASES) {
  test(`quota and rotate on tui.json ${json}: the field is named, the defaults are used`, async () => {
    ccs.writeRaw('tui.json', json);
    const quota = await runBin(['quota'], ccs.env);
    assert.equal(quota.code, 0, quota.stderr);
    assert.equal(quota.stderr, saidAs(said));
    assert.match(quota.stdout, /^claude +c +5h 10% .*waiting: quota reads wait until tui\.json is fixed$/m);
    assert.doesNotMatch(quota.stdout + quota.stderr, /unexpected|TypeError|Cannot read/);

    const use = await runBin(['use', 'claude', 'a'], ccs.env);
    assert.equal(use.code, 0, use.stderr);
    const rotate = await runBin(['rotate', 'claude'], ccs.env);
    assert.equal(rotate.stderr, saidAs(said));
    assert.equal(rotate.code, 0, rotate.stderr);
    // The default strategy (most-headroom): not "no other usable claude account".
    assert.equal(rotate.stdout.trim(), 'claude: a → c');
    assert.equal(readFileSync(ccs.paths.settings, 'utf8'), json, 'the file is left as it is');
  });
}

test('a good tui.json still rotates by its strategy, unknown keys and all', async () => {
  ccs.writeRaw('tui.json', '{"rotation":{"strategy":"fill-first","note":1},"constructor":null,"future":{"x":1}}');
  const use = await runBin(['use', 'claude', 'a'], ccs.env);
  assert.equal(use.code, 0, use.stderr);
  const rotate = await runBin(['rotate', 'claude'], ccs.env);
  assert.equal(rotate.code, 0, rotate.stderr);
  assert.equal(rotate.stderr, '');
  assert.equal(rotate.stdout.trim(), 'claude: a → b');
});
