// Opens a URL in the person's browser with `open`, behind an interface tests replace. Only used
// when the session is local (services/environment.ts); over SSH the URL and QR are shown instead.
export interface Browser {
  open(url: string): Promise<void>;
}

export const systemBrowser: Browser = {
  async open(url) {
    const {default: open} = await import('open');
    const child = await open(url, {wait: false});
    // A missing xdg-open must not crash the TUI: the URL is on screen anyway.
    child.on('error', () => undefined);
    child.unref();
  },
};
