// The proxy screen (key 4): what the proxy child is doing — port, pid, uptime, the account serving,
// requests per minute, the last error and a live log tail — with start, stop, restart, live rotation
// and the Claude Code exports ready to copy.
import {Box} from 'ink';
import {Text} from '../components/Text.js';
import {actionKey} from '../../core/keymap.js';
import {formatDuration} from '../../core/relative-time.js';
import {maskSecret, sanitizeLine} from '../../core/sanitize.js';
import {shellQuoted} from '../../core/quote.js';
import {packItems, padCells, truncateCells, wrapWords} from '../../core/cells.js';
import {fitRows, hiddenNote, type FitRow} from '../../core/fit-rows.js';
import {useMemo, type ReactNode} from 'react';
import type {ServeTarget} from '../../services/proxy/launch.js';
import type {RunningAgent} from '../../services/agents/running.js';
import {originText, type ProxyState} from '../../services/proxy-supervisor.js';
import {errorWhen, SERVED_SINCE, trafficText, type ProxyTraffic} from '../../services/proxy/ipc.js';
import {coolingLines, poolSize, servingText as describeServing} from '../../services/proxy/wording.js';
import {useProxyActions} from '../actions/useActions.js';
import {startServesText} from '../actions/proxy.js';
import {unavailableReason} from '../actions/targets.js';
import {useTarget} from '../hooks/useTarget.js';
import {useScreenKeys} from '../keys.js';
import {useAccounts} from '../hooks/useAccounts.js';
import type {ScreenProps} from '../screen-types.js';
import {useTheme} from '../theme.js';
import {useProxy} from './proxy/useProxy.js';
import {useTimeText} from '../hooks/useTimeText.js';
import {useShell} from '../shell.js';
import {selectedProvider} from './account-format.js';
import {rulesScreenFor} from './models/open.js';
import {findAccount} from '../../core/accounts.js';
import {useScreenHints, type ScreenHints} from '../hints.js';

const NO_TRAFFIC: ProxyTraffic = {requestsPerMinute: 0, totalRequests: 0, refusedPerMinute: 0, refusedRequests: 0};

function phaseLine(state: ProxyState | undefined, now: number): {marker: string; text: string; tone: 'ok' | 'warn' | 'error' | 'muted'} {
  if (!state) return {marker: '○', text: 'no proxy supervisor in this session', tone: 'muted'};
  const who = originText(state);
  const kind = state.kind === 'cliproxy-binary' ? 'CLIProxyAPI binary' : 'built-in proxy';
  switch (state.phase) {
    case 'running':
      return {marker: '●', text: `running · ${who} · ${kind}`, tone: 'ok'};
    case 'starting':
      return {marker: '◌', text: `starting · ${kind}`, tone: 'warn'};
    case 'restarting': {
      const wait = state.nextRestartAt ? Math.max(0, state.nextRestartAt - now) : 0;
      return {marker: '↻', text: `died; restarting in ${Math.ceil(wait / 1000)} s (restart #${state.restarts})`, tone: 'warn'};
    }
    case 'stopping':
      return state.replacing
        ? {marker: '↻', text: `restarting… (stopping the running proxy first; ${actionKey('proxy.stop', 'proxy')} stops it for good)`, tone: 'warn'}
        : {marker: '◌', text: 'stopping…', tone: 'warn'};
    case 'failed':
      return {marker: '✗', text: `stopped after an error (${actionKey('proxy.start', 'proxy')} starts it again)`, tone: 'error'};
    case 'stopped':
      // Stopped from outside (`ccs-tui proxy stop`, another TUI): who did, and the way back.
      return state.stoppedBy ? {marker: '○', text: `${sanitizeLine(state.stoppedBy)} (${actionKey('proxy.start', 'proxy')} starts it again)`, tone: 'warn'} : {marker: '○', text: 'stopped', tone: 'muted'};
  }
}

