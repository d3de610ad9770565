// One process of the refresh race: loads the CCS dir given in argv, asks for a fresh token, prints it.
import {ensureFreshToken} from '../../../source/services/refresh.js';
import {AccountStore} from '../../../source/store/accounts.js';
import {ccsPaths} from '../../../source/store/paths.js';
import {loadSettings} from '../../../source/store/settings.js';

const [root, provider, accountId] = process.argv.slice(2) as [string, string, string];
const paths = ccsPaths(root);
const {settings} = await loadSettings(paths);
try {
  const token = await ensureFreshToken({store: new AccountStore(paths), settings}, provider, accountId);
  process.stdout.write(JSON.stringify({access_token: token.access_token, refresh_token: token.refresh_token}));
} catch (error) {
  process.stdout.write(JSON.stringify({error: (error as Error).message, name: (error as Error).name}));
  process.exitCode = 1;
}
