// Byte-preserving YAML edits. config.yaml is shared with people and with CLIProxyAPI; printing a
// whole edited document would re-indent and re-wrap the file and normalise the spacing before
// comments, so a save splices only the nodes whose data changed into the original text. Every
// untouched node (a sibling pair, a list entry that stayed, its comment) keeps its exact bytes,
// CRLF line ends included.
import {isMap, isNode, isScalar, isSeq, parseDocument, Scalar, YAMLMap, YAMLSeq, type Document, type Node, type Pair} from 'yaml';

interface TextEdit {
  start: number;
  end: number;
  text: string;
}

/** What every edit of one save needs: the original text, its parse, the edited document, the line end. */
interface Splice {
  text: string;
  before: Document;
  edited: Document;
  /** `\r\n` when the file uses CRLF line ends, so inserted lines match. */
  eol: string;
}

/**
 * The original text with only what changed between it and `edited` (a document parsed from the same
 * text and then edited: nodes it kept still carry their source ranges) rewritten: a changed scalar
 * is replaced in place (its comment and spacing stay), removed pairs and list entries lose their
 * lines, new ones are inserted at their place, a changed flow collection is rewritten as flow.
 * Falls back to printing the whole document if the splice does not give back the edited data (it
 * always should; this guards the shared file).
 */
export function spliceChangedKeys(original: string, edited: Document): string {
  const before = parseDocument(original, {keepSourceTokens: true, merge: true});
  const splice: Splice = {text: original, before, edited, eol: original.includes('\r\n') ? '\r\n' : '\n'};
  let edits: TextEdit[] | undefined;
  if (isMap(before.contents) && !before.contents.flow && isMap(edited.contents)) {
    edits = mapEdits(splice, before.contents, edited.contents, 0, true);
  } else if (before.contents === null && (edited.contents === null || isMap(edited.contents))) {
    const pairs = isMap(edited.contents) ? edited.contents.items : [];
    edits = [appendAtEnd(splice, pairs.map((pair) => renderPair(splice, keyName(pair), pair.value as Node, 0)).join(''))];
  }
  if (!edits) return edited.toString();
  let text = original;
  // From the end back, so earlier offsets stay valid. At one offset a removal goes first, and of
  // insertions the one made later goes first: the one made first ends up first in the text.
  const ordered = edits.map((edit, order) => ({...edit, order})).sort((a, b) => b.start - a.start || b.end - a.end || b.order - a.order);
  for (const edit of ordered) text = text.slice(0, edit.start) + edit.text + text.slice(edit.end);
  let same = false;
  try {
    same = JSON.stringify(parseDocument(text, {merge: true}).toJS() ?? {}) === JSON.stringify(edited.toJS() ?? {});
  } catch {
    same = false;
  }
  return same ? text : edited.toString();
}

const keyName = (pair: {key: unknown}): string => String(isScalar(pair.key) ? pair.key.value : pair.key);

/** Edits may set plain JS values as well as nodes; compare what they mean (aliases resolved in their document). */
function sameData(a: unknown, aDoc: Document, b: unknown, bDoc: Document): boolean {
  const data = (value: unknown, doc: Document) => (isNode(value) ? value.toJS(doc) : value) ?? null;
  try {
    return JSON.stringify(data(a, aDoc)) === JSON.stringify(data(b, bDoc));
  } catch {
    return false;
  }
}

/** Column of a position: characters since its line's start. */
function column(text: string, at: number): number {
  return at - text.lastIndexOf('\n', at - 1) - 1;
}

/**
 * Edits turning a block map into the edited one, pair by pair; undefined when that cannot be done
 * in place (the caller rewrites the whole map then). `top`: the document's root, whose new keys go at
 * the end of the file.
 */
function mapEdits(splice: Splice, oldMap: YAMLMap, newMap: YAMLMap, indent: number, top = false): TextEdit[] | undefined {
  const {text} = splice;
  const edits: TextEdit[] = [];
  for (const [index, pair] of oldMap.items.entries()) {
    const replacement = newMap.items.find((p) => keyName(p) === keyName(pair));
    if (replacement && sameData(pair.value, splice.before, replacement.value, splice.edited)) continue;
    const span = pairSpan(text, pair as Pair<Node, Node | null>, indent);
    // The first key of a list entry shares the `- ` line: only the entry as a whole can be rewritten.
    const ownLine = index > 0 || text.slice(span.start, (pair.key as Node).range![0]).trim() === '';
    const change = replacement
      ? valueEdits(splice, pair as Pair<Node, Node | null>, replacement.value as Node | undefined, indent, ownLine)
      : ownLine && [{...span, text: ''}];
    if (!change) return undefined;
    edits.push(...change);
  }
  const added = newMap.items.filter((p) => !oldMap.items.some((o) => keyName(o) === keyName(p)));
  const addedText = added.map((p) => renderPair(splice, keyName(p), p.value as Node, indent)).join('');
  if (addedText) {
    if (top) edits.push(appendAtEnd(splice, addedText));
    else {
      const at = pairSpan(text, oldMap.items.at(-1) as Pair<Node, Node | null>, indent).end;
      edits.push({start: at, end: at, text: at > 0 && text[at - 1] !== '\n' ? splice.eol + addedText : addedText});
    }
  }
  return edits;
}

