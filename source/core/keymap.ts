// The one keymap. The input dispatcher, the hint bar and the `?` overlay all read this table, so a
// key cannot do one thing and be documented as another.
//
// Keys are named in a terminal-neutral way: single characters as typed (`j`, `G`, `?`), and
// `enter`, `escape`, `tab`, `shift+tab`, `up`, `down`, `left`, `right`, `pageup`, `pagedown`,
// `home`, `end`, `backspace`, `delete`, `space`, `ctrl+<letter>`.

/** Where a binding applies. `global` bindings work on every screen unless a text field has focus. */
export type KeyScope = 'global' | 'list' | 'home' | 'detail' | 'login' | 'models' | 'quota' | 'proxy' | 'targets' | 'confirm' | 'field';

export type KeyAction =
  // global
  | 'quit'
  | 'help'
  | 'messages'
  | 'back'
  | 'screen.accounts'
  | 'screen.quota'
  | 'screen.models'
  | 'screen.proxy'
  | 'target.switch'
  // any list
  | 'cursor.up'
  | 'cursor.down'
  | 'cursor.top'
  | 'cursor.bottom'
  | 'cursor.pageUp'
  | 'cursor.pageDown'
  | 'filter'
  // accounts (home and detail)
  | 'pane.next'
  | 'providers.hideEmpty'
  | 'accounts.sort'
  | 'jump'
  | 'pane.left'
  | 'pane.right'
  | 'account.open'
  | 'account.default'
  | 'account.rename'
  | 'account.pause'
  | 'account.remove'
  | 'account.rotate'
  | 'account.login'
  | 'account.relogin'
  | 'account.test'
  | 'account.serve'
  | 'provider.serve'
  | 'account.launch'
  | 'account.native'
  | 'account.clearCooldown'
  // target picker
  | 'target.choose'
  // quota
  | 'quota.refresh'
  // login
  | 'login.copy'
  | 'login.open'
  | 'login.paste'
  | 'login.showUrl'
  | 'login.retry'
  // model rules
  | 'rules.add'
  | 'rules.addAlias'
  | 'rules.edit'
  | 'rules.delete'
  | 'rules.moveUp'
  | 'rules.moveDown'
  | 'rules.fork'
  | 'rules.save'
  | 'rules.account'
  | 'rules.provider'
  | 'rules.providerPrev'
  | 'rules.live'
  // inside a text field of several (a rule's alias entry)
  | 'field.next'
  | 'field.prev'
  // proxy
  | 'proxy.start'
  | 'proxy.serveEvery'
  | 'proxy.stop'
  | 'proxy.restart'
  | 'proxy.copyEnv'
  // confirm dialog
  | 'confirm.yes'
  | 'confirm.no';

export interface KeyBinding {
  action: KeyAction;
  keys: readonly string[];
  scopes: readonly KeyScope[];
  /** What the `?` overlay says. */
  description: string;
  /** Short label for the bottom hint bar; bindings without one only appear in `?`. */
  hint?: string;
  /**
   * Pressing it opens a text field (filter, jump, rename, a rule, a pasted code): keys read in the
   * same burst behind it (`/work` typed over a laggy SSH link) are typed into that field.
   */
  opensField?: true;
}

