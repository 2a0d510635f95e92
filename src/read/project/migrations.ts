/** The EF Core migrations of the DbContext: folder, namespace, model snapshot, migrations present. */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import type { SourceFile } from './sources.js';

export interface MigrationsFacts {
  /** the project folder that holds them (the web project or a class library) */
  projectDir: string;
  folder: string;
  namespace: string | null;
  snapshotFile: string;
  snapshotClass: string | null;
  productVersion: string | null;
  snapshotHasPasskeys: boolean;
  migrations: string[];
}

export function readMigrations(sources: SourceFile[], dbContextName: string): MigrationsFacts | null {
  const contextAttr = new RegExp(`\\[DbContext\\(typeof\\((?:[\\w.]+\\.)?${dbContextName}\\)\\)\\]`);
  const snapshot = sources.find((s) => /:\s*ModelSnapshot\b/.test(s.text) && contextAttr.test(s.text));
  if (!snapshot) return null;
  const folder = path.dirname(snapshot.path);
  const migrations = new Set<string>();
  for (const source of sources) {
    if (path.dirname(source.path) !== folder || !contextAttr.test(source.text)) continue;
    for (const match of source.text.matchAll(/\[Migration\("([^"]+)"\)\]/g)) migrations.add(match[1]!);
  }
  // Migration files whose Designer part is missing still count, by file name.
  for (const entry of readdirSync(folder)) {
    const match = /^(\d{14}_\w+)\.cs$/.exec(entry);
    if (match) migrations.add(match[1]!);
  }
  return {
    projectDir: snapshot.projectDir,
    folder,
    namespace: /^\s*namespace\s+([\w.]+)/m.exec(snapshot.text)?.[1] ?? null,
    snapshotFile: snapshot.path,
    snapshotClass: /\bclass\s+(\w+)\s*:\s*ModelSnapshot/.exec(snapshot.text)?.[1] ?? null,
    productVersion: /HasAnnotation\("ProductVersion",\s*"([^"]+)"\)/.exec(snapshot.text)?.[1] ?? null,
    snapshotHasPasskeys: /IdentityUserPasskey|AspNetUserPasskeys/.test(snapshot.text),
    migrations: [...migrations].sort(),
  };
}
