/**
 * Model configuration added to the DbContext: lines after `base.OnModelCreating(...)` (or a new OnModelCreating
 * override), and a new ConfigureConventions override or lines at the start of the app's own. Written in the
 * file's indentation, with the using directives the lines need.
 */
import { render } from '../core/template.js';
import { findAll, invokedName, parseCSharp, type SyntaxNode } from '../read/project/csharp.js';
import { globalUsingsFor, type ProjectFacts } from '../read/project/index.js';
import { applyEdits, type TextEdit } from './file-change.js';
import { appendMembersEdit, hasUsing, refuseSyntaxErrors, usingEdit } from './csharp-edit.js';
import type { StagedTree } from './tree.js';

export interface ModelConfiguration {
  /** lines for OnModelCreating, for a model builder with the given name */
  onModelCreating?: (builder: string) => string[];
  /** lines for ConfigureConventions, for a ModelConfigurationBuilder with the given name */
  configureConventions?: (builder: string) => string[];
  usings: string[];
  reason: string;
}

export async function addModelConfiguration(facts: ProjectFacts, tree: StagedTree, configuration: ModelConfiguration): Promise<void> {
  const file = facts.identity.dbContext.file;
  const text = tree.read(file);
  const parsed = await parseCSharp(file, text);
  const cls = findAll(parsed.tree.rootNode, 'class_declaration').find((c) => c.childForFieldName('name')?.text === facts.identity.dbContext.name);
  if (!cls) return;
  refuseSyntaxErrors(cls, file);
  const step = /\n\t/.test(text) ? '\t' : '    ';
  const edits: TextEdit[] = [];
  const methods = findAll(cls, 'method_declaration');
  const newMembers: string[] = [];
  for (const [name, lines, template] of [
    ['OnModelCreating', configuration.onModelCreating, 'ef/OnModelCreating.cs.tmpl'],
    ['ConfigureConventions', configuration.configureConventions, 'ef/ConfigureConventions.cs.tmpl'],
  ] as const) {
    if (!lines) continue;
    const method = methods.find((m) => m.childForFieldName('name')?.text === name);
    if (method) {
      const parameter =
        method
          .childForFieldName('parameters')
          ?.namedChildren.find((p): p is SyntaxNode => !!p)
          ?.childForFieldName('name')?.text ?? 'builder';
      const body = method.childForFieldName('body')!;
      const baseCall = findAll(body, 'invocation_expression').find((c) => invokedName(c) === name && /^base\./.test(c.text));
      const statements = body.namedChildren.filter((c): c is SyntaxNode => !!c);
      // After the base call; OnModelCreating's lines go last, ConfigureConventions' first (the app's own win).
      const anchor = baseCall?.parent ?? (name === 'OnModelCreating' ? statements[statements.length - 1] : undefined);
      const indent = anchor ? /^[ \t]*/.exec(text.slice(text.lastIndexOf('\n', anchor.startIndex) + 1))![0] : step.repeat(2);
      const at = anchor ? anchor.endIndex : body.startIndex + 1;
      const block = lines(parameter)
        .map((l) => `\n${indent}${l}`)
        .join('');
      edits.push({ at, end: at, text: anchor && name === 'OnModelCreating' ? `\n${block}` : block });
    } else {
      newMembers.push(
        render(template, {
          Configuration: lines('builder')
            .map((l) => '    ' + l)
            .join('\n'),
        }).trimEnd(),
      );
    }
  }
  if (newMembers.length) {
    // In the file's indent step; appendMembersEdit indents them like the class's other members.
    const members = newMembers
      .join('\n\n')
      .split('\n')
      .map((l) => l.replace(/^(?: {4})+/, (run) => step.repeat(run.length / 4)))
      .join('\n');
    edits.push(appendMembersEdit(text, cls, members));
  }
  for (const namespace of configuration.usings) {
    if (!hasUsing(parsed.tree.rootNode, text, namespace, globalUsingsFor(facts, file))) edits.push(usingEdit(parsed.tree.rootNode, text, namespace));
  }
  tree.write(file, applyEdits(text, edits), configuration.reason);
}