export const KEY_BINDINGS: readonly KeyBinding[] = [
  {action: 'quit', keys: ['q', 'ctrl+c'], scopes: ['global'], description: 'Quit', hint: 'quit'},
  {action: 'help', keys: ['?'], scopes: ['global'], description: 'Show or hide all keys', hint: 'help'},
  {action: 'messages', keys: ['M'], scopes: ['global'], description: 'Show or hide every status message of this session and every problem with a file, in full'},
  {action: 'back', keys: ['escape'], scopes: ['global'], description: 'Back / close / clear filter', hint: 'back'},
  {action: 'screen.accounts', keys: ['1'], scopes: ['global'], description: 'Accounts screen'},
  {action: 'screen.quota', keys: ['2'], scopes: ['global'], description: 'Quota dashboard'},
  {action: 'screen.models', keys: ['3', 'm'], scopes: ['global'], description: 'Model rules editor, on the provider or account selected'},
  {action: 'screen.proxy', keys: ['4'], scopes: ['global'], description: 'Proxy screen'},
  {action: 'target.switch', keys: ['T'], scopes: ['global'], description: 'Switch target: local files or a remote CLIProxyAPI server'},

  {action: 'cursor.up', keys: ['k', 'up'], scopes: ['list', 'targets'], description: 'Move up'},
  {action: 'cursor.down', keys: ['j', 'down'], scopes: ['list', 'targets'], description: 'Move down', hint: 'move'},
  {action: 'cursor.top', keys: ['g', 'home'], scopes: ['list'], description: 'First item'},
  {action: 'cursor.bottom', keys: ['G', 'end'], scopes: ['list'], description: 'Last item'},
  {action: 'cursor.pageUp', keys: ['pageup', 'ctrl+b'], scopes: ['list'], description: 'Page up'},
  {action: 'cursor.pageDown', keys: ['pagedown', 'ctrl+f'], scopes: ['list'], description: 'Page down'},
  // Bound only where a screen filters (home, quota, models): '/' elsewhere must not open an invisible field.
  {action: 'filter', keys: ['/'], scopes: ['home', 'quota', 'models'], description: 'Filter the list (Esc clears)', hint: 'filter', opensField: true},

  {action: 'pane.next', keys: ['tab'], scopes: ['home'], description: 'Switch between providers and accounts'},
  {action: 'providers.hideEmpty', keys: ['H'], scopes: ['home'], description: 'Hide or show providers without accounts'},
  {action: 'accounts.sort', keys: ['o'], scopes: ['home'], description: 'Order the accounts: as registered, by name, by token expiry, by quota headroom'},
  {action: 'jump', keys: [':'], scopes: ['home'], description: 'Jump to a provider or account by name', opensField: true},
  {action: 'pane.left', keys: ['h', 'left'], scopes: ['home'], description: 'Providers pane'},
  {action: 'pane.right', keys: ['l', 'right'], scopes: ['home'], description: 'Accounts pane'},
  {action: 'account.open', keys: ['enter'], scopes: ['home'], description: 'Open the account (on a provider: its accounts)', hint: 'open'},
  {action: 'account.default', keys: ['u'], scopes: ['home', 'detail'], description: 'Make the account the default (marked * in the list; ★ in its place when its pool serves it next)', hint: 'use'},
  {action: 'account.default', keys: ['enter'], scopes: ['detail'], description: 'Make the account the default'},
  {action: 'account.rename', keys: ['n'], scopes: ['home', 'detail'], description: 'Rename (nickname)', hint: 'rename', opensField: true},
  {action: 'account.pause', keys: ['p'], scopes: ['home', 'detail'], description: 'Pause or resume', hint: 'pause'},
  {action: 'account.remove', keys: ['d'], scopes: ['home', 'detail'], description: 'Remove (asks first)', hint: 'remove'},
  {action: 'account.remove', keys: ['d'], scopes: ['login'], description: 'After logging in as another identity than asked: remove the account that still needs a login (asks first)', hint: 'remove old'},
  {action: 'account.rotate', keys: ['r'], scopes: ['home', 'detail', 'quota'], description: "Rotate the provider's default to the next usable account", hint: 'rotate'},
  // The same key on the proxy screen asks the running proxy, not the registry (ui/actions/proxy.ts rotateProxy).
  {action: 'account.rotate', keys: ['r'], scopes: ['proxy'], description: 'Move the running proxy to the next healthy account of the pool it serves (live, no restart; serving every provider: the one selected on the accounts screen)', hint: 'rotate'},
  {action: 'account.login', keys: ['a'], scopes: ['home'], description: 'Add an account: choose the provider (the cursor starts on the highlighted one), then log in', hint: 'add'},
  {action: 'account.relogin', keys: ['L'], scopes: ['home', 'detail'], description: 'Log in again as this account (when it is marked re-login); on an API-key account: replace its key in place', hint: 're-login'},
  {action: 'account.test', keys: ['t'], scopes: ['home', 'detail'], description: "Test the account now (refresh its token; an API key: ask the provider's model list with it)"},
  {action: 'account.serve', keys: ['s'], scopes: ['home', 'detail'], description: "Serve this account with the proxy (★ marks the account each provider's pool serves next; asks first when the account is cooling down, used up or in trouble)"},
  {action: 'provider.serve', keys: ['S'], scopes: ['home', 'detail'], description: "Serve the provider's pool with the proxy (says so when every usable account is cooling down or used up, and when the first is back)"},
  {action: 'account.launch', keys: ['e'], scopes: ['home', 'detail'], description: 'Run the agent on the account (on a provider: its pool) through the proxy; in tmux in a new window', hint: 'run agent'},
  {action: 'account.native', keys: ['N'], scopes: ['home', 'detail'], description: "Write the account into the agent's own credential file (native mode)"},
  {action: 'account.clearCooldown', keys: ['C'], scopes: ['home', 'detail', 'quota'], description: "End the account's cooldown, so it is tried again now: a remote server's, or this machine's proxy's wait (when you know its limit has reset)"},

  {action: 'target.choose', keys: ['enter'], scopes: ['targets'], description: 'Switch to the highlighted target', hint: 'switch'},

  {action: 'quota.refresh', keys: ['R'], scopes: ['home', 'detail', 'quota'], description: "Refresh the selected account's quota now (ignores backoff)", hint: 'refresh'},

  {action: 'login.copy', keys: ['c'], scopes: ['login'], description: 'Copy the code or URL (OSC 52, works over SSH)', hint: 'copy'},
  {action: 'login.open', keys: ['o'], scopes: ['login'], description: 'Open the browser (where none opens, the status line says why)', hint: 'open'},
  {action: 'login.paste', keys: ['v'], scopes: ['login'], description: 'Paste the redirect URL or code', hint: 'paste', opensField: true},
  {action: 'login.showUrl', keys: ['U'], scopes: ['login'], description: 'Show the URL alone on a page of its own, one line to select and copy (Enter returns; the login keeps waiting)', hint: 'show URL'},
  {action: 'login.retry', keys: ['enter'], scopes: ['login'], description: 'New code after expiry or an error'},

  {action: 'rules.add', keys: ['a'], scopes: ['models'], description: 'Add an exclusion pattern', hint: 'exclude', opensField: true},
  {action: 'rules.addAlias', keys: ['A'], scopes: ['models'], description: 'Add an alias', hint: 'alias', opensField: true},
  {action: 'rules.edit', keys: ['e', 'enter'], scopes: ['models'], description: 'Edit the selected rule', hint: 'edit', opensField: true},
  {action: 'rules.delete', keys: ['x', 'delete'], scopes: ['models'], description: 'Delete the selected rule', hint: 'delete'},
  {action: 'rules.moveUp', keys: ['K'], scopes: ['models'], description: 'Move the rule up (first alias wins)'},
  {action: 'rules.moveDown', keys: ['J'], scopes: ['models'], description: 'Move the rule down'},
  {action: 'rules.fork', keys: ['f'], scopes: ['models'], description: 'Toggle fork (keep the original id too)'},
  {action: 'rules.account', keys: ['tab'], scopes: ['models'], description: "Next account (its token file's rules), then back to global rules", hint: 'account'},
  {action: 'rules.provider', keys: ['p', ']'], scopes: ['models'], description: 'Next provider', hint: 'provider'},
  {action: 'rules.providerPrev', keys: ['P', '['], scopes: ['models'], description: 'Previous provider'},
  {action: 'rules.save', keys: ['s'], scopes: ['models'], description: 'Save to config.yaml / token file', hint: 'save'},
  {action: 'rules.live', keys: ['L'], scopes: ['models'], description: "Live model list from the provider (with the chosen account), or back to the static one"},
  // Read by the field itself (core/rules-editor.ts), never by a screen: while a field is open it has every key.
  {action: 'field.next', keys: ['tab'], scopes: ['field'], description: "Typing an alias entry: to its other field (model name ↔ alias)", hint: 'next field'},
  {action: 'field.prev', keys: ['shift+tab'], scopes: ['field'], description: 'Typing an alias entry: back to its other field', hint: 'prev field'},

  {action: 'proxy.start', keys: ['s'], scopes: ['proxy'], description: 'Start the proxy', hint: 'start'},
  {action: 'proxy.serveEvery', keys: ['a'], scopes: ['proxy'], description: 'Serve every provider, each request by the model it asks for (a running proxy is switched live, no restart; a stopped one starts so)', hint: 'every provider'},
  {action: 'proxy.stop', keys: ['x'], scopes: ['proxy'], description: 'Stop the proxy (asks first when running agents use it)', hint: 'stop'},
  {action: 'proxy.restart', keys: ['R'], scopes: ['proxy'], description: 'Restart the proxy (asks first when running agents use it)'},
  {action: 'proxy.copyEnv', keys: ['c'], scopes: ['proxy'], description: 'Copy the Claude Code exports (OSC 52)', hint: 'copy env'},

  {action: 'confirm.yes', keys: ['y', 'Y'], scopes: ['confirm'], description: 'Yes'},
  {action: 'confirm.no', keys: ['n', 'N', 'enter', 'escape'], scopes: ['confirm'], description: 'No (default)'},
];

