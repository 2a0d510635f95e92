/** The read stage for the .NET side: every fact about the project, gathered without side effects. */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { UserError } from '../../core/errors.js';
import { readJsonWithComments, resolveConnectionString, type ResolvedConnectionString } from './config.js';
import { readIdentity, type IdentityFacts } from './identity.js';
import { locateProject, type LocatedProject } from './locate.js';
import { readMigrations, type MigrationsFacts } from './migrations.js';
import { findUpwards, readMsbuildProject, targetFrameworks, type MsbuildProject } from './msbuild.js';
import { listCSharpFiles } from './sources.js';
import { readUi, type UiFacts } from './ui.js';

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
}

export interface ReadProjectOptions {
  project?: string;
  cwd?: string;
  connection?: string;
  env?: NodeJS.ProcessEnv;
}

export async function readProject(options: ReadProjectOptions = {}): Promise<ProjectFacts> {
  const located = locateProject(options.project, options.cwd);
  const msbuild = readMsbuildProject(located.projectPath);
  const references: MsbuildProject[] = [];
  const queue = [...msbuild.projectReferences];
  const seen = new Set([msbuild.path]);
  while (queue.length) {
    const next = queue.shift()!;
    if (seen.has(next) || !existsSync(next)) continue;
    seen.add(next);
    const ref = readMsbuildProject(next);
    references.push(ref);
    queue.push(...ref.projectReferences);
  }

  const sources = [msbuild, ...references].flatMap((p) => listCSharpFiles(p.dir));
  const identity = await readIdentity(sources);

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
    identityUiFrameworkVersion: msbuild.properties.get('identityuiframeworkversion')?.value,
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
        userSecretsId: msbuild.properties.get('usersecretsid')?.value,
        env: options.env,
      })) ?? null;
  } else if (identity.inlineConnectionString !== null) {
    connection = { name: null, value: identity.inlineConnectionString, source: path.relative(msbuild.dir, identity.provider?.file ?? '') };
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
    migrations: readMigrations(sources, identity.dbContext.name),
    connection,
  };
}

/** The connection string, or a clear error saying where we looked. */
export function requireConnection(facts: ProjectFacts): { value: string; source: string; name: string | null } {
  if (facts.connection) return facts.connection;
  const name = facts.identity.connectionStringName;
  if (name) {
    throw new UserError(
      `connection string '${name}' not found in appsettings.json, appsettings.{Environment}.json, user secrets or ConnectionStrings__${name}`,
      { hint: 'add it, set the environment variable, or pass --connection' },
    );
  }
  throw new UserError('cannot tell which connection string the DbContext uses', { hint: 'pass --connection "<connection string>"' });
}
