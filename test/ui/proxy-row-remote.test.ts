// The proxy screen's Serving row on a remote target: this machine's proxy serves only local accounts and
// does not start there, so the row says that, never judging its last target by the server's list.
import {renderTui, type TuiHandle} from '../helpers/ink.js';
import assert from 'node:assert/strict';
import {afterEach, test} from 'node:test';
import {makeTempCcs, tokenFixture} from '../helpers/ccs.js';
import {remoteTarget} from '../helpers/fake-cliproxy/target.js';

let tui: TuiHandle | undefined;
afterEach(() => tui?.unmount());

test('on a remote target the Serving row does not call a local account removed', async () => {
  const ccs = makeTempCcs();
  ccs.writeToken('claude-alice@example.com.json', tokenFixture('claude', 'alice@example.com'));
  ccs.writeRegistry({version: 1, providers: {claude: {default: 'alice@example.com', accounts: {'alice@example.com': {email: 'alice@example.com', nickname: 'work', tokenFile: 'claude-alice@example.com.json'}}}}});
  const stand = await remoteTarget(ccs);
  stand.addFile('claude-c.json', tokenFixture('claude', 'c@example.com'));
  try {
    tui = await renderTui({paths: ccs.paths, width: 200, height: 40, target: 'team', route: {screen: 'proxy', params: {provider: 'claude', accountId: 'alice@example.com'}}});
    await tui.waitFor(/Serving\s+nothing/, 10_000);
    await new Promise((r) => setTimeout(r, 2000));
    const frame = tui.frame();
    const row = frame.split('\n').find((l) => l.includes('Serving')) ?? '';
    assert.doesNotMatch(row, /was removed/, 'alice is in the local files the proxy serves from');
    assert.match(row, /Serving\s+nothing \(s: proxy is not available on target team: .*\(switch to local\)/);
  } finally {
    tui?.unmount();
    tui = undefined;
    await stand.close();
    ccs.cleanup();
  }
});