/** The binding a key has given the active scopes, most specific first; undefined when it has none. */
export function bindingForKey(key: string, scopes: readonly KeyScope[]): KeyBinding | undefined {
  for (const scope of scopes) {
    const binding = KEY_BINDINGS.find((b) => b.scopes.includes(scope) && b.keys.includes(key));
    if (binding) return binding;
  }
  return undefined;
}

/**
 * The action a key triggers given the active scopes, most specific first (e.g. `['confirm']`, or
 * `['home', 'list', 'global']`). Undefined when the key means nothing there.
 */
export function actionForKey(key: string, scopes: readonly KeyScope[]): KeyAction | undefined {
  return bindingForKey(key, scopes)?.action;
}

/**
 * Bindings to show for these scopes (most specific first), one per action, with every key that
 * action has there (the detail screen's `u` and Enter both make the account the default).
 */
/** Keys that go together, as the help lists them (up then down): never split across its columns. */
export const KEY_PAIRS: ReadonlyArray<readonly [KeyAction, KeyAction]> = [
  ['cursor.up', 'cursor.down'],
  ['cursor.top', 'cursor.bottom'],
  ['cursor.pageUp', 'cursor.pageDown'],
  ['pane.left', 'pane.right'],
  ['rules.moveUp', 'rules.moveDown'],
  ['rules.provider', 'rules.providerPrev'],
  ['field.next', 'field.prev'],
  ['confirm.yes', 'confirm.no'],
];

