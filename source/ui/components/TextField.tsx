// A one-line text field. While `focus` is true it receives every key raw (see keys.tsx); Enter calls
// onSubmit, Esc onCancel. Editing rules live in core/text-edit.ts.
import {holdsCredential} from '../../core/sanitize.js';
import {Text} from './Text.js';
import {useRef, useState} from 'react';
import {draftOf, editText, type TextDraft} from '../../core/text-edit.js';
import {useTextCapture} from '../keys.js';

export interface TextFieldProps {
  initialValue?: string;
  focus: boolean;
  onChange?(text: string): void;
  onSubmit(text: string): void;
  onCancel?(): void;
  placeholder?: string;
  /** Show bullets instead of the text (pasted secrets). */
  mask?: boolean;
  /** Show bullets while the text is one this field does not want shown (a key pasted into a field that is no secret field). */
  maskIf?(text: string): boolean;
  /** What Esc does here, for the hint bar (default `cancel`): as the field's prompt says it. */
  escLabel?: string;
}

export function TextField({initialValue = '', focus, onChange, onSubmit, onCancel, placeholder, mask, maskIf, escLabel}: TextFieldProps) {
  const [draft, setDraft] = useState(() => draftOf(initialValue));
  // Keys can arrive faster than renders (a paste, fast typing): edit the latest draft, not the rendered one.
  const latest = useRef(draft);
  useTextCapture(
    focus
      ? (input, key) => {
          const current = latest.current;
          const result = editText(current, input, key);
          if (result.done === 'submit') return onSubmit(current.text);
          if (result.done === 'cancel') return onCancel?.();
          if (result.draft.text !== current.text) onChange?.(result.draft.text);
          latest.current = result.draft;
          setDraft(result.draft);
        }
      : undefined,
    escLabel,
  );
  return <DraftText draft={draft} focus={focus} placeholder={placeholder} mask={mask || maskIf?.(draft.text)} />;
}

/**
 * Draws a draft with its cursor (inverse video, which is not colour, so NO_COLOR keeps it). `mask`: a
 * secret field's bullets. Any field hides a value holding a credential (core holdsCredential):
 * a key pasted into a filter, a name or a rule by mistake is not left on the screen.
 */
export function DraftText({draft, focus, placeholder, mask}: {draft: TextDraft; focus: boolean; placeholder?: string; mask?: boolean}) {
  const text = mask || holdsCredential(draft.text) ? '•'.repeat(draft.text.length) : draft.text;
  if (!focus) return <Text wrap="truncate">{text || (placeholder ? <Text dimColor>{placeholder}</Text> : '')}</Text>;
  const before = text.slice(0, draft.cursor);
  const at = text[draft.cursor] ?? ' ';
  const after = text.slice(draft.cursor + 1);
  return (
    <Text wrap="truncate">
      {before}
      <Text inverse>{at}</Text>
      {after}
    </Text>
  );
}
