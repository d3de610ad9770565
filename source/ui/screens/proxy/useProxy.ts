// The proxy screen's view of the supervisor: its state (re-rendered on every change and once a
// second for the uptime), and the Claude Code exports for the running proxy.
import {useEffect, useState} from 'react';
import {readRunningAgents, type RunningAgent} from '../../../services/agents/running.js';
import type {ClaudeCodeEnv} from '../../../services/proxy/env.js';
import type {ProxyState} from '../../../services/proxy-supervisor.js';
import {useServices} from '../../services.js';

export interface ProxyView {
  state?: ProxyState;
  now: number;
  env?: ClaudeCodeEnv;
  /** Why there are no exports (config.yaml cannot be read): shown in their place. */
  envError?: string;
  /** Agents started through the proxy (`ccs-tui run`, the launch key) that are still running. */
  agents: RunningAgent[];
}

export function useProxy(): ProxyView {
  const {proxy, clock, paths, watchCcsDir} = useServices();
  const [state, setState] = useState<ProxyState | undefined>(proxy?.current);
  const [now, setNow] = useState(() => clock.now());
  const [env, setEnv] = useState<{env?: ClaudeCodeEnv; error?: string}>({});

  useEffect(() => {
    if (!proxy) return undefined;
    const unsubscribe = proxy.subscribe(setState);
    // A proxy started elsewhere (`ccs-tui proxy start`, another TUI) is found and followed.
    if (proxy.current.phase === 'stopped') void proxy.adopt();
    // …and followed again when tui/proxy.json changes (stopped, or replaced from another shell).
    const unwatch = watchCcsDir(() => void proxy.adopt(), 'proxy');
    return () => {
      unsubscribe();
      unwatch();
    };
  }, [proxy, watchCcsDir]);

  const [agents, setAgents] = useState<RunningAgent[]>(() => readRunningAgents(paths));
  useEffect(
    () =>
      clock.setInterval(() => {
        setNow(clock.now());
        setAgents((before) => {
          const next = readRunningAgents(paths);
          return JSON.stringify(next) === JSON.stringify(before) ? before : next;
        });
      }, 1000),
    [clock, paths],
  );

  const provider = state?.target.provider;
  const port = state?.port;
  const phase = state?.phase;
  useEffect(() => {
    let cancelled = false;
    void Promise.all([import('../../../services/proxy/env.js'), import('../../../proxy/servability.js'), import('../../../store/settings.js')])
      .then(async ([{claudeCodeEnv}, {claudeCodeServability}, {loadSettings}]) =>
        claudeCodeEnv(paths, provider, port, {generateKey: false, surface: 'tui', whyCannotServe: claudeCodeServability((await loadSettings(paths)).settings)}),
      )
      .then((result) => !cancelled && setEnv({env: result}))
      .catch((error: Error) => !cancelled && setEnv({error: error.message}));
    return () => {
      cancelled = true;
    };
  }, [paths, provider, port, phase]);

  return {state, now, env: env.env, envError: env.error, agents};
}
