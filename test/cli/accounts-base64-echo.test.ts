// `accounts` masks its output without building the base64 forms of every token unless the output
// may hold one (issue 14). Registry fields are data from a file: here they hold the base64,
// base64url and line-wrapped base64 of other accounts' tokens, and none of those may be printed.
import assert from 'node:assert/strict';
import {randomBytes} from 'node:crypto';
import {afterEach, beforeEach, describe, test} from 'node:test';
import {makeTempCcs, tokenFixture, type TempCcs} from '../helpers/ccs.js';
import {runBin} from '../helpers/cli.js';

/** Every base64 text that comes from whole 3-byte groups of the token, at each alignment, in both alphabets. */
function cores(token: string): string[] {
  const bytes = Buffer.from(token);
  return [0, 1, 2].flatMap((from) => {
    const whole = bytes.subarray(from, from + Math.floor((bytes.length - from) / 3) * 3);
    return [whole.toString('base64'), whole.toString('base64url')];
  });
}

/** A 12-character piece of some core of some token, found in the output with its line breaks removed. */
function leaked(output: string, tokens: readonly string[]): string | undefined {
  const joined = output.replace(/\\r|\\n|\r|\n/g, '');
  for (const core of tokens.flatMap(cores)) {
    for (let i = 0; i + 12 <= core.length; i++) if (joined.includes(core.slice(i, i + 12))) return core.slice(i, i + 12);
  }
  return undefined;
}

describe('accounts masks base64 echoes of tokens in registry fields', () => {
  let ccs: TempCcs;
  // Tokens that share no run of bytes, so that a piece of one echo names one token.
  const token = (name: string) =>
    tokenFixture('codex', `${name}@example.com`, {access_token: `at-${name}-${randomBytes(18).toString('hex')}`, refresh_token: `rt-${name}-${randomBytes(18).toString('hex')}`});
  const tokens = {a: token('a'), b: token('b'), c: token('c')};
  const secrets = Object.values(tokens).flatMap((t) => [String(t.access_token), String(t.refresh_token)]);
  beforeEach(() => {
    ccs = makeTempCcs();
    const wrapped = Buffer.from(`user:${tokens.c.access_token}`).toString('base64').replace(/.{20}/g, '$&\n');
    // Base64 of `user:<token>` (a Basic credential), base64url of a token, a wrapped base64 block.
    const accounts = {
      'a@example.com': {email: 'a@example.com', nickname: Buffer.from(`user:${tokens.b.access_token}`).toString('base64'), tokenFile: 'codex-a.json', projectId: wrapped},
      'b@example.com': {email: 'b@example.com', nickname: Buffer.from(String(tokens.a.refresh_token)).toString('base64url'), tokenFile: 'codex-b.json'},
      'c@example.com': {email: Buffer.from(`x${tokens.b.refresh_token}`).toString('base64url'), nickname: 'gamma', tokenFile: 'codex-c.json'},
    };
    ccs.writeRegistry({version: 1, providers: {codex: {default: 'a@example.com', accounts}}});
    for (const [name, token] of Object.entries(tokens)) ccs.writeToken(`codex-${name}.json`, token);
  });
  afterEach(() => ccs.cleanup());

  test('accounts --json', async () => {
    const run = await runBin(['accounts', '--json'], ccs.env);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(leaked(run.stdout, secrets), undefined, run.stdout);
    const rows = JSON.parse(run.stdout) as {id: string; nickname: string; projectId?: string}[];
    assert.equal(rows.length, 3);
    // Each echo is shown masked: the first characters of the token it holds, never the token.
    const row = (id: string) => rows.find((r) => r.id === id)!;
    const shows = (value: string | undefined, head: string) => assert.match(value ?? '', new RegExp(`^[\\w=]{0,8}${head}…\\(redacted\\)[\\w=\\s]{0,6}$`));
    shows(row('a@example.com').nickname, 'at-b');
    shows(row('a@example.com').projectId, 'at-c');
    shows(row('b@example.com').nickname, 'rt-a');
  });

  test('accounts (table)', async () => {
    const run = await runBin(['accounts'], ccs.env);
    assert.equal(run.code, 0, run.stderr);
    // Token c's too: the table shows a cell's line breaks as spaces, so each cell is masked while
    // its line breaks are still there (the wrapped base64 in projectId).
    assert.equal(leaked(run.stdout, secrets), undefined, run.stdout);
    assert.equal(leaked(run.stdout.replace(/ +/g, ''), secrets), undefined, run.stdout);
    assert.match(run.stdout, /at-c…\(redacted\)/);
    assert.match(run.stdout, /gamma/);
  });
});
