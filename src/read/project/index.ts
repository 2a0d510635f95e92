/** The read stage for the .NET side: every fact about the project, gathered without side effects. */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { UserError } from '../../core/errors.js';
import { environmentName, launchProfile, readJsonWithComments, resolveConnectionString, type ResolvedConnectionString } from './config.js';
import { findExistingPasskeySupport, type ExistingPasskeySupport } from './existing-passkeys.js';
import { DEFAULT_TABLES, readIdentity, type IdentityFacts } from './identity.js';
import { locateProject, type LocatedProject } from './locate.js';
import { snapshotTables } from './snapshot.js';
import { readMigrations, type MigrationsFacts } from './migrations.js';
import { evaluateProject } from './evaluate.js';
import { findUpwards, readMsbuildProject, targetFrameworks, type MsbuildProject } from './msbuild.js';
import { listCSharpFiles, type SourceFile } from './sources.js';
import { readUi, type UiFacts } from './ui.js';
import type { PasskeyDataShape } from '../../model/schema.js';

export interface ProjectFacts {
  located: LocatedProject;
  msbuild: MsbuildProject;
  /** referenced projects, transitively (the DbContext may live in one) */
  references: MsbuildProject[];
  targetFrameworks: string[];
  sdkPin: { file: string; version: string | null; rollForward: string | null } | null;
  identity: IdentityFacts;
  schemaVersion: { configured: string | null; effective: 1 | 2 | 3 };
  maxLengthForKeys: { configured: number | null; effective: number; reason: string };
  ui: UiFacts;
  migrations: MigrationsFacts | null;
  connection: ResolvedConnectionString | { name: string | null; value: string; source: string } | null;
  /** the launch profile `dotnet run` uses, whose environment variables join the configuration */
  launchProfile: { name: string; file: string } | null;
  /** the environment variables that profile gives the app (never printed: they may hold secrets) */
  launchEnvironment: Record<string, string>;
  /** the ASP.NET Core environment the app runs in (Development unless set) */
  environment: string;
  /** passkey or WebAuthn support the app already has */
  existingPasskeys: ExistingPasskeySupport[];
  /** how the web project's own C# files are written (most of them): new files are written the same way */
  fileStyle: { bom: boolean; eol: 'lf' | 'crlf' };
}

export interface ReadProjectOptions {
  project?: string;
  cwd?: string;
  connection?: string;
  env?: NodeJS.ProcessEnv;
  /**
   * Which build the C# is read as (the #if branches it compiles): the app as it is (`current`, for detect), or
   * as it will be after the upgrade to .NET 10 (`net10`, the default for the commands that change it).
   */
  compileFor?: 'current' | 'net10';
  /** the launch profile to read (as `dotnet run --launch-profile`); default: the one `dotnet run` picks */
  launchProfile?: string;
  /** read no launch profile (as `dotnet run --no-launch-profile`) */
  noLaunchProfile?: boolean;
}

/** The preprocessor symbols of a build (DefineConstants after the SDK adds its framework symbols). */
async function defineConstants(projectPath: string, frameworks: string[], compileFor: 'current' | 'net10'): Promise<string[]> {
  const below10 = (f: string) => /^net\d+\.\d+$/.test(f) && Number(f.slice(3).split('.')[0]) < 10;
  const framework = compileFor === 'net10' ? (frameworks.some(below10) || !frameworks.length ? 'net10.0' : frameworks[0]!) : frameworks[0];
  const evaluated = await evaluateProject(projectPath, { globals: framework ? { TargetFramework: framework } : {}, target: 'AddImplicitDefineConstants' });
  return (evaluated.properties.DefineConstants ?? '')
    .split(/[;,]/)
    .map((s) => s.trim())
    .filter(Boolean);
}

