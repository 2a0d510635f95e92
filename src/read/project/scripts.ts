/**
 * The app's own JavaScript that already defines a `<passkey-submit>` element (a team that started Microsoft's
 * guide by hand has one, e.g. wwwroot/js/PasskeySubmit.js). Read with ts-morph, loaded only when a file under
 * wwwroot (outside lib/) mentions the element at all.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

export interface ElementScript {
  /** absolute path */
  file: string;
  /** the path the layout would use for it, e.g. "js/PasskeySubmit.js" (relative to wwwroot) */
  webPath: string;
  /** the define call is already guarded by customElements.get */
  guarded: boolean;
}

const OURS = 'passkey-submit.js';

function jsFiles(dir: string, out: string[] = []): string[] {
  if (!existsSync(dir)) return out;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'lib' && entry.name !== 'node_modules') jsFiles(full, out);
    } else if (/\.m?js$/.test(entry.name) && !/\.min\.js$/.test(entry.name)) out.push(full);
  }
  return out;
}

export async function findElementScripts(projectDir: string, read: (file: string) => string = (f) => readFileSync(f, 'utf8')): Promise<ElementScript[]> {
  const wwwroot = path.join(projectDir, 'wwwroot');
  const candidates = jsFiles(wwwroot)
    .filter((file) => path.relative(wwwroot, file) !== path.join('js', OURS))
    .map((file) => ({ file, text: read(file) }))
    .filter(({ text }) => /['"`]passkey-submit['"`]/.test(text));
  if (!candidates.length) return [];
  const { defineCalls } = await import('./javascript.js');
  const out: ElementScript[] = [];
  for (const { file, text } of candidates) {
    const calls = await defineCalls(file, text);
    if (!calls.length) continue;
    out.push({ file, webPath: path.relative(wwwroot, file).split(path.sep).join('/'), guarded: calls.every((c) => c.guarded) });
  }
  return out;
}
