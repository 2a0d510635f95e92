/**
 * EF Core as the oracle: a copy of a fixture moved to .NET 10 and Identity schema Version3 by hand (what a careful
 * developer would do), in which `dotnet ef migrations add AddPasskeySupport` writes EF's own migration. Our
 * database work is then compared with what `dotnet ef database update` and `dotnet ef migrations script` do.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { copyFixture } from './fixtures.js';
import { dotnet, dotnetEf } from './dotnet.js';

type Edit = [file: string, from: string, to: string];
const EDITS = JSON.parse(readFileSync(path.join(__dirname, 'oracle-edits.json'), 'utf8')) as Record<string, { edits: Edit[]; keepColumns?: Edit[] }>;

export interface OracleApp {
  dir: string;
  migrationId: string;
}

export async function efOracleApp(fixture: string, options: { keepExistingColumns?: boolean } = {}): Promise<OracleApp> {
  const spec = EDITS[fixture];
  if (!spec) throw new Error(`no oracle edits for ${fixture}`);
  const dir = copyFixture(fixture);
  for (const [name, from, to] of [...spec.edits, ...(options.keepExistingColumns ? (spec.keepColumns ?? []) : [])]) {
    const file = path.join(dir, name);
    const text = readFileSync(file, 'utf8');
    const next = text.split(from).join(to);
    if (next === text) throw new Error(`oracle edit did not apply to ${name}: ${from}`);
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
