// Bad Google credentials name what is wrong and where (review of issues 15 and 17): a Vertex key whose
// private_key has PEM markers but is no key is refused at import naming the field; one that breaks at
// refresh time names the account, the file and the field, not OpenSSL's raw "error:1E08010C:…"; a
// token file that names an OAuth client ccs-tui does not know says which client and how to fix it.
import assert from 'node:assert/strict';
import {describeUserError} from '../../../source/store/errors.js';
import {generateKeyPairSync} from 'node:crypto';
import {readFileSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {after, before, describe, it} from 'node:test';
import {importServiceAccount, validateServiceAccount} from '../../../source/services/oauth/login.js';
import {ensureFreshToken} from '../../../source/services/refresh.js';
import {AccountStore} from '../../../source/store/accounts.js';
import {DEFAULT_SETTINGS, type TuiSettings} from '../../../source/store/settings.js';
import {makeTempCcs} from '../../helpers/ccs.js';
import {startFakeGoogle, type FakeGoogle} from '../../helpers/fake-google/server.js';

const KEY = {type: 'service_account', client_email: 'sa@p.iam.gserviceaccount.com', project_id: 'p1'};

let google: FakeGoogle;
before(async () => {
  google = await startFakeGoogle({users: {gus: {email: 'gus@example.com', codeAssist: {kind: 'project', project: 'gus-proj'}}}});
});
after(() => google.close());
const settings = (): TuiSettings => ({...DEFAULT_SETTINGS, endpoints: google.settings().endpoints});

describe('vertex key file', () => {
  it('a private_key that is not a usable RSA key is refused at import, naming the field', () => {
    const junk = JSON.stringify({...KEY, private_key: '-----BEGIN PRIVATE KEY-----\nAAAAgarbage\n-----END PRIVATE KEY-----\n'});
    assert.throws(() => validateServiceAccount('/tmp/key.json', junk), /\/tmp\/key\.json: field "private_key"/);
    const ec = generateKeyPairSync('ec', {namedCurve: 'P-256'}).privateKey.export({type: 'pkcs8', format: 'pem'}).toString();
    assert.throws(() => validateServiceAccount('/tmp/key.json', JSON.stringify({...KEY, private_key: ec})), /field "private_key" is a ec key; .*RSA/);
  });

  it('a key broken after import: the refresh error names the account, the token file and the field', async () => {
    const ccs = makeTempCcs();
    try {
      const store = new AccountStore(ccs.paths);
      const good = generateKeyPairSync('rsa', {modulusLength: 2048}).privateKey.export({type: 'pkcs8', format: 'pem'}).toString();
      const account = await importServiceAccount({store, settings: settings()}, 'vertex', 'key.json', JSON.stringify({...KEY, private_key: good}));
      const file = store.tokenPath(account);
      const token = JSON.parse(readFileSync(file, 'utf8'));
      token.service_account.private_key = '-----BEGIN PRIVATE KEY-----\nAAAAgarbage\n-----END PRIVATE KEY-----\n';
      writeFileSync(file, JSON.stringify(token));
      await assert.rejects(ensureFreshToken({store, settings: settings()}, 'vertex', account.id, {force: true}), (error: Error) => {
        assert.ok(error.message.includes(account.id), error.message);
        assert.ok(error.message.includes(path.basename(file)), error.message);
        assert.match(error.message, /field "service_account\.private_key" is not a usable RSA private key/);
        // The way out: the command on the command line, the TUI's add key in the TUI.
        assert.match(describeUserError(error, 'cli')!.text, /; import the key file again \(ccs-tui login vertex --key-file <file>\)$/);
        assert.match(describeUserError(error, 'tui')!.text, /; import the key file again \(a: add\)$/);
        return true;
      });
    } finally {
      ccs.cleanup();
    }
  });
});

describe('a token file naming an unknown OAuth client', () => {
  it('antigravity: refreshed with that client only; needs a login with a message naming the client id and the fix', async () => {
    const ccs = makeTempCcs();
    try {
      const store = new AccountStore(ccs.paths);
      const issued = google.issueTokens('gus', '999999999-unknown.apps.googleusercontent.com');
      ccs.writeToken('antigravity-gus@example.com.json', {type: 'antigravity', email: 'gus@example.com', client_id: '999999999-unknown.apps.googleusercontent.com', access_token: 'ya29.old', refresh_token: issued.refresh_token, expired: new Date(Date.now() - 1000).toISOString()});
      const id = (await store.load()).accounts[0]!.id;
      const mark = google.requests.length;
      const refused = await ensureFreshToken({store, settings: settings()}, 'antigravity', id).then(() => assert.fail('refreshed'), (error: unknown) => error);
      // The way out as each surface says it: the command line names the command, the TUI its key.
      assert.match(describeUserError(refused, 'cli')!.text, /client_id 999999999-unknown\.apps\.googleusercontent\.com is not an OAuth client ccs-tui knows.*client_secret.*log in again.* \(ccs-tui login antigravity\)$/);
      const tui = describeUserError(refused, 'tui')!.text;
      assert.match(tui, /client_secret.*log in again.* \(L: re-login\)$/);
      assert.doesNotMatch(tui, /ccs-tui login/);
      // What the account's row keeps (shown by every surface) names no command.
      assert.doesNotMatch((await store.load()).accounts[0]!.healthDetail ?? '', /ccs-tui login|\.;/);
      assert.deepEqual(google.requests.slice(mark).filter((r) => r.path === '/token').map((r) => r.fields.client_id), ['999999999-unknown.apps.googleusercontent.com']);
    } finally {
      ccs.cleanup();
    }
  });
});
