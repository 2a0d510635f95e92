/**
 * The JavaScript parser: ts-morph (the TypeScript compiler's syntax tree), loaded on first use only. Finds the
 * app's own `customElements.define('passkey-submit', ...)` calls.
 */
import type { CallExpression, SourceFile } from 'ts-morph';

export const ELEMENT = 'passkey-submit';

export async function parseJs(file: string, text: string): Promise<SourceFile> {
  const { Project } = await import('ts-morph');
  const project = new Project({ useInMemoryFileSystem: true, compilerOptions: { allowJs: true } });
  return project.createSourceFile(file.endsWith('.mjs') ? 'element.mjs' : 'element.js', text, { overwrite: true });
}

export function isDefineOfElement(call: CallExpression): boolean {
  const callee = call.getExpression().getText().replace(/\s+/g, '');
  const first = call.getArguments()[0];
  return /(^|\.)customElements\.define$/.test(callee) && !!first && first.getText().slice(1, -1) === ELEMENT;
}

export function isGuarded(call: CallExpression): boolean {
  return call
    .getAncestors()
    .some(
      (a) =>
        a.getKindName() === 'IfStatement' &&
        /customElements\.get\(\s*['"`]passkey-submit['"`]\s*\)/.test((a as { getExpression?: () => { getText(): string } }).getExpression?.().getText() ?? ''),
    );
}

export async function defineCalls(file: string, text: string): Promise<{ guarded: boolean }[]> {
  const { SyntaxKind } = await import('ts-morph');
  const source = await parseJs(file, text);
  return source
    .getDescendantsOfKind(SyntaxKind.CallExpression)
    .filter(isDefineOfElement)
    .map((call) => ({ guarded: isGuarded(call) }));
}
