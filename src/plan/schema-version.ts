/**
 * Sets `options.Stores.SchemaVersion = IdentitySchemaVersions.Version3` in the app's Identity registration, with the
 * C# parser: changes an existing assignment (also in Configure<IdentityOptions>), adds a statement to a block
 * lambda, turns an expression-bodied lambda into a block, or adds an options lambda; adds the using when needed.
 * Only the lines it changes are touched.
 */
import { argumentNodes, findAll, invokedName, parseCSharp, typeArguments, type SyntaxNode } from '../read/project/csharp.js';
import type { ProjectFacts } from '../read/project/index.js';
import { applyEdits, type TextEdit } from './file-change.js';
import type { StagedTree } from './tree.js';
import { hasUsing, indentUnit as unit, lineIndent, usingEdit } from './csharp-edit.js';

const VALUE = 'IdentitySchemaVersions.Version3';
const NAMESPACE = 'Microsoft.AspNetCore.Identity';

export async function planSchemaVersion(facts: ProjectFacts, tree: StagedTree): Promise<void> {
  const existing = facts.identity.schemaVersionSetting;
  if (existing?.value === 'Version3') return;
  const file = existing?.file ?? facts.identity.registration.file;
  const text = tree.read(file);
  const parsed = await parseCSharp(file, text);
  const edits: TextEdit[] = [];

  if (existing) {
    const assignment = findAll(parsed.tree.rootNode, 'assignment_expression').find((a) => /(^|\.)Stores\.SchemaVersion$/.test(a.childForFieldName('left')?.text.replace(/\s+/g, '') ?? ''));
    const right = assignment?.childForFieldName('right');
    if (!right) return;
    edits.push({ at: right.startIndex, end: right.endIndex, text: VALUE });
  } else {
    const call = findAll(parsed.tree.rootNode, 'invocation_expression').find(
      (c) => c.startPosition.row + 1 === facts.identity.registration.line && invokedName(c) === facts.identity.registration.method && typeArguments(c).length > 0,
    );
    if (!call) return;
    edits.push(...registrationEdits(text, call));
  }
  if (!hasUsing(parsed.tree.rootNode, text, NAMESPACE)) edits.push(usingEdit(parsed.tree.rootNode, text, NAMESPACE));
  tree.write(file, applyEdits(text, edits), 'Identity schema Version3');
}

function registrationEdits(text: string, call: SyntaxNode): TextEdit[] {
  const lambda = argumentNodes(call).find((a) => a.type === 'lambda_expression');
  const step = unit(text);
  if (!lambda) {
    // AddIdentityCore<TUser>() -> AddIdentityCore<TUser>(options => options.Stores.SchemaVersion = ...)
    const args = call.childForFieldName('arguments')!;
    const empty = argumentNodes(call).length === 0;
    return [{ at: args.startIndex + 1, end: args.startIndex + 1, text: `options => options.Stores.SchemaVersion = ${VALUE}${empty ? '' : ', '}` }];
  }
  const parameter = lambda.childForFieldName('parameters')?.text.replace(/[()\s]/g, '') || 'options';
  const body = lambda.childForFieldName('body')!;
  const statement = `${parameter}.Stores.SchemaVersion = ${VALUE};`;
  if (body.type === 'block') {
    const statements = body.namedChildren.filter((c): c is SyntaxNode => !!c);
    const last = statements[statements.length - 1];
    const closing = body.endIndex - 1;
    const indent = last ? lineIndent(text, last.startIndex) : lineIndent(text, closing) + step;
    const insertAt = last ? last.endIndex : body.startIndex + 1;
    // Past anything on the last statement's line (a trailing comment or #endif stays where it is).
    const lineEnd = text.indexOf('\n', insertAt);
    const at = lineEnd >= 0 && lineEnd < closing ? lineEnd : insertAt;
    return [{ at, end: at, text: `\n${indent}${statement}` }];
  }
  // options => expr   ->   options =>\n    {\n        expr;\n        options.Stores.SchemaVersion = ...;\n    }
  const base = lineIndent(text, call.startIndex);
  const open = base + step;
  const inner = open + step;
  const arrowEnd = lambda.text.indexOf('=>') + lambda.startIndex + 2;
  return [{ at: arrowEnd, end: body.endIndex, text: `\n${open}{\n${inner}${body.text};\n${inner}${statement}\n${open}}` }];
}
