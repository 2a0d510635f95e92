/** Small, formatting-preserving C# edits on a tree-sitter tree: using directives and class members. */
import path from 'node:path';
import { UserError } from '../core/errors.js';
import { findAll, lineOf, type SyntaxNode } from '../read/project/csharp.js';
import type { TextEdit } from './file-change.js';

/** Refuses an edit inside code the parser could not read: the compiler would not either, and we cannot place it. */
export function refuseSyntaxErrors(node: SyntaxNode, file: string): void {
  let scope: SyntaxNode = node;
  for (let n: SyntaxNode | null = node; n; n = n.parent) {
    scope = n;
    if (/^(expression_statement|local_declaration_statement|return_statement|global_statement|method_declaration|local_function_statement|class_declaration)$/.test(n.type)) break;
  }
  if (!scope.hasError) return;
  const bad = findAll(scope, (n) => n.isError || n.isMissing)[0] ?? scope;
  throw new UserError(`${path.basename(file)}:${lineOf(bad)} does not parse as C# where passkey-migrate would edit it (near "${bad.text.slice(0, 40).replace(/\s+/g, ' ')}")`, {
    hint: 'fix the syntax error (dotnet build shows it), then run again',
  });
}

export function lineIndent(text: string, index: number): string {
  const start = text.lastIndexOf('\n', index - 1) + 1;
  return /^[ \t]*/.exec(text.slice(start))![0];
}

/** The file's indentation step: a tab or four spaces. */
export function indentUnit(text: string): string {
  return /\n\t/.test(text) ? '\t' : '    ';
}

/** The file's using directives: at the top and in namespace blocks. */
function usingDirectives(root: SyntaxNode): SyntaxNode[] {
  const inNamespaces = root.namedChildren.filter((c): c is SyntaxNode => c?.type === 'namespace_declaration').flatMap((ns) => ns.childForFieldName('body')?.namedChildren ?? []);
  return [...root.namedChildren, ...inNamespaces].filter((c): c is SyntaxNode => c?.type === 'using_directive');
}

export function hasUsing(root: SyntaxNode, text: string, namespace: string, globals: ReadonlySet<string> = new Set()): boolean {
  if (globals.has(namespace)) return true;
  if (usingDirectives(root).some((u) => u.text.replace(/\s+/g, ' ').replace(/^global /, '') === `using ${namespace};`)) return true;
  // Code in that namespace, or one below it, sees it without a using.
  return new RegExp(`namespace\\s+${namespace.replace(/\./g, '\\.')}\\b`).test(text);
}

/**
 * Adds `using <namespace>;` among the file's usings (in order when they are sorted); inside the namespace when the
 * file keeps its usings there; else before the first code, after the directives that must precede it (#define,
 * #undef, #nullable, #pragma) and the file's leading comments.
 */
export function usingEdit(root: SyntaxNode, text: string, namespace: string): TextEdit {
  const plain = (c: SyntaxNode | null): c is SyntaxNode => c?.type === 'using_directive' && !/^global\b|=/.test(c.text.replace(/^using\s+/, ''));
  let usings = root.namedChildren.filter(plain);
  if (usings.length === 0) {
    // Usings inside a namespace block: the new one goes with them.
    for (const ns of root.namedChildren.filter((c): c is SyntaxNode => c?.type === 'namespace_declaration')) {
      const inner = ns.childForFieldName('body')?.namedChildren.filter(plain) ?? [];
      if (inner.length) {
        usings = inner;
        break;
      }
    }
  }
  const line = `using ${namespace};`;
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  if (usings.length === 0) {
    const leading = /^(comment|preproc_define|preproc_undef|preproc_nullable|preproc_pragma|preproc_region|preproc_endregion|preproc_line|preproc_warning|preproc_error)$/;
    const first = root.namedChildren.find((c) => c && !leading.test(c.type) && !(c.type === 'using_directive'));
    const after = root.namedChildren.filter((c) => c && /^preproc_(define|undef|nullable)$/.test(c.type) && (!first || c.endIndex <= first.startIndex)).pop();
    if (after) {
      const at = text.indexOf('\n', after.endIndex - 1) + 1 || text.length;
      return { at, end: at, text: `${line}${eol}${eol}` };
    }
    const at = first ? text.lastIndexOf('\n', first.startIndex) + 1 : 0;
    return { at, end: at, text: `${line}${eol}${eol}` };
  }
  const next = usings.find((u) => !u.text.startsWith('using System') && u.text > line);
  if (next) {
    const at = text.lastIndexOf('\n', next.startIndex) + 1;
    return { at, end: at, text: `${lineIndent(text, next.startIndex)}${line}${eol}` };
  }
  const last = usings[usings.length - 1]!;
  // After the last using's line, so that a comment at the end of that line stays with it.
  const newline = text.indexOf('\n', last.endIndex);
  const rest = text.slice(last.endIndex, newline < 0 ? text.length : newline);
  if (newline >= 0 && /^\s*(?:\/\/.*|\/\*.*\*\/\s*)?$/.test(rest)) return { at: newline + 1, end: newline + 1, text: `${lineIndent(text, last.startIndex)}${line}${eol}` };
  return { at: last.endIndex, end: last.endIndex, text: `${eol}${lineIndent(text, last.startIndex)}${line}` };
}

