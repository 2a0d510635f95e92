/**
 * The whole `add` plan: the project upgrade (retarget, schema Version3, EF migration files), the passkey UI,
 * and the database steps, staged together in one tree so that later parts see the texts earlier parts will
 * write, and the database gets the same migration id and EF version as the files. Reads only.
 */
import type { Kysely } from 'kysely';
import type { Dialect } from '../db/dialect.js';
import type { ProjectFacts } from '../read/project/index.js';
import { planDatabase, type DbPlan } from './db-plan.js';
import type { FileChange } from './file-change.js';
import { StagedTree } from './tree.js';
import { planMigrationByEf } from './ef-tool-migration.js';
import type { PasskeyDataShape } from '../model/schema.js';
import { planUi, type UiKind, type UiOptions } from './ui/index.js';
import { planUpgrade, type UpgradeOptions, type UpgradePlan } from './upgrade-plan.js';

export interface AddPlanOptions extends UpgradeOptions, UiOptions {
  skipUi?: boolean;
  /**
   * leave out the step in which EF Core writes the migration in a scratch copy (Oracle's MySQL provider; a
   * restore and a build, ~30 s): `detect` without --build, which reads rather than builds
   */
  skipEfTool?: boolean;
}

export interface AddPlan {
  changes: FileChange[];
  packages: UpgradePlan['packages'];
  notes: string[];
  migrationId: string | null;
  uiKind: UiKind | null;
  productVersion: string;
  passkeyData: PasskeyDataShape;
}

export async function planAddFiles(facts: ProjectFacts, options: AddPlanOptions, tree = StagedTree.forProject(facts.fileStyle)): Promise<AddPlan> {
  const upgrade = await planUpgrade(facts, tree, options);
  const ui = options.skipUi ? null : await planUi(facts, tree, options);
  // Last, so that EF builds the whole plan (the UI too) in its scratch copy.
  const ef = upgrade.migrationByEf && !options.skipEfTool ? await planMigrationByEf(facts, tree, upgrade.productVersion) : null;
  return {
    changes: tree.changes(),
    packages: upgrade.packages,
    notes: [...upgrade.notes, ...(ui?.notes ?? [])],
    migrationId: ef?.id ?? upgrade.migrationId,
    uiKind: ui?.kind ?? null,
    productVersion: ef?.productVersion ?? upgrade.productVersion,
    passkeyData: upgrade.passkeyData,
  };
}

export async function planAddDatabase(db: Kysely<any>, dialect: Dialect, facts: ProjectFacts, files: AddPlan, keepExistingColumns: boolean): Promise<DbPlan> {
  const provider = facts.identity.provider!.name;
  return planDatabase(db, dialect, {
    facts,
    provider,
    keepExistingColumns,
    overrides: { id: files.migrationId, productVersion: files.productVersion, passkeyData: files.passkeyData },
  });
}
