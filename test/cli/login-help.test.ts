// A newcomer finds the provider ids: `login --help` lists every one from the provider table with its
// ways to log in (IBM Bob: `bob`, --base-url required), the README names them, and `login bob`
// without --base-url says the flag before asking for a key.
import assert from 'node:assert/strict';
import {readFileSync} from 'node:fs';
import path from 'node:path';
import {test} from 'node:test';
import {PROVIDERS} from '../../source/providers/table.js';
import {makeTempCcs} from '../helpers/ccs.js';
import {repoRoot, runBin} from '../helpers/cli.js';

test('login --help lists every provider id of the table, with how each logs in', async () => {
  const ccs = makeTempCcs();
  try {
    const help = await runBin(['login', '--help'], ccs.env);
    assert.equal(help.code, 0, help.stderr);
    for (const row of PROVIDERS) assert.match(help.stdout, new RegExp(`^ {2}${row.id} +${row.displayName.replace(/[()]/g, '\\$&')}: `, 'm'), `${row.id}\n${help.stdout}`);
    assert.match(help.stdout, /^ {2}bob +IBM Bob: API key on stdin; --base-url URL required, e\.g\. https:\/\/bob\.example\.com\/v1/m);
    assert.match(help.stdout, /^ {2}codex +Codex: browser, or --paste the address it ends on \| device code \(--device\)$/m);
  } finally {
    ccs.cleanup();
  }
});

test('login bob without --base-url names the flag and an example before reading a key; with it, an empty stdin names the whole command', async () => {
  const ccs = makeTempCcs();
  try {
    const bare = await runBin(['login', 'bob'], ccs.env, 'some-key-0123456789\n');
    assert.equal(bare.code, 2);
    assert.equal(bare.stderr, 'ccs-tui: IBM Bob needs a base URL (--base-url URL): ccs-tui login bob --base-url https://bob.example.com/v1 (the address before /chat/completions), the key on stdin\n');
    const empty = await runBin(['login', 'bob', '--base-url', 'http://127.0.0.1:9/v1'], ccs.env, '');
    assert.equal(empty.code, 2);
    assert.match(empty.stderr, /pipe it in, e\.g\. ccs-tui login bob --base-url http:\/\/127\.0\.0\.1:9\/v1 < key\.txt/);
  } finally {
    ccs.cleanup();
  }
});

test('the README names every provider id, and says IBM Bob is `bob` with --base-url required', () => {
  const readme = readFileSync(path.join(repoRoot, 'README.md'), 'utf8');
  for (const row of PROVIDERS) assert.ok(readme.includes(`\`${row.id}\``), `README never names ${row.id}`);
  assert.match(readme, /IBM Bob\*\* is an API-key account with no fixed host: its provider id is `bob`, and `--base-url` is\s+required/);
  assert.match(readme, /`ccs-tui login --help` lists them/);
});

test('login bob --base-url given a key (the arguments swapped) never prints the key: the error says what is wrong with it', async () => {
  const ccs = makeTempCcs();
  const KEY = 'sk-secretkey-1234567890abcdef';
  try {
    const swapped = await runBin(['login', 'bob', '--base-url', KEY], ccs.env, 'https://bob.example.com/v1\n');
    assert.equal(swapped.code, 2, swapped.stderr);
    assert.equal(
      swapped.stderr,
      'ccs-tui: --base-url must start with https://, or http:// to 127.0.0.1, localhost or ::1 (http:// to another host needs --allow-insecure-http); got "sk-s…cdef", which looks like a key, not an address (the key is read from stdin)\n',
    );
    // Credentials riding in a URL that is refused for plain http:// are masked too.
    const query = await runBin(['login', 'bob', '--base-url', `http://gateway.example/v1?key=${KEY}`], ccs.env, 'k\n');
    assert.equal(query.code, 2);
    assert.match(query.stderr, /--base-url "http:\/\/gateway\.example\/v1\?…" is plain http:\/\//);
    const other = await runBin(['login', 'bob', '--base-url', `${KEY}://x`], ccs.env, 'k\n');
    assert.equal(other.code, 2);
    assert.match(other.stderr, /--base-url must start with https:\/\/, .*; got sk-s…cdef:\/\//);
    for (const run of [swapped, query, other]) assert.ok(!run.stderr.includes(KEY) && !run.stderr.includes('1234567890'), run.stderr);
  } finally {
    ccs.cleanup();
  }
});
