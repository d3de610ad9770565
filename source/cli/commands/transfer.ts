// Commands that only make sense with a remote target: moving a token file between this machine and
// the server (`push`, `pull`) and the per-account fields the server keeps (`fields`).
//
// push/pull are the one place a token crosses the network, because the person asked for exactly that.
import {reloginAdvice} from '../../core/accounts.js';
import {quoted, sanitizeLine} from '../../core/sanitize.js';
import {shellCommand, shellWord} from '../../core/quote.js';
import {providerForTokenType} from '../../providers/table.js';
import {UserError, type Account, type TokenFile} from '../../core/types.js';
import {describeUserError} from '../../store/errors.js';
import {credentialsOf} from '../../core/redact/credentials.js';
import {rm} from 'node:fs/promises';
import {parseCommandArgs, type CliContext, type CommandOptions, type CommandSpec} from '../context.js';
import {isRemote, openRemoteStore} from '../target.js';
import {knownProvider, labeller} from './accounts.js';

/**
 * Parses a `<provider> <account>` command that only acts on a remote target: usage errors first,
 * then a missing `--target` (exit 2, naming the command).
 */
function parseRemoteCommandArgs<O extends CommandOptions>(spec: CommandSpec, ctx: CliContext, args: string[], options: O) {
  const parsed = parseCommandArgs(spec, args, options, {required: ['provider', 'account']});
  if (!isRemote(ctx)) throw new UserError(`${spec.name.join(' ')} needs --target NAME: a remote server named in tui.json "targets"`, 2);
  return parsed;
}

/** The account `<provider> <account>` names on the remote target, and that target's store. */
async function findRemoteAccount(ctx: CliContext, positionals: string[]) {
  const provider = knownProvider(positionals[0]!);
  const remote = await openRemoteStore(ctx);
  return {provider, remote, account: await remote.find(provider, positionals[1]!)};
}

/**
 * `--copy`: keep the grant on both sides. Only for a file without a refresh token (an API key, a
 * service account): refresh tokens rotate (PROVIDERS.md, "Refresh"), so two holders that both refresh
 * one grant leave one of them with a spent token, and reusing a spent one can revoke the grant for both.
 */
const COPY_FLAG = {copy: {type: 'boolean'}} as const;

function refuseCopyOfGrant(token: Record<string, unknown>, what: string): void {
  if (typeof token.refresh_token !== 'string' || token.refresh_token === '') return;
  throw new UserError(
    `--copy would leave the refresh token of ${what} on both sides, and both would refresh it: refresh tokens rotate, so one side would be left ` +
      'with a spent one (and reusing it can revoke the grant). Move it (without --copy), or log in on each side separately',
    2,
  );
}

/** Credential fields that are not the grant: the OAuth client's secret (the same for every account), the ID token (who, not access). */
const NOT_GRANT = new Set(['client_secret', 'id_token']);

/**
 * The grant a token file holds: every credential in it (credentialsOf: tokens, API keys, a service
 * account's private key), whatever the layout (CLIProxyAPI's nested Gemini file, the flat view with
 * top-level copies), but the client secret and the ID token.
 */
function grantOf(file: Record<string, unknown>): Set<string> {
  const grant = new Set(credentialsOf(file));
  const drop = (value: unknown, depth: number): void => {
    if (typeof value !== 'object' || value === null || depth > 3) return;
    for (const [name, field] of Object.entries(value)) {
      if (typeof field === 'string' && NOT_GRANT.has(name)) grant.delete(field);
      else drop(field, depth + 1);
    }
  };
  drop(file, 0);
  return grant;
}

/** Whether token file `a` holds the grant `b` does (grantOf: the other side may add or reorder fields, or keep another layout). */
function sameGrant(a: Record<string, unknown> | undefined, b: Record<string, unknown>): boolean {
  if (!a) return false;
  const held = grantOf(a);
  const wanted = grantOf(b);
  return held.size === wanted.size && [...wanted].every((credential) => held.has(credential));
}

function bothHoldIt(provider: string, done: string, failed: string, error: unknown, fixes: string): UserError {
  const why = describeUserError(error)?.text ?? (error as Error).message;
  return new UserError(`${provider}: ${done}, but ${failed} failed: ${sanitizeLine(why)}. Both now hold the grant and both will refresh it, which breaks one of them: remove one copy now (${fixes})`);
}

