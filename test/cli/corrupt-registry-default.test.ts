// Attack on issue 11 "bad files get a clear word": a registry truncated after the provider's
// "default" (a crash mid-write by another tool). The readable part still names the default account,
// and its token file is there; the rebuild (read-only `accounts`, then `rename --force`) loses it:
// `accounts` stars another account, and the rewritten registry has no default at all.
import assert from 'node:assert/strict';
import {readFileSync} from 'node:fs';
import {test} from 'node:test';
import {makeTempCcs, tokenFixture} from '../helpers/ccs.js';
import {runBin} from '../helpers/cli.js';

test('a truncated registry keeps the default its readable part names', async () => {
  const ccs = makeTempCcs();
  try {
    for (const who of ['a', 'b', 'c']) ccs.writeToken(`claude-${who}@x.com.json`, tokenFixture('claude', `${who}@x.com`));
    const full = JSON.stringify(
      {
        version: 1,
        providers: {
          claude: {
            default: 'b@x.com',
            accounts: {
              'a@x.com': {email: 'a@x.com', nickname: 'alpha', tokenFile: 'claude-a@x.com.json'},
              'b@x.com': {email: 'b@x.com', nickname: 'bravo', tokenFile: 'claude-b@x.com.json'},
              'c@x.com': {email: 'c@x.com', nickname: 'charlie', tokenFile: 'claude-c@x.com.json'},
            },
          },
        },
      },
      null,
      2,
    );
    // Cut inside b's entry: "default": "b@x.com" and a's whole entry are still readable.
    ccs.writeRaw('cliproxy/accounts.json', full.slice(0, full.indexOf('"bravo"') + 3));

    const listed = await runBin(['accounts', '--json'], ccs.env);
    assert.equal(listed.code, 0, listed.stderr);
    const rows = JSON.parse(listed.stdout) as {id: string; default: boolean}[];
    assert.equal(rows.find((r) => r.default)?.id, 'b@x.com', `the default named in the readable part is kept; got ${JSON.stringify(rows)}`);

    const renamed = await runBin(['rename', 'claude', 'a@x.com', 'ALPHA2', '--force'], ccs.env);
    assert.equal(renamed.code, 0, renamed.stderr);
    const written = JSON.parse(readFileSync(ccs.paths.registry, 'utf8'));
    assert.equal(written.providers.claude.default, 'b@x.com', `rewritten registry: ${JSON.stringify(written)}`);
  } finally {
    ccs.cleanup();
  }
});

test("a registry broken by a stray byte keeps other tools' top-level and provider-level fields", async () => {
  const ccs = makeTempCcs();
  try {
    for (const who of ['a', 'b']) ccs.writeToken(`claude-${who}@x.com.json`, tokenFixture('claude', `${who}@x.com`));
    const text = `{
  "version": 1,
  "ccsSettings": {"theme": "dark", "lists": [1, 2]},
  "__proto__": {"polluted": true},
  "providers": {
    "claude": {
      "strategy": "round-robin",
      "default": "a@x.com",
      "accounts": {
        "a@x.com": {"email": "a@x.com", "nickname": "alpha", "tokenFile": "claude-a@x.com.json"},
        "b@x.com": {"email": "b@x.com", "nickname": "bravo" ยยย, "tokenFile": "claude-b@x.com.json"}
      }
    }
  },
  "lateField": "after the fault"
}`;
    ccs.writeRaw('cliproxy/accounts.json', text);
    const renamed = await runBin(['rename', 'claude', 'a@x.com', 'ALPHA2', '--force'], ccs.env);
    assert.equal(renamed.code, 0, renamed.stderr);
    const written = JSON.parse(readFileSync(ccs.paths.registry, 'utf8'));
    assert.deepEqual(written.ccsSettings, {theme: 'dark', lists: [1, 2]}, JSON.stringify(written));
    assert.equal(written.providers.claude.strategy, 'round-robin', JSON.stringify(written));
    assert.equal(written.providers.claude.default, 'a@x.com');
    assert.equal(written.providers.claude.accounts['a@x.com'].nickname, 'ALPHA2');
    assert.equal(({} as Record<string, unknown>).polluted, undefined, 'no prototype pollution');
  } finally {
    ccs.cleanup();
  }
});

test('an edit that would change nothing still refuses on a broken registry (and --force records it)', async () => {
  const ccs = makeTempCcs();
  try {
    for (const who of ['a', 'b']) ccs.writeToken(`claude-${who}@x.com.json`, tokenFixture('claude', `${who}@x.com`));
    // Cut inside b's entry: the readable part still names b as the default.
    ccs.writeRaw(
      'cliproxy/accounts.json',
      '{"version":1,"providers":{"claude":{"default":"b@x.com","accounts":{"a@x.com":{"email":"a@x.com","nickname":"alpha","tokenFile":"claude-a@x.com.json"},"b@x.com":{"email":"b@x.com","nickname":"work",',
    );
    const use = await runBin(['use', 'claude', 'b@x.com'], ccs.env);
    assert.equal(use.code, 1, `a no-op on a broken file is not a success: ${use.stdout}${use.stderr}`);
    assert.equal(use.stdout, '');
    assert.match(use.stderr, /accounts\.json:1:\d+: invalid JSON/);
    assert.match(use.stderr, /Nothing was changed/);
    assert.match(use.stderr, /--force/);
    const resume = await runBin(['resume', 'claude', 'alpha'], ccs.env);
    assert.equal(resume.code, 1, resume.stdout);
    assert.match(resume.stderr, /Nothing was changed/);

    const forced = await runBin(['use', 'claude', 'b@x.com', '--force'], ccs.env);
    assert.equal(forced.code, 0, forced.stderr);
    assert.equal(forced.stdout, 'claude: default is now b@x.com\n');
    const written = JSON.parse(readFileSync(ccs.paths.registry, 'utf8'));
    assert.equal(written.providers.claude.default, 'b@x.com');
    const again = await runBin(['use', 'claude', 'b@x.com'], ccs.env);
    assert.equal(again.stdout, 'claude: b@x.com is already the default\n', 'once the file is sound, the no-op says so');
  } finally {
    ccs.cleanup();
  }
});
