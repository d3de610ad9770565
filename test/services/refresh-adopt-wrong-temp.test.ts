// ATTACK (s13atk2): a refresh killed between writing its answer beside the token file and renaming it
// (refresh.ts adoptInterruptedSave) leaves the grant in a temp file the next refresher renames into
// place. A temp file that cannot be that answer is never taken: one written before the send (a dead
// process whose pid the sender reused), one of another account, one others can read, a symlink. The token file keeps the
// refresh token it held, nothing is sent, the temp file is left where it was.
import assert from 'node:assert/strict';
import {lstatSync, readdirSync, readFileSync, symlinkSync, utimesSync, writeFileSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {describe, it} from 'node:test';
import {tokenFingerprint} from '../../source/core/fingerprint.js';
import {attemptFile} from '../../source/services/refresh-attempt.js';
import {writeJsonAtomic} from '../../source/store/files.js';
import {pidNamespace, procStartToken} from '../../source/store/process-identity.js';
import {makeTempCcs, type TempCcs} from '../helpers/ccs.js';
import {runBin} from '../helpers/cli.js';
import {startTokenServer, type TokenServer} from '../helpers/token-server.js';

const RT1 = 'sk-ant-ort01-RT1-0123456789';
const OTHER_RT = 'sk-ant-ort01-OTHER-0123456789';
const FILE = 'claude-a@x.com.json';
/** A pid no process has (above the default pid_max of 32-bit systems, below 64-bit's). */
const DEAD_PID = 3_999_999;

/** RT1 sent by `sender` (by default a process now gone) that recorded nothing after; `temp`: where that process's answer would be. */
async function withSentRefresh(body: (server: TokenServer, ccs: TempCcs, temp: string) => Promise<void>, sender: {pid: number; start?: string; pidns?: string} = {pid: DEAD_PID}): Promise<void> {
  const server = await startTokenServer();
  const ccs = makeTempCcs();
  ccs.writeRaw('tui.json', JSON.stringify({endpoints: {claude: {token: `${server.url}/token`, usage: `${server.url}/usage`}}}));
  ccs.writeToken(FILE, {type: 'claude', email: 'a@x.com', access_token: 'sk-ant-oat01-AT1-0123456789', refresh_token: RT1, expired: new Date(Date.now() - 3600_000).toISOString()});
  // RT1 was sent by a process now gone that recorded nothing after.
  await writeJsonAtomic(attemptFile(ccs.paths.state, 'claude', RT1), {fingerprint: tokenFingerprint(RT1), outcome: 'sent', at: new Date().toISOString(), host: os.hostname(), ...sender});
  try {
    await body(server, ccs, path.join(ccs.paths.authDir, `.${FILE}.${sender.pid}.0123abcd.tmp`));
  } finally {
    ccs.cleanup();
    await server.close();
  }
}

const tokenText = (email: string, refresh: string) =>
  `${JSON.stringify({type: 'claude', email, access_token: 'sk-ant-oat01-TEMP-0123456789', refresh_token: refresh, expired: new Date(Date.now() + 3600_000).toISOString()})}\n`;
const onDisk = (ccs: TempCcs) => JSON.parse(readFileSync(path.join(ccs.paths.authDir, FILE), 'utf8')) as Record<string, string>;
const temps = (ccs: TempCcs) => readdirSync(ccs.paths.authDir).filter((name) => name.endsWith('.tmp'));

async function assertNotAdopted(server: TokenServer, ccs: TempCcs, why: string): Promise<void> {
  const quota = await runBin(['quota'], ccs.env);
  assert.equal(onDisk(ccs).refresh_token, RT1, why);
  assert.ok(lstatSync(path.join(ccs.paths.authDir, FILE)).isFile(), 'the token file is still a regular file');
  assert.equal(temps(ccs).length, 1, 'the temp file is left where it was');
  assert.deepEqual(server.presented, [], 'nothing sent');
  const listed = await runBin(['accounts'], ccs.env);
  assert.match(listed.stdout, /a@x\.com .*refresh unknown/, listed.stdout);
  assert.doesNotMatch(quota.stdout + quota.stderr + listed.stdout + listed.stderr, /sk-ant-o/, 'no token shown');
}

describe('a temp file beside the token file that is not the killed refresh\'s answer', () => {
  it('the answer of a send, written after it, is taken (the case adoption is for)', async () => {
    await withSentRefresh(async (server, ccs, temp) => {
      writeFileSync(temp, tokenText('a@x.com', OTHER_RT), {mode: 0o600});
      await runBin(['quota'], ccs.env);
      assert.equal(onDisk(ccs).refresh_token, OTHER_RT);
      assert.deepEqual(server.presented, []);
      assert.deepEqual(temps(ccs), []);
    });
  });

  it('written an hour before the send (a dead process of the same pid left it): not taken', async () => {
    await withSentRefresh(async (server, ccs, temp) => {
      writeFileSync(temp, tokenText('a@x.com', OTHER_RT), {mode: 0o600});
      const hourAgo = new Date(Date.now() - 3600_000);
      utimesSync(temp, hourAgo, hourAgo);
      await assertNotAdopted(server, ccs, 'a grant older than the send is not its answer');
    });
  });

  it('holding another account\'s token: not taken', async () => {
    await withSentRefresh(async (server, ccs, temp) => {
      writeFileSync(temp, tokenText('b@y.com', OTHER_RT), {mode: 0o600});
      await assertNotAdopted(server, ccs, 'another account\'s grant never replaces this one');
    });
  });

  it('readable by others (no temp file ccs-tui writes is): not taken (the token file stays 0600)', async () => {
    await withSentRefresh(async (server, ccs, temp) => {
      writeFileSync(temp, tokenText('a@x.com', OTHER_RT), {mode: 0o644});
      await assertNotAdopted(server, ccs, 'a file others can read is no answer a refresh wrote');
    });
  });

  it('a symlink named like the temp file: not taken (the token file never becomes a link)', async () => {
    await withSentRefresh(async (server, ccs, temp) => {
      const outside = path.join(ccs.paths.root, 'elsewhere.json');
      writeFileSync(outside, tokenText('a@x.com', OTHER_RT), {mode: 0o600});
      symlinkSync(outside, temp);
      await assertNotAdopted(server, ccs, 'a link is no answer a refresh wrote');
    });
  });

  it('its sender\'s pid is another process\'s now (the same pid, a later start: a restarted container): taken', {skip: procStartToken(process.pid) === undefined && 'needs /proc'}, async () => {
    // The pid is this test's own, alive; the record says its sender started at another time.
    const [boot, ticks] = procStartToken(process.pid)!.split(' ');
    await withSentRefresh(
      async (server, ccs, temp) => {
        writeFileSync(temp, tokenText('a@x.com', OTHER_RT), {mode: 0o600});
        const quota = await runBin(['quota'], ccs.env);
        assert.equal(quota.code, 0, quota.stderr);
        assert.equal(onDisk(ccs).refresh_token, OTHER_RT, 'the answer the gone sender got is the grant now');
        assert.deepEqual(server.presented, [], 'nothing sent');
        assert.deepEqual(temps(ccs), []);
      },
      {pid: process.pid, start: `${boot} ${Number(ticks) - 100}`, pidns: pidNamespace()},
    );
  });

  it('its sender is in another pid namespace (a container sharing the dir under the same host name): its pid says nothing here, not taken', {skip: pidNamespace() === undefined && 'needs /proc'}, async () => {
    await withSentRefresh(
      async (server, ccs, temp) => {
        writeFileSync(temp, tokenText('a@x.com', OTHER_RT), {mode: 0o600});
        await assertNotAdopted(server, ccs, 'a sender that may be alive in its own namespace keeps its answer');
      },
      {pid: DEAD_PID, pidns: 'pid:[1]'},
    );
  });
});
