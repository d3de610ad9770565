// The RFC 8628 device-authorization poll loop as a pure state machine: no I/O, no timers. The
// driver (services/oauth/device.ts) asks `nextPollAt` when to poll, sends the request, classifies the
// answer into a PollOutcome and feeds it back through `afterPoll`.
//
// Rules (RFC 8628 §3.5 and PROVIDERS.md):
// - wait `interval` seconds between polls (the provider's default when the server sends none);
// - `slow_down` adds 5 s to this and every later poll (or takes the interval the server sends);
// - `authorization_pending` keeps polling;
// - `access_denied` and `expired_token` stop;
// - connection errors back off exponentially (interval × 2^n, at most 60 s) without giving up
//   before the code expires.

export type PollOutcome =
  | {kind: 'pending'}
  | {kind: 'slow-down'; intervalSeconds?: number}
  | {kind: 'denied'; description?: string}
  | {kind: 'expired'}
  | {kind: 'network-error'; message: string}
  /** The server answered with something that is not part of the protocol: stop and say so. */
  | {kind: 'failed'; message: string}
  | {kind: 'approved'};

export type DevicePhase = 'polling' | 'approved' | 'denied' | 'expired' | 'failed' | 'cancelled';

/** What the person sees about polling: waiting, slowed down, retrying after a network error. */
export type PollState = 'waiting' | 'slowed-down' | 'retrying';

export interface DeviceFlowState {
  phase: DevicePhase;
  pollState: PollState;
  /** Current base interval between polls, in seconds. */
  intervalSeconds: number;
  /** Epoch ms when the code expires. */
  expiresAt: number;
  /** Epoch ms of the next poll (while polling). */
  nextPollAt: number;
  polls: number;
  networkFailures: number;
  /** The server asked to slow down at least once (the interval stays longer from then on). */
  slowedDown: boolean;
  /** Last network error or failure/denial description, for the screen. */
  message?: string;
}

export const SLOW_DOWN_STEP_SECONDS = 5;
export const MAX_BACKOFF_SECONDS = 60;
/** Used when a server sends no `expires_in` (RFC 8628 makes it required; be lenient). */
export const DEFAULT_CODE_LIFETIME_SECONDS = 15 * 60;

export function startDeviceFlow(
  code: {intervalSeconds?: number; expiresInSeconds?: number},
  now: number,
  defaultIntervalSeconds: number,
): DeviceFlowState {
  const interval = validSeconds(code.intervalSeconds) ?? defaultIntervalSeconds;
  const lifetime = validSeconds(code.expiresInSeconds) ?? DEFAULT_CODE_LIFETIME_SECONDS;
  return {
    phase: 'polling',
    pollState: 'waiting',
    intervalSeconds: interval,
    expiresAt: now + lifetime * 1000,
    nextPollAt: now + interval * 1000,
    polls: 0,
    networkFailures: 0,
    slowedDown: false,
  };
}

function validSeconds(value: number | undefined): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : undefined;
}

/** The state after one poll's outcome at time `now`. */
export function afterPoll(state: DeviceFlowState, outcome: PollOutcome, now: number): DeviceFlowState {
  if (state.phase !== 'polling') return state;
  const polled = {...state, polls: state.polls + 1};
  const schedule = (s: DeviceFlowState, delaySeconds: number): DeviceFlowState => {
    const nextPollAt = now + delaySeconds * 1000;
    // No poll can succeed after expiry: stop instead of waiting for a poll that cannot happen.
    if (nextPollAt >= s.expiresAt) return {...s, phase: 'expired', nextPollAt: s.expiresAt};
    return {...s, nextPollAt};
  };
  switch (outcome.kind) {
    case 'approved':
      return {...polled, phase: 'approved', message: undefined};
    case 'denied':
      return {...polled, phase: 'denied', message: outcome.description};
    case 'expired':
      return {...polled, phase: 'expired'};
    case 'failed':
      return {...polled, phase: 'failed', message: outcome.message};
    case 'pending': {
      const pollState: PollState = polled.slowedDown ? 'slowed-down' : 'waiting';
      return schedule({...polled, pollState, networkFailures: 0, message: undefined}, polled.intervalSeconds);
    }
    case 'slow-down': {
      const interval = validSeconds(outcome.intervalSeconds) ?? polled.intervalSeconds + SLOW_DOWN_STEP_SECONDS;
      const next: DeviceFlowState = {
        ...polled,
        intervalSeconds: Math.max(interval, polled.intervalSeconds),
        pollState: 'slowed-down',
        networkFailures: 0,
        slowedDown: true,
        message: undefined,
      };
      return schedule(next, next.intervalSeconds);
    }
    case 'network-error': {
      const failures = polled.networkFailures + 1;
      const delay = Math.min(polled.intervalSeconds * 2 ** failures, MAX_BACKOFF_SECONDS);
      return schedule({...polled, networkFailures: failures, pollState: 'retrying', message: outcome.message}, Math.max(delay, polled.intervalSeconds));
    }
  }
}

/** The state when the code's lifetime runs out while waiting (checked by the driver's timer). */
export function checkExpiry(state: DeviceFlowState, now: number): DeviceFlowState {
  return state.phase === 'polling' && now >= state.expiresAt ? {...state, phase: 'expired'} : state;
}

export function cancelDeviceFlow(state: DeviceFlowState): DeviceFlowState {
  return state.phase === 'polling' ? {...state, phase: 'cancelled'} : state;
}

/** Whole seconds left before the code expires (never negative). */
export function secondsLeft(state: DeviceFlowState, now: number): number {
  return Math.max(0, Math.ceil((state.expiresAt - now) / 1000));
}

/** `14:59`, `0:05`: the countdown as shown. */
export function formatCountdown(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

/** One line about polling: "waiting for approval", "slowed down to 10 s", "retrying after a network error". */
export function describePollState(state: DeviceFlowState): string {
  switch (state.phase) {
    case 'approved':
      return 'approved';
    case 'denied':
      return 'access denied';
    case 'expired':
      return 'code expired';
    case 'cancelled':
      return 'cancelled';
    case 'failed':
      return `failed: ${state.message ?? 'unexpected answer'}`;
    case 'polling':
      if (state.pollState === 'retrying') return `retrying after a network error${state.message ? ` (${state.message})` : ''}`;
      if (state.pollState === 'slowed-down') return `waiting for approval · slowed down to ${state.intervalSeconds} s`;
      return `waiting for approval · polling every ${state.intervalSeconds} s`;
  }
}
