// A CCS dir with 2 providers / 3 accounts, shared by the UI tests, screenshots and the tmux test.
import {makeTempCcs, tokenFixture, type TempCcs} from '../helpers/ccs.js';

export function makeUiCcs(): TempCcs {
  const ccs = makeTempCcs();
  ccs.writeToken('claude-alice@example.com.json', tokenFixture('claude', 'alice@example.com'));
  ccs.writeToken('claude-bob@example.com.json', tokenFixture('claude', 'bob@example.com'));
  ccs.writeToken('codex-carol@example.com.json', tokenFixture('codex', 'carol@example.com'));
  ccs.writeRegistry({
    version: 1,
    providers: {
      claude: {
        default: 'alice@example.com',
        accounts: {
          'alice@example.com': {email: 'alice@example.com', nickname: 'work', tokenFile: 'claude-alice@example.com.json', createdAt: '2026-11-01T10:00:00Z'},
          'bob@example.com': {email: 'bob@example.com', tokenFile: 'claude-bob@example.com.json', createdAt: '2026-11-02T10:00:00Z'},
        },
      },
      codex: {
        default: 'carol@example.com',
        accounts: {'carol@example.com': {email: 'carol@example.com', tokenFile: 'codex-carol@example.com.json'}},
      },
    },
  });
  return ccs;
}
