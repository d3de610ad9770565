// Points a temp CCS dir at a stand-in server as the remote target `team` (key file 0600).
import {writeFileSync} from 'node:fs';
import path from 'node:path';
import type {TempCcs} from '../ccs.js';
import {startFakeCliproxy, type FakeCliproxy, type FakeCliproxyOptions} from './server.js';

export const MANAGEMENT_KEY = 'mgmt-key-5f2c9e7a1b3d4f60';

export async function remoteTarget(ccs: TempCcs, options: Partial<FakeCliproxyOptions> = {}, settings: Record<string, unknown> = {}): Promise<FakeCliproxy> {
  const stand = await startFakeCliproxy({key: MANAGEMENT_KEY, ...options});
  const keyFile = ccs.writeRaw('team.key', `${MANAGEMENT_KEY}\n`);
  writeFileSync(
    path.join(ccs.paths.root, 'tui.json'),
    JSON.stringify({...settings, targets: {team: {url: stand.url, managementKeyFile: keyFile}}}, null, 2),
    {mode: 0o600},
  );
  return stand;
}
