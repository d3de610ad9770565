// A tui.json setting of the wrong kind (an array for an object, text for a number, an unknown
// rotation strategy) on the command line: said once, naming the file and the field, never an
// `unexpected error` (a TypeError) nor a false reason (`no other usable account`); that setting alone
// is its default, and the file is left as it is. What older versions read (null, numbers as text, a
// note beside the endpoints) is read the same way. An endpoint override of the wrong kind refuses its
// provider alone (where its tokens would go is unknown).
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
/** Settings of the wrong kind: said once on stderr, naming the file and the field; that setting alone is its default. */
const WRONG: [json: string, said: string][] = [
  ['{"quota":[]}', '"quota" must be an object (it is an array)'],
  ['{"quota":{"staleAfterSeconds":"soon"}}', '"quota.staleAfterSeconds" must be a number of seconds above 0 (it is "soon")'],
  ['{"rotation":"x"}', '"rotation" must be an object (it is "x")'],
  ['{"rotation":{"strategy":"roundrobin"}}', `"rotation.strategy" must be one of ${STRATEGIES} (it is "roundrobin")`],
  ['{"rotation":{"strategy":"__proto__"}}', `"rotation.strategy" must be one of ${STRATEGIES} (it is "__proto__")`],
  ['{"rotation":{"strategy":"toString"}}', `"rotation.strategy" must be one of ${STRATEGIES} (it is "toString")`],
  ['{"rotation":{"strategy":2}}', `"rotation.strategy" must be one of ${STRATEGIES} (it is 2)`],
  ['{"login":{"callbackPorts":{"claude":"x"}}}', '"login.callbackPorts.claude" must be a port number, 1-65535 (it is "x")'],
];
/** Settings older versions read and used (null: not set; numbers as text; 0 for refresh's default; a note beside the endpoints; a theme not read yet). */
const TAKEN = ['{"quota":null}', '{"rotation":null}', '{"login":{"callbackPorts":null}}', '{"quota":{"pollSeconds":"300","staleAfterSeconds":"600","fastPollAbovePct":"80"}}', '{"refresh":{"timeoutSeconds":0,"lockStaleSeconds":null}}', '{"theme":"system"}', '{"endpoints":{"_comment":"company gateway below"}}'];

async function quotaAndRotate(json: string) {
  ccs.writeRaw('tui.json', json);
  const quota = await runBin(['quota'], ccs.env);
  assert.equal(quota.code, 0, quota.stderr);
  assert.doesNotMatch(quota.stdout + quota.stderr, /unexpected|TypeError|Cannot read|waiting/);
  assert.match(quota.stdout, /^claude +c +5h 10% /m);
  const use = await runBin(['use', 'claude', 'a'], ccs.env);
  assert.equal(use.code, 0, use.stderr);
  const rotate = await runBin(['rotate', 'claude'], ccs.env);
  assert.equal(rotate.code, 0, rotate.stderr);
  // The default strategy (most-headroom): not "no other usable claude account".
  assert.equal(rotate.stdout.trim(), 'claude: a → c');
  assert.equal(readFileSync(ccs.paths.settings, 'utf8'), json, 'the file is left as it is');
  return {quota, rotate};
}

for (const [json, said] of WRONG) {
  test(`quota and rotate on tui.json ${json}: the field is named, that setting alone is its default, tokens still go`, async () => {
    const {quota, rotate} = await quotaAndRotate(json);
    const warning = `ccs-tui: warning: ${ccs.paths.settings}: ${said}; that setting is its default\n`;
    assert.equal(quota.stderr, warning);
    assert.equal(rotate.stderr, warning);
  });
}

for (const json of TAKEN) {
  test(`tui.json ${json} is read as older versions read it: no warning, the defaults where it says nothing`, async () => {
    const {quota, rotate} = await quotaAndRotate(json);
    assert.equal(quota.stderr + rotate.stderr, '');
  });
}

test('an endpoint override of the wrong kind refuses its provider alone, naming the field: no token goes to the public host instead', async () => {
  ccs.writeRaw('tui.json', '{"endpoints":{"claude":{"usage":5},"codex":"x"}}');
  const quota = await runBin(['quota', '--refresh'], ccs.env);
  assert.doesNotMatch(quota.stdout + quota.stderr, /unexpected|TypeError|Cannot read/);
  assert.match(quota.stdout + quota.stderr, /"endpoints\.claude\.usage" must be a string \(it is 5\)/);
  assert.match(quota.stdout + quota.stderr, /no token is sent to claude until it is fixed/);
  const rotate = await runBin(['rotate', 'claude'], ccs.env);
  assert.equal(rotate.code, 0, rotate.stderr);
});

test('a good tui.json still rotates by its strategy, unknown keys and all', async () => {
  ccs.writeRaw('tui.json', '{"rotation":{"strategy":"fill-first","note":1},"constructor":null,"future":{"x":1}}');
  const use = await runBin(['use', 'claude', 'a'], ccs.env);
  assert.equal(use.code, 0, use.stderr);
  const rotate = await runBin(['rotate', 'claude'], ccs.env);
  assert.equal(rotate.code, 0, rotate.stderr);
  assert.equal(rotate.stderr, '');
  assert.equal(rotate.stdout.trim(), 'claude: a → b');
});