/**
 * Removes the using directives (at the top or in a namespace block) whose namespace `drop` matches: the directive's
 * whole line when nothing but it and a comment are on it (the comment was about it), else the directive alone.
 */
export function removeUsingsEdits(root: SyntaxNode, text: string, drop: (namespace: string) => boolean): TextEdit[] {
  const edits: TextEdit[] = [];
  for (const u of usingDirectives(root)) {
    const name = u.text.replace(/^(?:global\s+)?using\s+(?:static\s+)?/, '').replace(/\s*;$/, '');
    if (/=/.test(name) || !drop(name.replace(/\s+/g, ''))) continue;
    const start = text.lastIndexOf('\n', u.startIndex - 1) + 1;
    const newline = text.indexOf('\n', u.endIndex);
    const end = newline < 0 ? text.length : newline + 1;
    const alone = /^[ \t]*$/.test(text.slice(start, u.startIndex)) && /^[ \t]*(?:\/\/.*|\/\*.*\*\/[ \t]*)?\r?$/.test(text.slice(u.endIndex, newline < 0 ? text.length : newline));
    edits.push(alone ? { at: start, end, text: '' } : { at: u.startIndex, end: u.endIndex, text: '' });
  }
  return edits;
}

export function findClass(root: SyntaxNode, name: string): SyntaxNode | undefined {
  const stack: SyntaxNode[] = [root];
  while (stack.length) {
    const node = stack.pop()!;
    if (node.type === 'class_declaration' && node.childForFieldName('name')?.text === name) return node;
    for (const child of node.namedChildren) if (child) stack.push(child);
  }
  return undefined;
}

export function classMembers(declaration: SyntaxNode): SyntaxNode[] {
  const body = declaration.childForFieldName('body');
  return body ? body.namedChildren.filter((c): c is SyntaxNode => !!c && c.type !== 'comment') : [];
}

export function memberNamed(declaration: SyntaxNode, name: string): SyntaxNode | undefined {
  return classMembers(declaration).find((m) => m.childForFieldName('name')?.text === name);
}

/**
 * Inserts members (written at column 0, lines separated by \n) at the end of a class body, indented like the
 * class's other members, after a blank line.
 */
export function appendMembersEdit(text: string, declaration: SyntaxNode, members: string): TextEdit {
  const body = declaration.childForFieldName('body')!;
  const existing = classMembers(declaration);
  const indent = existing.length ? lineIndent(text, existing[0]!.startIndex) : lineIndent(text, declaration.startIndex) + indentUnit(text);
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const closing = body.endIndex - 1;
  const lineStart = text.lastIndexOf('\n', closing - 1) + 1;
  const block = members
    .replace(/\s+$/, '')
    .split('\n')
    .map((l) => (l.length ? indent + l : ''))
    .join(eol);
  // Before the closing brace's line (kept as it is).
  const onOwnLine = /^[ \t]*$/.test(text.slice(lineStart, closing));
  if (onOwnLine) {
    return { at: lineStart, end: lineStart, text: `${existing.length ? eol : ''}${block}${eol}` };
  }
  return { at: closing, end: closing, text: `${eol}${block}${eol}` };
}
