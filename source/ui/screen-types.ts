// The contract between the TUI shell and the screens plugged into it. See source/ui/README.md.
import type {ComponentType} from 'react';
import type {KeyAction, KeyScope} from '../core/keymap.js';
import type {ScreenId, ScreenParams, StatusKind} from '../core/app-state.js';
import type {Question} from './shell.js';

export type {ScreenId, ScreenParams, StatusKind};

/** What every screen component receives from the router. */
export interface ScreenProps {
  /** Columns and rows the screen may draw in (the shell's title, status line and hint bar are outside it). */
  width: number;
  height: number;
  /** Route parameters, e.g. `{provider: <provider id>, accountId: 'a@b.c'}`. */
  params: ScreenParams;
  /** Pushes a screen on the stack (Esc comes back here). */
  navigate(screen: ScreenId, params?: ScreenParams): void;
  /** Pops this screen. */
  back(): void;
  /** The status line at the bottom: the result or error of the last action. */
  setStatus(text: string, kind?: StatusKind): void;
  /** A y/N question in the status area (No is the default: Enter and Esc answer no). */
  confirm(prompt: Question): Promise<boolean>;
}

export interface ScreenSpec {
  /** Shown in the title bar. */
  title: string;
  /**
   * Key scopes while the screen is active, most specific first (`['models', 'list']`). The shell
   * appends `'global'`. The hint bar and the `?` overlay show the bindings of these scopes.
   */
  scopes: readonly KeyScope[];
  component: ComponentType<ScreenProps>;
}

/**
 * A key handler. Returning `false` means "not handled here": the shell then applies its own meaning
 * (e.g. `back` pops the screen). Anything else (including a promise) counts as handled.
 */
export type KeyHandler = () => unknown;
export type KeyHandlers = Partial<Record<KeyAction, KeyHandler>>;

/**
 * Raw key receiver for a focused text field: `input` is what was typed (several characters for a
 * paste), `key` the normalised key name (`enter`, `escape`, `backspace`, `left`, `ctrl+u`, ...).
 */
export type TextKeyHandler = (input: string, key: string) => void;
