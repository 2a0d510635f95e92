/**
 * The C# parser: tree-sitter's C# grammar compiled to WebAssembly (web-tree-sitter). Loaded on first use only,
 * so commands that never read C# pay nothing for it.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { packageRoot } from '../../core/package-root.js';
import type { Language as LanguageType, Node, Parser as ParserType, Query as QueryType, Tree } from 'web-tree-sitter';

/**
 * The .wasm files: copied into dist/grammars by the build (the package ships them instead of depending on
 * tree-sitter-c-sharp and web-tree-sitter), else (running from src/) the dev dependencies'.
 */
function wasmFile(name: 'tree-sitter-c_sharp.wasm' | 'tree-sitter.wasm'): string {
  const shipped = path.join(packageRoot(), 'dist', 'grammars', name);
  if (existsSync(shipped)) return shipped;
  return createRequire(import.meta.url).resolve(name === 'tree-sitter.wasm' ? 'web-tree-sitter/tree-sitter.wasm' : 'tree-sitter-c-sharp/tree-sitter-c_sharp.wasm');
}

let parserPromise: Promise<ParserType> | undefined;
let language: LanguageType | undefined;
let QueryClass: typeof QueryType | undefined;

export type SyntaxNode = Node;

export interface CSharpFile {
  path: string;
  text: string;
  tree: Tree;
}

async function parser(): Promise<ParserType> {
  parserPromise ??= (async () => {
    const { Parser, Language, Query } = await import('web-tree-sitter');
    await Parser.init({ locateFile: () => wasmFile('tree-sitter.wasm') });
    language = await Language.load(readFileSync(wasmFile('tree-sitter-c_sharp.wasm')));
    QueryClass = Query;
    const instance = new Parser();
    instance.setLanguage(language);
    return instance;
  })();
  return parserPromise;
}

/** The last tree of each file: the same text (read by several planners) is parsed once. */
const parsed = new Map<string, CSharpFile>();

export async function parseCSharp(path: string, text: string): Promise<CSharpFile> {
  const known = parsed.get(path);
  if (known && known.text === text) return known;
  const instance = await parser();
  // A new text of a file parsed before (an earlier planner edited it): parsed incrementally from the old tree.
  const old = known ? editedCopy(known, text) : undefined;
  const tree = instance.parse(text, old);
  old?.delete();
  if (!tree) throw new Error(`the C# parser returned nothing for ${path}`);
  const file = { path, text, tree };
  parsed.set(path, file);
  return file;
}

/** A copy of the old tree told where the text changed (one edit: the span between the common prefix and suffix). */
function editedCopy(known: CSharpFile, text: string): Tree | undefined {
  const before = known.text;
  let start = 0;
  const limit = Math.min(before.length, text.length);
  while (start < limit && before.charCodeAt(start) === text.charCodeAt(start)) start++;
  let suffix = 0;
  while (suffix < limit - start && before.charCodeAt(before.length - 1 - suffix) === text.charCodeAt(text.length - 1 - suffix)) suffix++;
  const oldEnd = before.length - suffix;
  const newEnd = text.length - suffix;
  const point = (source: string, index: number) => {
    const lineStart = source.lastIndexOf('\n', index - 1) + 1;
    let row = 0;
    for (let i = source.indexOf('\n'); i >= 0 && i < index; i = source.indexOf('\n', i + 1)) row++;
    return { row, column: index - lineStart };
  };
  const copy = known.tree.copy();
  // web-tree-sitter counts in UTF-16 code units, as JavaScript strings do.
  copy.edit({
    startIndex: start,
    oldEndIndex: oldEnd,
    newEndIndex: newEnd,
    startPosition: point(before, start),
    oldEndPosition: point(before, oldEnd),
    newEndPosition: point(text, newEnd),
  });
  return copy;
}

/** Every named node below (and including) node, in document order, without recursion. */
export function* walk(node: SyntaxNode): Generator<SyntaxNode> {
  const cursor = node.walk();
  try {
    for (;;) {
      if (cursor.nodeIsNamed) yield cursor.currentNode;
      if (cursor.gotoFirstChild()) continue;
      for (;;) {
        if (cursor.currentDepth === 0) return;
        if (cursor.gotoNextSibling()) break;
        cursor.gotoParent();
      }
    }
  } finally {
    cursor.delete();
  }
}

const queries = new Map<string, QueryType>();

/** Source size (UTF-16 code units) below which findAll walks with a cursor instead of compiling a query. */
const CURSOR_WALK_LIMIT = 512 * 1024;

/**
 * The nodes of the given type(s) below root, in document order: through a tree-sitter query, which visits the tree
 * in the parser's own code and makes objects for the matches only (linear in the file, also for 10 MB). A
 * predicate walks every node (for small subtrees).
 */
/** Root-level results per tree and type list: planners ask the same tree for the same nodes many times. */
const found = new WeakMap<Tree, Map<string, SyntaxNode[]>>();

export function findAll(root: SyntaxNode, type: string | string[] | ((node: SyntaxNode) => boolean)): SyntaxNode[] {
  if (typeof type !== 'function' && root.parent === null) {
    const key = [type].flat().join('|');
    let byType = found.get(root.tree);
    if (!byType) found.set(root.tree, (byType = new Map()));
    let nodes = byType.get(key);
    if (!nodes) byType.set(key, (nodes = findAllUncached(root, type)));
    return nodes.slice();
  }
  return findAllUncached(root, type);
}

