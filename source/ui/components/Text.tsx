// The UI's Text: Ink's Text with every string or number child stripped of terminal escapes and
// control characters (core/sanitize.ts). Screens show names from files and text from the network
// (provider types, account ids, error messages); Ink writes a string child to the terminal as it is,
// so an OSC sequence in a token file's `type` would set the window title or write the clipboard.
// Screens and components import Text from here, never from 'ink'; styling props pass through.
import {Text as InkText, type TextProps} from 'ink';
import {Children, type ReactNode} from 'react';
import {sanitizeText} from '../../core/sanitize.js';

function clean(children: ReactNode): ReactNode {
  return Children.map(children, (child) => (typeof child === 'string' || typeof child === 'number' ? sanitizeText(child) : child));
}

export function Text({children, ...props}: TextProps): ReactNode {
  return <InkText {...props}>{clean(children)}</InkText>;
}

/**
 * Ink's Text as it is, for the one case where this program itself writes an escape sequence around
 * text it has already sanitised: the OSC 8 hyperlink of LinkText. Never for data.
 */
export function TrustedText(props: TextProps): ReactNode {
  return <InkText {...props} />;
}