/** Whether `second` is the other half of a pair that `first` starts (KEY_PAIRS). */
export const pairedWith = (first: KeyAction, second: KeyAction): boolean => KEY_PAIRS.some(([a, b]) => a === first && b === second);

export function bindingsFor(scopes: readonly KeyScope[]): KeyBinding[] {
  const byAction = new Map<KeyAction, KeyBinding>();
  for (const scope of scopes) {
    for (const binding of KEY_BINDINGS) {
      if (!binding.scopes.includes(scope)) continue;
      const seen = byAction.get(binding.action);
      if (!seen) byAction.set(binding.action, binding);
      else if (binding.keys.some((k) => !seen.keys.includes(k) && actionForKey(k, scopes) === binding.action)) {
        byAction.set(binding.action, {...seen, keys: [...seen.keys, ...binding.keys.filter((k) => !seen.keys.includes(k))]});
      }
    }
  }
  return [...byAction.values()];
}

/** `ctrl+c` → `^C`, `escape` → `Esc`, for hint bars and the overlay. */
export function keyLabel(key: string): string {
  if (key.startsWith('ctrl+')) return `^${key.slice(5).toUpperCase()}`;
  const names: Record<string, string> = {
    escape: 'Esc',
    enter: 'Enter',
    tab: 'Tab',
    'shift+tab': 'S-Tab',
    up: '↑',
    down: '↓',
    left: '←',
    right: '→',
    pageup: 'PgUp',
    pagedown: 'PgDn',
    home: 'Home',
    end: 'End',
    delete: 'Del',
    backspace: 'BS',
    space: 'Space',
  };
  return names[key] ?? key;
}

/** The keys bound to `action` (only in `scope` when given), in table order. */
export function keysOf(action: KeyAction, scope?: KeyScope): string[] {
  return KEY_BINDINGS.filter((b) => b.action === action && (!scope || b.scopes.includes(scope))).flatMap((b) => b.keys);
}

/**
 * The label of the first key bound to `action`, for screen text that names a key:
 * `actionKey('proxy.start')` → `s`, `actionKey('back')` → `Esc`. Throws for an unbound action, so a
 * screen cannot name a key the keymap does not have.
 */
export function actionKey(action: KeyAction, scope?: KeyScope): string {
  const key = keysOf(action, scope)[0];
  if (key === undefined) throw new Error(`no key is bound to ${action}${scope ? ` in ${scope}` : ''}`);
  return keyLabel(key);
}

/**
 * The confirm dialog's answer hint, `[y/N]`: the default answer (No) in capitals; other answers
 * follow with what they do: `[y/N, s: save, then quit]`.
 */
export function confirmHint(choices: ReadonlyArray<{key: string; label: string}> = []): string {
  const more = choices.map((c) => `, ${keyLabel(c.key)}: ${c.label}`).join('');
  return `[${actionKey('confirm.yes')}/${actionKey('confirm.no').toUpperCase()}${more}]`;
}

/**
 * An error's advice in the TUI's words: `L: re-login` for the key bound to `action` in `scope`
 * (`L on the accounts screen: re-login` when it is `shownOn` another screen's scope)
 * (its hint, else its description), or undefined when no key is bound there (the caller falls back
 * to the command). `action`/`scope` are loose strings: they come from a UserError's advice.
 */
export function keyAdvice(action: string, scope?: string, shownOn?: KeyScope): string | undefined {
  const binding = KEY_BINDINGS.find((b) => b.action === action && (scope === undefined || b.scopes.includes(scope as KeyScope)));
  if (!binding) return undefined;
  // Read on another screen (the proxy screen's log of a refresh): the key says where it works.
  const where = shownOn && scope && scope !== shownOn && SCOPE_SCREENS[scope as KeyScope];
  return `${keyLabel(binding.keys[0]!)}${where ? ` on ${where}` : ''}: ${binding.hint ?? binding.description}`;
}

/** The screen a scope's keys work on, for advice read elsewhere. */
const SCOPE_SCREENS: Partial<Record<KeyScope, string>> = {
  home: 'the accounts screen',
  quota: 'the quota screen',
  models: 'the model rules screen',
  proxy: 'the proxy screen',
};
