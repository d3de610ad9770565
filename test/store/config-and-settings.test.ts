import assert from 'node:assert/strict';
import {readFileSync, statSync} from 'node:fs';
import {afterEach, beforeEach, test} from 'node:test';
import {loadCliproxyConfig, UNREADABLE_CONFIG_CONSEQUENCE, updateCliproxyConfig} from '../../source/store/cliproxy-config.js';
import {DEFAULT_SETTINGS, endpointOverrides, loadSettings, saveSetting, SettingsUnreadableError, SETTINGS_SHAPE, settingsProblems, settingsUnreadable, wrongSettingsWarning, type TuiSettings} from '../../source/store/settings.js';
import {agentSettings} from '../../source/services/agents/launch.js';
import {resolveTarget} from '../../source/store/targets.js';
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

// Each kind of wrong value, in each nested setting: the file and the field are named, the defaults
// are used (the endpoint rule too: its overrides are unknown), and the file is left as it is.
/** Settings of the wrong kind, each read as its default (the warning names the field). */
const WRONG_SETTINGS: [json: string, said: string][] = [
  ['{"quota": "fast"}', '"quota" must be an object (it is "fast")'],
  ['{"quota": [1, 2]}', '"quota" must be an object (it is an array)'],
  ['{"quota": {"staleAfterSeconds": "soon"}}', '"quota.staleAfterSeconds" must be a number of seconds above 0 (it is "soon")'],
  ['{"quota": {"fastPollSeconds": 0}}', '"quota.fastPollSeconds" must be a number of seconds above 0 (it is 0)'],
  ['{"quota": {"fastPollAbovePct": {"x": 1}}}', '"quota.fastPollAbovePct" must be a percentage, 0-100 (it is an object)'],
  ['{"rotation": "x"}', '"rotation" must be an object (it is "x")'],
  ['{"rotation": {"strategy": "roundrobin"}}', '"rotation.strategy" must be one of most-headroom, fill-first, round-robin (it is "roundrobin")'],
  ['{"rotation": {"strategy": "__proto__"}}', '"rotation.strategy" must be one of most-headroom, fill-first, round-robin (it is "__proto__")'],
  ['{"rotation": {"strategy": "toString"}}', '"rotation.strategy" must be one of most-headroom, fill-first, round-robin (it is "toString")'],
  ['{"rotation": {"strategy": 1}}', '"rotation.strategy" must be one of most-headroom, fill-first, round-robin (it is 1)'],
  ['{"login": {"callbackPorts": {"codex": "x"}}}', '"login.callbackPorts.codex" must be a port number, 1-65535 (it is "x")'],
  ['{"login": {"callbackPorts": {"codex": 70000}}}', '"login.callbackPorts.codex" must be a port number, 1-65535 (it is 70000)'],
  ['{"login": {"clientIds": ["x"]}}', '"login.clientIds" must be an object (it is an array)'],
  ['{"login": {"clientIds": {"codex": 5}}}', '"login.clientIds.codex" must be a string (it is 5)'],
  ['{"proxy": {"useCliproxyBinary": "true"}}', '"proxy.useCliproxyBinary" must be true or false (it is "true")'],
  ['{"proxy": false}', '"proxy" must be an object (it is false)'],
  ['{"refresh": {"lockStaleSeconds": -1}}', '"refresh.lockStaleSeconds" must be a number of seconds (0: the default) (it is -1)'],
  ['{"theme": {}}', '"theme" must be a string (it is an object)'],
];

