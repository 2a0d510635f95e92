/**
 * Database drivers are optional peer dependencies: a user installs only the one for the engine in use (SQLite
 * needs none on Node 22.16 and later). A driver that is missing, or a native one built for another Node, is one
 * line naming the package and the command that installs it.
 */
import { UserError } from '../core/errors.js';
import { installCommand } from '../core/package-root.js';

export type DriverPackage = 'pg' | 'mysql2' | 'tedious' | 'better-sqlite3';

export function missingDriver(pkg: DriverPackage, engine: string, why = 'is not installed', extra = ''): UserError {
  return new UserError(`${engine} needs the ${pkg} package, which ${why}: run ${installCommand(pkg)}${extra}`, { code: 'driver-missing' });
}

function isMissing(error: unknown, pkg: string): boolean {
  const e = error as NodeJS.ErrnoException;
  return (e?.code === 'ERR_MODULE_NOT_FOUND' || e?.code === 'MODULE_NOT_FOUND') && new RegExp(`['"]${pkg}['"/]`).test(String(e.message));
}

/** Loads a driver; `load` is the literal `import('pkg')`, so that the bundler keeps it external. */
export async function loadDriver<T>(pkg: DriverPackage, engine: string, load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (error) {
    if (isMissing(error, pkg)) throw missingDriver(pkg, engine);
    throw error;
  }
}

/** A native module that loads but cannot run here (no build, or built for another Node). */
export function brokenNative(error: unknown, pkg: DriverPackage, engine: string): UserError | null {
  const message = String((error as Error)?.message ?? '');
  if (/Could not locate the bindings file|NODE_MODULE_VERSION|invalid ELF header|wrong ELF class/.test(message)) {
    return missingDriver(pkg, engine, `is installed but not built for Node ${process.versions.node}`, ` or npm rebuild ${pkg}`);
  }
  return null;
}
