// A wrapped base64 echo of a token in a registry name (nickname, email: folded to one line by the
// store) or with escape sequences between its lines (a table cell, sanitized to one line) must be
// masked: once its line breaks are spaces, no masker recognises the pieces as one echo.
import assert from 'node:assert/strict';
import {randomBytes} from 'node:crypto';
import {afterEach, beforeEach, describe, test} from 'node:test';
import {makeTempCcs, tokenFixture, type TempCcs} from '../helpers/ccs.js';
import {runBin} from '../helpers/cli.js';

const token = (name: string) =>
  tokenFixture('codex', `${name}@example.com`, {access_token: `at-${name}-${randomBytes(18).toString('hex')}`, refresh_token: `rt-${name}-${randomBytes(18).toString('hex')}`});
const tokens = {a: token('a'), b: token('b'), c: token('c')};
const secrets = Object.values(tokens).map((t) => String(t.access_token));

/** A 12-character piece of some base64 core of some token in the output, whitespace removed. */
function leaked(output: string): string | undefined {
  const joined = output.replace(/\\r|\\n|\s+/g, '');
  for (const secret of secrets) {
    const bytes = Buffer.from(secret);
    for (const from of [0, 1, 2]) {
      const core = bytes.subarray(from, from + Math.floor((bytes.length - from) / 3) * 3).toString('base64');
      for (let i = 0; i + 12 <= core.length; i++) if (joined.includes(core.slice(i, i + 12))) return core.slice(i, i + 12);
    }
  }
  return undefined;
}

/** Base64 of `user:<token>`, wrapped every 20 characters with `lineBreak`. */
const wrapped = (secret: string, lineBreak: string) => Buffer.from(`user:${secret}`).toString('base64').replace(/.{20}/g, `$&${lineBreak}`);

describe('accounts masks wrapped base64 echoes in names and escaped cells', () => {
  let ccs: TempCcs;
  beforeEach(() => {
    ccs = makeTempCcs();
    const accounts = {
      'a@example.com': {email: 'a@example.com', nickname: wrapped(secrets[1]!, '\n'), tokenFile: 'codex-a.json', projectId: wrapped(secrets[0]!, '\n\x1b[0m')},
      'b@example.com': {email: wrapped(secrets[2]!, '\r\n'), nickname: 'beta', tokenFile: 'codex-b.json'},
      'c@example.com': {email: 'c@example.com', nickname: 'gamma', tokenFile: 'codex-c.json'},
    };
    ccs.writeRegistry({version: 1, providers: {codex: {default: 'a@example.com', accounts}}});
    for (const [name, t] of Object.entries(tokens)) ccs.writeToken(`codex-${name}.json`, t);
  });
  afterEach(() => ccs.cleanup());

  for (const args of [['accounts'], ['accounts', '--json']]) {
    test(args.join(' '), async () => {
      const run = await runBin(args, ccs.env);
      assert.equal(run.code, 0, run.stderr);
      assert.equal(leaked(run.stdout), undefined, run.stdout);
      assert.match(run.stdout, /at-b…\(redacted\)/);
      assert.match(run.stdout, /at-c…\(redacted\)/);
    });
  }
});
