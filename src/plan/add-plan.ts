/**
 * The whole `add` plan: the project upgrade (retarget, schema Version3, EF migration files), the passkey UI,
 * and the database steps, computed together so that later parts see the texts earlier parts will write and the
 * database gets the same migration id and EF version as the files. Reads only.
 */
import type { Kysely } from 'kysely';
import type { Dialect } from '../db/dialect.js';
import type { ProjectFacts } from '../read/project/index.js';
import { planUpgrade, type UpgradeOptions, type UpgradePlan } from '../commands/upgrade.js';
import { planDatabase, productVersionFor, type DbPlan } from './db-plan.js';
import { mergeChanges, type FileChange } from './file-change.js';
import { planUi, type UiKind } from './ui/index.js';

export interface AddPlanOptions extends UpgradeOptions {
  ui?: string;
  skipUi?: boolean;
}

export interface AddPlan {
  changes: FileChange[];
  packages: UpgradePlan['packages'];
  notes: string[];
  migrationId: string | null;
  uiKind: UiKind | null;
  productVersion: string;
}

export async function planAddFiles(facts: ProjectFacts, options: AddPlanOptions): Promise<AddPlan> {
  const upgrade = await planUpgrade(facts, options);
  const pending = new Map(upgrade.changes.map((c) => [c.path, c.after]));
  const ui = options.skipUi ? null : await planUi(facts, { ui: options.ui, pending });
  const productVersion =
    upgrade.packages.find((p) => /^Microsoft\.EntityFrameworkCore(\.|$)/i.test(p.id))?.to ?? productVersionFor(facts);
  return {
    changes: mergeChanges([...upgrade.changes, ...(ui?.changes ?? [])]),
    packages: upgrade.packages,
    notes: [...upgrade.notes, ...(ui?.notes ?? [])],
    migrationId: upgrade.migrationId,
    uiKind: ui?.kind ?? null,
    productVersion,
  };
}

export async function planAddDatabase(
  db: Kysely<any>,
  dialect: Dialect,
  facts: ProjectFacts,
  files: AddPlan,
  keepExistingColumns: boolean,
): Promise<DbPlan> {
  const provider = facts.identity.provider!.name;
  return planDatabase(db, dialect, {
    facts,
    provider,
    keepExistingColumns,
    overrides: { id: files.migrationId, productVersion: files.productVersion },
  });
}
