/** `passkey-migrate detect`: what app is this, and is it supported? Read-only. */
import path from 'node:path';
import type { Output } from '../core/output.js';
import { redactConnectionString } from '../core/redact.js';
import { engineTypes, noProviderCallMessage } from '../db/registry.js';
import { readDatabase } from '../read/database/index.js';
import type { DatabaseFacts } from '../read/database/identity-schema.js';
import { passkeyDataShape, requireConnection, type ProjectFacts } from '../read/project/index.js';
import { UserError } from '../core/errors.js';
import { planAddFiles } from '../plan/add-plan.js';
import { checkAppHealth, type AppHealth } from '../read/project/health.js';
import { readTarget, type TargetOptions } from './target.js';

export interface DetectOptions extends TargetOptions {
  skipDb?: boolean;
  connectTimeout?: number;
  /** also build the untouched app and ask EF whether its model agrees with its migrations (takes seconds) */
  build?: boolean;
}

export interface DetectReport {
  command: 'detect';
  status: 'ok';
  /** "yes", or "no" with the reasons add would stop for */
  supported: 'yes' | 'no';
  reasons: string[];
  project: ReturnType<typeof describeProject>;
  database: DatabaseFacts | { skipped: true; reason: string } | { error: string; hint: string | null };
  /** with --build: does the untouched app build, and does EF agree with its migrations */
  health: AppHealth | null;
  warnings: string[];
}

export async function detect(options: DetectOptions, out: Output): Promise<number> {
  const facts = await readTarget(options, { compileFor: 'current' });
  const warnings: string[] = [];
  const reasons: string[] = [];
  // The database part says why it could not be read; the project facts stand on their own.
  let database: DetectReport['database'];
  if (options.skipDb) {
    database = { skipped: true, reason: '--skip-db' };
  } else if (!facts.identity.provider) {
    database = { error: noProviderCallMessage(), hint: null };
  } else {
    try {
      const connection = requireConnection(facts);
      database = await readDatabase({
        provider: facts.identity.provider.name,
        connectionString: connection.value,
        baseDir: facts.msbuild.dir,
        tables: facts.identity.tables,
        keyType: facts.identity.keyType,
        passkeyData: passkeyDataShape(facts),
        connectTimeoutMs: options.connectTimeout,
      });
      if (!database.exists) warnings.push(`the database ${database.target} does not exist yet; run the app's migrations first`);
      else if (!database.tables.users.exists) reasons.push(`the database has no ${database.tables.users.name} table: run the app's own migrations first`);
      else if (database.passkeysTable === 'mismatch')
        reasons.push(`the database's ${database.tables.userPasskeys.name} differs from what EF Core creates: ${database.passkeysTableProblems.join('; ')}`);
    } catch (error) {
      if (!(error instanceof UserError)) throw error;
      database = { error: error.message, hint: error.hint ?? null };
      warnings.push(`database not read: ${error.message}${error.hint ? ` (${error.hint}; or pass --skip-db, or --connection)` : ' (pass --skip-db, or --connection)'}`);
    }
  }
  if (!facts.migrations) warnings.push('no EF Core migrations found for the DbContext (the app may use EnsureCreated)');
  // Supported: what add would stop for, found by planning add (offline, nothing written; EF Core's own migration
  // step, which builds, only with --build).
  if (!facts.identity.provider) reasons.push(noProviderCallMessage());
  else {
    try {
      await planAddFiles(facts, { offline: true, keepExistingColumns: false, skipEfTool: !options.build });
    } catch (error) {
      if (!(error instanceof UserError)) throw error;
      reasons.push(error.message);
    }
  }
  const health = options.build ? await out.during('building the app as it is (dotnet build, dotnet ef)', () => checkAppHealth(facts)) : null;
  if (health && !health.build.ok)
    warnings.push(
      `the app does not build as it is (${health.build.errors} error${health.build.errors === 1 ? '' : 's'}; first: ${health.build.first}): fix that first, so that a failure after add is not mistaken for ours`,
    );
  if (health && 'pendingChanges' in health.efModel && health.efModel.pendingChanges)
    warnings.push("EF Core reports model changes no migration has (the snapshot is stale): this is the app's own; add a migration for them first");
  const report: DetectReport = { command: 'detect', status: 'ok', supported: reasons.length ? 'no' : 'yes', reasons, project: describeProject(facts), database, health, warnings };
  if (out.json) out.document(report);
  else printReport(report, out);
  return 0;
}