function appendAtEnd(splice: Splice, added: string): TextEdit {
  const {text, eol} = splice;
  return {start: text.length, end: text.length, text: text && !text.endsWith('\n') ? eol + added : added};
}

/**
 * Edits turning one pair's value into `value` (the pair stays where it is); undefined when the pair
 * would have to be rewritten whole but does not have its line to itself (`ownLine`).
 */
function valueEdits(splice: Splice, pair: Pair<Node, Node | null>, value: Node | undefined, indent: number, ownLine: boolean): TextEdit[] | undefined {
  const {text} = splice;
  const old = pair.value;
  const whole = () => (ownLine ? [{...pairSpan(text, pair, indent), text: renderPair(splice, keyName(pair), value, indent)}] : undefined);
  if (!old?.range || value === undefined) return whole();
  const inner = nestedEdits(splice, old, value);
  if (inner) return inner;
  const inline = inlineText(splice, old, isNode(value) ? value : splice.edited.createNode(value));
  return inline === undefined ? whole() : [{start: old.range[0], end: old.range[1], text: inline}];
}

/** Edits inside a block collection that stays one (map in map, list in list); undefined otherwise. */
function nestedEdits(splice: Splice, old: Node, value: Node): TextEdit[] | undefined {
  if (isMap(old) && !old.flow && old.items.length > 0 && isMap(value) && value.items.length > 0) {
    return mapEdits(splice, old, value, column(splice.text, (old.items[0]!.key as Node).range![0]));
  }
  if (isSeq(old) && !old.flow && old.items.length > 0 && isSeq(value) && value.items.length > 0) return seqEdits(splice, old, value);
  return undefined;
}

/**
 * The text replacing an old scalar or flow collection in place (from its first character to the end
 * of its value, so a comment after it stays): the new value on one line, a collection in flow style.
 * Undefined when it does not fit on one line or the old value is a block scalar or collection.
 */
function inlineText(splice: Splice, old: Node, value: Node): string | undefined {
  const flowOld = (isMap(old) || isSeq(old)) && old.flow;
  const blockScalar = isScalar(old) && (old.type === Scalar.BLOCK_LITERAL || old.type === Scalar.BLOCK_FOLDED);
  if (!(isScalar(old) && !blockScalar) && !flowOld) return undefined;
  if (!isScalar(value) && !isMap(value) && !isSeq(value)) return undefined;
  const copy = value.clone() as Node;
  if (isMap(copy) || isSeq(copy)) copy.flow = true;
  // The old value's comments stay in the text around it.
  copy.comment = copy.commentBefore = undefined;
  const single = parseDocument('');
  single.contents = copy as unknown as typeof single.contents;
  const out = single.toString({lineWidth: 0, flowCollectionPadding: false}).replace(/\n$/, '');
  return out.includes('\n') ? undefined : out;
}

/**
 * Edits turning a block list into the edited one. Entries the edit kept (same node, so same source
 * range) keep their text unless their own data changed; removed ones lose their lines; new ones are
 * inserted after the kept entry before them. When kept entries were reordered, the entries' text is
 * laid out again in the new order, each entry with the comment lines above it.
 */
function seqEdits(splice: Splice, oldSeq: YAMLSeq, newSeq: YAMLSeq): TextEdit[] | undefined {
  const {text} = splice;
  const spans = oldSeq.items.map((item, i) => itemSpan(text, oldSeq, item as Node, i));
  if (spans.some((span) => span === undefined)) return undefined;
  const starts = oldSeq.items.map((item) => (isNode(item) ? item.range?.[0] : undefined));
  const dash = column(text, spans[0]!.dash);
  const kept = new Set<number>();
  // Each new entry: an old one (its index, and the edits inside its text) or a new node.
  const pieces = newSeq.items.map((item): {index: number; edits: TextEdit[]} | {node: Node} => {
    const start = isNode(item) ? item.range?.[0] : undefined;
    const index = start === undefined ? -1 : starts.indexOf(start);
    if (index < 0 || kept.has(index)) return {node: item as Node};
    kept.add(index);
    const old = oldSeq.items[index] as Node;
    if (sameData(old, splice.before, item, splice.edited)) return {index, edits: []};
    const span = spans[index]!;
    const inline = inlineText(splice, old, item as Node);
    const edits = nestedEdits(splice, old, item as Node) ??
      (inline === undefined ? [{start: span.start, end: span.end, text: renderItem(splice, item as Node, dash)}] : [{start: old.range![0], end: old.range![1], text: inline}]);
    return {index, edits};
  });
  const order = pieces.flatMap((piece) => ('index' in piece ? [piece.index] : []));
  if (order.some((index, i) => i > 0 && index < order[i - 1]!)) return reorderedEdits(splice, spans as ItemSpan[], pieces, dash);
  const edits: TextEdit[] = [];
  let previous = -1;
  let pending: Node[] = [];
  const flush = () => {
    if (pending.length === 0) return;
    const at = previous < 0 ? spans[0]!.start : spans[previous]!.end;
    const added = pending.map((item) => renderItem(splice, item, dash)).join('');
    edits.push({start: at, end: at, text: at > 0 && text[at - 1] !== '\n' ? splice.eol + added : added});
    pending = [];
  };
  for (const piece of pieces) {
    if ('node' in piece) {
      pending.push(piece.node);
      continue;
    }
    flush();
    previous = piece.index;
    edits.push(...piece.edits);
  }
  flush();
  for (const [index, span] of spans.entries()) if (span && !kept.has(index)) edits.push({start: span.start, end: span.end, text: ''});
  return edits;
}

