// One-line text editing as a pure function, shared by every text field of the TUI (filter, rename,
// paste fields, pattern editors). Keys are keymap names (`left`, `backspace`, `ctrl+u`, ...). A
// surrogate pair (an emoji) is one character: erased and stepped over whole (core/code-units.ts).
import {charAfter, charBefore} from './code-units.js';

export interface TextDraft {
  text: string;
  /** Insertion point, 0..text.length. */
  cursor: number;
}

export type TextEditResult = {draft: TextDraft; done?: 'submit' | 'cancel'};

export const draftOf = (text = ''): TextDraft => ({text, cursor: text.length});

/** Applies one key (or a pasted string) to a draft. Enter submits, Esc cancels; newlines in a paste become spaces. */
export function editText(draft: TextDraft, input: string, key: string): TextEditResult {
  const {text, cursor} = draft;
  const at = (next: string, pos: number): TextEditResult => ({draft: {text: next, cursor: Math.max(0, Math.min(pos, next.length))}});
  switch (key) {
    case 'enter':
      return {draft, done: 'submit'};
    case 'escape':
      return {draft, done: 'cancel'};
    // Terminals send DEL for Backspace and Ink reports it as `delete`: both erase backwards.
    case 'backspace':
    case 'delete':
    case 'ctrl+h':
      return cursor === 0 ? {draft} : at(text.slice(0, charBefore(text, cursor)) + text.slice(cursor), charBefore(text, cursor));
    case 'ctrl+d':
      return at(text.slice(0, cursor) + text.slice(charAfter(text, cursor)), cursor);
    case 'left':
    case 'ctrl+b':
      return at(text, charBefore(text, cursor));
    case 'right':
    case 'ctrl+f':
      return at(text, charAfter(text, cursor));
    case 'home':
    case 'ctrl+a':
      return at(text, 0);
    case 'end':
    case 'ctrl+e':
      return at(text, text.length);
    case 'ctrl+u':
      return at(text.slice(cursor), 0);
    case 'ctrl+k':
      return at(text.slice(0, cursor), cursor);
    case 'ctrl+w': {
      const before = text.slice(0, cursor).replace(/\S+\s*$/, '');
      return at(before + text.slice(cursor), before.length);
    }
    default: {
      if (key.startsWith('ctrl+') || key === 'tab' || key === 'shift+tab' || key === 'up' || key === 'down' ||
        key === 'pageup' || key === 'pagedown') return {draft};
      // eslint-disable-next-line no-control-regex
      const typed = input.replace(/[\r\n\t]+/g, ' ').replace(/[\u0000-\u001f\u007f-\u009f]/g, '');
      if (typed === '') return {draft};
      return at(text.slice(0, cursor) + typed + text.slice(cursor), cursor + typed.length);
    }
  }
}
