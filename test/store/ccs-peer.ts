// A stand-in for CCS changing its account registry, made the way CCS makes every such change: under
// proper-lockfile's synchronous lock on its cliproxy dir (`cliproxy.lock`, stale after 10 s), read
// accounts.json, change it, write a temp file beside it, rename, let the lock go: all in one
// synchronous step. `node ccs-peer.js <cliproxy dir> <count>` registers `count` accounts
// (ccs-<i>@example.com, each with its token file) one after another, letting the event loop turn between them, then prints
// `done` (`watch`: see watch). A change that finds the lock held fails, as CCS's lockSync (no retries) does: it is tried
// again after a moment, as a person would run the command again; the tries are printed.
import {existsSync, readFileSync, renameSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import lockfile from 'proper-lockfile';
import {tokenFixture} from '../helpers/ccs.js';

const [dir, countText] = process.argv.slice(2);
const registry = path.join(dir!, 'accounts.json');
let busy = 0;

function registerOne(i: number): boolean {
  const email = `ccs-${i}@example.com`;
  // The token file first, as CLIProxyAPI writes it after a login; then the registry entry.
  writeFileSync(path.join(dir!, 'auth', `claude-${email}.json`), JSON.stringify(tokenFixture('claude', email)), {mode: 0o600});
  let release: () => void;
  try {
    release = lockfile.lockSync(dir!, {stale: 10_000});
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ELOCKED') throw error;
    busy++;
    return false;
  }
  try {
    const data = JSON.parse(readFileSync(registry, 'utf8')) as {providers: Record<string, {accounts: Record<string, unknown>}>};
    data.providers.claude!.accounts[email] = {email, nickname: `ccs${i}`, tokenFile: `claude-${email}.json`, createdAt: new Date().toISOString()};
    const temp = `${registry}.tmp.${process.pid}`;
    writeFileSync(temp, `${JSON.stringify(data, null, 2)}\n`, {mode: 0o600});
    renameSync(temp, registry);
    return true;
  } finally {
    release();
  }
}

/**
 * `watch <stop file>`: what a CCS command reads under its lock, checked until the stop file appears:
 * each account's token file where the registry says it is (auth/, or auth-paused/ when paused).
 * Prints `seen <n>`: how many reads found one elsewhere (a move made without the registry's word).
 */
async function watch(stop: string): Promise<void> {
  let seen = 0;
  while (!existsSync(stop)) {
    let release: () => void;
    try {
      release = lockfile.lockSync(dir!, {stale: 10_000});
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ELOCKED') throw error;
      await new Promise((resolve) => setImmediate(resolve));
      continue;
    }
    try {
      const data = JSON.parse(readFileSync(registry, 'utf8')) as {providers: Record<string, {accounts: Record<string, {tokenFile: string; paused?: boolean}>}>};
      for (const account of Object.values(data.providers.claude!.accounts)) {
        if (!existsSync(path.join(dir!, account.paused ? 'auth-paused' : 'auth', account.tokenFile))) seen++;
      }
    } finally {
      release();
    }
    await new Promise((resolve) => setImmediate(resolve));
  }
  process.stdout.write(`seen ${seen}\n`);
}

if (countText === 'watch') await watch(process.argv[4]!);
else {
  for (let i = 0; i < Number(countText); ) {
    if (registerOne(i)) i++;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  process.stdout.write(`done (${busy} tries found the lock held)\n`);
}