export function describeProject(facts: ProjectFacts) {
  const root = facts.located.root;
  const rel = (file: string) => path.relative(root, file).split(path.sep).join('/') || '.';
  const { identity, msbuild, ui, migrations } = facts;
  const registeredIn = path.basename(identity.registration.file);
  const inProject = (file: string) => rel(path.join(msbuild.dir, file));
  return {
    root,
    path: rel(msbuild.path),
    name: msbuild.name,
    solution: facts.located.solutionPath ? rel(facts.located.solutionPath) : null,
    targetFramework: facts.targetFrameworks.length === 1 ? facts.targetFrameworks[0]! : facts.targetFrameworks.join(';') || null,
    targetFrameworks: facts.targetFrameworks,
    targetFrameworkSources: msbuild.targetFrameworkSettings.map((s) => ({ file: rel(s.file), property: s.name, value: s.raw, conditional: s.conditional })),
    sdkPin: facts.sdkPin ? { file: rel(facts.sdkPin.file), version: facts.sdkPin.version, rollForward: facts.sdkPin.rollForward } : null,
    centralPackageManagement: msbuild.centralPackages?.enabled ? { file: rel(msbuild.centralPackages.file) } : null,
    packages: [msbuild, ...facts.references].flatMap((p) =>
      p.packages.map((pkg) => ({ id: pkg.id, version: pkg.version ?? null, project: rel(p.path), versionFile: pkg.versionFile ? rel(pkg.versionFile) : null })),
    ),
    identity: {
      method: identity.registration.method,
      file: rel(identity.registration.file),
      line: identity.registration.line,
      via: /^(Program|Startup)\.cs$/.test(registeredIn) ? null : `${identity.registration.enclosingType ?? '?'}.${identity.registration.enclosingMethod ?? '?'}`,
      otherBranches: identity.otherBranches.map((b) => ({ file: rel(b.file), line: b.line, method: b.method })),
      optionsMethod: identity.optionsMethod ? { name: identity.optionsMethod.name, file: rel(identity.optionsMethod.file), line: identity.optionsMethod.line } : null,
      stores: identity.storesVia,
    },
    designTimeFactory: identity.designTimeFactory
      ? { name: identity.designTimeFactory.name, file: rel(identity.designTimeFactory.file), line: identity.designTimeFactory.line, provider: identity.designTimeFactory.provider }
      : null,
    providerCandidates: identity.providerCandidates.map((c) => ({ provider: c.name, file: rel(c.file), line: c.line, environment: c.environment })),
    environment: facts.environment,
    launchProfile: facts.launchProfile ? { name: facts.launchProfile.name, file: rel(facts.launchProfile.file) } : null,
    existingPasskeySupport: facts.existingPasskeys.map((e) => ({ what: e.what, file: rel(e.file), line: e.line })),
    userType: identity.userType,
    roleType: identity.roleType,
    keyType: identity.keyType,
    dbContext: identity.dbContext.name,
    dbContextFile: rel(identity.dbContext.file),
    dbContextProject: rel(projectFileOf(facts, identity.dbContext.projectDir)),
    schemaVersion: facts.schemaVersion,
    maxLengthForKeys: facts.maxLengthForKeys,
    tables: identity.tables,
    provider: identity.provider?.name ?? null,
    providerCall: identity.provider ? { method: identity.provider.method, file: rel(identity.provider.file), line: identity.provider.line } : null,
    connectionString: facts.connection
      ? {
          name: facts.connection.name,
          source: facts.connection.source.startsWith('/') ? rel(facts.connection.source) : facts.connection.source,
          value: redactConnectionString(facts.connection.value),
        }
      : { name: identity.connectionStringName, source: null, value: null },
    uiShape: ui.shape,
    scaffoldedPages: ui.scaffoldedPages,
    mvc: ui.mvc
      ? {
          accountController: inProject(ui.mvc.accountController),
          manageController: ui.mvc.manageController && inProject(ui.mvc.manageController),
          loginView: ui.mvc.loginView && inProject(ui.mvc.loginView),
          area: ui.mvc.area,
        }
      : null,
    manage: {
      places: ui.manage.candidates.map((c) => ({ kind: c.kind, what: c.description })),
      menuLink: ui.manage.link ? { kind: ui.manage.link.kind, at: `${inProject(ui.manage.link.file)}:${ui.manage.link.line}` } : null,
    },
    bootstrap: ui.bootstrap,
    layout: ui.layout && inProject(ui.layout),
    migrations: migrations
      ? {
          project: rel(projectFileOf(facts, migrations.projectDir)),
          folder: rel(migrations.folder),
          namespace: migrations.namespace,
          snapshot: rel(migrations.snapshotFile),
          productVersion: migrations.productVersion,
          snapshotHasPasskeys: migrations.snapshotHasPasskeys,
          list: migrations.migrations,
        }
      : null,
  };
}