/** How long the running proxy has run (`13m`), or a dash. */
function uptimeText(state: ProxyState | undefined, running: boolean, now: number): string {
  return state?.startedAt && running ? formatDuration(now - state.startedAt) : '—';
}

/**
 * The Error row: the running proxy's last error with when it met it; once requests succeeded after
 * it, a dash first (no error now) and the last one as history.
 */
function errorRow(error: string, at: string | undefined, past: boolean | undefined, now: number): string {
  const text = sanitizeLine(at ? `${errorWhen(at, now)}: ${error}` : error);
  return past ? `— ${SERVED_SINCE} the last error, ${text}` : text;
}

/**
 * One running agent: "claude pid 42 (claude / work, tmux)", "claude pid 43 (codex pool)". `proxy`:
 * the port the running proxy listens on, or, stopped, where `s` starts it (config.yaml's); undefined
 * while not known. An agent with no proxy on its port is said so, with the way to serve it again:
 * `s` when that starts one on its port, else the command line (the TUI's start takes no port).
 */
export function agentText(agent: RunningAgent, proxy: {port: number | undefined; running: boolean; serves?: {provider?: string; account?: string}}): string {
  const serves = `${agent.provider}${agent.account ? ` / ${sanitizeLine(agent.account)}` : ' pool'}${agent.where === 'tmux' ? ', tmux' : ''}`;
  // What the proxy on its port serves it from now, when a switch since (s, S, run) moved it: its
  // provider's account served alone, else that provider's pool (an agent's route names its provider).
  const now = proxy.running && agent.port === proxy.port && proxy.serves ? (proxy.serves.provider === agent.provider ? proxy.serves.account : undefined) : agent.account;
  const moved = now !== agent.account ? `; now served from ${now === undefined ? 'its pool' : sanitizeLine(now)}` : '';
  const startThere = `ccs-tui proxy start --port ${agent.port}`;
  const none =
    proxy.port === undefined ? ''
    : proxy.running ? (agent.port === proxy.port ? '' : `; no proxy on its port ${agent.port} (this one is on ${proxy.port}): restart the agent, or ccs-tui proxy stop, then ${startThere}`)
    : agent.port === proxy.port ? `; no proxy now: ${actionKey('proxy.start', 'proxy')} starts one on its port`
    : `; no proxy on its port ${agent.port}: ${startThere}`;
  return `${agent.agent} pid ${agent.pid} (${serves}${moved}${none})`;
}