test('tui.json: a setting of the wrong kind is named with its file; that setting alone is its default, the rest holds and the file is kept', async () => {
  for (const [json, said] of WRONG_SETTINGS) {
    ccs.writeRaw('tui.json', `{"rotation": {"strategy": "fill-first"}, "quota": {"pollSeconds": 77}, ${json.slice(1)}`.replace(/, \}$/, '}'));
    const text = readFileSync(ccs.paths.settings, 'utf8');
    const {settings, problem} = await loadSettings(ccs.paths, {report: false});
    assert.equal(problem, undefined, json);
    assert.equal(wrongSettingsWarning(settings), `${ccs.paths.settings}: ${said}; that setting is its default`, json);
    assert.equal(settingsUnreadable(settings), undefined, json);
    assert.doesNotThrow(() => endpointOverrides(settings, 'claude'), json);
    // Every nested setting usable as its type says; what the file says right is kept.
    const whole = JSON.parse(JSON.stringify(settings)) as typeof DEFAULT_SETTINGS;
    for (const key of ['quota', 'rotation', 'login', 'proxy', 'refresh'] as const) assert.equal(typeof whole[key], 'object', `${json}: ${key}`);
    if (!json.includes('"rotation"')) assert.equal(settings.rotation.strategy, 'fill-first', json);
    if (!json.includes('"quota"')) assert.equal(settings.quota.pollSeconds, 77, json);
    assert.equal(readFileSync(ccs.paths.settings, 'utf8'), text, `${json}: the file was changed`);
  }
  // Every wrong setting is named, not only the first.
  ccs.writeRaw('tui.json', '{"quota": {"pollSeconds": "x"}, "rotation": {"strategy": "x"}}');
  const both = await loadSettings(ccs.paths, {report: false});
  assert.match(wrongSettingsWarning(both.settings)!, /"rotation\.strategy" must be one of .*; "quota\.pollSeconds" must be a number.*; those settings are their defaults$/);
});

test('tui.json as older versions read it: null is not set, numbers as text are numbers, refresh 0 is its default, notes beside the endpoints, any theme', async () => {
  ccs.writeRaw('tui.json', '{"quota": {"pollSeconds": "300", "staleAfterSeconds": null}, "rotation": null, "refresh": {"timeoutSeconds": 0, "lockStaleSeconds": null}, "theme": "system", "endpoints": {"_comment": "the gateway", "claude": {"api": "https://gw.example.com"}}, "login": {"callbackPorts": {"claude": "54545"}}}');
  const {settings, problem} = await loadSettings(ccs.paths, {report: false});
  assert.equal(problem, undefined);
  assert.equal(wrongSettingsWarning(settings), undefined);
  assert.equal(Number(settings.quota.pollSeconds), 300);
  assert.equal(settings.quota.staleAfterSeconds, DEFAULT_SETTINGS.quota.staleAfterSeconds);
  assert.equal(settings.rotation.strategy, DEFAULT_SETTINGS.rotation.strategy);
  assert.equal(endpointOverrides(settings, 'claude')?.api, 'https://gw.example.com');
});

test('an endpoint override of the wrong kind refuses its provider alone, naming the field (where its tokens go is unknown)', async () => {
  for (const [json, said] of [
    ['{"endpoints": {"claude": "https://gateway.example.com"}}', '"endpoints.claude" must be an object (it is "https://gateway.example.com")'],
    // A long string (a key put in the wrong place) is not printed.
    [`{"endpoints": {"claude": "sk-ant-oat01-${'x'.repeat(60)}"}}`, '"endpoints.claude" must be an object (it is a string of 73 characters)'],
    ['{"endpoints": {"claude": {"token": 443}}}', '"endpoints.claude.token" must be a string (it is 443)'],
    ['{"endpoints": {"claude": {"allowInsecureHttp": "yes"}}}', '"endpoints.claude.allowInsecureHttp" must be true or false (it is "yes")'],
    // null is no "not set" where a credential's destination is decided: never the public host instead.
    ['{"endpoints": {"claude": {"api": null, "usage": null}}}', '"endpoints.claude.usage" must be a string (it is null); "endpoints.claude.api" must be a string (it is null)'],
    ['{"endpoints": {"claude": null}}', '"endpoints.claude" must be an object (it is null)'],
  ]) {
    ccs.writeRaw('tui.json', json);
    const {settings, problem} = await loadSettings(ccs.paths, {report: false});
    assert.equal(problem, undefined, json);
    assert.throws(() => endpointOverrides(settings, 'claude'), (error: Error) => {
      assert.ok(error instanceof SettingsUnreadableError, json);
      assert.equal(error.message, `${ccs.paths.settings}: ${said}; no token is sent to claude until it is fixed (where its endpoint overrides point is unknown): its quota reads, token refreshes, live model lists, logins and proxy requests wait`);
      return true;
    });
    assert.equal(endpointOverrides(settings, 'codex'), undefined, `${json}: another provider is not refused`);
  }
  // endpoints itself of the wrong kind: every provider is refused, none sent to its public host.
  for (const json of ['{"endpoints": null}', '{"endpoints": "https://gw.example.com"}', '{"endpoints": []}']) {
    ccs.writeRaw('tui.json', json);
    const {settings} = await loadSettings(ccs.paths, {report: false});
    for (const provider of ['claude', 'codex']) assert.throws(() => endpointOverrides(settings, provider), /"endpoints" must be an object .*; no token is sent to (claude|codex) until it is fixed/, json);
  }
});

