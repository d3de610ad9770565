// `login --base-url`: its errors state the rule as it is (https://, or http:// to this machine; other
// plain http:// needs --allow-insecure-http), and never repeat what may carry a key: the URL's query
// when stdin was empty, a key given as --base-url, a key file's contents given as --key-file.
import assert from 'node:assert/strict';
import {writeFileSync} from 'node:fs';
import path from 'node:path';
import {test} from 'node:test';
import {makeTempCcs} from '../helpers/ccs.js';
import {runBin} from '../helpers/cli.js';

const SECRET = 'QuerySecret0123456789';

test('login --base-url with empty stdin names the command again without the URL\'s query', async () => {
  const ccs = makeTempCcs();
  try {
    const run = await runBin(['login', 'bob', '--base-url', `https://gw.example/v1?key=${SECRET}`], ccs.env, '');
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, /stdin was empty .* e\.g\. ccs-tui login bob --base-url 'https:\/\/gw\.example\/v1\?…' < key\.txt/);
    assert.ok(!run.stderr.includes(SECRET) && !run.stderr.includes('QuerySecret'), run.stderr);
    // The flag that allowed plain http:// stays in the command shown, or it would not run.
    const insecure = await runBin(['login', 'bob', '--base-url', 'http://gw.example/v1', '--allow-insecure-http'], ccs.env, '');
    assert.match(insecure.stderr, /e\.g\. ccs-tui login bob --base-url http:\/\/gw\.example\/v1 --allow-insecure-http < key\.txt/);
  } finally {
    ccs.cleanup();
  }
});

test('login --base-url errors state the rule: https://, or http:// to 127.0.0.1, localhost or ::1; an address with no scheme is said so', async () => {
  const ccs = makeTempCcs();
  try {
    const bare = await runBin(['login', 'bob', '--base-url', 'bob.example.com/v1'], ccs.env, 'k\n');
    assert.equal(bare.code, 2);
    assert.equal(
      bare.stderr,
      'ccs-tui: --base-url must start with https://, or http:// to 127.0.0.1, localhost or ::1 (http:// to another host needs --allow-insecure-http); got "bob.example.com/v1", with no https:// in front\n',
    );
    const plain = await runBin(['login', 'bob', '--base-url', 'http://gw.example/v1'], ccs.env, 'k\n');
    assert.equal(plain.code, 2);
    assert.match(plain.stderr, /use https:\/\/ \(plain http:\/\/ only to 127\.0\.0\.1, localhost or ::1\), or add --allow-insecure-http/);
  } finally {
    ccs.cleanup();
  }
});

test('login vertex --key-file given the key\'s contents instead of a path says so without printing them', async () => {
  const ccs = makeTempCcs();
  try {
    const run = await runBin(['login', 'vertex', '--key-file', `{"type": "service_account", "private_key": "-----BEGIN PRIVATE KEY-----${SECRET}"}`], ccs.env, '');
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, /--key-file that is a key, not the path of a key file/);
    assert.ok(!run.stderr.includes(SECRET) && !run.stderr.includes('private_key'), run.stderr);
  } finally {
    ccs.cleanup();
  }
});

test('login vertex --key-file naming a device, a directory or a huge file says what it is and reads nothing (/dev/zero was read to ~512 MB)', async () => {
  const ccs = makeTempCcs();
  try {
    const huge = path.join(ccs.paths.root, 'huge.json');
    writeFileSync(huge, Buffer.alloc(2 * 1024 * 1024, 0x20));
    for (const [file, said] of [
      ['/dev/zero', /\/dev\/zero: is not a regular file/],
      [ccs.paths.root, /is a directory|not a file/],
      [huge, /huge\.json: 2097152 bytes, not a service-account key file/],
    ] as const) {
      const run = await runBin(['login', 'vertex', '--key-file', file], ccs.env, '');
      assert.notEqual(run.code, 0, run.stderr);
      assert.match(run.stderr, said, run.stderr);
      assert.doesNotMatch(run.stderr, /Invalid string length|unexpected/);
    }
  } finally {
    ccs.cleanup();
  }
});

