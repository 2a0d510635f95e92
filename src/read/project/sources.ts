/** The C# source files of a project: every .cs below its folder, minus build output and nested projects. */
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { describeFsError } from '../../core/fs-errors.js';
import { readSourceText, type LineEndings } from '../text.js';

const SKIP = new Set(['bin', 'obj', 'node_modules', 'wwwroot', '.git', '.vs', '.idea']);

export interface SourceFile {
  path: string;
  text: string;
  /** the project folder this file belongs to */
  projectDir: string;
  /** the file starts with a UTF-8 byte-order mark */
  bom?: boolean;
  eol?: LineEndings;
}

export function listCSharpFiles(projectDir: string): SourceFile[] {
  const out: SourceFile[] = [];
  const visit = (dir: string, top: boolean): void => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    // A nested folder with its own project file belongs to that project, not this one.
    if (!top && entries.some((e) => e.isFile() && e.name.endsWith('.csproj'))) return;
    for (const entry of entries) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        if (!SKIP.has(entry.name) && !entry.name.startsWith('.')) visit(full, false);
      } else if (entry.name.endsWith('.cs') && (entry.isFile() || (entry.isSymbolicLink() && linkedFile(full)))) {
        const source = readSourceText(full);
        out.push({ path: full, text: source.text, projectDir, bom: source.bom, eol: source.eol });
      }
    }
  };
  visit(projectDir, true);
  return out.sort((a, b) => a.path.localeCompare(b.path));
}

/** A symbolic link to a file counts as that file; a broken link or a loop is an error naming it, never skipped. */
function linkedFile(file: string): boolean {
  try {
    return statSync(file).isFile();
  } catch (error) {
    throw describeFsError(error, file, 'read');
  }
}