export function ProxyScreen({width, height, params}: ScreenProps) {
  const theme = useTheme();
  const {state, env, envError, askingLive, agents} = useProxy(params.provider);
  const {snapshot} = useAccounts();
  const liveTarget = useTarget();
  const {state: app, dispatch} = useShell();
  const running = state?.phase === 'running' || state?.phase === 'starting';
  // Every text drawn from the time (the restart countdown, the uptime, the error's age, the waits):
  // it ticks once a second, and a tick that changes none of it draws nothing.
  const now = useTimeText((at) => [phaseLine(state, at).text, uptimeText(state, running, at), state?.lastErrorAt ? errorWhen(state.lastErrorAt, at) : '', ...coolingLines(running ? state?.cooling : undefined, at)].join('\n'));
  const requested = params.provider ? {provider: params.provider, account: params.accountId} : undefined;

  const proxyKeys = useProxyActions({state, requested, env, envError, selectedProvider: selectedProvider(snapshot?.providers, app)});
  // The rules of what is served (or would be): the provider, and the account when one is named
  // (pinned); else the provider selected on the accounts screen.
  const shown = running ? state?.target : requested;
  const pinnedId = () => {
    if (!shown?.provider || !shown.account) return undefined;
    try {
      return findAccount(snapshot?.accounts ?? [], shown.provider, shown.account).id;
    } catch {
      return undefined;
    }
  };
  useScreenKeys({...proxyKeys, 'screen.models': () => dispatch(rulesScreenFor(shown?.provider ?? selectedProvider(snapshot?.providers, app), pinnedId()))});
  useScreenHints(proxyHints(state));

  const phase = phaseLine(state, now);
  const toneColor = theme.color ? theme[phase.tone === 'muted' ? 'muted' : phase.tone] : undefined;
  const dash = '—';
  const target: ServeTarget = state?.target ?? requested ?? {};
  // A pool says how many accounts it rotates over and which one serves now (as `proxy status` does):
  // while it runs, as the proxy itself says (pinned by `e` on an account, or a pool); else as asked.
  const pinned = (running ? state?.pinned : undefined) ?? Boolean(target.account);
  const serving = describeServing({
    provider: target.provider,
    account: (running ? state?.account : undefined) ?? (pinned ? target.account : undefined),
    pinned,
    // Unknown until the account list has loaded (never "pool of 0" meanwhile).
    poolSize: (running ? state?.poolSize : undefined) ?? (target.provider && !pinned && snapshot ? poolSize(snapshot.accounts, target.provider, Date.now()) : undefined),
  });
  // Stopped: nothing is served, and what the start key would serve is said (the target asked for on
  // the accounts screen, else the last run's), named as the screens name it: `s` starts no hidden target.
  // On a remote target the list shown is the server's, and this machine's proxy does not start here.
  const startRefused = unavailableReason(liveTarget.accounts, 'proxy.start');
  // Worked out when the target or the list changes, not at each of the screen's one-a-second ticks.
  const nextTarget = requested ?? state?.target;
  const startServes = useMemo(() => startServesText(nextTarget ?? {}, snapshot?.accounts), [nextTarget?.provider, nextTarget?.account, snapshot?.accounts]);
  const servingText = running ? serving : `nothing (${startRefused ? `${actionKey('proxy.start', 'proxy')}: ${startRefused}` : startServes})`;
  const rows: Array<[string, string]> = [
    ['Port', padCells(`${running ? (state?.port ?? target.port ?? dash) : dash}`, 8) + padCells(`PID ${running ? (state?.pid ?? dash) : dash}`, 14) + `Uptime ${uptimeText(state, running, now)}`],
    ['Serving', servingText],
    // The account served alone cannot serve (removed, paused, needing a login): every request gets a 503 until the way out is taken.
    ...(running && state?.pinnedTrouble ? wrapWords(`! requests get a 503: ${sanitizeLine(state.pinnedTrouble)}`, Math.max(10, width - 4 - 9)).map((line): [string, string] => [SERVING_MORE, line]) : []),
    ['Traffic', trafficText(state ?? NO_TRAFFIC)],
    // The error whole where there is room (it names the way out last): up to ERROR_LINES lines.
    ...errorRows(state?.lastError ? errorRow(state.lastError, state.lastErrorAt, state.lastErrorPast, now) : dash, Math.max(10, width - 4 - 9)),
    // Accounts waiting, worded as `proxy status` words them; the first few (the log has every one).
    ...waitingRows(running ? state?.cooling : undefined, now),
    ['Agents', agents.length ? agents.map((a) => agentText(a, {port: running ? state?.port : env?.port, running, serves: {provider: state?.target.provider, account: state?.pinned ? state.account : undefined}})).join(' · ') : dash],
  ];
  // The key is masked; the "<no api-keys … yet>" placeholder is no secret and is shown whole.
  const envLines = env?.unservable
    ? []
    : (env?.vars ?? []).map(({name, value}) => sanitizeLine(`export ${name}=${shellQuoted(name === 'ANTHROPIC_AUTH_TOKEN' && !value.startsWith('<') ? maskSecret(value) : value)}`));
  const inner = Math.max(10, width - 4);
  // What `ccs-tui env` says on stderr (services/proxy/env.ts notes), whole, wrapped to the width; a
  // refusal (cannot serve, no usable account) in red instead of exports that would end in an error.
  // No exports at all (config.yaml cannot be read): why, in their place.
  const refusal = env?.unservable ? `cannot serve Claude Code: ${env.unservable}` : (env?.noAccount ?? (envError && `no exports: ${envError}`));
  const noteLines = env?.unservable ? [] : (env?.notes ?? []).flatMap((note) => wrapWords(sanitizeLine(note), inner));
  const refusalLines = refusal ? wrapWords(sanitizeLine(refusal), inner) : [];
  // Red while it is the state now; a past one (requests succeeded after it) is history, dim.
  const errorColor = state?.lastError && !state.lastErrorPast && theme.color ? theme.error : undefined;
  // Stopped with no log: how to start, on as many rows as it needs (nothing follows it).
  const startLines =
    state?.phase === 'stopped' && state.logTail.length === 0
      ? packItems([`${actionKey('proxy.start', 'proxy')} starts the proxy`, `on the accounts screen: ${actionKey('account.serve', 'home')} serves an account`, `${actionKey('provider.serve', 'home')} a provider’s pool`], inner)
      : undefined;
  const blank = {value: <Text> </Text>, drop: 9};
  // Every row but the log tail, each with how soon a short terminal leaves it out (fitRows; 0: never):
  // the state, where it listens, what it serves, its error, the exports and how to start stay.
  const layoutWith = (notes: readonly string[]): FitRow<ReactNode>[] => [
    {value: <Text wrap="truncate"><Text color={toneColor}>{phase.marker}</Text> <Text bold>{phase.text}</Text></Text>, drop: 0},
    ...rows.map(([label, value]) => ({
      value: (
        <Text wrap="truncate">
          <Text dimColor>{padCells(label === ERROR_MORE || label === SERVING_MORE ? '' : label, 9)}</Text>
          <Text color={label === SERVING_MORE ? (theme.color ? theme.error : undefined) : label === 'Error' || label === ERROR_MORE ? errorColor : undefined} dimColor={(label === 'Error' || label === ERROR_MORE) && state?.lastErrorPast === true}>{value}</Text>
        </Text>
      ),
      drop: label === 'Traffic' ? 3 : label === 'Agents' ? (value === dash ? 4 : 1) : label === 'Waiting' || label === '' ? 2 : label === ERROR_MORE ? 3 : 0,
      label: label === ERROR_MORE ? 'the rest of the error' : label === SERVING_MORE ? 'why it cannot serve' : label || 'Waiting',
    })),
    blank,
    {value: <Text wrap="truncate" dimColor>{`Claude Code exports (${actionKey('proxy.copyEnv', 'proxy')} copies them)`}</Text>, drop: 5, label: 'exports heading'},
    // The live model list is being asked (AI Studio: no static list): the exports follow.
    ...(askingLive ? [{value: <Text dimColor wrap="truncate">{`asking ${sanitizeLine(target.provider ?? 'the provider')}’s live model list for the model variables…`}</Text>, drop: 0}] : []),
    ...notes.map((line) => ({value: <Text dimColor wrap="truncate">{line}</Text>, drop: 6, label: NOTES_LABEL})),
    ...refusalLines.map((line) => ({value: <Text color="red" wrap="truncate">{line}</Text>, drop: 0})),
    ...envLines.map((line) => ({value: <Text wrap="truncate">{line}</Text>, drop: 0})),
    blank,
    ...(startLines ?? ['Log']).map((line) => ({value: <Text dimColor wrap="truncate">{line}</Text>, drop: 0})),
  ];
  // Inside the border (2); the log tail takes the rows left over, its last few kept first.
  const room = Math.max(1, height - 2);
  const logKept = startLines ? 0 : Math.min(LOG_KEPT, state?.logTail.length ?? 0);
  let fitted = fitRows(layoutWith(noteLines), room - logKept);
  // Notes whole or not at all: one cut after its first lines could end mid-command. In their place,
  // one line saying where they are.
  if (fitted.hidden.includes(NOTES_LABEL) && noteLines.length > 1) {
    const count = env?.notes.length ?? 0;
    fitted = fitRows(layoutWith([`${count} note${count === 1 ? '' : 's'} on these exports: a taller terminal shows them (ccs-tui env prints them)`]), room - logKept);
  }
  const note = hiddenNote(fitted);
  const logRoom = Math.max(0, room - fitted.shown.length - (note ? 1 : 0));
  const tail = logRoom > 0 ? (state?.logTail ?? []).slice(-logRoom) : [];

  return (
    <Box width={width} height={height} borderStyle="round" paddingX={1} flexDirection="column" overflow="hidden">
      {fitted.shown.map((row, i) => (
        <Box key={i} flexShrink={0}>
          {row}
        </Box>
      ))}
      {note ? (
        <Text dimColor wrap="truncate">
          {note}
        </Text>
      ) : null}
      {tail.map((line, i) => (
        <Text key={`${i}:${line}`} wrap="truncate">
          {truncateCells(sanitizeLine(line), inner)}
        </Text>
      ))}
    </Box>
  );
}

