// Issue 9's promise, checked over source/: no provider id is spelled outside source/providers/, so
// adding a provider is a row and an adapter. Other layers ask the row or adapter (servesRootRoutes,
// nativeCredentials, …) instead of naming a provider. String literals only: comments are free.
import assert from 'node:assert/strict';
import {readdirSync, readFileSync} from 'node:fs';
import path from 'node:path';
import {test} from 'node:test';
import ts from 'typescript';
import {PROVIDERS} from '../source/providers/table.js';
import {repoRoot} from './helpers/cli.js';

/**
 * Files allowed to spell ids: the agents table is keyed by agent id (agents happen to share names
 * with their providers); the remote login route table is being moved into the rows separately.
 */
const ALLOWED = new Set<string>();

function sourceFiles(dir: string): string[] {
  return readdirSync(path.join(repoRoot, dir), {withFileTypes: true}).flatMap((entry) => {
    const relative = path.posix.join(dir, entry.name);
    if (entry.isDirectory()) return relative === 'source/providers' ? [] : sourceFiles(relative);
    return /\.tsx?$/.test(entry.name) ? [relative] : [];
  });
}

/** `file:line 'id'` for every string literal (or template part) that is exactly a provider id. */
export function providerIdLiterals(file: string, text: string, ids: ReadonlySet<string>): string[] {
  const found: string[] = [];
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, file.endsWith('x') ? ts.ScriptKind.TSX : ts.ScriptKind.TS);
  const visit = (node: ts.Node) => {
    if ((ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) && ids.has(node.text)) {
      const line = source.getLineAndCharacterOfPosition(node.getStart()).line + 1;
      found.push(`${file}:${line} '${node.text}'`);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

test('no provider id is spelled outside source/providers/', () => {
  const ids = new Set(PROVIDERS.map((row) => row.id));
  const found = sourceFiles('source')
    .filter((file) => !ALLOWED.has(file))
    .flatMap((file) => providerIdLiterals(file, readFileSync(path.join(repoRoot, file), 'utf8'), ids));
  assert.deepEqual(found, [], `ask the provider's row or adapter instead:\n${found.join('\n')}`);
});

test('the checker finds an id in code but not in a comment', () => {
  const text = "// 'claude' in a comment\nif (id === 'claude') run();\nconst x = `codex`;\n";
  assert.deepEqual(providerIdLiterals('x.ts', text, new Set(['claude', 'codex'])), ["x.ts:2 'claude'", "x.ts:3 'codex'"]);
});
