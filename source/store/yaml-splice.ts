// Byte-preserving YAML edits. config.yaml is shared with people and with CLIProxyAPI; printing a
// whole edited document would re-indent and re-wrap the file, so a save replaces only the text of
// the top-level keys (or, inside a block map, the channels) whose data changed.
import {isMap, isNode, isScalar, parseDocument, YAMLMap, type Document, type Node} from 'yaml';

/**
 * The original text with only the top-level keys whose data changed re-rendered: a changed channel of a block
 * map is replaced in place (its siblings keep their exact text), a changed key that is not a block
 * map is replaced whole, new ones are appended. Falls back to printing the whole document if the
 * splice does not give back the edited data (it always should; this guards the shared file).
 */
export function spliceChangedKeys(original: string, edited: Document): string {
  const before = parseDocument(original);
  const keys = new Set([...topLevelKeys(before), ...topLevelKeys(edited)]);
  const edits: TextEdit[] = [];
  let appended = '';
  const top = isMap(before.contents) ? before.contents : undefined;
  for (const key of keys) {
    const oldValue = before.get(key, true) as Node | undefined;
    const newValue = edited.get(key, true) as Node | undefined;
    if (sameData(oldValue, newValue)) continue;
    const oldPair = top?.items.find((p) => isScalar(p.key) && p.key.value === key);
    const blockMaps = isMap(oldValue) && !oldValue.flow && isMap(newValue) && oldValue.items.length > 0;
    if (oldPair && blockMaps) edits.push(...channelEdits(original, oldValue, newValue));
    else if (oldPair) edits.push({...pairSpan(original, oldPair as PairLike, 0), text: renderPair(key, newValue, 0)});
    else appended += renderPair(key, newValue, 0);
  }
  if (appended) edits.push({start: original.length, end: original.length, text: original && !original.endsWith('\n') ? `\n${appended}` : appended});
  let text = original;
  for (const edit of edits.sort((a, b) => b.start - a.start)) text = text.slice(0, edit.start) + edit.text + text.slice(edit.end);
  const same = JSON.stringify(parseDocument(text).toJS() ?? {}) === JSON.stringify(edited.toJS() ?? {});
  return same ? text : edited.toString();
}

interface TextEdit {
  start: number;
  end: number;
  text: string;
}

interface PairLike {
  key: Node;
  value: Node | null;
}

/** Edits may set plain JS values as well as nodes; compare what they mean. */
function sameData(a: unknown, b: unknown): boolean {
  const data = (value: unknown) => (isNode(value) ? value.toJSON() : value) ?? null;
  return JSON.stringify(data(a)) === JSON.stringify(data(b));
}

/** Edits for the channels of one block map that differ between the old and the new map. */
function channelEdits(text: string, oldMap: YAMLMap, newMap: YAMLMap): TextEdit[] {
  const edits: TextEdit[] = [];
  const name = (pair: {key: unknown}) => String(isScalar(pair.key) ? pair.key.value : pair.key);
  const firstKey = oldMap.items[0]!.key as Node;
  const indent = firstKey.range![0] - text.lastIndexOf('\n', firstKey.range![0] - 1) - 1;
  for (const pair of oldMap.items) {
    const replacement = newMap.items.find((p) => name(p) === name(pair));
    if (replacement && sameData(pair.value as Node, replacement.value as Node)) continue;
    const span = pairSpan(text, pair as PairLike, indent);
    edits.push({...span, text: replacement ? renderPair(name(pair), replacement.value as Node, indent) : ''});
  }
  const last = oldMap.items[oldMap.items.length - 1]!;
  const at = pairSpan(text, last as PairLike, indent).end;
  const added = newMap.items.filter((p) => !oldMap.items.some((o) => name(o) === name(p)));
  const addedText = added.map((p) => renderPair(name(p), p.value as Node, indent)).join('');
  if (addedText) edits.push({start: at, end: at, text: at > 0 && text[at - 1] !== '\n' ? `\n${addedText}` : addedText});
  return edits;
}

/** The text of a pair: from the start of its key's line to the end of its value's last line. */
function pairSpan(text: string, pair: PairLike, indent: number): {start: number; end: number} {
  const keyStart = pair.key.range![0];
  let end = pair.value?.range?.[2] ?? pair.key.range![2];
  // A nested value's range runs into the next key's indentation; a last line may lack its newline.
  const lastNewline = text.lastIndexOf('\n', end - 1);
  if (lastNewline >= keyStart && text.slice(lastNewline + 1, end).trim() === '') end = lastNewline + 1;
  else {
    const newline = text.indexOf('\n', end);
    const rest = newline < 0 ? text.slice(end) : text.slice(end, newline);
    if (rest.trim() === '') end = newline < 0 ? text.length : newline + 1;
  }
  return {start: keyStart - indent, end};
}

/** `key: value` as block YAML at an indentation, ending with a newline; empty when there is no value. */
function renderPair(key: string, value: Node | undefined, indent: number): string {
  if (value === undefined) return '';
  const single = parseDocument('{}');
  const map = new YAMLMap();
  map.flow = false;
  map.set(key, value);
  single.contents = map as unknown as typeof single.contents;
  const pad = ' '.repeat(indent);
  const out = single.toString({lineWidth: 0});
  return out
    .split('\n')
    .filter((line, i, all) => i < all.length - 1 || line !== '')
    .map((line) => (line === '' ? line : pad + line))
    .join('\n') + '\n';
}

function topLevelKeys(document: Document): string[] {
  return isMap(document.contents) ? document.contents.items.map((pair) => String(isScalar(pair.key) ? pair.key.value : pair.key)) : [];
}
