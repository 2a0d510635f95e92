/** The read stage for the database side: open read-only, read the Identity facts, close. */
import { existsSync } from 'node:fs';
import { UserError } from '../../core/errors.js';
import type { ProviderName } from '../facts.js';
import { dialectFor } from '../../db/registry.js';
import { readDatabaseFacts, type DatabaseFacts } from './identity-schema.js';
import type { IdentityFacts } from '../project/identity.js';
import type { PasskeyDataShape } from '../../model/schema.js';

export const DEFAULT_CONNECT_TIMEOUT_MS = 5000;

export async function readDatabase(options: {
  provider: ProviderName;
  connectionString: string;
  baseDir: string;
  tables: IdentityFacts['tables'];
  keyType: string;
  passkeyData?: PasskeyDataShape;
  connectTimeoutMs?: number;
}): Promise<DatabaseFacts> {
  const dialect = await dialectFor(options.provider);
  const target = await dialect.target(options.connectionString, options.baseDir);
  if (target.file && !existsSync(target.file)) {
    // The app has never run its migrations: a fact, not an error.
    return emptyFacts(options.provider, target.display, options.tables);
  }
  const db = await dialect.open(options.connectionString, options.baseDir, {
    readOnly: true,
    connectTimeoutMs: options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
  });
  try {
    return await readDatabaseFacts({ db, dialect, target: target.display, tables: options.tables, keyType: options.keyType, passkeyData: options.passkeyData });
  } catch (error) {
    if (error instanceof UserError) throw error;
    throw new UserError(`reading the ${dialect.label} database ${target.display} failed: ${(error as Error).message.split('\n')[0]}`);
  } finally {
    await db.destroy();
  }
}

function emptyFacts(provider: ProviderName, target: string, tables: IdentityFacts['tables']): DatabaseFacts {
  return {
    provider,
    target,
    exists: false,
    tables: Object.fromEntries(Object.entries(tables).map(([k, v]) => [k, { ...v, exists: false }])) as DatabaseFacts['tables'],
    userKeyColumnType: null,
    passkeysTable: 'absent',
    passkeysTableProblems: [],
    historyTable: null,
    appliedMigrations: [],
    schemaVersion: null,
    schemaVersionBasis: 'the database file does not exist yet',
  };
}