export async function readProject(options: ReadProjectOptions = {}): Promise<ProjectFacts> {
  const located = locateProject(options.project, options.cwd);
  const msbuild = readMsbuildProject(located.projectPath, await evaluateProject(located.projectPath));
  // Referenced projects, transitively, each evaluated by the SDK (a level at a time, in parallel).
  const references: MsbuildProject[] = [];
  const seen = new Set([msbuild.path]);
  let level = msbuild.projectReferences;
  while (level.length) {
    const next = [...new Set(level)].filter((p) => !seen.has(p) && existsSync(p));
    next.forEach((p) => seen.add(p));
    const read = await Promise.all(next.map(async (p) => readMsbuildProject(p, await evaluateProject(p))));
    references.push(...read);
    level = read.flatMap((r) => r.projectReferences);
  }

  const sources = [msbuild, ...references].flatMap((p) => listCSharpFiles(p.dir));
  for (const project of [msbuild, ...references]) {
    for (const source of sources.filter((s) => s.projectDir === project.dir)) {
      for (const m of source.text.matchAll(/^\s*global\s+using\s+(?!static\b)([\w.]+)\s*;/gm)) project.globalUsings.add(m[1]!);
    }
  }
  // The environment `dotnet run` gives the app: the shell's, with the launch profile's variables on top.
  const profile = options.noLaunchProfile ? null : await launchProfile(msbuild.dir, options.launchProfile);
  const env: NodeJS.ProcessEnv = { ...(options.env ?? process.env), ...(profile?.environmentVariables ?? {}) };
  // Each project's own symbols, asked of the SDK only for projects whose sources have #if.
  const symbols = new Map<string, string[]>();
  for (const project of [msbuild, ...references]) {
    if (sources.some((s) => s.projectDir === project.dir && /^\s*#\s*(if|elif)\b/m.test(s.text))) {
      symbols.set(project.dir, await defineConstants(project.path, targetFrameworks(project), options.compileFor ?? 'net10'));
    }
  }
  const identity = await readIdentity(sources, { symbols: (dir) => symbols.get(dir) ?? [], environment: environmentName(env) });

  const configured = identity.schemaVersionSetting?.value ?? null;
  const effective = (configured && /^Version([123])$/.exec(configured) ? Number(configured.slice(-1)) : 1) as 1 | 2 | 3;
  // AddDefaultIdentity sets MaxLengthForKeys = 128 before the app's options run; from Version2 on, 0 means 128.
  const configuredKeys = identity.maxLengthForKeysSetting?.value ?? null;
  let keys = configuredKeys ?? (identity.registration.method === 'AddDefaultIdentity' ? 128 : 0);
  let reason = configuredKeys !== null ? 'set in code' : identity.registration.method === 'AddDefaultIdentity' ? 'set by AddDefaultIdentity' : 'not set';
  if (keys === 0 && effective >= 2) {
    keys = 128;
    reason = `schema Version${effective} default`;
  }

  const packages = [msbuild, ...references].flatMap((p) => p.packages);
  const ui = readUi({
    projectDir: msbuild.dir,
    sources,
    identityUiFrameworkVersion: msbuild.evaluated.IdentityUIFrameworkVersion || undefined,
    identityUiPackage: packages.some((p) => p.id.toLowerCase() === 'microsoft.aspnetcore.identity.ui'),
  });

  const globalJson = findUpwards(msbuild.dir, 'global.json');
  let sdkPin: ProjectFacts['sdkPin'] = null;
  if (globalJson) {
    const doc = (await readJsonWithComments(globalJson)) as { sdk?: { version?: string; rollForward?: string } } | undefined;
    sdkPin = { file: globalJson, version: doc?.sdk?.version ?? null, rollForward: doc?.sdk?.rollForward ?? null };
  }

  let connection: ProjectFacts['connection'] = null;
  if (options.connection !== undefined) {
    connection = { name: identity.connectionStringName, value: options.connection, source: '--connection' };
  } else if (identity.connectionStringName) {
    connection =
      (await resolveConnectionString({
        projectDir: msbuild.dir,
        name: identity.connectionStringName,
        userSecretsId: msbuild.evaluated.UserSecretsId || undefined,
        env,
      })) ?? null;
  } else if (identity.inlineConnectionString !== null) {
    connection = { name: null, value: identity.inlineConnectionString, source: path.relative(msbuild.dir, identity.provider?.file ?? '') };
  }

  // Table names EF recorded where the code we read maps none (a module's configuration, an IModelBuilder).
  const migrations = readMigrations(sources, identity.dbContext.name);
  if (migrations) {
    const recorded = snapshotTables(sources.find((s) => s.path === migrations.snapshotFile)?.text ?? '', identity.userType, identity.roleType);
    for (const [role, table] of Object.entries(recorded) as [keyof typeof identity.tables, { name: string; schema: string | null }][]) {
      const current = identity.tables[role];
      if (current.name === DEFAULT_TABLES[role] && (table.name !== current.name || table.schema !== current.schema)) identity.tables[role] = table;
    }
  }

  return {
    located,
    msbuild,
    references,
    targetFrameworks: targetFrameworks(msbuild),
    sdkPin,
    identity,
    schemaVersion: { configured, effective },
    maxLengthForKeys: { configured: configuredKeys, effective: keys, reason },
    ui,
    migrations,
    connection,
    launchProfile: profile ? { name: profile.name, file: profile.file } : null,
    launchEnvironment: { ...(profile?.environmentVariables ?? {}) },
    environment: environmentName(env),
    existingPasskeys: findExistingPasskeySupport([msbuild, ...references], sources, identity.dbContext.file, msbuild.dir),
    fileStyle: fileStyleOf(sources.filter((s) => s.projectDir === msbuild.dir && !/[\\/]Migrations[\\/]/.test(s.path))),
  };
}

/** The way most of the files are written: a BOM or not, CRLF or LF (LF when they do not tell). */
function fileStyleOf(sources: SourceFile[]): ProjectFacts['fileStyle'] {
  const bom = sources.filter((s) => s.bom).length;
  const crlf = sources.filter((s) => s.eol === 'crlf').length;
  const lf = sources.filter((s) => s.eol === 'lf').length;
  return { bom: bom * 2 > sources.length && sources.length > 0, eol: crlf > lf ? 'crlf' : 'lf' };
}

/** The namespaces every file of the project that holds file sees without a using directive of its own. */
export function globalUsingsFor(facts: ProjectFacts, file: string): ReadonlySet<string> {
  const owner = [facts.msbuild, ...facts.references].filter((p) => file.startsWith(p.dir + path.sep)).sort((a, b) => b.dir.length - a.dir.length)[0];
  return owner?.globalUsings ?? new Set();
}

/**
 * How the app's model stores the passkey data: as columns on Oracle's MySQL provider (MySql.EntityFrameworkCore,
 * which maps no JSON column for an owned type; `add --switch-mysql-provider` configures that), else Identity's
 * JSON column.
 */
export function passkeyDataShape(facts: ProjectFacts): PasskeyDataShape {
  const oracle = [facts.msbuild, ...facts.references].some((p) => p.packages.some((r) => /^mysql\.entityframeworkcore$/i.test(r.id)));
  return facts.identity.provider?.name === 'mysql' && oracle ? 'columns' : 'json';
}

/** The connection string, or a clear error saying where we looked. */
export function requireConnection(facts: ProjectFacts): { value: string; source: string; name: string | null } {
  if (facts.connection) return facts.connection;
  const name = facts.identity.connectionStringName;
  if (name) {
    throw new UserError(`connection string '${name}' not found in appsettings.json, appsettings.{Environment}.json, user secrets or ConnectionStrings__${name}`, {
      hint: 'add it, set the environment variable, or pass --connection',
    });
  }
  throw new UserError('cannot tell which connection string the DbContext uses', { hint: 'pass --connection "<connection string>"' });
}