const WAITING_SHOWN = 3;

/** How the hidden-rows note names the exports' notes. */
const NOTES_LABEL = 'notes (ccs-tui env prints them)';

/** The log tail's last lines a short terminal keeps before the rows it may leave out. */
const LOG_KEPT = 3;

/** The status's cooling / tried-last lines, at most WAITING_SHOWN of them and how many more. */
/** The Error row's lines at most: a long error (a refusal with its way out) wraps, its last line cut. */
const ERROR_LINES = 3;
/** The label of the Error row's continuation lines (drawn blank; left out before the first line). */
const ERROR_MORE = '\u0000error';
/** The label of the lines under Serving saying why the account served alone cannot serve (drawn blank). */
const SERVING_MORE = '\u0000serving';

/** `text` over at most ERROR_LINES rows of `width` cells, the first labelled Error. */
function errorRows(text: string, width: number): Array<[string, string]> {
  const lines = wrapWords(text, width);
  const shown = lines.length > ERROR_LINES ? [...lines.slice(0, ERROR_LINES - 1), truncateCells(lines.slice(ERROR_LINES - 1).join(' '), width)] : lines;
  return shown.map((line, i) => [i === 0 ? 'Error' : ERROR_MORE, line]);
}

function waitingRows(cooling: ProxyState['cooling'], now: number): Array<[string, string]> {
  const lines = coolingLines(cooling, now);
  const shown = lines.length > WAITING_SHOWN ? [...lines.slice(0, WAITING_SHOWN - 1), `… and ${lines.length - WAITING_SHOWN + 1} more (each has its line in the proxy's log)`] : lines;
  return shown.map((line, i) => [i === 0 ? 'Waiting' : '', line]);
}

/** The way out of each phase first: stop (and restart) a running proxy, start a stopped one. */
function proxyHints(state: ProxyState | undefined): ScreenHints | undefined {
  // `a` where it changes what is served: a proxy (running, or to start) that serves one provider.
  const every = state?.target.provider ? [] : (['proxy.serveEvery'] as const);
  switch (state?.phase) {
    case undefined:
      return undefined;
    case 'running':
    case 'starting':
      return {first: ['proxy.stop', 'proxy.restart'], labels: {'proxy.restart': 'restart'}, hide: ['proxy.start', ...every]};
    case 'restarting':
      return {first: ['proxy.stop'], hide: ['account.rotate', 'proxy.serveEvery']};
    case 'stopping':
      return state.replacing ? {first: ['proxy.stop'], hide: ['proxy.start', 'account.rotate', 'proxy.serveEvery']} : {first: ['proxy.start'], hide: ['proxy.stop', 'account.rotate', 'proxy.serveEvery']};
    case 'stopped':
    case 'failed':
      return {first: ['proxy.start'], hide: ['proxy.stop', 'account.rotate', ...every]};
  }
}
