/**
 * Maps the passkey endpoints where the app maps its pages or controllers: `app.MapRazorPages();` in Program.cs,
 * or `endpoints.MapRazorPages();` inside Startup.Configure's UseEndpoints, with the C# parser.
 */
import { findAll, invokedName, parseCSharp, type SyntaxNode } from '../../read/project/csharp.js';
import type { SourceFile } from '../../read/project/sources.js';
import { hasUsing, lineIndent, refuseSyntaxErrors, usingEdit } from '../csharp-edit.js';
import { applyEdits, type TextEdit } from '../file-change.js';
import type { StagedTree } from '../tree.js';

const ANCHORS = ['MapRazorPages', 'MapControllerRoute', 'MapDefaultControllerRoute', 'MapControllers', 'MapAreaControllerRoute'];

function receiverOf(call: SyntaxNode): string | null {
  let fn = call.childForFieldName('function');
  while (fn) {
    if (fn.type === 'identifier') return fn.text;
    if (fn.type === 'member_access_expression') fn = fn.childForFieldName('expression');
    else if (fn.type === 'invocation_expression') fn = fn.childForFieldName('function');
    else return null;
  }
  return null;
}

export async function planEndpointMapping(
  sources: SourceFile[],
  options: { namespace: string; userType: string; tree: StagedTree; globals?: (file: string) => ReadonlySet<string>; rateLimitPolicy?: string },
): Promise<{ mapped: boolean; file: string | null }> {
  const candidates = sources.filter((s) => ANCHORS.some((a) => s.text.includes(a)));
  for (const source of candidates) {
    const text = options.tree.read(source.path);
    const parsed = await parseCSharp(source.path, text);
    const root = parsed.tree.rootNode;
    if (findAll(root, 'invocation_expression').some((c) => invokedName(c) === 'MapPasskeyEndpoints')) {
      return { mapped: true, file: source.path };
    }
    const calls = findAll(root, 'invocation_expression').filter((c) => ANCHORS.includes(invokedName(c) ?? ''));
    // The last mapping statement: the endpoints go after the app's own.
    const statements = calls
      .map((c) => {
        let n: SyntaxNode | null = c;
        while (n && n.type !== 'expression_statement' && n.type !== 'global_statement') n = n.parent;
        return n?.type === 'global_statement' ? (n.namedChildren[0] ?? null) : n;
      })
      .filter((s): s is SyntaxNode => !!s && s.type === 'expression_statement');
    const statement = statements.sort((a, b) => a.endIndex - b.endIndex).pop();
    if (!statement) continue;
    const call = calls.find((c) => c.startIndex >= statement.startIndex && c.endIndex <= statement.endIndex)!;
    refuseSyntaxErrors(statement, source.path);
    const receiver = receiverOf(call) ?? 'app';
    const eol = text.includes('\r\n') ? '\r\n' : '\n';
    const edits: TextEdit[] = [
      {
        at: statement.endIndex,
        end: statement.endIndex,
        text: `${eol}${lineIndent(text, statement.startIndex)}${receiver}.MapPasskeyEndpoints<${options.userType}>(${options.rateLimitPolicy ? `rateLimitPolicy: ${JSON.stringify(options.rateLimitPolicy)}` : ''});`,
      },
    ];
    const ns = `${options.namespace}.Passkeys`;
    if (!hasUsing(root, text, ns, options.globals?.(source.path))) edits.push(usingEdit(root, text, ns));
    options.tree.write(source.path, applyEdits(text, edits), 'map the passkey endpoints');
    return { mapped: true, file: source.path };
  }
  return { mapped: false, file: null };
}
