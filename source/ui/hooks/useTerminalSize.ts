import {createContext, useContext, useEffect, useState} from 'react';
import type {SizeSource, TerminalSize} from '../terminal.js';

export const SizeContext = createContext<SizeSource | undefined>(undefined);

/** The terminal size, re-rendering on resize. */
export function useTerminalSize(): TerminalSize {
  const source = useContext(SizeContext);
  if (!source) throw new Error('useTerminalSize must be used inside the TUI shell');
  const [size, setSize] = useState(source.size());
  useEffect(() => source.onResize(() => setSize({...source.size()})), [source]);
  return size;
}