function findAllUncached(root: SyntaxNode, type: string | string[] | ((node: SyntaxNode) => boolean)): SyntaxNode[] {
  if (typeof type === 'function') {
    const out: SyntaxNode[] = [];
    for (const node of walk(root)) if (type(node)) out.push(node);
    return out;
  }
  const types = [type].flat();
  // Compiling a query costs ~20 ms a pattern on the C# grammar; below a few hundred kilobytes a cursor walk that
  // makes objects only for the matches is cheaper than that. Large files get the query (linear, in WebAssembly).
  if (root.endIndex - root.startIndex < CURSOR_WALK_LIMIT) {
    const wanted = new Set(types);
    const out: SyntaxNode[] = [];
    const cursor = root.walk();
    try {
      for (;;) {
        if (wanted.has(cursor.nodeType) && cursor.nodeIsNamed) out.push(cursor.currentNode);
        if (cursor.gotoFirstChild()) continue;
        let done = false;
        for (;;) {
          if (cursor.currentDepth === 0) {
            done = true;
            break;
          }
          if (cursor.gotoNextSibling()) break;
          cursor.gotoParent();
        }
        if (done) break;
      }
    } finally {
      cursor.delete();
    }
    return out;
  }
  const key = types.join('|');
  let query = queries.get(key);
  if (!query) {
    if (!language || !QueryClass) throw new Error('the C# parser is not loaded');
    query = new QueryClass(language, types.map((t) => `(${t}) @n`).join('\n'));
    queries.set(key, query);
  }
  const seen = new Set<number>();
  const out: SyntaxNode[] = [];
  for (const capture of query.captures(root)) {
    if (seen.has(capture.node.id)) continue;
    seen.add(capture.node.id);
    out.push(capture.node);
  }
  return out.sort((a, b) => a.startIndex - b.startIndex || b.endIndex - a.endIndex);
}

/** The simple name of an invocation's target: `a.b.AddIdentity<T>(...)` -> "AddIdentity". */
export function invokedName(invocation: SyntaxNode): string | undefined {
  const fn = invocation.childForFieldName('function');
  if (!fn) return undefined;
  const nameNode = fn.type === 'member_access_expression' ? fn.childForFieldName('name') : fn;
  if (!nameNode) return undefined;
  if (nameNode.type === 'generic_name') return nameNode.namedChildren[0]?.text;
  if (nameNode.type === 'identifier') return nameNode.text;
  return undefined;
}

/** Type arguments of an invocation's target, as written: `AddIdentity<AppUser, IdentityRole<Guid>>` -> both. */
export function typeArguments(invocation: SyntaxNode): string[] {
  const fn = invocation.childForFieldName('function');
  const nameNode = fn?.type === 'member_access_expression' ? fn.childForFieldName('name') : fn;
  if (nameNode?.type !== 'generic_name') return [];
  const list = nameNode.namedChildren.find((c) => c?.type === 'type_argument_list');
  return list ? list.namedChildren.filter((c): c is SyntaxNode => !!c).map((c) => c.text) : [];
}

export function argumentNodes(invocation: SyntaxNode): SyntaxNode[] {
  const args = invocation.childForFieldName('arguments');
  if (!args) return [];
  return args.namedChildren
    .filter((c): c is SyntaxNode => c?.type === 'argument')
    .map((a) => a.namedChildren[a.namedChildren.length - 1]!)
    .filter(Boolean);
}

/** The value of a C# string literal node (regular, verbatim or raw), or undefined for anything else. */
export function stringValue(node: SyntaxNode | undefined | null): string | undefined {
  if (!node) return undefined;
  if (node.type === 'string_literal') {
    return node.namedChildren.map((c) => (c?.type === 'escape_sequence' ? unescape(c.text) : (c?.text ?? ''))).join('');
  }
  if (node.type === 'verbatim_string_literal') return node.text.slice(2, -1).replace(/""/g, '"');
  if (node.type === 'raw_string_literal') return node.text.replace(/^"{3,}\n?/, '').replace(/\n?\s*"{3,}$/, '');
  return undefined;
}

function unescape(sequence: string): string {
  const map: Record<string, string> = { '\\n': '\n', '\\t': '\t', '\\r': '\r', '\\"': '"', '\\\\': '\\', "\\'": "'", '\\0': '\0' };
  return map[sequence] ?? sequence;
}

/** The chain of invocations that continue `node`: `X(...).A(...).B(...)` yields A and B for X. */
export function chainedCalls(invocation: SyntaxNode): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  let current = invocation;
  for (;;) {
    const access = current.parent;
    if (access?.type !== 'member_access_expression' || access.childForFieldName('expression')?.id !== current.id) break;
    const call = access.parent;
    if (call?.type !== 'invocation_expression') break;
    out.push(call);
    current = call;
  }
  return out;
}

/** The namespace a node sits in (block or file-scoped). */
export function namespaceOf(node: SyntaxNode): string | undefined {
  const root = node.tree.rootNode;
  const fileScoped = root.namedChildren.find((c) => c?.type === 'file_scoped_namespace_declaration');
  const parts: string[] = [];
  for (let n: SyntaxNode | null = node.parent; n; n = n.parent) {
    if (n.type === 'namespace_declaration') parts.unshift(n.childForFieldName('name')?.text ?? '');
  }
  if (fileScoped) parts.unshift(fileScoped.childForFieldName('name')?.text ?? '');
  return parts.length ? parts.join('.') : undefined;
}

/** 1-based line of a node, for messages. */
export function lineOf(node: SyntaxNode): number {
  return node.startPosition.row + 1;
}
