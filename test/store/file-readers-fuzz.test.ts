// Fuzz of the file readers (issue 11): the registry, token files, config.yaml and tui.json are fed
// random bytes, truncations and mutations of valid files (seeded, a bounded count). Every input must
// end in data or a clear error naming the file, never a crash, a hang or a changed file.
import assert from 'node:assert/strict';
import {readFileSync, writeFileSync} from 'node:fs';
import {test} from 'node:test';
import {UserError} from '../../source/core/types.js';
import {AccountStore} from '../../source/store/accounts.js';
import {CorruptFileError} from '../../source/store/files.js';
import {loadCliproxyConfig} from '../../source/store/cliproxy-config.js';
import {loadSettings} from '../../source/store/settings.js';
import {makeTempCcs, tokenFixture} from '../helpers/ccs.js';

const SEED = 0x5eed11;
const CASES_PER_READER = 150;

/** mulberry32: a tiny seeded PRNG, so a failure names a reproducible case. */
function prng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SAMPLES = {
  registry: JSON.stringify({version: 1, providers: {codex: {default: 'a@example.com', accounts: {'a@example.com': {email: 'a@example.com', tokenFile: 'codex-a.json', nickname: 'alpha'}}}}}, null, 2),
  token: JSON.stringify(tokenFixture('codex', 'a@example.com'), null, 2),
  config: 'port: 8317\napi-keys:\n  - sk-test\noauth-model-alias:\n  codex:\n    - name: gpt-5\n      alias: fast\noauth-excluded-models:\n  codex:\n    - "gpt-4*"\n',
  settings: JSON.stringify({rotation: {strategy: 'round-robin'}, quota: {pollSeconds: 60}, endpoints: {}}, null, 2),
};

const NASTY = ['__proto__', 'constructor', '\u001b]0;x\u0007', '\u0000', '../../x.json', '{', '[', '"', '*a', '&a', '!!js/function', '\ufeff', '9'.repeat(400), '-1', 'null'];

function mutate(sample: string, random: () => number): string {
  const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)]!;
  switch (Math.floor(random() * 6)) {
    case 0: // random bytes
      return Buffer.from(Array.from({length: Math.floor(random() * 300)}, () => Math.floor(random() * 256))).toString('latin1');
    case 1: // truncated
      return sample.slice(0, Math.floor(random() * sample.length));
    case 2: {
      // a nasty token spliced in
      const at = Math.floor(random() * sample.length);
      return sample.slice(0, at) + pick(NASTY) + sample.slice(at);
    }
    case 3: {
      // bytes flipped
      const chars = [...sample];
      for (let i = 0; i < 1 + random() * 5; i++) chars[Math.floor(random() * chars.length)] = String.fromCharCode(Math.floor(random() * 128));
      return chars.join('');
    }
    case 4: // deep nesting
      return pick(['[', '{"a":', '- ', '  - ']).repeat(1000 + Math.floor(random() * 20_000));
    default:
      return pick(['', ' ', '\n', 'null', '[]', '""', '0', 'true', '{}', '{"providers": []}', '{"type": 5}', '{"providers": {"x": {"accounts": {"y": {"tokenFile": "../y.json"}}}}}', '---\n...\n', '~']);
  }
}

/** A reader's outcome within a deadline: data, or an error whose message names the file. */
async function settle(what: string, file: string, read: () => Promise<unknown>) {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: hung`)), 5_000)));
  try {
    await Promise.race([read(), deadline]);
  } catch (error) {
    const message = (error as Error).message;
    assert.ok(!/hung$/.test(message), message);
    // A clear error: a person-facing UserError ("no codex account …"), or one naming the file.
    const clear = error instanceof UserError || (error instanceof CorruptFileError && message.includes(file));
    assert.ok(clear, `${what}: a crash, not a clear error: ${(error as Error).stack}`);
  } finally {
    clearTimeout(timer);
  }
}

test(`file readers: ${CASES_PER_READER} seeded random inputs each end in data or a clear error, and no file changes`, async () => {
  const random = prng(SEED);
  const ccs = makeTempCcs();
  try {
    const store = new AccountStore(ccs.paths);
    for (let i = 0; i < CASES_PER_READER; i++) {
      const inputs = {
        registry: mutate(SAMPLES.registry, random),
        token: mutate(SAMPLES.token, random),
        config: mutate(SAMPLES.config, random),
        settings: mutate(SAMPLES.settings, random),
      };
      const registryFile = ccs.writeRaw('cliproxy/accounts.json', inputs.registry);
      const tokenFile = ccs.writeRaw('cliproxy/auth/codex-a.json', inputs.token);
      const configFile = ccs.writeRaw('cliproxy/config.yaml', inputs.config);
      const settingsFile = ccs.writeRaw('tui.json', inputs.settings);
      const label = `case ${i} (seed ${SEED})`;
      await settle(`${label} registry+token`, ccs.paths.cliproxy, async () => {
        const snapshot = await store.load();
        for (const problem of snapshot.problems) assert.ok(problem.message.includes(problem.file) || problem.message.includes('accounts.json'), `${label}: ${problem.message}`);
      });
      await settle(`${label} loadAccount`, ccs.paths.cliproxy, () => store.loadAccount('codex', 'a@example.com'));
      await settle(`${label} config.yaml`, configFile, () => loadCliproxyConfig(ccs.paths));
      await settle(`${label} tui.json`, settingsFile, () => loadSettings(ccs.paths));
      assert.equal(readFileSync(registryFile, 'latin1'), Buffer.from(inputs.registry).toString('latin1'), `${label}: registry changed`);
      assert.equal(readFileSync(tokenFile, 'latin1'), Buffer.from(inputs.token).toString('latin1'), `${label}: token file changed`);
      assert.equal(readFileSync(configFile, 'latin1'), Buffer.from(inputs.config).toString('latin1'), `${label}: config.yaml changed`);
      assert.equal(readFileSync(settingsFile, 'latin1'), Buffer.from(inputs.settings).toString('latin1'), `${label}: tui.json changed`);
    }
  } finally {
    ccs.cleanup();
  }
});

test('fuzz inputs also survive a mutating command: a broken registry is refused, never replaced', async () => {
  const random = prng(SEED + 1);
  const ccs = makeTempCcs();
  try {
    ccs.writeToken('codex-a.json', tokenFixture('codex', 'a@example.com'));
    for (let i = 0; i < 40; i++) {
      const text = mutate(SAMPLES.registry, random);
      const file = ccs.writeRaw('cliproxy/accounts.json', text);
      await new AccountStore(ccs.paths).rename('codex', 'a@example.com', `n${i}`).catch((error: Error) => {
        assert.ok(error.message.includes('a@example.com') || error.message.includes(file) || /no codex account/.test(error.message), error.stack);
      });
      const after = readFileSync(file, 'utf8');
      if (after !== text) {
        // Only a readable registry may be rewritten, and then it must still hold what it held.
        JSON.parse(text);
        assert.equal(JSON.parse(after).providers.codex.accounts['a@example.com'].nickname, `n${i}`);
      }
    }
  } finally {
    ccs.cleanup();
  }
});
