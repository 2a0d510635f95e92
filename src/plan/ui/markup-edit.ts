/**
 * Edits of Razor markup (.cshtml) that keep the user's text: each finds one landmark (a form, a button, a list,
 * the end of the body) and inserts or changes only what passkeys need, indented like its neighbours.
 * Razor is HTML with C# islands, which no HTML parser reads faithfully; the landmarks are plain tags.
 */
import { lineIndent } from '../csharp-edit.js';
import type { TextEdit } from '../file-change.js';

export function eolOf(text: string): string {
  return text.includes('\r\n') ? '\r\n' : '\n';
}

function lineStartOf(text: string, index: number): number {
  return text.lastIndexOf('\n', index - 1) + 1;
}

function lineEndOf(text: string, index: number): number {
  const end = text.indexOf('\n', index);
  return end < 0 ? text.length : end + 1;
}

/** The sign-in form: the first `<form ...>` ... `</form>` that holds a password field. */
export function findLoginForm(text: string): { start: number; end: number } | null {
  const formStart = /<form\b[^>]*>/gi;
  let m: RegExpExecArray | null;
  while ((m = formStart.exec(text))) {
    const end = text.indexOf('</form>', m.index);
    if (end < 0) return null;
    const body = text.slice(m.index, end);
    if (/asp-for="[\w.]*Password"|type="password"/i.test(body)) return { start: m.index, end: end + '</form>'.length };
    formStart.lastIndex = end;
  }
  return null;
}

/** The name of the user-name field in the login form, e.g. "Input.Email" or "Email". */
export function userNameField(form: string): string | null {
  const m = /<input\b[^>]*\basp-for="([\w.]*(?:Email|UserName|Username|Login))"/i.exec(form);
  return m ? m[1]! : null;
}

/** `autocomplete="username webauthn"` on the user-name input, so the browser offers passkeys in autofill. */
export function autofillEdit(text: string, form: { start: number; end: number }, field: string): TextEdit | null {
  const re = new RegExp(`<input\\b[^>]*\\basp-for="${field.replace(/\./g, '\\.')}"[^>]*>`, 'i');
  const slice = text.slice(form.start, form.end);
  const m = re.exec(slice);
  if (!m) return null;
  const tag = m[0];
  const at = form.start + m.index;
  const auto = /\bautocomplete="([^"]*)"/i.exec(tag);
  if (auto) {
    if (/\bwebauthn\b/.test(auto[1]!)) return null;
    const value = auto[1]!.trim() ? `${auto[1]!.trim()} webauthn` : 'username webauthn';
    return { at: at + auto.index, end: at + auto.index + auto[0].length, text: `autocomplete="${value}"` };
  }
  const afterFor = /\basp-for="[^"]*"/.exec(tag)!;
  const insertAt = at + afterFor.index + afterFor[0].length;
  return { at: insertAt, end: insertAt, text: ' autocomplete="username webauthn"' };
}

/**
 * Inserts `block` (lines at column 0) after the form's password submit button: after the button's wrapping
 * element when the button sits alone in one (`<div>` / `</div>`), else after the button's line.
 */
export function afterSubmitButtonEdit(text: string, form: { start: number; end: number }, block: string): TextEdit | null {
  const slice = text.slice(form.start, form.end);
  const button = /<(button|input)\b[^>]*\btype="submit"[^>]*>/i.exec(slice);
  if (!button) return null;
  const buttonAt = form.start + button.index;
  const buttonLineStart = lineStartOf(text, buttonAt);
  // After the whole element: a start tag over several lines, a <button> with content and its end tag on later lines.
  let elementEnd = buttonAt + button[0].length;
  if (button[1]!.toLowerCase() === 'button') {
    const close = slice.toLowerCase().indexOf('</button>', button.index + button[0].length);
    if (close < 0) return null;
    elementEnd = form.start + close + '</button>'.length;
  }
  let anchorEnd = lineEndOf(text, elementEnd - 1);
  let indent = lineIndent(text, buttonAt);
  const previousLineStart = lineStartOf(text, buttonLineStart - 1);
  const previousLine = text.slice(previousLineStart, buttonLineStart).trim();
  const nextLine = text.slice(anchorEnd, lineEndOf(text, anchorEnd)).trim();
  if (/^<div\b[^>]*>$/i.test(previousLine) && /^<\/div>$/i.test(nextLine)) {
    indent = lineIndent(text, previousLineStart);
    anchorEnd = lineEndOf(text, anchorEnd);
  }
  const eol = eolOf(text);
  const lines = block
    .replace(/\s+$/, '')
    .split('\n')
    .map((l) => (l.length ? indent + l : ''))
    .join(eol);
  return { at: anchorEnd, end: anchorEnd, text: `${lines}${eol}` };
}

