/**
 * The engines, by EF Core provider name. Each engine is one folder under engines/: `types.ts` (how EF spells its
 * types; loaded with this registry, no driver) and `dialect.ts` (the Dialect interface of dialect.ts, loaded on
 * demand, with its driver imported inside open()). Adding an engine: that folder, and one line in each map here.
 */
import type { ProviderName } from '../model/schema.js';
import type { Dialect } from './dialect.js';
import type { EngineTypes } from './engine-types.js';
import { mysqlTypes } from './engines/mysql/types.js';
import { postgresTypes } from './engines/postgres/types.js';
import { sqliteTypes } from './engines/sqlite/types.js';
import { sqlServerTypes } from './engines/sqlserver/types.js';

const TYPES: Record<ProviderName, EngineTypes> = { sqlite: sqliteTypes, sqlserver: sqlServerTypes, postgres: postgresTypes, mysql: mysqlTypes };

const DIALECTS: Record<ProviderName, () => Promise<Dialect>> = {
  sqlite: async () => (await import('./engines/sqlite/dialect.js')).sqliteDialect,
  sqlserver: async () => (await import('./engines/sqlserver/dialect.js')).sqlServerDialect,
  postgres: async () => (await import('./engines/postgres/dialect.js')).postgresDialect,
  mysql: async () => (await import('./engines/mysql/dialect.js')).mysqlDialect,
};

export function engineTypes(provider: ProviderName): EngineTypes {
  return TYPES[provider];
}

export function allEngineTypes(): EngineTypes[] {
  return Object.values(TYPES);
}

export function dialectFor(provider: ProviderName): Promise<Dialect> {
  return DIALECTS[provider]();
}

/** "no EF Core provider call (UseSqlite, UseSqlServer, ...) found for the DbContext": the calls from the engines. */
export function noProviderCallMessage(): string {
  return `no EF Core provider call (${allEngineTypes()
    .flatMap((e) => e.providerCalls)
    .join(', ')}) found for the DbContext`;
}