type ItemSpan = {start: number; end: number; dash: number};

/**
 * One edit rewriting a reordered list's entries: each kept entry's own text (with the comment lines
 * between it and the entry before it, and its inner edits applied), new ones rendered, in the new order.
 */
function reorderedEdits(splice: Splice, spans: ItemSpan[], pieces: ({index: number; edits: TextEdit[]} | {node: Node})[], dash: number): TextEdit[] {
  const {text, eol} = splice;
  const blockStart = (index: number) => (index === 0 ? spans[0]!.start : spans[index - 1]!.end);
  const lines = (block: string) => (block === '' || block.endsWith('\n') ? block : block + eol);
  const body = pieces.map((piece) => {
    if ('node' in piece) return renderItem(splice, piece.node, dash);
    const from = blockStart(piece.index);
    let block = text.slice(from, spans[piece.index]!.end);
    const inner = [...piece.edits].sort((a, b) => b.start - a.start);
    for (const edit of inner) block = block.slice(0, edit.start - from) + edit.text + block.slice(edit.end - from);
    return lines(block);
  });
  const end = spans.at(-1)!.end;
  const joined = body.join('');
  // The last entry of the old text may have had no line end.
  return [{start: spans[0]!.start, end, text: end === text.length && !text.endsWith('\n') ? joined.replace(/\r?\n$/, '') : joined}];
}

/** The lines of one block list entry: from its line's start (`- ` indicator) to the end of its last line. */
function itemSpan(text: string, seq: YAMLSeq, item: Node, index: number): ItemSpan | undefined {
  const token = seq.srcToken;
  const entry = token?.type === 'block-seq' ? token.items[index] : undefined;
  const indicator = entry?.start.find((t) => t.type === 'seq-item-ind');
  if (!indicator || !('offset' in indicator) || !item.range) return undefined;
  const dash = indicator.offset;
  return {start: dash - column(text, dash), end: lineEnd(text, item.range[2], dash), dash};
}

/** The text of a pair: from the start of its key's line to the end of its value's last line. */
function pairSpan(text: string, pair: Pair<Node, Node | null>, indent: number): {start: number; end: number} {
  const keyStart = pair.key.range![0];
  return {start: keyStart - indent, end: lineEnd(text, pair.value?.range?.[2] ?? pair.key.range![2], keyStart)};
}

/** Where the line holding the end of a node ends (after its newline); a trailing comment belongs to it. */
function lineEnd(text: string, end: number, from: number): number {
  // A nested value's range runs into the next key's indentation; a last line may lack its newline.
  const lastNewline = text.lastIndexOf('\n', end - 1);
  if (lastNewline >= from && text.slice(lastNewline + 1, end).trim() === '') return lastNewline + 1;
  const newline = text.indexOf('\n', end);
  const rest = newline < 0 ? text.slice(end) : text.slice(end, newline);
  if (/^\s*(#.*)?$/.test(rest.replace(/\r$/, ''))) return newline < 0 ? text.length : newline + 1;
  return end;
}

/** `key: value` as block YAML at an indentation, ending with a line end; empty when there is no value. */
function renderPair(splice: Splice, key: string, value: Node | undefined, indent: number): string {
  if (value === undefined) return '';
  const map = new YAMLMap();
  map.flow = false;
  map.set(key, value);
  return renderBlock(splice, map, indent);
}

/** `- value` as a block list entry whose `-` is at column `dash`. */
function renderItem(splice: Splice, value: Node, dash: number): string {
  const seq = new YAMLSeq();
  seq.items = [value];
  return renderBlock(splice, seq, dash);
}

function renderBlock(splice: Splice, node: YAMLMap | YAMLSeq, indent: number): string {
  const single = parseDocument('');
  single.contents = node as unknown as typeof single.contents;
  const pad = ' '.repeat(indent);
  return single
    .toString({lineWidth: 0})
    .split('\n')
    .filter((line, i, all) => i < all.length - 1 || line !== '')
    .map((line) => (line === '' ? line : pad + line) + splice.eol)
    .join('');
}
