/**
 * --keep-existing-columns on the project side: model configuration in the DbContext that keeps PhoneNumber (and the
 * login/token key columns, where Version3 would bound them) as they are, so that EF's model agrees with a database
 * that kept them. Added after base.OnModelCreating, or in a new OnModelCreating override.
 */
import { render } from '../core/template.js';
import { findAll, invokedName, parseCSharp, type SyntaxNode } from '../read/project/csharp.js';
import { globalUsingsFor, type ProjectFacts } from '../read/project/index.js';
import { applyEdits, type TextEdit } from './file-change.js';
import { hasUsing, refuseSyntaxErrors, usingEdit } from './csharp-edit.js';
import type { StagedTree } from './tree.js';
import { snapshotColumns } from '../read/project/snapshot.js';
import type { ProviderName } from '../read/facts.js';

const MARK = 'passkey-migrate --keep-existing-columns';

export async function planKeepColumns(facts: ProjectFacts, provider: ProviderName, tree: StagedTree): Promise<void> {
  const file = facts.identity.dbContext.file;
  const text = tree.read(file);
  if (text.includes(MARK)) return;
  const columns = snapshotColumns(facts, provider);
  const key = facts.identity.keyType === 'Guid' ? 'Guid' : facts.identity.keyType;
  const unbounded = (role: 'userLogins' | 'userTokens', name: string) => columns[role]?.find((c) => c.name === name)?.modelMaxLength == null;
  // The configuration lines, for a model builder named `builder` (templates/ef/KeepColumns.*.cs.tmpl).
  const configuration = (builder: string): string[] => {
    const values = { Builder: builder, UserType: facts.identity.userType, Key: key };
    return [
      render('ef/KeepColumns.Users.cs.tmpl', values),
      ...(unbounded('userLogins', 'LoginProvider') ? [render('ef/KeepColumns.Logins.cs.tmpl', values)] : []),
      ...(unbounded('userTokens', 'Name') ? [render('ef/KeepColumns.Tokens.cs.tmpl', values)] : []),
    ]
      .join('')
      .trimEnd()
      .split('\n');
  };
  const parsed = await parseCSharp(file, text);
  const cls = findAll(parsed.tree.rootNode, 'class_declaration').find((c) => c.childForFieldName('name')?.text === facts.identity.dbContext.name);
  if (!cls) return;
  refuseSyntaxErrors(cls, file);
  const step = /\n\t/.test(text) ? '\t' : '    ';
  const edits: TextEdit[] = [];
  const method = findAll(cls, 'method_declaration').find((m) => m.childForFieldName('name')?.text === 'OnModelCreating');
  if (method) {
    const builder =
      method
        .childForFieldName('parameters')
        ?.namedChildren.find((p): p is SyntaxNode => !!p)
        ?.childForFieldName('name')?.text ?? 'builder';
    const body = method.childForFieldName('body')!;
    const baseCall = findAll(body, 'invocation_expression').find((c) => invokedName(c) === 'OnModelCreating' && /^base\./.test(c.text));
    const statements = body.namedChildren.filter((c): c is SyntaxNode => !!c);
    const anchor = baseCall?.parent ?? statements[statements.length - 1];
    const indent = anchor ? /^[ \t]*/.exec(text.slice(text.lastIndexOf('\n', anchor.startIndex) + 1))![0] : step.repeat(2);
    const at = anchor ? anchor.endIndex : body.startIndex + 1;
    const block = configuration(builder)
      .map((l) => `\n${indent}${l}`)
      .join('');
    edits.push({ at, end: at, text: anchor ? `\n${block}` : block });
  } else {
    const body = cls.childForFieldName('body')!;
    const classIndent = /^[ \t]*/.exec(text.slice(text.lastIndexOf('\n', cls.startIndex) + 1))![0];
    const m = classIndent + step;
    // templates/ef/OnModelCreating.cs.tmpl, in the file's indent step, at the class members' indent.
    const block = render('ef/OnModelCreating.cs.tmpl', {
      Configuration: configuration('builder')
        .map((l) => '    ' + l)
        .join('\n'),
    })
      .trimEnd()
      .split('\n')
      .map((l) => l.replace(/^(?: {4})+/, (run) => step.repeat(run.length / 4)))
      .map((l) => (l ? m + l : l))
      .join('\n');
    const members = body.namedChildren.filter((c): c is SyntaxNode => !!c);
    const closing = body.endIndex - 1;
    const at = members.length ? members[members.length - 1]!.endIndex : body.startIndex + 1;
    edits.push({ at, end: members.length ? at : closing, text: members.length ? `\n\n${block}` : `\n${block}\n${classIndent}` });
  }
  if (!hasUsing(parsed.tree.rootNode, text, 'Microsoft.AspNetCore.Identity', globalUsingsFor(facts, file)))
    edits.push(usingEdit(parsed.tree.rootNode, text, 'Microsoft.AspNetCore.Identity'));
  tree.write(file, applyEdits(text, edits), 'keep existing columns (--keep-existing-columns)');
}