test('a base URL with a word after it (a space or line break in it) is refused before the key is sent anywhere, and a target\'s url too', async () => {
  const ccs = makeTempCcs();
  try {
    for (const url of ['http://127.0.0.1:9/v1 x', 'https://gw.example/v1\tcopy', 'https://gw.example/v1\nmore']) {
      const run = await runBin(['login', 'bob', '--base-url', url], ccs.env, 'bob-key-0123456789\n');
      assert.equal(run.code, 2, JSON.stringify(url));
      assert.match(run.stderr, /^ccs-tui: --base-url has a space or line break in it: "[^"\n]*" \(give the address alone\)\n$/);
    }
    // An invisible character is a word after it too (a URL parser takes it into the path, escaped).
    for (const [url, said] of [['https://gw.example/v1\u200b', 'an invisible formatting character in it (U+200B)'], ['https://gw.example/v1\u0085', 'a control character in it (U+0085)']]) {
      const run = await runBin(['login', 'bob', '--base-url', url!], ccs.env, 'bob-key-0123456789\n');
      assert.equal(run.code, 2);
      assert.equal(run.stderr, `ccs-tui: --base-url has ${said}: give the address alone, typed again\n`);
    }
    writeFileSync(ccs.paths.settings, JSON.stringify({targets: {team: {url: 'https://proxy.example.com/cpa x', managementKeyEnv: 'TEAM_KEY'}}}));
    const target = await runBin(['accounts', '--target', 'team'], {...ccs.env, TEAM_KEY: 'k'});
    assert.notEqual(target.code, 0, target.stderr);
    assert.match(target.stderr, /targets\.team\.url has a space or line break in it/);
  } finally {
    ccs.cleanup();
  }
});

