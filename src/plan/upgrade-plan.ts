/**
 * The project upgrade, staged: retarget to .NET 10 (frameworks, packages, SDK pin), Identity schema Version3,
 * --keep-existing-columns model configuration, and the EF migration AddPasskeySupport (migration, designer,
 * snapshot). Every edit goes into the staged tree, so each step sees the ones before it.
 */
import path from 'node:path';
import { UserError } from '../core/errors.js';
import type { ProjectFacts } from '../read/project/index.js';
import { efCoreVersion } from './ef-version.js';
import { planEfMigration } from './ef-migration-plan.js';
import { planKeepColumns } from './keep-columns.js';
import { planRetarget } from './retarget.js';
import { planSchemaVersion } from './schema-version.js';
import type { StagedTree } from './tree.js';
import { noProviderCallMessage } from '../db/registry.js';
import { passkeyDataShape } from '../read/project/index.js';
import type { PasskeyDataShape } from '../model/schema.js';
import { planOracleMysqlModel, planPomeloSwitch, POMELO, usesPackage } from './mysql-switch.js';

export interface UpgradeOptions {
  aspnetVersion?: string;
  keepExistingColumns?: boolean;
  skipRetarget?: boolean;
  offline?: boolean;
  /** move a Pomelo app to Oracle's MySql.EntityFrameworkCore (plan/mysql-switch.ts) */
  switchMysqlProvider?: boolean;
}

export interface PackageChange {
  id: string;
  from: string;
  to: string;
  source: string;
  /** the package is replaced by another (Pomelo.EntityFrameworkCore.MySql -> MySql.EntityFrameworkCore) */
  renamedTo?: string;
}

export interface UpgradePlan {
  packages: PackageChange[];
  notes: string[];
  migrationId: string | null;
  /** the EF Core version the migration files (and the history row) carry */
  productVersion: string;
  /** how the model stores the passkey data once upgraded */
  passkeyData: PasskeyDataShape;
  /** the migration files are still to be written, by EF Core itself (planMigrationByEf, once the whole plan is staged) */
  migrationByEf: boolean;
}

/** The EF Core version after the upgrade: the version EF Core's packages are moved to, else the project's own. */
export function efVersionAfter(facts: ProjectFacts, packages: PackageChange[]): string {
  // The project's packages as they will be: the planned versions over the current ones (plan/ef-version.ts).
  const after = [facts.msbuild, ...facts.references]
    .flatMap((p) => p.packages)
    .map((p) => ({ id: p.id, version: packages.find((c) => c.id.toLowerCase() === p.id.toLowerCase())?.to ?? p.version }));
  return efCoreVersion([...after, ...packages.map((c) => ({ id: c.id, version: c.to }))]);
}

export async function planUpgrade(facts: ProjectFacts, tree: StagedTree, options: UpgradeOptions): Promise<UpgradePlan> {
  const provider = facts.identity.provider?.name;
  if (!provider) throw new UserError(noProviderCallMessage());
  const notes: string[] = [];
  let packages: PackageChange[] = [];
  // EF's tools build the model through a design-time factory: a factory on another provider would make EF write
  // migrations for that provider, not for the database the app uses.
  const factory = facts.identity.designTimeFactory;
  if (factory?.provider && factory.provider !== provider) {
    throw new UserError(
      `the design-time factory ${factory.name} (${path.basename(factory.file)}:${factory.line}) uses ${factory.provider}, the app ${provider}: EF's migrations follow the factory, the database follows the app`,
      {
        hint: 'make the factory use the same provider as the app, then run again',
      },
    );
  }
  const switching = !!options.switchMysqlProvider && usesPackage(facts, POMELO);
  if (options.switchMysqlProvider && !switching) notes.push(`--switch-mysql-provider: the app does not use ${POMELO}; nothing to switch`);
  if (switching && options.skipRetarget) {
    throw new UserError('--switch-mysql-provider changes the provider package, which --skip-retarget leaves alone', { hint: 'leave out one of the two' });
  }
  if (!options.skipRetarget) {
    const retarget = await planRetarget(facts, tree, { aspnetVersion: options.aspnetVersion, offline: options.offline, switchMysqlProvider: switching });
    packages = retarget.packages;
    notes.push(...retarget.notes);
  }
  await planSchemaVersion(facts, tree);
  if (switching) notes.push(...(await planPomeloSwitch(facts, tree)));
  const passkeyData: PasskeyDataShape = switching ? 'columns' : passkeyDataShape(facts);
  if (passkeyData === 'columns') await planOracleMysqlModel(facts, tree, switching);
  if (options.keepExistingColumns) await planKeepColumns(facts, provider, tree);
  const productVersion = efVersionAfter(facts, packages);
  let migrationId: string | null = facts.migrations?.migrations.find((m) => /_AddPasskeySupport$/.test(m)) ?? null;
  if (!facts.migrations) {
    notes.push(
      'the app has no EF Core migrations (it may call EnsureCreated): no migration files are written; `passkey-migrate db update` adds the passkeys table to its database',
    );
  } else if (!migrationId && passkeyData === 'columns') {
    // Oracle's provider: EF Core writes the migration files itself, from the whole staged plan (ef-tool-migration.ts).
    return { packages, notes, migrationId: null, productVersion, passkeyData, migrationByEf: true };
  } else if (!migrationId) {
    const ef = (await planEfMigration(facts, provider, tree, { keepExistingColumns: options.keepExistingColumns ?? false, productVersion }))!;
    migrationId = ef.definition.id;
    tree.write(ef.files.migration.path, ef.files.migration.text, 'EF migration AddPasskeySupport');
    tree.write(ef.files.designer.path, ef.files.designer.text, 'EF migration AddPasskeySupport (designer)');
    tree.write(facts.migrations.snapshotFile, ef.files.snapshot.text, 'EF model snapshot');
  }
  return { packages, notes, migrationId, productVersion, passkeyData, migrationByEf: false };
}
