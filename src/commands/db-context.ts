/** What the db commands share: the project facts, the engine, the connection, the paths. */
import { UserError } from '../core/errors.js';
import type { Dialect } from '../db/dialect.js';
import { dialectFor, noProviderCallMessage } from '../db/registry.js';
import type { ProviderName } from '../read/facts.js';
import { requireConnection, type ProjectFacts } from '../read/project/index.js';
import { readTarget, type TargetOptions } from './target.js';

export const DEFAULT_CONNECT_TIMEOUT_MS = 5000;
export const DEFAULT_LOCK_TIMEOUT_MS = 30_000;

export interface DbCommandOptions extends TargetOptions {
  provider?: ProviderName;
  connectTimeout?: number;
  lockTimeout?: number;
  keepExistingColumns?: boolean;
}

export interface DbContext {
  facts: ProjectFacts;
  provider: ProviderName;
  dialect: Dialect;
  /** where the database journal lives: the project that holds the migrations (else the web project) */
  journalDir: string;
}

export async function loadDbContext(options: DbCommandOptions): Promise<DbContext> {
  return dbContextFor(await readTarget(options), options);
}

/** The database side of facts already read (the project is not read again). */
export async function dbContextFor(facts: ProjectFacts, options: DbCommandOptions): Promise<DbContext> {
  const provider = options.provider ?? facts.identity.provider?.name;
  if (!provider) {
    throw new UserError(noProviderCallMessage(), { hint: 'pass --provider' });
  }
  return { facts, provider, dialect: await dialectFor(provider), journalDir: facts.migrations?.projectDir ?? facts.msbuild.dir };
}

/** Opens the app's database; `readOnly` (stats) takes no lock, so only the connect bound applies to it. */
export async function openDatabase(ctx: DbContext, options: DbCommandOptions, mode: { readOnly?: boolean } = {}) {
  const connection = requireConnection(ctx.facts);
  const target = await ctx.dialect.target(connection.value, ctx.facts.msbuild.dir);
  const db = await ctx.dialect.open(connection.value, ctx.facts.msbuild.dir, {
    connectTimeoutMs: options.connectTimeout ?? DEFAULT_CONNECT_TIMEOUT_MS,
    lockTimeoutMs: options.lockTimeout ?? (mode.readOnly ? undefined : DEFAULT_LOCK_TIMEOUT_MS),
    ...(mode.readOnly ? { readOnly: true } : {}),
  });
  return { db, target };
}
