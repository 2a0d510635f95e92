/**
 * The fast path of `add --check`: the answer of the last check, kept with the digest of every file it read
 * (core/input-record.ts) and of the database state it planned from. When none of the files changed, the options,
 * the environment and our own build are the same, no time-bound answer expired, and one read of the database
 * finds it as it was, the kept output is given again without reading the project (no SDK, no C# parser).
 * Anything else, including any failure here, runs the full check, which keeps a new answer.
 *
 * Kept under the user's cache folder (never the reviewed tree), files readable by the user only; the key is an
 * HMAC (a random per-user key) over everything it depends on, so no connection string can be read back from it.
 */
import { writeCacheFile } from '../core/cache-file.js';
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { packageRoot } from '../core/package-root.js';
import { fileURLToPath } from 'node:url';
import { firstChanged, startRecording, type InputEntry } from '../core/input-record.js';
import type { Output } from '../core/output.js';
import { version } from '../core/version.js';
import type { IdentityTableRole, ProviderName } from '../read/facts.js';
import type { PasskeyDataShape } from '../model/schema.js';
import { cacheDir } from '../read/project/evaluate.js';
import type { AddOptions, CheckObservation } from './add.js';

const ENTRY_VERSION = 2;

interface DbRecipe {
  provider: ProviderName;
  projectDir: string;
  tables: Record<IdentityTableRole, { name: string; schema: string | null }>;
  keyType: string;
  passkeyData: PasskeyDataShape;
  /** where the connection string comes from: --connection, or the app's configuration (resolved again) */
  connection: { kind: 'option' } | { kind: 'config'; name: string; userSecretsId?: string };
  fingerprint: string;
}

interface Entry {
  version: number;
  key: string;
  inputs: InputEntry[];
  /** ms since the epoch; null: no time-bound answer was used */
  validUntil: number | null;
  db: DbRecipe | null;
  writes: { fd: 1 | 2; text: string }[];
  exitCode: number;
}

/** The environment a check depends on: MSBuild's and NuGet's variables, ASP.NET Core's configuration, our own. */
const ENV =
  /^(MSBUILD|DOTNET_|NUGET|ASPNETCORE_|CONNECTIONSTRINGS(__|:)|PASSKEY_MIGRATE_|XDG_|Configuration$|Platform$|TargetFramework$|HOME$|USERPROFILE$|APPDATA$|LOCALAPPDATA$|PATH$|NO_COLOR$|FORCE_COLOR$|TERM$|CI$)/i;

/** The tables add creates when missing (commands/add.ts): whether each exists is part of the plan. */
const BOOKKEEPING = ['__EFMigrationsHistory', '__EFMigrationsLock'];

function fingerprintOf(state: unknown, bookkeeping: boolean[]): string {
  return createHash('sha256').update(JSON.stringify({ state, bookkeeping })).digest('base64url');
}

/** Our bundle and dependencies (covered by the build stamp) and our caches: not recorded one by one. */
function packageFolders(): string[] {
  try {
    const root = packageRoot();
    return [path.join(root, 'dist'), path.join(root, 'node_modules'), cacheDir()];
  } catch {
    return [cacheDir()];
  }
}

function folder(): string {
  return path.join(cacheDir(), 'check');
}

function secret(): Buffer {
  const file = path.join(folder(), 'key');
  try {
    const key = readFileSync(file);
    if (key.length === 32) return key;
  } catch {
    // made below
  }
  const key = randomBytes(32);
  // Where it cannot be kept, the next run makes another key (and misses the cache).
  writeCacheFile(file, key, { private: true });
  return key;
}

/** Our own build: a new version or a rebuilt bundle invalidates every kept answer. */
function buildStamp(): string {
  const self = fileURLToPath(import.meta.url);
  try {
    const s = statSync(self);
    return `${version}:${self}:${s.size}:${s.mtimeMs}`;
  } catch {
    return `${version}:${self}`;
  }
}

