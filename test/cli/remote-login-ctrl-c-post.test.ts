// `login claude --target T`: Ctrl-C while the pasted code's post to the server hangs ends the login at
// once (exit 130) and drops the server's pending login, so a post the server takes later stores
// nothing; before, the post was waited for (up to 30 s) whatever the person pressed.
import assert from 'node:assert/strict';
import {spawn} from 'node:child_process';
import {test} from 'node:test';
import {makeTempCcs} from '../helpers/ccs.js';
import {binPath} from '../helpers/cli.js';
import {remoteTarget} from '../helpers/fake-cliproxy/target.js';
import {OIDC_CLIENT_ID, startOidcServer} from '../helpers/oidc.js';

for (const cancelHangs of [false, true]) {
  test(`Ctrl-C while the post of the paste hangs${cancelHangs ? ', and the server holds the cancel too: exit 130 within a few seconds, "login cancelled"' : ': exit 130 at once, "login cancelled; the server dropped the pending login", nothing stored once the post lands'}`, async () => {
    const oidc = await startOidcServer();
    const ccs = makeTempCcs();
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let posted!: () => void;
    const postArrived = new Promise<void>((resolve) => (posted = resolve));
    const stand = await remoteTarget(ccs, {
      oauth: {anthropic: {clientId: OIDC_CLIENT_ID, authorize: `${oidc.issuer}/auth`, token: `${oidc.issuer}/token`, userinfo: `${oidc.issuer}/me`}},
      gate: (request) => {
        if (cancelHangs && request.method === 'DELETE') return held;
        if (!request.path.endsWith('/oauth-callback')) return;
        posted();
        return held;
      },
    });
    try {
      const child = spawn(process.execPath, [binPath, 'login', 'claude', '--no-browser', '--target', 'team'], {env: ccs.env, stdio: ['pipe', 'pipe', 'pipe']});
      let stdout = '';
      let stderr = '';
      let pasted = false;
      child.stderr.on('data', (d) => (stderr += d));
      child.stdout.on('data', async (d) => {
        stdout += d;
        const url = /Open: +(\S+)/.exec(stdout)?.[1];
        if (!url || !stdout.includes('paste') || pasted) return;
        pasted = true;
        child.stdin.write(`${await oidc.authorize(url, 'bob')}\n`);
      });
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      await postArrived;
      child.kill('SIGINT');
      const code = await Promise.race([exited, new Promise<string>((resolve) => setTimeout(() => resolve('still running 5 s after Ctrl-C'), 5000))]);
      assert.equal(code, 130, stderr);
      if (cancelHangs) {
        assert.match(stderr, /login cancelled/);
        assert.doesNotMatch(stderr, /dropped/, 'not said dropped when the server did not answer');
        return;
      }
      assert.match(stderr, /login cancelled; the server dropped the pending login/);
      assert.equal(stand.requests.filter((r) => r.method === 'DELETE' && r.path === '/v0/management/oauth-session').length, 1);
      // The post the server held lands now: its login was cancelled, so nothing is stored.
      release();
      await new Promise((resolve) => setTimeout(resolve, 1000));
      assert.deepEqual([...stand.files.keys()], []);
    } finally {
      release();
      await stand.close();
      await oidc.close();
      ccs.cleanup();
    }
  });
}
