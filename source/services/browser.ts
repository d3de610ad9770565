// Opens a URL in the person's browser with `open`, behind an interface tests replace. Only used
// when the session is local (services/environment.ts); over SSH the URL and QR are shown instead.
import {sanitizeLine} from '../core/sanitize.js';

export interface Browser {
  /**
   * Resolves once the page is opened (or the opener still runs after OPENER_GRACE_MS: xdg-open may
   * wait for the browser it starts); rejects with BrowserNotOpened when no browser could be opened.
   */
  open(url: string): Promise<void>;
}

/** No browser opened: `message` says why (the opener is missing, or found no browser), without the URL. */
export class BrowserNotOpened extends Error {}

/** How long a running opener is waited for before the page counts as opened (ms). */
export const OPENER_GRACE_MS = 2000;

export const systemBrowser: Browser = {
  async open(url) {
    const {default: open} = await import('open');
    const child = await open(url, {wait: false});
    child.unref();
    // A missing opener, or one that finds no browser (xdg-open exits 3 or 4 at once), is said: the
    // URL is on screen anyway, and the person must know to open it themselves.
    const opener = sanitizeLine(child.spawnfile.split('/').pop() ?? 'the opener');
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(resolve, OPENER_GRACE_MS);
      timer.unref();
      child.once('error', (error: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        reject(new BrowserNotOpened(error.code === 'ENOENT' ? `${opener} was not found` : `${opener}: ${sanitizeLine(error.message)}`));
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        if (code === 0) resolve();
        else reject(new BrowserNotOpened(`${opener} found no browser (exit ${code ?? signal})`));
      });
    });
  },
};

/** Opens `url` (if any) with `browser`; resolves with why no browser opened, else undefined (a login's `o`). */
export async function openOrWhyNot(browser: Browser, url: string | undefined): Promise<string | undefined> {
  if (!url) return undefined;
  try {
    await browser.open(url);
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

/**
 * A login's address opened as the login starts, not waited on: `onNoBrowser(why)` hears why none
 * opened (the address is on screen, to open by hand), else nothing is said.
 */
export function openAtLoginStart(browser: Browser, url: string, onNoBrowser: (why: string) => void): void {
  void openOrWhyNot(browser, url).then((why) => why && onNoBrowser(why));
}
