// Is this session on the person's own machine, or reached over SSH / without a display? Decides
// whether to open a browser and whether auth-code logins default to paste mode.
export interface SessionKind {
  ssh: boolean;
  /** Linux/BSD without DISPLAY or WAYLAND_DISPLAY: no browser can open here. */
  headless: boolean;
  /** A browser on this machine is reachable: not SSH and not headless. */
  local: boolean;
}

export function sessionKind(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): SessionKind {
  const ssh = Boolean(env.SSH_CONNECTION || env.SSH_TTY || env.SSH_CLIENT);
  const headless = platform !== 'darwin' && platform !== 'win32' && !env.DISPLAY && !env.WAYLAND_DISPLAY;
  return {ssh, headless, local: !ssh && !headless};
}

/** `ssh -L 1455:localhost:1455 <host>`: how to use a loopback login from afar. */
export function sshForwardHint(port: number, env: NodeJS.ProcessEnv = process.env): string {
  const host = env.SSH_CONNECTION ? env.SSH_CONNECTION.split(' ')[2] : undefined;
  return `ssh -L ${port}:localhost:${port} ${host ?? '<host>'}`;
}

/**
 * The `ssh -L` advice for an auth-code login, only where it is true: the browser will be sent to a
 * loopback port on this machine (the redirect URI is localhost / 127.0.0.1), ccs-tui listens on that
 * port (`listeningPort`, undefined when nothing does: a busy port, paste mode), and the browser runs
 * elsewhere (an SSH or headless session). A redirect to the provider's own page (Claude's code page
 * in paste mode) needs no forwarding: undefined.
 */
export function callbackForwardHint(
  redirectUri: string,
  listeningPort: number | undefined,
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
): string | undefined {
  if (listeningPort === undefined) return undefined;
  let host: string;
  try {
    host = new URL(redirectUri).hostname;
  } catch {
    return undefined;
  }
  if (host !== 'localhost' && host !== '127.0.0.1' && host !== '[::1]') return undefined;
  if (sessionKind(env, platform).local) return undefined;
  return sshForwardHint(listeningPort, env);
}

/**
 * Whether the terminal turns OSC 8 escapes into clickable links (the long login URL is then one
 * link, whichever of its rows is clicked). Terminals say so only through their environment:
 * iTerm2, WezTerm, kitty, ghostty, VS Code, Windows Terminal, foot, VTE ≥ 0.50 (GNOME Terminal…).
 * FORCE_HYPERLINK=1/0 overrides. Elsewhere the URL is plain text (`c` copies it whole).
 */
export function supportsHyperlinks(env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.FORCE_HYPERLINK !== undefined) return env.FORCE_HYPERLINK !== '0' && env.FORCE_HYPERLINK !== 'false';
  if (env.TERM === 'dumb') return false;
  if (['iTerm.app', 'WezTerm', 'vscode', 'ghostty'].includes(env.TERM_PROGRAM ?? '')) return true;
  if (env.KITTY_WINDOW_ID || env.WT_SESSION || env.WEZTERM_PANE) return true;
  if (/^(xterm-kitty|foot|xterm-ghostty)/.test(env.TERM ?? '')) return true;
  return Number(env.VTE_VERSION ?? 0) >= 5000;
}
