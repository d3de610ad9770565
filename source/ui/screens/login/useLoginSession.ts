// Subscribes the login screen to a LoginSession (services/oauth/login-session.ts): takes tui.json,
// creates the session, re-renders on every change, ticks the countdown on the injected clock while
// a code is shown, and cancels everything on unmount.
import {useEffect, useRef, useState} from 'react';
import {LoginSession, type LoginView} from '../../../services/oauth/login-session.js';
import {useServices} from '../../services.js';

export function useLoginSession(provider: string) {
  const services = useServices();
  const [view, setView] = useState<LoginView | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [now, setNow] = useState(() => services.clock.now());
  const sessionRef = useRef<LoginSession | undefined>(undefined);

  useEffect(() => {
    let cancelled = false;
    void services.settings.load().then(({settings}) => {
      if (cancelled) return;
      try {
        const session = new LoginSession({
          deps: {store: services.store, settings, clock: services.clock, http: services.http},
          provider,
          env: services.env,
          browser: services.browser,
          onChange: (next) => {
            setNow(services.clock.now());
            setView(next);
          },
        });
        sessionRef.current = session;
        setView(session.view);
        session.start();
      } catch (err) {
        setError((err as Error).message);
      }
    });
    return () => {
      cancelled = true;
      sessionRef.current?.cancel();
      sessionRef.current = undefined;
    };
  }, [provider, services]);

  const ticking = view?.kind === 'device';
  useEffect(() => {
    if (!ticking) return;
    setNow(services.clock.now());
    return services.clock.setInterval(() => setNow(services.clock.now()), 1000);
  }, [ticking, services.clock]);

  return {view, error, now, session: sessionRef.current};
}