test('an endpoint override asked for again and again (the proxy asks on every request) keeps its verdict, and a tui.json read again is judged anew', async () => {
  const sequence: Array<[string, string | undefined]> = [
    ['{"endpoints": {"claude": {"api": "https://gw.example.com"}}}', undefined],
    ['{"endpoints": {"claude": {"api": 443}}}', '"endpoints.claude.api" must be a string (it is 443)'],
    ['{"endpoints": {"claude": {"api": "https://gw2.example.com"}}}', undefined],
    ['{"endpoints": {"claude": []}}', '"endpoints.claude" must be an object (it is an array)'],
    ['{"endpoints": {"codex": {"api": "https://gw.example.com"}, "claude": {"token": false}}}', '"endpoints.claude.token" must be a string (it is false)'],
  ];
  for (const [json, said] of sequence) {
    ccs.writeRaw('tui.json', json);
    const {settings} = await loadSettings(ccs.paths, {report: false});
    for (let ask = 0; ask < 3; ask++) {
      if (said === undefined) assert.equal(endpointOverrides(settings, 'claude')?.api, (JSON.parse(json) as {endpoints: {claude: {api: string}}}).endpoints.claude.api, `${json}, ask ${ask}`);
      else assert.throws(() => endpointOverrides(settings, 'claude'), (error: Error) => error instanceof SettingsUnreadableError && error.message.startsWith(`${ccs.paths.settings}: ${said}; no token is sent to claude`), `${json}, ask ${ask}`);
    }
  }
});

test('a number written as text is read as that number by every reader (a callback port "1455.0" made the redirect localhost:1455.0)', async () => {
  ccs.writeRaw('tui.json', '{"login": {"callbackPorts": {"codex": "1455.0", "claude": " 54545 "}}, "quota": {"pollSeconds": "300"}, "refresh": {"timeoutSeconds": "90"}}');
  const {settings} = await loadSettings(ccs.paths, {report: false});
  assert.equal(wrongSettingsWarning(settings), undefined);
  assert.equal(settings.login.callbackPorts.codex, 1455);
  assert.equal(settings.login.callbackPorts.claude, 54545);
  assert.equal(settings.quota.pollSeconds, 300);
  assert.equal(settings.refresh.timeoutSeconds, 90);
});

test('tui.json: unknown keys and prototype-looking names stay data and are no problem; good values load', async () => {
  assert.deepEqual(settingsProblems(SETTINGS_SHAPE, DEFAULT_SETTINGS), []);
  ccs.writeRaw(
    'tui.json',
    '{"__proto__": {"quota": null}, "constructor": "x", "futureSetting": [1], "agents": {"default": "claude"},' +
      ' "rotation": {"strategy": "round-robin", "constructor": null, "__proto__": 5}, "quota": {"toString": "x", "pollSeconds": 30},' +
      ' "endpoints": {"__proto__": {"token": "https://gw.example.com/t"}, "claude": {"api": "https://gw.example.com", "note": 1, "allowInsecureHttp": false}},' +
      ' "login": {"callbackPorts": {"codex": 1455}, "clientIds": {"constructor": "id-1"}}, "refresh": {"lockStaleSeconds": 2}, "theme": "light"}',
  );
  const {settings, problem} = await loadSettings(ccs.paths, {report: false});
  assert.equal(problem, undefined);
  assert.equal(Object.getPrototypeOf(settings), Object.prototype);
  assert.equal(Object.getPrototypeOf(settings.rotation), Object.prototype);
  assert.equal(({} as {quota?: unknown}).quota, undefined, 'Object.prototype untouched');
  assert.equal(settings.rotation.strategy, 'round-robin');
  assert.equal(settings.quota.pollSeconds, 30);
  assert.equal(settings.quota.staleAfterSeconds, 600);
  assert.equal(settings.refresh.lockStaleSeconds, 2);
  assert.equal(settings.login.clientIds.constructor, 'id-1');
  assert.equal(endpointOverrides(settings, '__proto__')?.token, 'https://gw.example.com/t');
  assert.equal(endpointOverrides(settings, 'claude')?.api, 'https://gw.example.com');
  assert.deepEqual((settings as unknown as {futureSetting: unknown}).futureSetting, [1], 'unknown keys are kept');
});