const push: CommandSpec = {
  name: ['push'],
  usage: '<provider> <account> --target T [--force] [--copy]',
  summary:
    "move a local account to a remote server: uploaded, checked there, then removed here (--force replaces a file of the same name, keeping the grant it held here; --copy keeps the local one too, only for accounts without a refresh token: both sides would refresh it)",
  async run(ctx, args) {
    const {values, positionals} = parseRemoteCommandArgs(this, ctx, args, {force: {type: 'boolean'}, ...COPY_FLAG});
    const provider = knownProvider(positionals[0]!);
    const [{AccountStore}, {findAccount}, {withAccountGrantLock}, {handOffRefusal}] = await Promise.all([
      import('../../store/accounts.js'),
      import('../../core/accounts.js'),
      import('../../services/refresh-lock.js'),
      import('../../services/refresh-attempt.js'),
    ]);
    const local = new AccountStore(ctx.paths);
    const account = findAccount((await local.load()).accounts, provider, positionals[1]!);
    const label = (await labeller(local))(account);
    const remote = await openRemoteStore(ctx);
    // Under the account's refresh lock: no local refresh spends the token between its upload and its removal here.
    return withAccountGrantLock(local, provider, {tokenFile: account.tokenFile}, async (lock) => {
      const token = (await local.readToken(account)) as Record<string, unknown> | undefined;
      if (!token) throw new UserError(`${local.tokenPath(account)}: token file not found; nothing to push`);
      // The server refreshes what it holds: it would send the refresh token ccs-tui never sends again,
      // or one the provider refused (needs-login: a dead grant, as `use --native` refuses it).
      const held = await local.loadAccount(provider, {tokenFile: account.tokenFile});
      const refused = await handOffRefusal(ctx.paths.state, provider, held, token);
      if (refused) throw new UserError(`${provider} ${label}: not pushed to target ${ctx.target}: ${refused}`, 1, reloginAdvice(provider));
      if (values.copy) refuseCopyOfGrant(token, label);
      const existing = (await remote.entries()).find((e) => e.name === account.tokenFile);
      if (existing && !values.force) {
        throw new UserError(`target ${ctx.target} already has ${account.tokenFile}; pass --force to replace it`);
      }
      // --force replaces the server's file: a grant it holds that is not this one (another account's,
      // or this one's refreshed there since) is kept here first, as a login keeps the grant it replaces.
      const keptServerGrant = existing ? await keepServerGrant(ctx, remote, account.tokenFile, token) : undefined;
      /** The upload, its checks and the local copy's removal. */
      const moveToServer = async (): Promise<number> => {
        // A push held up (suspended) past the lock's bound lost the lock to a refresh that may have spent
        // this token since: checked again right before the upload, and again before the local copy goes.
        const heldUp = async () => !(await lock.stillHeld()) || !sameGrant((await local.readToken(held).catch(() => undefined)) as Record<string, unknown> | undefined, token);
        if (await heldUp()) throw new UserError(`${provider} ${label}: not pushed: another process refreshed it while this push was held up; nothing was uploaded, run push again`);
        const readBack = () => downloadListed(remote, account.tokenFile).catch(() => undefined);
        await remote.upload(account.tokenFile, token).catch(async (error: unknown) => {
          // Stored but answered badly (a 5xx after the write, an answer lost to a timeout): the server
          // holds the grant too, so the move goes on; only an upload not there is the failure.
          if (!sameGrant(await readBack(), token)) throw error;
        });
        const stored = await readBack();
        if (!sameGrant(stored, token)) {
          throw new UserError(`target ${ctx.target}: ${account.tokenFile} read back from the server does not hold the tokens pushed; the local account is kept (remove the server's copy: ${shellCommand('ccs-tui remove', [provider, positionals[1]!], ['--target', shellWord(ctx.target!)])})`);
        }
        const pushed = `pushed ${label} (${sanitizeLine(account.tokenFile)}) to target ${ctx.target}`;
        // The server's copy holds a refresh token spent meanwhile: refreshing it there could revoke the
        // grant the local file holds now, so it goes, and the local account stays.
        const spentOnServer = async () => {
          const gone = await removeServerCopy(remote, provider, account.tokenFile).then(() => 'the server\'s copy was removed', (error: unknown) =>
            `removing the server's copy failed (${sanitizeLine(describeUserError(error)?.text ?? (error as Error).message)}): remove it now, ${shellCommand('ccs-tui remove', [provider, positionals[1]!], ['--target', shellWord(ctx.target!)])}`);
          return new UserError(`${provider} ${label}: another process refreshed it while this push was held up, so the copy uploaded holds a spent refresh token; ${gone}, and the local account is kept: run push again`);
        };
        if (await heldUp()) throw await spentOnServer();
        if (!values.copy) {
          // Removed only while the file still holds the grant pushed (checked under the store's lock).
          await local.remove(provider, {id: account.id}, undefined, token).catch(async (error: unknown) => {
            if (await heldUp()) throw await spentOnServer();
            throw bothHoldIt(provider, pushed, `removing it here (${local.tokenPath(account)})`, error, `${shellCommand('ccs-tui remove', [provider, positionals[1]!])} to keep the server's`);
          });
          // Moved: its quota here goes with it (the server reports its own); a failure keeps the move.
          await (await import('../../services/quota/cache.js')).forgetQuotaEntries(ctx.paths, provider, [account.id]).catch(() => undefined);
        }
        const kept = keptServerGrant ? `; the server's file it replaced held another grant, kept in ${sanitizeLine(keptServerGrant.copy)}` : '';
        ctx.stdout.write(`${provider}: ${pushed}${values.copy ? '; kept here too (--copy)' : '; removed here, so only the server refreshes it'}${kept}\n`);
        return 0;
      };
      try {
        return await moveToServer();
      } catch (error) {
        throw keptServerGrant ? await afterFailedPush(remote, account.tokenFile, keptServerGrant, error) : error;
      }
    });
  },
};