/** Adds a `<li>` to the first `<ul>` that holds nav links: after the entry matching `after`, else last. */
export function navEntryEdit(text: string, entry: string, after: RegExp): TextEdit | null {
  const ul = /<ul\b[^>]*>/i.exec(text);
  if (!ul) return null;
  const end = text.indexOf('</ul>', ul.index);
  if (end < 0) return null;
  const eol = eolOf(text);
  const list = text.slice(ul.index, end);
  const items = [...list.matchAll(/<li\b[^]*?<\/li>/gi)];
  if (!items.length) {
    const indent = lineIndent(text, end) + '    ';
    const at = lineStartOf(text, end);
    return { at, end: at, text: `${indent}${entry.trim()}${eol}` };
  }
  const anchor = items.find((i) => after.test(i[0])) ?? items[items.length - 1]!;
  const anchorAt = ul.index + anchor.index! + anchor[0].length;
  const indent = lineIndent(text, ul.index + anchor.index!);
  const at = lineEndOf(text, anchorAt);
  return { at, end: at, text: `${indent}${entry.trim()}${eol}` };
}

/** The `<environment ...>` tag helper blocks of a layout: markup in one renders only in some environments. */
export function environmentBlocks(text: string): { start: number; end: number; open: string }[] {
  return [...text.matchAll(/<environment\b[^>]*>[\s\S]*?<\/environment\s*>/gi)].map((m) => ({
    start: m.index!,
    end: m.index! + m[0].length,
    open: /^<environment\b[^>]*>/i.exec(m[0])![0],
  }));
}

/** The layout's `RenderSection("Scripts", ...)` line, in any case and either form (sections ignore case). */
export function scriptsSection(text: string): RegExpExecArray | null {
  return /^[ \t]*@(await\s+)?RenderSection(Async)?\(\s*"scripts"/im.exec(text);
}

/**
 * The script include, before the layout's Scripts section (so page scripts still come last), else before </body>;
 * before the first script whose src matches `before` when there is one (an older element that must load later).
 * Never inside an `<environment>` block: a line there would load in some environments only, so it goes after the
 * block (or before it, when it must come before a script inside it).
 */
export function scriptIncludeEdit(text: string, tag: string, before?: RegExp): TextEdit | null {
  if (text.includes('passkey-submit.js')) return null;
  const eol = eolOf(text);
  const blocks = environmentBlocks(text);
  const blockAt = (index: number) => blocks.find((b) => index > b.start && index < b.end);
  const insertAt = (index: number, indentFrom: number, indentExtra = ''): TextEdit => {
    const at = lineStartOf(text, index + 1);
    return { at, end: at, text: `${lineIndent(text, indentFrom)}${indentExtra}${tag}${eol}` };
  };
  const earlier = before ? [...text.matchAll(/^[ \t]*<script\b[^>]*\bsrc="([^"]*)"[^>]*>/gim)].find((m) => before.test(m[1]!)) : undefined;
  if (earlier) {
    const block = blockAt(earlier.index! + 1);
    const at = block ? block.start : earlier.index! + 1;
    return insertAt(at, at);
  }
  const section = scriptsSection(text);
  const lastScript = [...text.matchAll(/^[ \t]*<script\b[^>]*\bsrc=[^>]*><\/script>[ \t]*\r?$/gim)].filter((m) => !section || m.index! < section.index).pop();
  const sectionBlock = section ? blockAt(section.index + 1) : undefined;
  if (lastScript) {
    const block = blockAt(lastScript.index! + 1);
    if (!block) {
      const at = lineEndOf(text, lastScript.index!);
      return { at, end: at, text: `${lineIndent(text, lastScript.index! + 1)}${tag}${eol}` };
    }
    if (!sectionBlock || sectionBlock !== block) {
      // After the block that holds the app's last script: at the block's own indentation.
      const at = lineEndOf(text, block.end - 1);
      return { at, end: at, text: `${lineIndent(text, block.start)}${tag}${eol}` };
    }
  }
  if (section && !sectionBlock) return insertAt(section.index, section.index + 1);
  const anchor = sectionBlock ? sectionBlock.start : text.search(/<\/body>/i);
  if (anchor < 0) return null;
  return sectionBlock ? insertAt(anchor, anchor) : insertAt(anchor, anchor, '    ');
}

/** `@addTagHelper *, <assembly>` in a _ViewImports file, after its last directive of the same kind. */
export function addTagHelperEdit(text: string, assembly: string): TextEdit | null {
  const line = `@addTagHelper *, ${assembly}`;
  if (new RegExp(`^\\s*@addTagHelper\\s+\\*\\s*,\\s*${assembly.replace(/\./g, '\\.')}\\s*$`, 'm').test(text)) return null;
  const eol = eolOf(text);
  const all = [...text.matchAll(/^@addTagHelper\b.*$/gm)];
  if (all.length) {
    const last = all[all.length - 1]!;
    const at = last.index! + last[0].replace(/\r$/, '').length;
    return { at, end: at, text: `${eol}${line}` };
  }
  const at = text.length;
  return { at, end: at, text: `${text.length && !text.endsWith('\n') ? eol : ''}${line}${eol}` };
}
