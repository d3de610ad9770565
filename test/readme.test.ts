import assert from 'node:assert/strict';
import {readdirSync, readFileSync} from 'node:fs';
import path from 'node:path';
import {test} from 'node:test';
import {endpointKeysMarkdown, endpointTableMarkdown} from '../scripts/readme-endpoints.js';
import {keyTableMarkdown} from '../scripts/readme-keys.js';
import {allCommands} from '../source/cli/commands/index.js';
import {PROVIDERS} from '../source/providers/table.js';
import {repoRoot} from './helpers/cli.js';

const readme = readFileSync(path.join(repoRoot, 'README.md'), 'utf8');

test('the README key table is the keymap (regenerate: node dist/scripts/readme-keys.js)', () => {
  const block = /<!-- keys:start -->\n([\s\S]*?)\n<!-- keys:end -->/.exec(readme);
  assert.ok(block, 'README has a keys block');
  assert.equal(block[1], keyTableMarkdown());
});

test('the README command table names every command', async () => {
  for (const command of await allCommands()) {
    assert.ok(readme.includes(`ccs-tui ${command.name.join(' ')}`), `README misses ccs-tui ${command.name.join(' ')}`);
  }
});

test('the README has exactly the two set-up commands, and .ci/run runs the test one', () => {
  const ci = readFileSync(path.join(repoRoot, '.ci', 'run'), 'utf8');
  assert.match(readme, /```sh\nnpm ci && CCS_DIR="\$\(mktemp -d\)" npm start\n```/);
  assert.match(readme, /```sh\nnpm ci && npm test\n```/);
  assert.match(ci, /^npm ci && npm test$/m);
});

test('the README intro names every provider and the folder table every source folder (services/ ones included)', () => {
  const intro = readme.slice(0, readme.indexOf('## '));
  // Display names are one line in the table; the intro may wrap them.
  for (const row of PROVIDERS) assert.ok(intro.replace(/\s+/g, ' ').includes(row.displayName), `README intro misses ${row.displayName}`);
  const folders = [
    ...readdirSync(path.join(repoRoot, 'source'), {withFileTypes: true}).filter((e) => e.isDirectory()).map((e) => `source/${e.name}/`),
    ...['agents', 'native'].map((name) => `source/services/${name}/`),
  ];
  for (const folder of folders) assert.ok(readme.includes(`| \`${folder}\` |`), `README folder table misses ${folder}`);
  // What the launch key does inside and outside tmux, and its setting.
  assert.match(readme, /"launchIn":\s*"pane"/);
  assert.match(readme, /Outside tmux the TUI\s+suspends/);
});

test('the README endpoint table is the provider table (regenerate: node dist/scripts/readme-endpoints.js)', () => {
  const block = /<!-- endpoints:start -->\n([\s\S]*?)\n<!-- endpoints:end -->/.exec(readme);
  assert.ok(block, 'README has an endpoints block');
  assert.equal(block[1], endpointTableMarkdown());
  // What a newcomer needs to see: the path an override keeps.
  assert.match(block[1], /\| `codex` \| `https:\/\/chatgpt\.com\/backend-api\/codex` \| your gateway's URL ending in `\/backend-api\/codex` \|/);
  const keys = /<!-- endpoint-keys:start -->\n([\s\S]*?)\n<!-- endpoint-keys:end -->/.exec(readme);
  assert.ok(keys, 'README has an endpoint-keys block');
  assert.equal(keys[1], endpointKeysMarkdown());
  assert.match(keys[1], /\| `xai` \| .*`device`, `token`, `userinfo` come from `discovery` unless set \|/);
});

test('the README\'s accounts.json example is read as it says: every field an entry has, the default, a paused account', async () => {
  const {AccountStore} = await import('../source/store/accounts.js');
  const {makeTempCcs, tokenFixture} = await import('./helpers/ccs.js');
  const block = /The registry, `cliproxy\/accounts\.json`[\s\S]*?```json\n([\s\S]*?)\n```/.exec(readme);
  assert.ok(block, 'README shows the registry');
  const example = JSON.parse(block[1]!) as {providers: Record<string, {accounts: Record<string, Record<string, unknown>>}>};
  // Every field an account entry is read for (store/registry.ts RegistryAccount) is shown.
  const shown = new Set(Object.values(example.providers).flatMap((p) => Object.values(p.accounts).flatMap((a) => Object.keys(a))));
  for (const field of ['email', 'nickname', 'tokenFile', 'createdAt', 'lastUsedAt', 'paused', 'pausedAt', 'tier', 'projectId']) assert.ok(shown.has(field), `the example misses ${field}`);
  const ccs = makeTempCcs();
  try {
    ccs.writeRegistry(example);
    ccs.writeToken('claude-alice@example.com.json', tokenFixture('claude', 'alice@example.com'));
    ccs.writeToken('claude-bob@example.com.json', tokenFixture('claude', 'bob@example.com'), 'auth-paused');
    ccs.writeToken('gemini-carol@example.com-my-project.json', tokenFixture('gemini', 'carol@example.com', {project_id: 'my-project'}));
    const {accounts, problems} = await new AccountStore(ccs.paths).load();
    assert.deepEqual(problems, []);
    assert.deepEqual(
      accounts.map((a) => [a.provider, a.id, a.nickname ?? null, a.default, a.paused, a.registered, a.projectId ?? null]),
      [
        ['claude', 'alice@example.com', 'work', true, false, true, null],
        ['claude', 'bob@example.com', null, false, true, true, null],
        ['gemini', 'carol@example.com', null, true, false, true, 'my-project'],
      ],
    );
  } finally {
    ccs.cleanup();
  }
});

test('the README\'s token-file examples are read as it says: Claude\'s and Codex\'s, under the names shown', async () => {
  const {AccountStore} = await import('../source/store/accounts.js');
  const {makeTempCcs} = await import('./helpers/ccs.js');
  const examples = [...readme.matchAll(/(?:Claude's|Codex's), `([^`]+\.json)`[^`]*?```json\n([\s\S]*?)\n```/g)].map((m) => ({name: m[1]!, token: JSON.parse(m[2]!) as Record<string, string>}));
  assert.deepEqual(examples.map((e) => e.token.type), ['claude', 'codex'], 'README shows a Claude and a Codex token file');
  const ccs = makeTempCcs();
  try {
    for (const {name, token} of examples) ccs.writeToken(name, token);
    const {accounts, problems} = await new AccountStore(ccs.paths).load();
    assert.deepEqual(problems, []);
    const health = (expired: string) => (Date.parse(expired) < Date.now() ? 'expired' : 'ok');
    assert.deepEqual(
      accounts.map((a) => [a.provider, a.email, a.tokenFile, a.expiresAt, a.refreshedAt, a.health]),
      examples.map(({name, token}) => [token.type, token.email, name, token.expired, token.last_refresh, health(token.expired!)]),
    );
  } finally {
    ccs.cleanup();
  }
});