test('saveSetting refuses a value of the wrong kind, naming the field; nothing is written', async () => {
  ccs.writeRaw('tui.json', '{"rotation": {"strategy": "fill-first"}}');
  await assert.rejects(saveSetting(ccs.paths, 'rotation.strategy', 'roundrobin'), (error: Error) => {
    assert.equal(error.message, `${ccs.paths.settings}: "rotation.strategy" must be one of most-headroom, fill-first, round-robin (it is "roundrobin"); nothing was changed`);
    return true;
  });
  await assert.rejects(saveSetting(ccs.paths, 'quota', 'fast'), /"quota" must be an object \(it is "fast"\); nothing was changed$/);
  assert.equal(readFileSync(ccs.paths.settings, 'utf8'), '{"rotation": {"strategy": "fill-first"}}');
  await saveSetting(ccs.paths, 'quota.pollSeconds', 90);
  assert.equal((await loadSettings(ccs.paths)).settings.quota.pollSeconds, 90);
});

test('tui.json agents and targets (checked where they are used): a field of the wrong kind is named, not skipped or taken as missing', () => {
  const agents = (value: unknown) => () => agentSettings({...DEFAULT_SETTINGS, agents: value} as unknown as TuiSettings);
  assert.throws(agents(null), /^UserError: tui\.json: "agents" must be an object$/);
  assert.throws(agents({claude: null}), /tui\.json: agents\.claude must be an object \(\{"command": …\}\)/);
  assert.throws(agents({codex: 'codex'}), /tui\.json: agents\.codex must be an object/);
  assert.throws(agents({default: 5}), /tui\.json: agents\.default must be one of/);
  assert.deepEqual(agents({claude: {command: '/bin/claude'}, constructor: null, future: 1})().commands, {claude: ['/bin/claude']});

  const target = (entry: unknown) => () => resolveTarget(ccs.paths, {...DEFAULT_SETTINGS, targets: {team: entry}} as unknown as TuiSettings, 'team', {K: 'k'});
  const where = `${ccs.paths.settings}: targets.team`;
  assert.throws(target({url: 8317, managementKeyEnv: 'K'}), {message: `${where}.url must be a string, not a number`});
  assert.throws(target({url: 'https://p.example.com', managementKeyEnv: ['K']}), {message: `${where}.managementKeyEnv must be a string, not an array`});
  assert.throws(target({url: 'https://p.example.com', managementKeyFile: null}), {message: `${where}.managementKeyFile must be a string, not null`});
  assert.throws(target({url: 'https://p.example.com', managementKeyEnv: 'K', caFile: {}}), {message: `${where}.caFile must be a string, not an object`});
  assert.throws(target({url: 'http://p.example.com', managementKeyEnv: 'K', allowInsecureHttp: 'true'}), {message: `${where}.allowInsecureHttp must be true or false, not a string`});
  assert.throws(() => resolveTarget(ccs.paths, {...DEFAULT_SETTINGS, targets: null} as unknown as TuiSettings, 'team', {}), /"targets" must be an object of named servers .*, not null$/);
  assert.equal(target({url: 'https://p.example.com', managementKeyEnv: 'K', note: 1})().url, 'https://p.example.com');
});
