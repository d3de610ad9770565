import {cleanUp, renderTui} from '../helpers/ink.js';
import {test} from 'node:test';
import {makeUiCcs} from './fixtures.js';
test('scratch', async () => {
  const ccs = makeUiCcs();
  ccs.writeRaw('cliproxy/config.yaml', 'api-keys:\n  - "sk-scratch-0123456789"\n');
  const tui = await renderTui({paths: ccs.paths, width: 80, height: 24, route: {screen: 'proxy', params: {provider: 'codex'}}});
  await tui.waitFor('export');
  await new Promise((r) => setTimeout(r, 500));
  console.log(tui.frame());
  cleanUp(tui, ccs);
});
