/**
 * A database driver that is missing, or a native one that cannot load here, is one line naming the package and
 * the command that installs it where passkey-migrate resolves it from (db/driver.ts, core/package-root.ts).
 */
import { describe, expect, it } from 'vitest';
import { brokenNative, loadDriver, missingDriver } from '../../src/db/driver.js';
import { installCommand, packageRoot } from '../../src/core/package-root.js';
import { isUserError } from '../../src/core/errors.js';

describe('drivers', () => {
  it('a missing package: one line with the install command, code driver-missing', async () => {
    const notFound = Object.assign(new Error("Cannot find package 'pg' imported from /x/dist/chunks/dialect.js"), { code: 'ERR_MODULE_NOT_FOUND' });
    const error = await loadDriver('pg', 'PostgreSQL', () => Promise.reject(notFound)).catch((e: unknown) => e);
    expect(isUserError(error)).toBe(true);
    expect((error as Error).message).toBe(`PostgreSQL needs the pg package, which is not installed: run ${installCommand('pg')}`);
    expect((error as { code: string }).code).toBe('driver-missing');
    expect((error as Error).message).not.toMatch(/\n/);
  });

  it('another module missing inside the driver is not blamed on the driver', async () => {
    const inner = Object.assign(new Error("Cannot find package 'pg-types' imported from /x/node_modules/pg/lib/index.js"), { code: 'ERR_MODULE_NOT_FOUND' });
    await expect(loadDriver('pg', 'PostgreSQL', () => Promise.reject(inner))).rejects.toBe(inner);
  });

  it('a native module built for another Node, or not built: named, with npm rebuild', () => {
    for (const message of ['Could not locate the bindings file. Tried: ...', 'was compiled against a different Node.js version using NODE_MODULE_VERSION 115']) {
      const error = brokenNative(new Error(message), 'better-sqlite3', 'SQLite');
      expect(error?.message).toMatch(
        new RegExp(
          `^SQLite needs the better-sqlite3 package, which is installed but not built for Node ${process.versions.node.replace(/\./g, '\\.')}: run npm install better-sqlite3 .* or npm rebuild better-sqlite3$`,
        ),
      );
    }
    expect(brokenNative(new Error('SQLITE_CANTOPEN: unable to open database file'), 'better-sqlite3', 'SQLite')).toBeNull();
  });

  it('from a clone the install command names the clone', () => {
    expect(missingDriver('mysql2', 'MySQL/MariaDB').message).toBe(`MySQL/MariaDB needs the mysql2 package, which is not installed: run npm install mysql2 (in ${packageRoot()})`);
  });
});
