// Subscribes the login screen to a LoginSession (services/oauth/login-session.ts): takes tui.json,
// creates the session, re-renders on every change, ticks the countdown and spinners on the injected
// clock while something is under way, and cancels everything on unmount (but a login whose account
// is being stored, which the screen may leave to finish).
import {useEffect, useRef, useState} from 'react';
import type {AccountLogin, LoginView} from '../../../services/oauth/login-session.js';
import {useTarget} from '../../hooks/useTarget.js';
import {useServices} from '../../services.js';

/**
 * `nickname` / `relogin`: logging in again as a known account (its name and id; the name is not asked
 * for); `replaceKey`: it is an API-key account, whose key the login replaces.
 */
export function useLoginSession(provider: string, nickname?: string, relogin?: string, replaceKey = false, onUnmount?: {current: (session: AccountLogin) => boolean}) {
  const services = useServices();
  const [view, setView] = useState<LoginView | undefined>();
  const [error, setError] = useState<string | undefined>();
  // Bumped by retry(): the login starts again from tui.json as it is now (a start that failed on it).
  const [starts, setStarts] = useState(0);
  const [now, setNow] = useState(() => services.clock.now());
  // Why the browser did not open as the login started (a new object each time: each is said).
  const [noBrowser, setNoBrowser] = useState<{why: string} | undefined>();
  const sessionRef = useRef<AccountLogin | undefined>(undefined);
  // Logins run where the live target keeps accounts: here, or on the server (it keeps the token).
  const target = useTarget();

  useEffect(() => {
    let cancelled = false;
    setError(undefined);
    // A retry reads tui.json now (it may have just been fixed), not the copy read before.
    (starts > 0 ? services.settings.reload() : services.settings.load()).then(
      ({settings}) => {
        if (cancelled) return;
        try {
          const session = target.login(
            provider,
            settings,
            (next) => {
              setNow(services.clock.now());
              setView(next);
              // A new attempt opens the browser anew: what the last one could not open is not this one's.
              if (next.kind === 'starting' || next.kind === 'choose') setNoBrowser(undefined);
            },
            {nickname, relogin, replaceKey, onNoBrowser: (why) => !cancelled && setNoBrowser({why})},
          );
          sessionRef.current = session;
          setView(session.view);
          session.start();
        } catch (err) {
          setError((err as Error).message);
        }
      },
      (err: Error) => !cancelled && setError(err.message),
    );
    return () => {
      cancelled = true;
      const session = sessionRef.current;
      // Cancelled, unless the screen leaves it to finish (an account being stored: onUnmount).
      if (session && !onUnmount?.current(session)) session.cancel();
      sessionRef.current = undefined;
    };
  }, [provider, nickname, relogin, replaceKey, services, target, starts]);

  // The countdown and every spinner move once a second while something is under way.
  const ticking = view?.kind === 'device' || view?.kind === 'starting' || view?.kind === 'storing' || (view?.kind === 'auth-code' && view.mode === 'loopback');
  useEffect(() => {
    if (!ticking) return;
    setNow(services.clock.now());
    return services.clock.setInterval(() => setNow(services.clock.now()), 1000);
  }, [ticking, services.clock]);

  /** Starts the login again after it could not start (`error`): tui.json is read again first. */
  const retry = () => setStarts((n) => n + 1);
  return {view, error, now, session: sessionRef.current, retry, noBrowser};
}