/** The server's `tokenFile` as it stores it, listed again first: the store names files to the server as its list does. */
async function downloadListed(remote: Awaited<ReturnType<typeof openRemoteStore>>, tokenFile: string): Promise<Record<string, unknown>> {
  await remote.load();
  return remote.download({tokenFile});
}

/** A server file `push --force` replaced whose grant was kept here: where, and the credentials it held. */
interface KeptServerGrant {
  copy: string;
  credentials: string[];
}

/**
 * Keeps the server's `tokenFile`, about to be replaced by `token`, in tui/login-kept/ when it holds
 * a credential `token` does not (any layout: CLIProxyAPI's nested Gemini file, an API key); returns
 * where, undefined when it holds the same grant. Throws UserError (nothing replaced) when it cannot
 * be read or holds no credential it can recognise: its grant could otherwise be lost.
 */
async function keepServerGrant(ctx: CliContext, remote: Awaited<ReturnType<typeof openRemoteStore>>, tokenFile: string, token: Record<string, unknown>): Promise<KeptServerGrant | undefined> {
  const name = sanitizeLine(tokenFile);
  const theirs = await downloadListed(remote, tokenFile).catch((error: unknown) => {
    throw new UserError(`target ${ctx.target}: reading its ${name} to keep the grant it holds failed (${sanitizeLine(describeUserError(error)?.text ?? (error as Error).message)}); nothing was replaced`);
  });
  const credentials = [...grantOf(theirs)];
  if (credentials.length === 0) {
    throw new UserError(`target ${ctx.target}: its ${name} as downloaded holds no token or key ccs-tui can recognise, so its grant could not be kept; nothing was replaced (remove it on the server first to replace it)`);
  }
  const ours = grantOf(token);
  if (credentials.every((credential) => ours.has(credential))) return undefined;
  const {keepTokenCopy} = await import('../../store/files.js');
  return {copy: await keepTokenCopy(ctx.paths.loginKept, tokenFile, `${JSON.stringify(theirs, null, 2)}\n`), credentials};
}

/**
 * A push that failed after keeping the server's file: when the server still holds that grant (the
 * upload did not go through) the copy goes (it would go stale as the server refreshes it); else the
 * error says where the grant is.
 */
