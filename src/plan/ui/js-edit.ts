/**
 * JavaScript edits with ts-morph: only the statement that changes is rewritten; every other character of the
 * user's file stays.
 */
import { ELEMENT, isDefineOfElement, isGuarded, parseJs } from '../../read/project/javascript.js';

/**
 * `customElements.define('passkey-submit', X);` -> `if (!customElements.get('passkey-submit')) { ... }`, so the
 * element passkey-migrate ships (loaded first) wins and this file's definition no longer throws.
 */
export async function guardDefine(file: string, text: string): Promise<string> {
  const { SyntaxKind } = await import('ts-morph');
  const source = await parseJs(file, text);
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const edits: { start: number; end: number; text: string }[] = [];
  for (const call of source.getDescendantsOfKind(SyntaxKind.CallExpression).filter(isDefineOfElement)) {
    if (isGuarded(call)) continue;
    const statement = call.getFirstAncestorByKind(SyntaxKind.ExpressionStatement);
    if (!statement || statement.getExpression() !== call) continue;
    const indent = /[ \t]*$/.exec(text.slice(0, statement.getStart()))![0];
    const unit = /\n\t/.test(text) ? '\t' : '  ';
    const inner = statement
      .getText()
      .split(/\r?\n/)
      .map((line, i) => (i === 0 ? line : unit + line))
      .join(eol);
    edits.push({
      start: statement.getStart(),
      end: statement.getEnd(),
      text: `// passkey-migrate: the element in passkey-submit.js is used; this definition stays for pages without it.${eol}${indent}if (!customElements.get('${ELEMENT}')) {${eol}${indent}${unit}${inner}${eol}${indent}}`,
    });
  }
  let out = text;
  for (const e of edits.sort((a, b) => b.start - a.start)) out = out.slice(0, e.start) + e.text + out.slice(e.end);
  return out;
}