function projectFileOf(facts: ProjectFacts, dir: string): string {
  return [facts.msbuild, ...facts.references].find((p) => p.dir === dir)?.path ?? dir;
}

function printReport(report: DetectReport, out: Output): void {
  const p = report.project;
  const line = (label: string, value: unknown) => out.line(`  ${label.padEnd(22)} ${value ?? '-'}`);
  out.line(out.style('heading', `${p.name}`) + out.style('dim', ` (${p.path})`));
  line('target framework', `${p.targetFramework}${p.targetFrameworkSources.length ? `  [${[...new Set(p.targetFrameworkSources.map((s) => s.file))].join(', ')}]` : ''}`);
  if (p.sdkPin) line('SDK pin', `${p.sdkPin.version} (${p.sdkPin.file}${p.sdkPin.rollForward ? `, rollForward ${p.sdkPin.rollForward}` : ''})`);
  if (p.centralPackageManagement) line('package versions', `central (${p.centralPackageManagement.file})`);
  line('Identity', `${p.identity.method}<${p.userType}> in ${p.identity.file}:${p.identity.line}${p.identity.via ? ` (${p.identity.via})` : ''}`);
  line('user / role / key', `${p.userType} / ${p.roleType ?? '-'} / ${p.keyType}`);
  line('DbContext', `${p.dbContext} (${p.dbContextFile})`);
  line('schema version', `Version${p.schemaVersion.effective}${p.schemaVersion.configured ? ' (set in code)' : ' (default)'}`);
  line('MaxLengthForKeys', `${p.maxLengthForKeys.effective} (${p.maxLengthForKeys.reason})`);
  line('provider', p.provider ? engineTypes(p.provider).label : '-');
  line(
    'connection string',
    p.connectionString.value ? `${p.connectionString.name ?? '(inline)'} from ${p.connectionString.source}` : `${p.connectionString.name ?? '-'} (not found)`,
  );
  line('UI', `${p.uiShape}${p.scaffoldedPages.length ? ` (${p.scaffoldedPages.length} scaffolded pages)` : ''}, Bootstrap ${p.bootstrap.version ?? '?'}`);
  line('layout', p.layout);
  if (p.manage.places.length)
    line(
      'manage',
      `${p.manage.places.map((m) => m.what).join('; ')}${p.manage.menuLink ? `; the account menu links to ${p.manage.menuLink.kind === 'mvc' ? 'the ManageController' : 'the Identity pages'} (${p.manage.menuLink.at})` : ''}`,
    );
  line('migrations', p.migrations ? `${p.migrations.folder} (${p.migrations.list.length}, EF ${p.migrations.productVersion ?? '?'})` : 'none');
  const db = report.database;
  if ('error' in db) {
    line('database', `not read: ${db.error}`);
  } else if ('skipped' in db) {
    line('database', `not read (${db.reason})`);
  } else if (!db.exists) {
    line('database', `${db.target}: does not exist yet`);
  } else {
    line('database', db.target);
    line(
      '  Identity tables',
      Object.values(db.tables)
        .filter((t) => t.exists)
        .map((t) => t.name)
        .join(', ') || 'none',
    );
    line('  user key column', db.userKeyColumnType);
    line('  passkeys table', db.passkeysTable + (db.passkeysTableProblems.length ? ` (${db.passkeysTableProblems.join('; ')})` : ''));
    line('  applied migrations', db.appliedMigrations.length ? db.appliedMigrations.map((m) => m.id).join(', ') : 'none');
    line('  schema version', db.schemaVersion ? `${db.schemaVersion} (${db.schemaVersionBasis})` : db.schemaVersionBasis);
  }
  if (report.health) {
    line('build (as it is)', report.health.build.ok ? 'ok' : `failed: ${report.health.build.first}`);
    const ef = report.health.efModel;
    line('EF model', 'pendingChanges' in ef ? (ef.pendingChanges ? 'changes no migration has (stale snapshot)' : 'agrees with the migrations') : `not checked (${ef.reason})`);
  }
  for (const warning of report.warnings) out.warn(warning);
  out.line(`supported: ${report.supported === 'yes' ? out.style('ok', 'yes') : `${out.style('error', 'no')} (${report.reasons.join('; ')})`}`);
}