async function afterFailedPush(remote: Awaited<ReturnType<typeof openRemoteStore>>, tokenFile: string, kept: KeptServerGrant, error: unknown): Promise<unknown> {
  const now = await downloadListed(remote, tokenFile).catch(() => undefined);
  const held = now ? grantOf(now) : undefined;
  if (held && kept.credentials.every((credential) => held.has(credential))) {
    await rm(kept.copy, {force: true});
    return error;
  }
  const where = `; the grant the server's file held is kept in ${sanitizeLine(kept.copy)}`;
  return error instanceof UserError ? new UserError(`${error.message}${where}`, error.exitCode, error.advice) : new UserError(`${describeUserError(error)?.text ?? (error as Error).message}${where}`);
}

/** Removes the server's file `tokenFile` of `provider` (listed again first: the store names files as its list does). */
async function removeServerCopy(remote: Awaited<ReturnType<typeof openRemoteStore>>, provider: string, tokenFile: string): Promise<void> {
  const listed = (await remote.load()).accounts.find((a) => a.provider === provider && a.tokenFile === tokenFile);
  if (!listed) return;
  await remote.remove(provider, {tokenFile: listed.tokenFile});
}

const pull: CommandSpec = {
  name: ['pull'],
  usage: '<provider> <account> --target T [--copy]',
  summary:
    "move a remote account to the local files: stored and checked here, then removed from the server (--copy keeps the server's too, only for accounts without a refresh token: both sides would refresh it)",
  async run(ctx, args) {
    const {values, positionals} = parseRemoteCommandArgs(this, ctx, args, COPY_FLAG);
    const {provider, remote, account} = await findRemoteAccount(ctx, positionals);
    const remoteLabel = (await labeller(remote))(account);
    if (values.copy) refuseCopyOfGrant(await remote.download(account), remoteLabel);
    const {AccountStore} = await import('../../store/accounts.js');
    const local = new AccountStore(ctx.paths);
    const defaultBefore = (await local.load()).accounts.find((a) => a.provider === provider && a.default);
    // The server may refresh the grant while it is copied: stored again until a second download matches.
    let token = await downloadChecked(ctx, remote, account);
    let saved;
    for (let attempt = 0; ; attempt++) {
      const {disabled: _disabled, ...kept} = token;
      saved = await local.saveLogin({provider, token: kept as TokenFile, nickname: account.nickname});
      if (!sameGrant((await local.readToken(saved)) as Record<string, unknown> | undefined, token)) {
        throw new UserError(`${local.tokenPath(saved)} does not hold the tokens pulled from target ${ctx.target}; the server's copy is kept`);
      }
      const again = values.copy ? token : await downloadChecked(ctx, remote, account);
      if (sameGrant(again, token)) break;
      if (attempt >= 5) throw new UserError(`target ${ctx.target}: ${account.tokenFile} keeps changing (the server refreshes it); the server's copy is kept, try again`);
      token = again;
    }
    // A pull keeps the local default; it sets one only where there was none, and says so.
    const becameDefault = saved.default && defaultBefore?.id !== saved.id ? `; it is the local ${provider} default (there was none)` : '';
    const label = await labeller(local);
    const pulled = `pulled ${remoteLabel} from target ${ctx.target} into ${ctx.paths.root} as ${label(saved)}`;
    if (!values.copy) {
      // By its file: the one pulled, whatever id another file of its email may have taken meanwhile.
      await remote.remove(provider, {tokenFile: account.tokenFile}).catch((error: unknown) => {
        throw bothHoldIt(provider, pulled, `removing it from target ${ctx.target}`, error, `${shellCommand('ccs-tui remove', [provider, positionals[1]!], ['--target', shellWord(ctx.target!)])} to keep the local one`);
      });
    }
    ctx.stdout.write(`${provider}: ${pulled}${becameDefault}${values.copy ? '; the server keeps it too (--copy)' : '; removed from the server, so only this machine refreshes it'}\n`);
    return 0;
  },
};

