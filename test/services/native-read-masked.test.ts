// An agent's own credential file (native mode) holds tokens no token file may hold: a login the
// agent made for someone else, or a refresh the agent made that is not saved yet. Once this
// process has read them, every output masks them like an account's.
import assert from 'node:assert/strict';
import {writeFileSync} from 'node:fs';
import {describe, it} from 'node:test';
import {credentialRedactor} from '../../source/services/credential-redactor.js';
import {switchNative, syncNative} from '../../source/services/native/sync.js';
import {tokenFixture, withTempHome} from '../helpers/ccs.js';

const FAR = '2030-01-02T03:04:05.000Z';
const jwt = (claims: Record<string, unknown>) => `e30.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.sig`;

describe('tokens read from an agent\'s credential file', () => {
  it('a foreign login saved into no account: its tokens are masked from the read on', async () => {
    await withTempHome(async ({ccs, store, env}) => {
      ccs.writeToken('gemini-a.json', {...tokenFixture('gemini', 'a@example.com', {expired: FAR}), project_id: 'p1'});
      const {file} = await switchNative(store, 'gemini', 'a@example.com', env);
      const foreign = {access_token: 'ya29.foreign-login-access-0123456789', refresh_token: '1//foreign-login-refresh-0123456789'};
      writeFileSync(file, JSON.stringify({...foreign, id_token: jwt({email: 'c@example.com'}), expiry_date: Date.parse(FAR)}));
      const result = await syncNative(store, 'gemini');
      assert.equal(result.saved, false, 'saved into no account: no token file holds them');
      const shown = credentialRedactor(ccs.paths).redact(`echo ${foreign.access_token} ${foreign.refresh_token}`);
      assert.equal(shown, 'echo ya29…(redacted) 1//f…(redacted)');
    });
  });
});
