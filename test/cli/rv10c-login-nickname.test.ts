// rv10c attack: `login --nickname N` where N cannot be given (control characters, over 50
// characters, or, for an API key whose account is known before the login, another account's
// nickname). The store dropped such a nickname after the login, silently (exit 0, the account
// under another name); now the login is refused before anything is sent or stored (exit 2).
import assert from 'node:assert/strict';
import {writeFileSync} from 'node:fs';
import {after, before, describe, it} from 'node:test';
import {makeTempCcs} from '../helpers/ccs.js';
import {runBin} from '../helpers/cli.js';
import {startFakeServer} from '../helpers/fake-providers/server.js';

const KEY_1 = 'AIzaSyFirstKeyFirstKeyFirstKey00000001';
const KEY_2 = 'AIzaSySecondKeySecondKeySecondKey0002';

type Row = {provider: string; id: string; nickname: string | null};

describe('rv10c: login --nickname the login could not give', () => {
  const ccs = makeTempCcs();
  let studio: Awaited<ReturnType<typeof startFakeServer>>;
  let checks = 0;
  before(async () => {
    studio = await startFakeServer({
      'GET /v1beta/openai/models': () => {
        checks++;
        return {json: {object: 'list', data: [{id: 'model-a', object: 'model'}]}};
      },
    });
    writeFileSync(ccs.paths.settings, JSON.stringify({endpoints: {aistudio: {api: studio.url}}}));
  });
  after(async () => {
    await studio.close();
    ccs.cleanup();
  });
  const rows = async () => (JSON.parse((await runBin(['accounts', '--json'], ccs.env)).stdout) as Row[]).filter((r) => r.provider === 'aistudio');

  for (const [what, nickname] of [
    ['control characters', 'ev\u001b[31mil'],
    ['over 50 characters', 'x'.repeat(60)],
  ] as const) {
    it(`an API key with a nickname of ${what}: refused, exit 2, nothing checked or stored`, async () => {
      const before = checks;
      const result = await runBin(['login', 'aistudio', '--nickname', nickname], ccs.env, `${KEY_1}\n`);
      assert.equal(result.code, 2, `${result.stdout}${result.stderr}`);
      assert.match(result.stderr, /^ccs-tui: a nickname (cannot contain control characters|is at most 50 characters)/m);
      assert.equal(checks, before, 'the key was not sent to be checked');
      assert.deepEqual(await rows(), []);
    });
  }

  it('a nickname that begins with "-" (read as an option by every command it is typed into): refused at login and rename, exit 2', async () => {
    const login = await runBin(['login', 'aistudio', '--nickname=--json'], ccs.env, `${KEY_1}\n`);
    assert.equal(login.code, 2, `${login.stdout}${login.stderr}`);
    assert.match(login.stderr, /^ccs-tui: a nickname cannot begin with "-"/m);
    assert.deepEqual(await rows(), []);
  });

  it('a device login with a nickname of control characters: refused before any request (exit 2)', async () => {
    const result = await runBin(['login', 'kimi', '--nickname', 'a\u0007b'], ccs.env);
    assert.equal(result.code, 2, `${result.stdout}${result.stderr}`);
    assert.match(result.stderr, /^ccs-tui: a nickname cannot contain control characters/m);
  });

  it("an API key another account holds, under a third account's nickname: refused, naming it (its key account keeps its name)", async () => {
    assert.equal((await runBin(['login', 'aistudio', '--nickname', 'work'], ccs.env, `${KEY_1}\n`)).code, 0);
    assert.equal((await runBin(['login', 'aistudio', '--nickname', 'home'], ccs.env, `${KEY_2}\n`)).code, 0);
    // KEY_2 is "home"'s: naming it "work" would make two accounts "work", so the store would drop it.
    const result = await runBin(['login', 'aistudio', '--nickname', 'work'], ccs.env, `${KEY_2}\n`);
    assert.equal(result.code, 2, `${result.stdout}${result.stderr}`);
    // Said as what it is (s41): the key is home's already, and "work" is another account.
    assert.match(result.stderr, /this key is already aistudio account home's, and nickname "work" is account work: one key serves one account/);
    assert.deepEqual((await rows()).map((r) => r.nickname).sort(), ['home', 'work']);
  });
});