/** The remote account's token file, refused when its `type` is not the provider it is listed as. */
async function downloadChecked(ctx: CliContext, remote: Awaited<ReturnType<typeof openRemoteStore>>, account: Account): Promise<Record<string, unknown>> {
  const token = await remote.download(account);
  if (typeof token.type !== 'string') throw new UserError(`target ${ctx.target}: ${account.tokenFile} has no "type"; not storing it`);
  // The file decides the provider wherever it is read later: one whose type differs from the list would be stored under the wrong one.
  const downloadedAs = providerForTokenType(token.type)?.id;
  if (downloadedAs !== account.provider) {
    throw new UserError(
      `target ${ctx.target}: ${account.tokenFile} is listed as ${account.provider} but the downloaded file's "type" is ` +
        `${JSON.stringify(sanitizeLine(token.type))}${downloadedAs && downloadedAs !== token.type ? ` (${downloadedAs})` : ''}; not storing it`,
    );
  }
  return token;
}

const fields: CommandSpec = {
  name: ['fields'],
  usage: '<provider> <account> --target T [--priority N] [--note S] [--prefix S] [--proxy-url URL]',
  summary: "set an account's fields on a remote server (priority, note, model prefix, proxy)",
  async run(ctx, args) {
    const options = {priority: {type: 'string'}, note: {type: 'string'}, prefix: {type: 'string'}, 'proxy-url': {type: 'string'}} as const;
    const {values, positionals} = parseRemoteCommandArgs(this, ctx, args, options);
    const changes: Record<string, string | number> = {};
    if (values.priority !== undefined) {
      const priority = Number(values.priority);
      if (!Number.isInteger(priority)) throw new UserError(`--priority must be an integer, got ${quoted(values.priority)}`, 2);
      changes.priority = priority;
    }
    for (const [flag, field] of [['note', 'note'], ['prefix', 'prefix'], ['proxy-url', 'proxy_url']] as const) {
      const value = values[flag];
      if (value === undefined) continue;
      if (/[\u0000-\u001f\u007f]/.test(value)) throw new UserError(`--${flag} contains a control character`, 2);
      changes[field] = value.trim();
    }
    if (Object.keys(changes).length === 0) throw new UserError('nothing to set: give --priority, --note, --prefix or --proxy-url', 2);
    const {provider, remote, account} = await findRemoteAccount(ctx, positionals);
    await remote.setFields(account, changes);
    const shown = Object.entries(changes).map(([k, v]) => `${k}=${k === 'proxy_url' ? '(set)' : JSON.stringify(v)}`).join(', ');
    ctx.stdout.write(`${provider}: ${(await labeller(remote))(account)} on target ${ctx.target}: ${shown}\n`);
    return 0;
  },
};

const cooldownClear: CommandSpec = {
  name: ['cooldown', 'clear'],
  usage: '<provider> <account> [--target T]',
  summary: "end an account's wait after a rate limit, so it is tried again now: the local proxy's (stored, and the running one's), or a server's next_retry_after",
  async run(ctx, args) {
    const {positionals} = parseCommandArgs(this, args, {}, {required: ['provider', 'account']});
    const provider = knownProvider(positionals[0]!);
    if (isRemote(ctx)) {
      const remote = await openRemoteStore(ctx);
      const account = await remote.clearCooldown(provider, positionals[1]!);
      ctx.stdout.write(`${provider}: cleared the cooldown of ${(await labeller(remote))(account)} on target ${ctx.target}\n`);
      return 0;
    }
    // On this machine, as the TUI's C: the stored wait, and the running proxy's own.
    const {AccountStore} = await import('../../store/accounts.js');
    const [{endLocalWait}, {localWaitEndedText}] = await Promise.all([import('../../services/proxy/control.js'), import('../../services/proxy/wording.js')]);
    const store = new AccountStore(ctx.paths);
    const ended = await endLocalWait(ctx.paths, store, provider, positionals[1]!, Date.now());
    const {text, kind} = localWaitEndedText(ended, (await labeller(store))(ended.account));
    // The running proxy not asked: its wait goes on, a failure (what did end is said with it).
    if (kind === 'error') {
      ctx.stderr.write(`ccs-tui: ${provider}: ${sanitizeLine(text)}\n`);
      return 1;
    }
    ctx.stdout.write(`${provider}: ${sanitizeLine(text)}\n`);
    return 0;
  },
};

export const transferCommands: CommandSpec[] = [push, pull, fields, cooldownClear];
