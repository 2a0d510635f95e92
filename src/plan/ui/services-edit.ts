/**
 * Registers the passkey rules with the app's services, right after its Identity registration (Program.cs,
 * Startup.ConfigureServices, or the extension method that registers Identity): `AddPasskeyAccount<TUser>(...)`,
 * which keeps the sign-in time in the authentication ticket, ends sessions whose passkey is deleted, and sets
 * user verification to "required" where everyone reviewing the diff sees it.
 */
import path from 'node:path';
import { render } from '../../core/template.js';
import { findAll, invokedName, parseCSharp, typeArguments, type SyntaxNode } from '../../read/project/csharp.js';
import { globalUsingsFor } from '../../read/project/index.js';
import type { SourceFile } from '../../read/project/sources.js';
import { hasUsing, lineIndent, refuseSyntaxErrors, usingEdit } from '../csharp-edit.js';
import { applyEdits, type TextEdit } from '../file-change.js';
import { indent, type UiContext } from './context.js';

/**
 * The statement an invocation belongs to (expression, declaration or return statement); for one inside #if
 * branches, the whole #if ... #endif, so what goes after it is compiled in every build.
 */
function statementOf(node: SyntaxNode): SyntaxNode | null {
  let statement: SyntaxNode | null = null;
  for (let n: SyntaxNode | null = node; n; n = n.parent) {
    if (!statement && (n.type === 'expression_statement' || n.type === 'local_declaration_statement' || n.type === 'return_statement')) statement = n;
    if (n.type === 'preproc_if') statement = n;
  }
  return statement;
}

/** `builder.Services` in `builder.Services.AddDefaultIdentity<U>(...)...` */
function receiverOf(call: SyntaxNode): string | null {
  const fn = call.childForFieldName('function');
  return fn?.type === 'member_access_expression' ? (fn.childForFieldName('expression')?.text ?? null) : null;
}

export async function planPasskeyServices(ctx: UiContext, sources: SourceFile[]): Promise<string[]> {
  const { identity } = ctx.facts;
  const registration = identity.registration;
  // Identity registered in another project (a class library) cannot see the web project's Passkeys namespace:
  // then the call that project's extension method makes in the web project is the anchor.
  const inWebProject = path.resolve(registration.file).startsWith(path.resolve(ctx.projectDir) + path.sep);
  const anchors = inWebProject
    ? [{ file: registration.file, method: registration.method, typed: true }]
    : registration.enclosingMethod
      ? sources
          .filter((s) => s.projectDir === ctx.projectDir && s.text.includes(registration.enclosingMethod!))
          .map((s) => ({ file: s.path, method: registration.enclosingMethod!, typed: false }))
      : [];
  for (const anchor of anchors) {
    const text = ctx.files.read(anchor.file);
    if (/\bAddPasskeyAccount\s*</.test(text)) return [];
    const root = (await parseCSharp(anchor.file, text)).tree.rootNode;
    const calls = findAll(root, 'invocation_expression').filter((c) => invokedName(c) === anchor.method && (!anchor.typed || typeArguments(c).length > 0));
    const call = calls.sort((a, b) => Math.abs(a.startPosition.row + 1 - registration.line) - Math.abs(b.startPosition.row + 1 - registration.line))[0];
    const statement = call && statementOf(call);
    const receiver = call && receiverOf(call);
    if (!call || !statement || !receiver) continue;
    refuseSyntaxErrors(statement, anchor.file);
    const eol = text.includes('\r\n') ? '\r\n' : '\n';
    const lead = lineIndent(text, statement.startIndex);
    const block = indent(render('ui/common/AddPasskeyAccount.cs.tmpl', { Receiver: receiver, UserType: ctx.userType }), lead).replace(/\n/g, eol);
    const edits: TextEdit[] =
      statement.type === 'return_statement'
        ? [{ at: statement.startIndex, end: statement.startIndex, text: `${block.trimStart()}${eol}${lead}` }]
        : [{ at: statement.endIndex, end: statement.endIndex, text: `${eol}${block}` }];
    const ns = `${ctx.namespace}.Passkeys`;
    if (!hasUsing(root, text, ns, globalUsingsFor(ctx.facts, anchor.file))) edits.push(usingEdit(root, text, ns));
    ctx.files.write(anchor.file, applyEdits(text, edits), 'register the passkey rules (AddPasskeyAccount)');
    return [];
  }
  return [
    `add ${'builder.Services'}.AddPasskeyAccount<${ctx.userType}>(passkeys => passkeys.UserVerificationRequirement = "required"); after the Identity registration (${path.basename(registration.file)}:${registration.line}): passkey-migrate did not find where to put it`,
  ];
}
