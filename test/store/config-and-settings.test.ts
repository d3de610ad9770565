import assert from 'node:assert/strict';
import {readFileSync, statSync} from 'node:fs';
import {afterEach, beforeEach, test} from 'node:test';
import {loadCliproxyConfig, UNREADABLE_CONFIG_CONSEQUENCE, updateCliproxyConfig} from '../../source/store/cliproxy-config.js';
import {loadSettings, saveSetting} from '../../source/store/settings.js';
import {makeTempCcs, type TempCcs} from '../helpers/ccs.js';

let ccs: TempCcs;
beforeEach(() => (ccs = makeTempCcs()));
afterEach(() => ccs.cleanup());

test('config.yaml defaults when missing, and its fields when present', async () => {
  assert.deepEqual((await loadCliproxyConfig(ccs.paths)).config, {port: 8317, apiKeys: [], modelAliases: {}, excludedModels: {}});
  ccs.writeRaw('cliproxy/config.yaml', '# mine\nport: 9000\napi-keys:\n  - k1\nrouting:\n  strategy: fill-first\n');
  const {config} = await loadCliproxyConfig(ccs.paths);
  assert.equal(config.port, 9000);
  assert.deepEqual(config.apiKeys, ['k1']);
  assert.equal(config.routingStrategy, 'fill-first');
});

test('a YAML error names line and column; a bad field names the field; nothing is overwritten', async () => {
  const broken = 'port: 8317\napi-keys: [a,\n  b\nother: 1\n';
  ccs.writeRaw('cliproxy/config.yaml', broken);
  await assert.rejects(loadCliproxyConfig(ccs.paths), /config\.yaml:\d+:\d+: invalid YAML/);
  // The position is said once, up front; yaml's own `at line 4, column 1:` (before its excerpt) is not.
  await assert.rejects(loadCliproxyConfig(ccs.paths), (error: Error) => {
    // Then what a broken config.yaml stops, and what to do.
    assert.equal(error.message, `${ccs.paths.config}:4:1: invalid YAML: Flow sequence in block collection must be sufficiently indented and end with a ]; ${UNREADABLE_CONFIG_CONSEQUENCE}`);
    assert.doesNotMatch(error.message, /at line|:$/);
    return true;
  });
  await assert.rejects(updateCliproxyConfig(ccs.paths, (doc) => doc.set('port', 1)), /invalid YAML/);
  assert.equal(readFileSync(ccs.paths.config, 'utf8'), broken);
  ccs.writeRaw('cliproxy/config.yaml', 'port: "eighty"\n');
  await assert.rejects(loadCliproxyConfig(ccs.paths), /field "port" must be a port number/);
});

test('updates keep comments and unknown keys', async () => {
  ccs.writeRaw('cliproxy/config.yaml', '# top comment\nport: 8317 # the port\nunknown-key: {a: 1}\n');
  await updateCliproxyConfig(ccs.paths, (doc) => doc.set('api-keys', ['new-key']));
  const text = readFileSync(ccs.paths.config, 'utf8');
  assert.match(text, /^# top comment\nport: 8317 # the port\nunknown-key: \{a: 1\}\n/, "untouched keys keep their exact text");
  assert.match(text, /api-keys:\n {2}- new-key/);
  assert.equal(statSync(ccs.paths.config).mode & 0o777, 0o600);
});

test('tui.json: defaults, merged values, and a broken file reported with its position', async () => {
  assert.equal((await loadSettings(ccs.paths)).settings.rotation.strategy, 'most-headroom');
  await saveSetting(ccs.paths, 'rotation.strategy', 'fill-first');
  const loaded = await loadSettings(ccs.paths);
  assert.equal(loaded.settings.rotation.strategy, 'fill-first');
  assert.equal(loaded.settings.quota.pollSeconds, 300, 'defaults fill what the file leaves out');
  assert.equal(statSync(ccs.paths.settings).mode & 0o777, 0o600);

  ccs.writeRaw('tui.json', '{\n  "rotation": {"strategy": }\n}');
  const broken = await loadSettings(ccs.paths);
  assert.match(broken.problem!.message, /tui\.json:2:\d+: invalid JSON.*; no token is sent to any provider until it is fixed .*, other settings are the defaults$/);
  assert.equal(broken.settings.rotation.strategy, 'most-headroom');
  // One consequence, said once: not "using defaults" and "fix it first" together.
  await assert.rejects(saveSetting(ccs.paths, 'theme', 'dark'), (error: Error) => {
    assert.match(error.message, /^[^ ]*tui\.json:2:\d+: invalid JSON \(.*\); fix it before changing settings \(nothing was changed\)$/);
    assert.doesNotMatch(error.message, /using/);
    return true;
  });
  assert.equal(readFileSync(ccs.paths.settings, 'utf8'), '{\n  "rotation": {"strategy": }\n}');
});
