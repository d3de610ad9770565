// The TUI in a real terminal (tmux, outside tmux's own windows) with a fake agent for the launch key
// (`e`): a Node script given as source, run instead of Claude Code. Shared by the agent tests.
import {runBin, binPath} from '../helpers/cli.js';
import {freePort} from '../helpers/fake-upstreams.js';
import {startTmux, type TmuxSession} from '../helpers/tmux.js';
import type {TempCcs} from '../helpers/ccs.js';
import {makeUiCcs} from './fixtures.js';

/**
 * Starts the TUI on a temp CCS dir whose proxy port is free and accepts `apiKey`, with `agentSource`
 * as the Claude agent; waits for the home screen. `cleanups` gets what ends it all (tmux, the proxy, the dir).
 */
export async function startAgentTui(agentSource: string, apiKey: string, cleanups: Array<() => Promise<void> | void>): Promise<{tmux: TmuxSession; ccs: TempCcs; port: number}> {
  const ccs = makeUiCcs();
  const port = await freePort();
  ccs.writeRaw('cliproxy/config.yaml', `port: ${port}\napi-keys:\n  - "${apiKey}"\n`);
  const agent = ccs.writeRaw('fake-agent.mjs', agentSource);
  const tmux = startTmux([process.execPath, binPath], {env: {...ccs.env, CCS_TUI_AGENT_CLAUDE: JSON.stringify([process.execPath, agent])}, width: 100, height: 24});
  cleanups.push(async () => {
    tmux.kill();
    await runBin(['proxy', 'stop'], ccs.env);
    ccs.cleanup();
  });
  await tmux.waitFor(/work\s+alice@example\.com/);
  return {tmux, ccs, port};
}
