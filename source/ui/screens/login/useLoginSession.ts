// Subscribes the login screen to a LoginSession (services/oauth/login-session.ts): loads tui.json,
// creates the session, re-renders on every change, ticks the countdown on the injected clock while
// a code is shown, and cancels everything on unmount.
import {useEffect, useRef, useState} from 'react';
import {systemBrowser, type Browser} from '../../../services/browser.js';
import type {HttpClient} from '../../../services/http.js';
import {LoginSession, type LoginView} from '../../../services/oauth/login-session.js';
import {loadSettings} from '../../../store/settings.js';
import {useServices, type AppServices} from '../../services.js';

/** Optional services the login screen can use when the shell provides them (tests inject fakes). */
export type LoginServices = AppServices & {browser?: Browser; http?: HttpClient};

/** `nickname`: logging in again as a known account (its name is kept, not asked for). */
export function useLoginSession(provider: string, nickname?: string) {
  const services = useServices() as LoginServices;
  const [view, setView] = useState<LoginView | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [now, setNow] = useState(() => services.clock.now());
  const sessionRef = useRef<LoginSession | undefined>(undefined);

  useEffect(() => {
    let cancelled = false;
    loadSettings(services.paths).then(({settings}) => {
      if (cancelled) return;
      try {
        const session = new LoginSession({
          deps: {store: services.store, settings, clock: services.clock, http: services.http},
          provider,
          env: services.env,
          browser: services.browser ?? systemBrowser,
          nickname,
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
    }, (err: Error) => !cancelled && setError(err.message));
    return () => {
      cancelled = true;
      sessionRef.current?.cancel();
      sessionRef.current = undefined;
    };
  }, [provider, nickname, services]);

  // The countdown and every spinner move once a second while something is under way.
  const ticking = view?.kind === 'device' || view?.kind === 'starting' || view?.kind === 'storing' || (view?.kind === 'auth-code' && view.mode === 'loopback');
  useEffect(() => {
    if (!ticking) return;
    setNow(services.clock.now());
    return services.clock.setInterval(() => setNow(services.clock.now()), 1000);
  }, [ticking, services.clock]);

  return {view, error, now, session: sessionRef.current};
}
