/**
 * EF Core as the oracle: a copy of a fixture moved to .NET 10 and Identity schema Version3 by hand (what a careful
 * developer would do), in which `dotnet ef migrations add AddPasskeySupport` writes EF's own migration. Our
 * database work is then compared with what `dotnet ef database update` and `dotnet ef migrations script` do.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { copyFixture } from './fixtures.js';
import { dotnet, dotnetEf } from './dotnet.js';

interface Edit {
  file: string;
  from: RegExp | string;
  to: string;
}

const VERSION3 = 'options.Stores.SchemaVersion = IdentitySchemaVersions.Version3;';

const EDITS: Record<string, { project: string; startup?: string; edits: Edit[]; keepColumns?: Edit[] }> = {
  'webapp-sqlite': {
    project: '.',
    edits: [
      { file: 'SampleShop.csproj', from: /net8\.0/g, to: 'net10.0' },
      { file: 'SampleShop.csproj', from: /8\.0\.34/g, to: '10.0.15' },
      { file: 'Program.cs', from: 'options => options.SignIn.RequireConfirmedAccount = true)', to: `options => { options.SignIn.RequireConfirmedAccount = true; ${VERSION3} })` },
    ],
  },
  'mvc-startup': {
    project: '.',
    edits: [
      { file: 'Ledger.csproj', from: /net8\.0/g, to: 'net10.0' },
      { file: 'Ledger.csproj', from: /8\.0\.34/g, to: '10.0.15' },
      { file: 'Startup.cs', from: 'options.User.RequireUniqueEmail = true;', to: `options.User.RequireUniqueEmail = true;\n                ${VERSION3}` },
    ],
  },
  'mvc-sqlserver': {
    project: '.',
    edits: [
      { file: 'Ledger.csproj', from: /net9\.0/g, to: 'net10.0' },
      { file: 'Ledger.csproj', from: /9\.0\.23/g, to: '10.0.15' },
      { file: 'Startup.cs', from: 'options.User.RequireUniqueEmail = true;', to: `options.User.RequireUniqueEmail = true;\n                ${VERSION3}` },
    ],
  },
  'guid-postgres': {
    project: '.',
    edits: [
      { file: 'Crm.csproj', from: /net9\.0/g, to: 'net10.0' },
      { file: 'Crm.csproj', from: /9\.0\.23/g, to: '10.0.15' },
      { file: 'Crm.csproj', from: 'Version="9.0.4"', to: 'Version="10.0.1"' },
      { file: 'Program.cs', from: 'o => o.SignIn.RequireConfirmedAccount = false)', to: `options => { options.SignIn.RequireConfirmedAccount = false; ${VERSION3} })` },
    ],
    // The app keeps PhoneNumber as it is: the model says so, and EF's migration then only adds the table.
    keepColumns: [
      { file: 'Data/CrmDbContext.cs', from: 'builder.HasDefaultSchema("auth");', to: 'builder.HasDefaultSchema("auth");\n        builder.Entity<ApplicationUser>().Property(u => u.PhoneNumber).Metadata.SetMaxLength(null);' },
    ],
  },
};

export interface OracleApp {
  dir: string;
  migrationId: string;
}

export async function efOracleApp(fixture: string, options: { keepExistingColumns?: boolean } = {}): Promise<OracleApp> {
  const spec = EDITS[fixture];
  if (!spec) throw new Error(`no oracle edits for ${fixture}`);
  const dir = copyFixture(fixture);
  for (const edit of [...spec.edits, ...(options.keepExistingColumns ? spec.keepColumns ?? [] : [])]) {
    const file = path.join(dir, edit.file);
    const text = readFileSync(file, 'utf8');
    const next = text.replace(edit.from, edit.to);
    if (next === text) throw new Error(`oracle edit did not apply to ${edit.file}: ${String(edit.from)}`);
    writeFileSync(file, next);
  }
  await dotnet(['restore'], dir);
  await dotnetEf(['migrations', 'add', 'AddPasskeySupport', '-o', 'Data/Migrations'], dir);
  const migrationId = readdirSync(path.join(dir, 'Data', 'Migrations'))
    .map((f) => /^(\d{14}_AddPasskeySupport)\.cs$/.exec(f)?.[1])
    .find(Boolean)!;
  return { dir, migrationId };
}

/** EF's own SQL for AddPasskeySupport, from the migration before it. */
export async function efScript(app: OracleApp, options: { idempotent?: boolean } = {}): Promise<string> {
  const migrations = readdirSync(path.join(app.dir, 'Data', 'Migrations'))
    .map((f) => /^(\d{14}_\w+)\.cs$/.exec(f)?.[1])
    .filter((x): x is string => Boolean(x))
    .sort();
  const previous = migrations[migrations.indexOf(app.migrationId) - 1]!;
  const result = await dotnetEf(['migrations', 'script', previous, app.migrationId, ...(options.idempotent ? ['--idempotent'] : [])], app.dir);
  return result.stdout.replace(/^Build (started|succeeded)\.*\n/gm, '');
}

export async function efDatabaseUpdate(app: OracleApp, env: NodeJS.ProcessEnv = {}): Promise<void> {
  await dotnetEf(['database', 'update'], app.dir, env);
}
