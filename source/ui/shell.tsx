// What the shell's own screens (home, detail) share with the root: the reducer state and the helpers
// to run a store action with its result in the status line. Feature screens use ScreenProps instead.
import {createContext, useContext, type Dispatch} from 'react';
import type {AppAction, AppState} from '../core/app-state.js';
import type {StatusKind} from '../core/app-state.js';

export interface Shell {
  state: AppState;
  dispatch: Dispatch<AppAction>;
  setStatus(text: string, kind?: StatusKind): void;
  confirm(prompt: string): Promise<boolean>;
  /**
   * Runs a mutation; its returned text goes to the status line, its error (UserError, corrupt file,
   * permissions) too. Reloads the accounts either way. Resolves true on success.
   */
  run(task: () => Promise<string>): Promise<boolean>;
}

export const ShellContext = createContext<Shell | undefined>(undefined);

export function useShell(): Shell {
  const shell = useContext(ShellContext);
  if (!shell) throw new Error('useShell must be used inside the TUI shell');
  return shell;
}
