/**
 * The C# parser: tree-sitter's C# grammar compiled to WebAssembly (web-tree-sitter). Loaded on first use only,
 * so commands that never read C# pay nothing for it.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Node, Parser as ParserType, Tree } from 'web-tree-sitter';

const requireHere = createRequire(import.meta.url);
let parserPromise: Promise<ParserType> | undefined;

export type SyntaxNode = Node;

export interface CSharpFile {
  path: string;
  text: string;
  tree: Tree;
}

async function parser(): Promise<ParserType> {
  parserPromise ??= (async () => {
    const { Parser, Language } = await import('web-tree-sitter');
    await Parser.init();
    const language = await Language.load(readFileSync(requireHere.resolve('tree-sitter-c-sharp/tree-sitter-c_sharp.wasm')));
    const instance = new Parser();
    instance.setLanguage(language);
    return instance;
  })();
  return parserPromise;
}

export async function parseCSharp(path: string, text: string): Promise<CSharpFile> {
  const instance = await parser();
  const tree = instance.parse(text);
  if (!tree) throw new Error(`the C# parser returned nothing for ${path}`);
  return { path, text, tree };
}

export function* walk(node: SyntaxNode): Generator<SyntaxNode> {
  yield node;
  for (const child of node.namedChildren) {
    if (child) yield* walk(child);
  }
}

export function findAll(root: SyntaxNode, type: string | ((node: SyntaxNode) => boolean)): SyntaxNode[] {
  const test = typeof type === 'string' ? (n: SyntaxNode) => n.type === type : type;
  const out: SyntaxNode[] = [];
  for (const node of walk(root)) if (test(node)) out.push(node);
  return out;
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
    return node.namedChildren
      .map((c) => (c?.type === 'escape_sequence' ? unescape(c.text) : c?.text ?? ''))
      .join('');
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