// A newcomer put IBM Bob's key in a file and gave it as --key-file (Vertex's flag): the flag was
// dropped in silence and the login said "stdin was empty".
test('login --key-file for a provider without key files says whose flag it is and how the key is given', async () => {
  const ccs = makeTempCcs();
  try {
    const bob = await runBin(['login', 'bob', '--base-url', `http://gw.example/v1?key=${SECRET}`, '--allow-insecure-http', '--key-file', 'my key.txt'], ccs.env, '');
    assert.equal(bob.code, 2, bob.stderr);
    assert.equal(bob.stderr, "ccs-tui: --key-file is for a service-account key file (vertex); bob has none: its API key is read from stdin: ccs-tui login bob --base-url 'http://gw.example/v1?…' --allow-insecure-http < 'my key.txt'\n");
    // The command shown keeps every flag given (a nickname names the account the key replaces) and
    // opens the file as given: `~` expanded, since a shell does not expand it quoted.
    const named = await runBin(['login', 'aistudio', '--nickname', 'my studio', '--key-file', '~/my key.txt'], ccs.env, '');
    assert.equal(named.code, 2, named.stderr);
    assert.equal(named.stderr, `ccs-tui: --key-file is for a service-account key file (vertex); aistudio has none: its API key is read from stdin: ccs-tui login aistudio --nickname 'my studio' < '${ccs.env.HOME}/my key.txt'\n`);
    // Without the base URL it needs, that is said first (the command shown would fail).
    const noUrl = await runBin(['login', 'bob', '--key-file', 'k.txt'], ccs.env, '');
    assert.equal(noUrl.code, 2);
    assert.match(noUrl.stderr, /IBM Bob needs a base URL \(--base-url URL\)/);
    // Every flag of one kind of login, given to another kind: refused by name, nothing asked.
    for (const [args, words] of [
      [['codex', '--key-file', 'k.json'], /--key-file is for a service-account key file \(vertex\); codex has no such login \(its login: browser/],
      [['codex', '--base-url', 'https://gw.example/v1'], /--base-url is for an API-key login's base URL \(aistudio, bob; other providers' addresses are endpoints in tui\.json\); codex has no such login/],
      [['kimi', '--port', '1455'], /--port is for a browser login's callback port; kimi has no such login \(its login: device code\)/],
      [['codex', '--device', '--port', '1455'], /--port is for a browser login's callback port; codex's login by device code \(--device\) takes none/],
      [['aistudio', '--paste'], /--paste is for pasting the address a browser login ends on; aistudio has no such login \(its login: API key on stdin\)/],
      [['aistudio', '--allow-insecure-http', '--device'], /aistudio has no device-code login/],
    ] as const) {
      const run = await runBin(['login', ...args], ccs.env, 'AIzaSyA-0123456789abcdefghijklmnopqrstu\n');
      assert.equal(run.code, 2, `${args.join(' ')}: ${run.stderr}`);
      assert.match(run.stderr, words);
    }
    assert.equal((await runBin(['accounts', '--json'], ccs.env)).stdout.trim(), '[]', 'nothing stored');
  } finally {
    ccs.cleanup();
  }
});

// Newcomer (s40): the base URL typed at the TUI's key step was stored as IBM Bob's API key.
test('an address given where the API key is asked is refused, saying where the base URL goes; nothing stored', async () => {
  const ccs = makeTempCcs();
  try {
    for (const key of ['http://127.0.0.1:18941/v1', 'https://bob.example.com/v1?key=x']) {
      const run = await runBin(['login', 'bob', '--base-url', 'https://bob.example.com/v1'], ccs.env, `${key}\n`);
      assert.equal(run.code, 2, run.stderr);
      assert.equal(run.stderr, 'ccs-tui: the API key is an address (a URL), not a key; the base URL is given apart (--base-url, or the next step in the TUI)\n');
    }
    assert.equal((await runBin(['accounts', '--json'], ccs.env)).stdout.trim(), '[]');
  } finally {
    ccs.cleanup();
  }
});

// Attack (s40): --port on a login that ends on the provider's own page was dropped without a word.
test('login --port on a login that ends on a hosted page says the port is not used', async () => {
  const ccs = makeTempCcs();
  try {
    const run = await runBin(['login', 'claude', '--port', '18999', '--paste', '--no-browser'], ccs.env, '');
    assert.match(run.stderr, /^ccs-tui: note: --port 18999 is not used: this login ends on https:\/\/platform\.claude\.com\/oauth\/code\/callback, whose address you paste here; nothing listens on a port$/m, run.stderr);
    const device = await runBin(['login', 'claude', '--device'], ccs.env, '');
    assert.equal(device.stderr, 'ccs-tui: claude has no device-code login (its login: browser, or --paste the address it ends on)\n');
  } finally {
    ccs.cleanup();
  }
});

// Newcomer (s40): --no-browser on a key login was taken without a word (no browser opens anyway).
test('login --no-browser on a key or key-file login says it is not used, and the login goes on as without it', async () => {
  const ccs = makeTempCcs();
  try {
    const bob = await runBin(['login', 'bob', '--no-browser', '--base-url', 'https://bob.example.com/v1'], ccs.env, '');
    assert.equal(bob.code, 2, bob.stderr);
    assert.match(bob.stderr, /^ccs-tui: note: --no-browser is not used: bob's login takes an API key and opens no browser$/m, bob.stderr);
    assert.match(bob.stderr, /stdin was empty/);
    const vertex = await runBin(['login', 'vertex', '--no-browser'], ccs.env, '');
    assert.match(vertex.stderr, /^ccs-tui: note: --no-browser is not used: vertex's login takes a service-account key file and opens no browser$/m, vertex.stderr);
    // A browser login takes it as it always did.
    const claude = await runBin(['login', 'claude', '--paste', '--no-browser'], ccs.env, '');
    assert.doesNotMatch(claude.stderr, /is not used/, claude.stderr);
  } finally {
    ccs.cleanup();
  }
});

// Newcomer (s44): a key of 3 characters was sent to the provider to be checked, and the error quoted it whole.
test('a key too short to be one is refused before it is sent, naming its length, showing none of it; nothing stored', async () => {
  const ccs = makeTempCcs();
  try {
    for (const key of ['q', 'q7x', 'q7x9k2m']) {
      const run = await runBin(['login', 'aistudio'], ccs.env, `${key}\n`);
      assert.equal(run.code, 2, run.stderr);
      assert.equal(run.stderr, `ccs-tui: the API key is ${key.length} character${key.length === 1 ? '' : 's'} long, too short to be masked where it is echoed (from 8 on; a provider's keys are dozens of characters, a gateway's can be made longer): paste the whole key\n`);
      assert.ok(!run.stdout.includes(key) && !run.stderr.includes(key), run.stdout);
    }
    assert.equal((await runBin(['accounts', '--json'], ccs.env)).stdout.trim(), '[]', 'nothing stored');
  } finally {
    ccs.cleanup();
  }
});