function keyOf(hmacKey: Buffer, options: AddOptions, out: Output): { file: string; key: string } {
  const env = Object.entries(process.env)
    .filter(([k]) => ENV.test(k))
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k}=${v}`)
    .join('\n');
  const opts = JSON.stringify(Object.entries(options).sort(([a], [b]) => a.localeCompare(b)));
  const where = `${process.cwd()}\n${options.project ?? ''}`;
  const mac = (text: string) => createHmac('sha256', hmacKey).update(text).digest('base64url');
  // One entry per project, options, output mode and environment (a check in another environment keeps its own).
  const key = mac(`key\n${ENTRY_VERSION}\n${buildStamp()}\n${where}\n${opts}\n${out.mode}\n${env}`);
  return { file: path.join(folder(), `${key.slice(0, 32)}.json`), key };
}

/** One read of the database: the state the plan depends on, as a digest (null when it cannot be read). */
async function databaseFingerprint(recipe: Omit<DbRecipe, 'fingerprint'>, options: AddOptions): Promise<string | null> {
  const connection = await connectionFor(recipe, options);
  if (connection === null) return null;
  const [{ dialectFor }, { readDbState }] = await Promise.all([import('../db/registry.js'), import('../plan/db-plan.js')]);
  const dialect = await dialectFor(recipe.provider);
  const db = await dialect.open(connection, recipe.projectDir, { connectTimeoutMs: options.connectTimeout ?? 5000, lockTimeoutMs: options.lockTimeout ?? 30_000 });
  try {
    const facts = { identity: { tables: recipe.tables, keyType: recipe.keyType } } as unknown as import('../read/project/index.js').ProjectFacts;
    const state = await readDbState(db, dialect, facts, recipe.passkeyData);
    const bookkeeping: boolean[] = [];
    for (const name of BOOKKEEPING) bookkeeping.push(await dialect.tableExists(db, { name, schema: null }));
    return fingerprintOf(state, bookkeeping);
  } finally {
    await db.destroy();
  }
}

async function connectionFor(recipe: Omit<DbRecipe, 'fingerprint'>, options: AddOptions): Promise<string | null> {
  if (recipe.connection.kind === 'option') return options.connection ?? null;
  const { launchProfile, resolveConnectionString } = await import('../read/project/config.js');
  const profile = await launchProfile(recipe.projectDir);
  const resolved = await resolveConnectionString({
    projectDir: recipe.projectDir,
    name: recipe.connection.name,
    userSecretsId: recipe.connection.userSecretsId,
    env: { ...process.env, ...(profile?.environmentVariables ?? {}) },
  });
  return resolved?.value ?? null;
}

function readEntry(file: string): Entry | null {
  try {
    const entry = JSON.parse(readFileSync(file, 'utf8')) as Entry;
    return entry.version === ENTRY_VERSION && Array.isArray(entry.inputs) && Array.isArray(entry.writes) ? entry : null;
  } catch {
    return null;
  }
}

/**
 * `add --check` through the cache: the kept answer when nothing it depends on changed, else the full check
 * (`full`), recorded and kept for the next run. PASSKEY_MIGRATE_NO_CHECK_CACHE=1 turns the cache off.
 */
export async function checkWithCache(options: AddOptions, out: Output, full: (observe: (seen: CheckObservation) => void) => Promise<number>): Promise<number> {
  if (process.env.PASSKEY_MIGRATE_NO_CHECK_CACHE === '1') return full(() => undefined);
  let where: { file: string; key: string } | null = null;
  try {
    where = keyOf(secret(), options, out);
    const entry = readEntry(where.file);
    if (!entry) out.debug('check cache: no earlier check with these options here');
    else if (entry.key !== where.key) out.debug('check cache: the earlier check had other inputs');
    else if (entry.validUntil !== null && Date.now() >= entry.validUntil) out.debug('check cache: the earlier check used package-source answers that are out of date');
    else {
      const changed = firstChanged(entry.inputs);
      if (changed) out.debug(`check cache: ${changed.path} changed (${changed.kind})`);
      else if (!entry.db || (await databaseFingerprint(entry.db, options)) === entry.db.fingerprint) {
        out.debug('check cache: nothing changed since the last check');
        out.replay(entry.writes);
        return entry.exitCode;
      } else out.debug('check cache: the database changed');
    }
  } catch (error) {
    out.debug(`check cache not used: ${(error as Error).message}`);
  }

  // The full check, recorded: every file it reads, every write it makes, the database state it planned from.
  const recording = startRecording(packageFolders());
  const captured = out.capture();
  let seen: CheckObservation | null = null;
  let exitCode: number;
  let recorded: { inputs: InputEntry[]; validUntil: number };
  let writes: { fd: 1 | 2; text: string }[];
  try {
    exitCode = await full((s) => (seen = s));
  } finally {
    recorded = recording.stop();
    writes = captured();
  }
  if (!where || (exitCode !== 0 && exitCode !== 2) || !seen) return exitCode;
  const { facts, db: dbPlan, missingTables } = seen as CheckObservation;
  let db: DbRecipe | null = null;
  if (dbPlan) {
    const connection: DbRecipe['connection'] | null =
      options.connection !== undefined
        ? { kind: 'option' }
        : facts.identity.connectionStringName && facts.connection
          ? { kind: 'config', name: facts.identity.connectionStringName, userSecretsId: facts.msbuild.evaluated.UserSecretsId || undefined }
          : null;
    if (!connection) return exitCode; // a connection string written in the code: not kept
    const provider = options.provider ?? facts.identity.provider?.name;
    if (!provider) return exitCode;
    db = {
      provider,
      projectDir: facts.msbuild.dir,
      tables: facts.identity.tables,
      keyType: facts.identity.keyType,
      passkeyData: dbPlan.state.passkeyData,
      connection,
      fingerprint: fingerprintOf(
        dbPlan.state,
        BOOKKEEPING.map((name) => !missingTables.includes(name)),
      ),
    };
  }
  writeCacheFile(
    where.file,
    JSON.stringify({
      version: ENTRY_VERSION,
      key: where.key,
      inputs: recorded.inputs,
      validUntil: Number.isFinite(recorded.validUntil) ? recorded.validUntil : null,
      db,
      writes,
      exitCode,
    } satisfies Entry),
    { private: true },
  );
  return exitCode;
}
