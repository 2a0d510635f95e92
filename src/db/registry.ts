/**
 * The engines, by EF Core provider name. Each engine is one folder under dialects/ implementing the Dialect
 * interface (dialect.ts); adding one touches this registry and that folder. Loaded on demand: a command loads only
 * the engine (and driver) it uses.
 */
import type { ProviderName } from '../model/schema.js';
import type { Dialect } from './dialect.js';

export async function dialectFor(provider: ProviderName): Promise<Dialect> {
  switch (provider) {
    case 'sqlite':
      return (await import('./dialects/sqlite.js')).sqliteDialect;
    case 'postgres':
      return (await import('./dialects/postgres.js')).postgresDialect;
    case 'mysql':
      return (await import('./dialects/mysql.js')).mysqlDialect;
    case 'sqlserver':
      return (await import('./dialects/sqlserver.js')).sqlServerDialect;
  }
}
